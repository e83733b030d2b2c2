"""The target subject's video on disk: frames with the pose the camera sees in each, one ``.npz``.

What the motion-transfer trainer reads, whoever made it (:mod:`marionnette.datasets.dancer`
renders one from the character; a user's own video goes through pose capture first). Loaded
without unpickling:

=============  ====================  ======================================================
key            shape, dtype          what it holds
=============  ====================  ======================================================
``frames``     (T, H, W, 3) u8       the target's video, RGB
``points``     (T, J, 2) f32         its 2-D pose in each frame: pixels, x right, y down,
                                     NaN for a joint not seen
``held_out``   (T,) bool             frames kept apart from training (motion never trained
                                     on: whole pieces, never single frames)
``piece``      (T,) i32              which continuous piece of video each frame is from: a
                                     frame and the one before it are neighbours only within
                                     a piece (the temporal losses read pairs)
``skeleton``   ()  str               the joints' skeleton (``canonical``, ``mediapipe_33``)
``fps``        ()  f64               frames per second
=============  ====================  ======================================================
"""

from __future__ import annotations

import os
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path
from marionnette.motion.skeleton import BUILTIN_SKELETONS, Skeleton

FORMAT = "marionnette.target_video"
VERSION = 1
_KEYS = ("frames", "points", "held_out", "piece", "skeleton", "fps")


@dataclass
class TargetVideo:
    """The module's table, in memory."""

    frames: np.ndarray
    points: np.ndarray
    held_out: np.ndarray
    piece: np.ndarray
    skeleton: str = "canonical"
    fps: float = 15.0

    def __post_init__(self) -> None:
        self.frames = np.asarray(self.frames, dtype=np.uint8)
        self.points = np.asarray(self.points, dtype=np.float32)
        self.held_out = np.asarray(self.held_out, dtype=bool)
        self.piece = np.asarray(self.piece, dtype=np.int32)
        T = len(self.frames)
        if self.frames.ndim != 4 or self.frames.shape[-1] != 3:
            raise MarionnetteError(f"frames of shape {self.frames.shape}: give (T, H, W, 3) RGB")
        joints = len(self.skeleton_spec)
        if self.points.shape != (T, joints, 2):
            raise MarionnetteError(
                f"points of shape {self.points.shape}: give ({T}, {joints}, 2), one {self.skeleton} pose a frame"
            )
        for name in ("held_out", "piece"):
            if getattr(self, name).shape != (T,):
                raise MarionnetteError(f"{name} of shape {getattr(self, name).shape}: give ({T},), one a frame")
        if self.held_out.all() or not self.held_out.any():
            raise MarionnetteError("a target video needs frames both to train on and held out: mark some held_out")

    @property
    def skeleton_spec(self) -> Skeleton:
        found = next((s for s in BUILTIN_SKELETONS if s.name == self.skeleton), None)
        if found is None:
            names = ", ".join(s.name for s in BUILTIN_SKELETONS)
            raise MarionnetteError(f"skeleton {self.skeleton!r}: a target video's poses use one of {names}")
        return found

    @property
    def size(self) -> tuple[int, int]:
        """``(H, W)`` of the frames."""
        return self.frames.shape[1], self.frames.shape[2]

    def previous(self) -> np.ndarray:
        """``(T,)`` the index of each frame's predecessor in its piece; its own index for a piece's first frame."""
        index = np.arange(len(self.piece))
        first = np.r_[True, self.piece[1:] != self.piece[:-1]]
        return np.where(first, index, index - 1)

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``path`` (an ``.npz``) atomically; returns it."""
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, format=np.array(FORMAT), version=np.array(VERSION), frames=self.frames,
                                points=self.points, held_out=self.held_out, piece=self.piece,
                                skeleton=np.array(self.skeleton), fps=np.array(self.fps))  # fmt: skip
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> TargetVideo:
        """Read what :meth:`save` wrote; one line naming the file and the fix on any problem."""
        path = Path(path)
        if not path.is_file():
            raise MarionnetteError(
                f"{path}: no such file; pass a target video .npz (frames and their 2-D poses; TargetVideo.save)"
            )
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, TypeError) as e:
            raise MarionnetteError(
                f"{path} is not a readable target video ({type(e).__name__}: truncated or corrupt); make it again"
            ) from e
        if str(data.get("format", "")) != FORMAT:
            raise MarionnetteError(f"{path} is no marionnette target video (no format {FORMAT!r} in it)")
        if int(data["version"]) > VERSION:
            raise MarionnetteError(f"{path} is format version {int(data['version'])}; this marionnette reads {VERSION}")
        missing = [k for k in _KEYS if k not in data]
        if missing:
            raise MarionnetteError(f"{path} lacks {', '.join(missing)}: make it again")
        return cls(data["frames"], data["points"], data["held_out"], data["piece"], str(data["skeleton"]),
                   float(data["fps"]))  # fmt: skip


__all__ = ["FORMAT", "TargetVideo"]
