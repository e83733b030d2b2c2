"""Cameras that render the character headless, and project points into their images."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import math

import mujoco
import numpy as np

from marionnette.errors import MarionnetteError

CAMERAS = ("track", "front")
"""``track`` follows the character from its right, a little behind; ``front`` stands 2.6 m in
front of it at chest height, facing it, like a webcam (fovy 60 degrees)."""

# Shadows, reflections and the skybox triple the cost of a software-rendered frame
# (~110 ms -> ~25 ms at 640x480 on Mesa): off for live views, on for figures.
_COSTLY = (mujoco.mjtRndFlag.mjRND_SHADOW, mujoco.mjtRndFlag.mjRND_REFLECTION, mujoco.mjtRndFlag.mjRND_SKYBOX)


def _load_triton_first() -> None:
    """Load triton's compiler library before Mesa's renderer, if triton is installed.

    Both carry an LLVM. Loaded after Mesa's (llvmpipe, which EGL and OSMesa render with on
    a machine without a GPU), triton's segfaults the process the first time torch imports
    it (any torch optimizer does, through torch._dynamo); loaded first, both work. torch's
    CUDA wheels bring triton, so a process that renders the character and trains a network
    (watching a run, making a dataset) needs this order. Costs ~0.2 s once.
    """
    if importlib.util.find_spec("triton") is not None:
        with contextlib.suppress(Exception):
            importlib.import_module("triton._C.libtriton")


class BodyCamera:
    """One named camera of the character's model, rendering RGB frames ``(H, W, 3)`` uint8.

    ``fast=True`` turns off shadows, reflections and the skybox (live views, datasets);
    ``fast=False`` keeps them (figures). Call :meth:`close` (or use ``with``) to free the
    OpenGL context.
    """

    def __init__(
        self, model: mujoco.MjModel, camera: str = "track", width: int = 640, height: int = 480, fast: bool = True
    ):
        if camera not in CAMERAS or mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_CAMERA, camera) < 0:
            raise MarionnetteError(f"camera {camera!r}: the character has {', '.join(CAMERAS)}")
        if width > model.vis.global_.offwidth or height > model.vis.global_.offheight:
            raise MarionnetteError(
                f"{width}x{height} is larger than the model's offscreen buffer "
                f"{model.vis.global_.offwidth}x{model.vis.global_.offheight}: render at most that"
            )
        self.model = model
        self.camera = camera
        self.camera_id = model.camera(camera).id
        self.width, self.height = width, height
        _load_triton_first()
        try:
            self._renderer = mujoco.Renderer(model, height=height, width=width)
        except Exception as e:  # no OpenGL: the message names the backend that failed
            raise MarionnetteError(
                f"cannot open an OpenGL context for rendering ({type(e).__name__}: {str(e).splitlines()[0]}): "
                "set MUJOCO_GL=egl (Mesa's EGL, or the GPU driver's) or MUJOCO_GL=osmesa (apt install libosmesa6)"
            ) from e
        self.fast = fast
        for flag in _COSTLY:
            self._renderer.scene.flags[flag] = not fast

    def render(self, data: mujoco.MjData) -> np.ndarray:
        """The character as this camera sees ``data`` now: ``(H, W, 3)`` uint8."""
        self._renderer.update_scene(data, camera=self.camera_id)
        return self._renderer.render()

    def project(self, data: mujoco.MjData, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` MuJoCo world points -> ``(N, 2)`` pixel coordinates ``(u right, v down)``
        in this camera's image; points behind the camera come back as NaN."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        position = data.cam_xpos[self.camera_id]
        rotation = data.cam_xmat[self.camera_id].reshape(3, 3)  # columns: camera axes in the world
        local = (points - position) @ rotation  # (N, 3) in the camera frame; it looks along -z
        depth = -local[:, 2]
        focal = 0.5 * self.height / math.tan(math.radians(self.model.cam_fovy[self.camera_id]) / 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            u = 0.5 * self.width + focal * local[:, 0] / depth
            v = 0.5 * self.height - focal * local[:, 1] / depth
        uv = np.stack([u, v], axis=1)
        uv[depth <= 0] = np.nan
        return uv

    def segmentation(self, data: mujoco.MjData) -> np.ndarray:
        """``(H, W)`` int: the geom id seen at each pixel (-1 for background)."""
        self._renderer.enable_segmentation_rendering()
        try:
            self._renderer.update_scene(data, camera=self.camera_id)
            ids = self._renderer.render()[..., 0].copy()  # (H, W, 2): object id, object type
        finally:
            self._renderer.disable_segmentation_rendering()
        return ids

    def close(self) -> None:
        self._renderer.close()

    def __enter__(self) -> BodyCamera:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class VirtualCamera:
    """The character played through poses ``qpos (T, nq)`` and filmed: a frame source.

    Iterating yields ``(timestamp_s, image (H, W, 3) uint8)`` like a webcam would, so pose
    capture can run on it; :meth:`truth` is what a perfect capture would return (the
    canonical forward kinematics of the same poses). A machine with no camera and no person
    measures the whole capture pipeline against it.
    """

    def __init__(self, character, qpos: np.ndarray, fps: float = 30.0, camera: str = "front",
                 width: int = 640, height: int = 480, fast: bool = True):  # fmt: skip
        qpos = np.asarray(qpos, dtype=np.float64)
        if qpos.ndim != 2 or qpos.shape[1] != character.model.nq:
            raise MarionnetteError(f"qpos of shape {qpos.shape}: expected (T, {character.model.nq}), one row per frame")
        self.character, self.qpos, self.fps = character, qpos, float(fps)
        self.camera_args = (camera, width, height, fast)

    def __len__(self) -> int:
        return len(self.qpos)

    def __iter__(self):
        data = mujoco.MjData(self.character.model)
        with BodyCamera(self.character.model, *self.camera_args) as camera:
            for t, q in enumerate(self.qpos):
                data.qpos[:] = q
                mujoco.mj_forward(self.character.model, data)
                yield t / self.fps, camera.render(data)

    def truth(self):
        """The poses as a canonical :class:`~marionnette.motion.PoseSequence` (metres, y up)."""
        return self.character.forward_kinematics(self.qpos, fps=self.fps)
