"""The MuJoCo character and its forward kinematics in the canonical skeleton."""

from __future__ import annotations

from pathlib import Path

import mujoco
import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, PoseSequence

MODEL_PATH = Path(__file__).with_name("character.xml")

# MuJoCo (x forward, y left, z up) -> motion (x left, y up, z forward): a rotation, so
# lengths and handedness are kept. Rows: motion axes as combinations of MuJoCo's.
_MJ_TO_MOTION = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=np.float64)


def to_motion_frame(points: np.ndarray) -> np.ndarray:
    """``(..., 3)`` MuJoCo world coordinates (z up, facing +x) -> motion (y up, facing +z)."""
    return np.asarray(points) @ _MJ_TO_MOTION.T


def from_motion_frame(points: np.ndarray) -> np.ndarray:
    """``(..., 3)`` motion coordinates (y up) -> MuJoCo world coordinates (z up)."""
    return np.asarray(points) @ _MJ_TO_MOTION


class Character:
    """marionnette's humanoid: 66.7 kg, 1.75 m, 26 hinge joints and a free root.

    Its bodies are named for the 16 canonical joints and their frames sit on those joints,
    so :meth:`joint_positions` is the bodies' world positions, reordered and turned y-up.

    ``qpos`` layout: root position (3, metres, z up), root orientation (4, wxyz quaternion),
    then the 26 hinge angles in radians in the order of :attr:`joint_names`; ``ctrl`` has one
    torque command in [-1, 1] per hinge, scaled by the motor's gear (N m).
    """

    def __init__(self, model_path: str | Path = MODEL_PATH):
        path = Path(model_path)
        if not path.is_file():
            raise MarionnetteError(f"character model {path} not found: reinstall marionnette or pass an MJCF path")
        try:
            self.model = mujoco.MjModel.from_xml_path(str(path))
        except ValueError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise MarionnetteError(f"character model {path} does not load: {first}") from e
        self.data = mujoco.MjData(self.model)
        missing = [j for j in CANONICAL.joints if mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_BODY, j) < 0]
        if missing:
            raise MarionnetteError(f"character model {path} lacks the canonical bodies {missing}")
        self.body_ids = np.array([self.model.body(j).id for j in CANONICAL.joints])  # (16,), CANONICAL order
        hinges = [i for i in range(self.model.njnt) if self.model.jnt_type[i] == mujoco.mjtJoint.mjJNT_HINGE]
        self.joint_names = tuple(self.model.joint(i).name for i in hinges)
        self.hinge_qpos = self.model.jnt_qposadr[hinges]  # (26,) where each angle lives in qpos
        self.hinge_range = self.model.jnt_range[hinges].copy()  # (26, 2) radians
        self.standing_qpos = self.model.qpos0.copy()  # the zero pose, feet 1 cm above the floor

    @property
    def mass(self) -> float:
        return float(self.model.body_subtreemass[self.model.body("pelvis").id])

    def joint_positions(self, data: mujoco.MjData | None = None) -> np.ndarray:
        """``(16, 3)`` float32: canonical joint positions of ``data`` (after mj_forward/mj_step), y up."""
        data = self.data if data is None else data
        return to_motion_frame(data.xpos[self.body_ids]).astype(np.float32)

    def forward_kinematics(self, qpos: np.ndarray, fps: float = 30.0) -> PoseSequence:
        """``qpos (T, nq)`` -> the canonical PoseSequence of those poses (positions only, no physics)."""
        qpos = np.asarray(qpos, dtype=np.float64)
        if qpos.ndim == 1:
            qpos = qpos[None]
        if qpos.ndim != 2 or qpos.shape[1] != self.model.nq:
            raise MarionnetteError(f"qpos of shape {qpos.shape}: expected (T, {self.model.nq}), one row per frame")
        data = mujoco.MjData(self.model)
        positions = np.empty((len(qpos), len(CANONICAL.joints), 3), np.float32)
        for t, q in enumerate(qpos):
            data.qpos[:] = q
            mujoco.mj_kinematics(self.model, data)
            positions[t] = self.joint_positions(data)
        return PoseSequence(positions=positions, fps=fps, skeleton=CANONICAL)
