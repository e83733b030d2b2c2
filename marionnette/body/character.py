"""The MuJoCo character and its forward kinematics in the canonical skeleton."""

from __future__ import annotations

import difflib
from pathlib import Path

import mujoco
import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, CanonicalJoint, PoseSequence
from marionnette.motion.mapping import FOOT_POINTS

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
    then the 26 hinge angles in radians in the order of :attr:`joint_names`; ``qvel``: the
    root's linear and angular velocity (6), then the 26 hinge velocities; ``ctrl`` has one
    torque command in [-1, 1] per hinge, scaled by the motor's gear (N m).

    Read the state by name, not by index (as dm_control's ``physics.named.data`` does):
    :meth:`root_position`, :meth:`root_orientation`, :meth:`pelvis_height` and
    :meth:`center_of_mass`; the slices :attr:`root_position_qpos`,
    :attr:`root_orientation_qpos` and :attr:`root_dof`; the addresses :attr:`hinge_qpos`,
    :attr:`hinge_dof` and :meth:`qpos_address`; :meth:`joint_positions`, indexed by
    :class:`~marionnette.motion.CanonicalJoint`.

    Beside the joints, each foot carries three sites named for the
    :class:`~marionnette.motion.mapping.FootPoint` they stand for (``left_heel``,
    ``left_toe_base``, ``left_toe_tip``, ...): :attr:`foot_site_ids`,
    :meth:`foot_positions`. :meth:`floor_clearance` is how far the body's lowest geometry
    is above the floor.
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
        self.hinge_dof = self.model.jnt_dofadr[hinges]  # (26,) where each angular velocity lives in qvel
        self.hinge_range = self.model.jnt_range[hinges].copy()  # (26, 2) radians
        self.standing_qpos = self.model.qpos0.copy()  # the zero pose, feet 1 cm above the floor
        # The free root joint: the pelvis's place (x forward, y left, z up; metres) and its
        # orientation (w, x, y, z) in qpos, its linear and angular velocity in qvel.
        pelvis = self.model.body(CANONICAL.joints[CanonicalJoint.PELVIS])
        if pelvis.jntnum[0] != 1 or self.model.jnt_type[pelvis.jntadr[0]] != mujoco.mjtJoint.mjJNT_FREE:
            raise MarionnetteError(f"character model {path}: the pelvis must carry one free joint (the root)")
        root = self.model.joint(int(pelvis.jntadr[0]))
        self.pelvis_id = pelvis.id  # the root body: its subtree is the whole character
        self.root_name = root.name
        start = int(root.qposadr[0])
        self.root_position_qpos = slice(start, start + 3)
        self.root_orientation_qpos = slice(start + 3, start + 7)
        start = int(root.dofadr[0])
        self.root_dof = slice(start, start + 6)  # qvel: linear (m/s) then angular (rad/s) velocity
        # Optional parts (an MJCF of one's own may lack them): the foot sites and the floor.
        sites = [mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_SITE, p) for p in FOOT_POINTS]
        self.foot_site_ids = np.array(sites) if min(sites) >= 0 else None  # (6,), FootPoint order
        self.floor_id = mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_GEOM, "floor")  # -1: no floor
        self._body_geoms = np.flatnonzero(self.model.geom_bodyid != 0)  # the character's own geoms

    @property
    def mass(self) -> float:
        return float(self.model.body_subtreemass[self.pelvis_id])

    def qpos_address(self, joint: str) -> int:
        """Where joint ``joint`` (a name of :attr:`joint_names`, or the root's) starts in ``qpos``."""
        if mujoco.mj_name2id(self.model, mujoco.mjtObj.mjOBJ_JOINT, joint) < 0:
            names = (self.root_name, *self.joint_names)
            close = difflib.get_close_matches(joint, names, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"the joints are {', '.join(names)}"
            raise MarionnetteError(f"joint {joint!r}: the character has no such joint; {hint}")
        return int(self.model.joint(joint).qposadr[0])

    def root_position(self, data: mujoco.MjData | None = None) -> np.ndarray:
        """``(3,)`` view of ``data.qpos``: the pelvis's position, metres (x forward, y left, z up)."""
        data = self.data if data is None else data
        return data.qpos[self.root_position_qpos]

    def root_orientation(self, data: mujoco.MjData | None = None) -> np.ndarray:
        """``(4,)`` view of ``data.qpos``: the pelvis's orientation, a unit quaternion (w, x, y, z)."""
        data = self.data if data is None else data
        return data.qpos[self.root_orientation_qpos]

    def pelvis_height(self, data: mujoco.MjData | None = None) -> float:
        """The pelvis's height above the floor (m), from ``data.qpos``."""
        return float(self.root_position(data)[2])

    def center_of_mass(self, data: mujoco.MjData | None = None) -> np.ndarray:
        """``(3,)`` the whole character's centre of mass (MuJoCo world frame, metres), as of
        ``data``'s last forward pass (``mj_step`` leaves it one physics step behind ``qpos``)."""
        data = self.data if data is None else data
        return data.subtree_com[self.pelvis_id]

    def joint_positions(self, data: mujoco.MjData | None = None) -> np.ndarray:
        """``(16, 3)`` float32: canonical joint positions of ``data`` (after mj_forward/mj_step),
        y up, indexed by :class:`~marionnette.motion.CanonicalJoint`."""
        data = self.data if data is None else data
        return to_motion_frame(data.xpos[self.body_ids]).astype(np.float32)

    def foot_positions(self, data: mujoco.MjData | None = None) -> np.ndarray:
        """``(6, 3)`` float32: the foot sites of ``data`` (after mj_kinematics), y up, in
        :class:`~marionnette.motion.mapping.FootPoint` order."""
        if self.foot_site_ids is None:
            raise MarionnetteError(
                f"this character model has no foot sites ({', '.join(FOOT_POINTS)}): add them to its MJCF"
            )
        data = self.data if data is None else data
        return to_motion_frame(data.site_xpos[self.foot_site_ids]).astype(np.float32)

    def floor_clearance(self, data: mujoco.MjData | None = None) -> float:
        """Metres from the floor to the lowest point of the character's geometry in ``data``
        (after mj_kinematics): negative when part of the body is below the floor.
        MuJoCo's signed geom distance (``mj_geomDistance``), so any geom type counts."""
        if self.floor_id < 0:
            raise MarionnetteError("this character model has no geom named 'floor' to measure the clearance from")
        data = self.data if data is None else data
        fromto = np.zeros(6)
        return min(
            mujoco.mj_geomDistance(self.model, data, self.floor_id, int(g), 10.0, fromto) for g in self._body_geoms
        )

    def foot_kinematics(self, qpos: np.ndarray) -> np.ndarray:
        """``qpos (T, nq)`` -> ``(T, 6, 3)`` float32 foot sites (y up, FootPoint order), no physics."""
        qpos = np.asarray(qpos, dtype=np.float64)
        qpos = qpos[None] if qpos.ndim == 1 else qpos
        if qpos.ndim != 2 or qpos.shape[1] != self.model.nq:
            raise MarionnetteError(f"qpos of shape {qpos.shape}: expected (T, {self.model.nq}), one row per frame")
        data = mujoco.MjData(self.model)
        out = np.empty((len(qpos), len(FOOT_POINTS), 3), np.float32)
        for t, q in enumerate(qpos):
            data.qpos[:] = q
            mujoco.mj_kinematics(self.model, data)
            out[t] = self.foot_positions(data)
        return out

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
