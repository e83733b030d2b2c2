"""PoseSequence: a skeleton moving in time, the one type every motion consumer reads.

Shapes and units
    ``positions``  ``(T, J, 3)`` float32, metres, y up, right-handed; where a source
    knows which way the person faces, they face +z with their own left on +x.
    ``confidence`` ``(T, J)`` float32 in ``[0, 1]``; all ones when not given.
    ``fps``        frames per second; frame ``t`` is at time ``t / fps``.

Missing joints
    A joint that was not seen in a frame has confidence ``0``. Its position may be NaN
    (what capture writes) or a finite guess; positions are finite wherever confidence is
    above 0, and never infinite. Every operation keeps this: a joint map's target joint
    is missing when any of its sources is (its confidence is their minimum), resampling
    between a missing and a present frame gives a missing joint.

Files
    :meth:`PoseSequence.save` writes an ``.npz`` (atomically) holding ``positions``,
    ``confidence``, ``fps``, the skeleton (``skeleton`` name, ``joints``, ``parents``),
    ``units="m"``, ``up="y"``, ``format`` and ``version``. :meth:`PoseSequence.load`
    checks every one of them and says in one line what is wrong. BVH files are read and
    written by :func:`marionnette.motion.load_bvh` / :func:`~marionnette.motion.save_bvh`
    (:mod:`marionnette.motion.bvh`, which imports this module, never the other way).
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
from marionnette.motion.mapping import JointMap, find_mapping
from marionnette.motion.skeleton import BUILTIN_SKELETONS, Skeleton

FORMAT = "marionnette.PoseSequence"  # the `format` entry of every file we write
VERSION = 1  # the `version` entry; load refuses newer files
_KEYS = ("format", "version", "positions", "confidence", "fps", "skeleton", "joints", "parents", "units", "up")


@dataclass(eq=False)
class PoseSequence:
    """Joint positions over time on a :class:`Skeleton`.

    :param positions: ``(T, J, 3)`` metres, y up; stored as float32. NaN marks a missing
        joint (confidence 0).
    :param fps: frames per second (> 0).
    :param skeleton: the joints' names and tree; ``J == len(skeleton)``.
    :param confidence: ``(T, J)`` in ``[0, 1]``, 0 for a missing joint; ``None`` means
        all ones.

    ``len(seq)`` is ``T``; ``seq[10:20]`` and ``seq[::2]`` (at half the fps) are
    sequences too.
    """

    positions: np.ndarray
    fps: float
    skeleton: Skeleton
    confidence: np.ndarray | None = None

    def __post_init__(self) -> None:
        J = len(self.skeleton)
        positions = np.asarray(self.positions, dtype=np.float32)
        if positions.ndim != 3 or positions.shape[1:] != (J, 3):
            raise MarionnetteError(
                f"PoseSequence positions have shape {positions.shape}, expected (T, {J}, 3) "
                f"for skeleton {self.skeleton.name!r} ({J} joints)"
            )
        T = positions.shape[0]
        if self.confidence is None:
            confidence = np.ones((T, J), dtype=np.float32)
        else:
            confidence = np.asarray(self.confidence, dtype=np.float32)
        if confidence.shape != (T, J):
            raise MarionnetteError(
                f"PoseSequence confidence has shape {confidence.shape}, expected (T, J) = ({T}, {J}) like the positions"
            )
        if not np.all((confidence >= 0) & (confidence <= 1)):  # NaN fails too
            raise MarionnetteError("PoseSequence confidence must lie in [0, 1] (0 marks a missing joint); clip it")
        if np.isinf(positions).any():
            raise MarionnetteError("PoseSequence positions hold inf: mark a missing joint with NaN and confidence 0")
        unseen = np.isnan(positions).any(axis=-1) & (confidence > 0)  # (T, J)
        if unseen.any():
            t, j = np.argwhere(unseen)[0]
            raise MarionnetteError(
                f"PoseSequence position of {self.skeleton.joints[j]!r} at frame {t} is NaN but its confidence is "
                f"{confidence[t, j]:g}: a missing joint has confidence 0"
            )
        fps = float(self.fps)
        if not np.isfinite(fps) or fps <= 0:
            raise MarionnetteError(f"PoseSequence fps is {self.fps!r}: give a positive number of frames per second")
        self.positions, self.confidence, self.fps = positions, confidence, fps

    def __repr__(self) -> str:
        return f"PoseSequence({len(self)} frames at {self.fps:g} fps on {self.skeleton!r})"

    # -- time -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self.positions.shape[0]

    @property
    def duration(self) -> float:
        """Seconds covered, ``T / fps`` (each frame lasts ``1 / fps``)."""
        return len(self) / self.fps

    def __getitem__(self, frames: slice) -> PoseSequence:
        """Frames ``seq[start:stop:step]``; a step of ``k`` divides the fps by ``k``."""
        if not isinstance(frames, slice):
            raise TypeError(f"index a PoseSequence with a slice of frames (seq[10:20]), not {type(frames).__name__}")
        step = 1 if frames.step is None else frames.step
        if step <= 0:
            raise MarionnetteError(f"PoseSequence slice step is {step}: use a positive step (frames stay in order)")
        return PoseSequence(self.positions[frames], self.fps / step, self.skeleton, self.confidence[frames])

    def resample(self, fps: float) -> PoseSequence:
        """The same motion at ``fps``, by linear interpolation in time.

        Keeps the duration: ``round(T * fps / self.fps)`` frames (at least one), frame
        ``k`` at time ``k / fps``; positions are interpolated between the two nearest
        frames, times past the last frame hold it. A joint's confidence is the minimum of
        the frames it is interpolated from (a frame with weight 0 does not count), so a
        joint missing on either side is missing in between.
        """
        fps = float(fps)
        if not np.isfinite(fps) or fps <= 0:
            raise MarionnetteError(f"resample fps is {fps!r}: give a positive number of frames per second")
        T = len(self)
        if T == 0:
            return PoseSequence(self.positions, fps, self.skeleton, self.confidence)
        n = max(1, round(T * fps / self.fps))  # new frame count
        where = np.minimum(np.arange(n) * (self.fps / fps), T - 1)  # (n,) in old frames
        lo = np.floor(where).astype(np.intp)
        hi = np.minimum(lo + 1, T - 1)
        a = (where - lo)[:, None]  # (n, 1) weight of the later frame
        p_lo, p_hi = self.positions[lo].astype(np.float64), self.positions[hi].astype(np.float64)
        p_hi = np.where(a[..., None] > 0, p_hi, 0.0)  # a NaN with weight 0 does not spread
        positions = (1 - a[..., None]) * p_lo + a[..., None] * p_hi  # (n, J, 3)
        c_lo, c_hi = self.confidence[lo], self.confidence[hi]
        confidence = np.where(a > 0, np.minimum(c_lo, c_hi), c_lo)  # (n, J)
        return PoseSequence(positions, fps, self.skeleton, confidence)

    # -- skeletons --------------------------------------------------------------------------

    def to(self, skeleton: Skeleton, mapping: JointMap | None = None) -> PoseSequence:
        """This motion on ``skeleton``: ``self`` when it is already there, else through
        ``mapping`` (by default :func:`~marionnette.motion.find_mapping`)."""
        if skeleton == self.skeleton and mapping is None:
            return self
        mapping = find_mapping(self.skeleton, skeleton) if mapping is None else mapping
        if mapping.source != self.skeleton or mapping.target != skeleton:
            raise MarionnetteError(
                f"joint map {mapping.source.name!r} -> {mapping.target.name!r} does not take "
                f"{self.skeleton.name!r} to {skeleton.name!r}: pass a map between those two skeletons"
            )
        positions, confidence = mapping.apply(self.positions, self.confidence)
        return PoseSequence(positions, self.fps, skeleton, confidence)

    def fill_gaps(self) -> PoseSequence:
        """Every joint present in every frame: a missing joint (confidence 0) holds its last
        seen position, or before it is first seen, its first one. What a format without
        confidence needs (BVH, a reference clip): the result's confidence is all ones.

        :raises MarionnetteError: a joint is never seen, so there is nothing to hold.
        """
        seen = self.confidence > 0  # (T, J)
        never = np.flatnonzero(~seen.any(axis=0))
        if len(never):
            raise MarionnetteError(
                f"joint {self.skeleton.joints[never[0]]} was never seen (confidence 0 in all {len(self)} frames): "
                f"there is no position to fill its gaps with"
            )
        frames = np.arange(len(self))[:, None]  # (T, 1)
        last = np.maximum.accumulate(np.where(seen, frames, -1), axis=0)  # (T, J) last frame seen, -1 before the first
        index = np.where(last < 0, seen.argmax(axis=0), last)  # (T, J) the frame each position is taken from
        positions = self.positions[index, np.arange(len(self.skeleton))]  # (T, J, 3)
        return PoseSequence(positions, self.fps, self.skeleton)

    # -- files ------------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write an ``.npz`` at ``path`` (exactly that name), atomically; returns the path."""
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(
                f,
                format=np.array(FORMAT),
                version=np.array(VERSION),
                positions=self.positions,
                confidence=self.confidence,
                fps=np.array(self.fps),
                skeleton=np.array(self.skeleton.name),
                joints=np.array(self.skeleton.joints),
                parents=np.array(self.skeleton.parents, dtype=np.int64),
                units=np.array("m"),
                up=np.array("y"),
            )
        return path

    @classmethod
    def load(cls, path: str | os.PathLike, skeleton: Skeleton | None = None) -> PoseSequence:
        """Read what :meth:`save` wrote; one-line :class:`MarionnetteError` on any problem.

        :param skeleton: when given, the file's joints must be exactly this skeleton's.
            Without it, a file naming a built-in skeleton must hold exactly its joints;
            any other file's skeleton is rebuilt from its joints and parents.
        """
        path = Path(path)
        if path.suffix.lower() == ".bvh" or _starts_like_bvh(path):
            raise MarionnetteError(
                f"{path} is a BVH file, not a PoseSequence .npz: read it with marionnette.motion.load_bvh "
                "(units= for its unit)"
            )
        if not path.is_file():
            raise MarionnetteError(f"{path}: no such file; pass the .npz that PoseSequence.save wrote")
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as e:  # cut short, bad CRC, unreadable
            raise MarionnetteError(
                f"{path} is not a readable .npz ({type(e).__name__}: truncated or corrupt); save it again"
            ) from e
        except ValueError as e:  # not a zip at all (numpy takes it for a pickle), or an object array
            raise MarionnetteError(
                f"{path} is not a readable .npz (ValueError: truncated or corrupt, or it holds pickled objects, "
                f"which are never loaded); save it again"
            ) from e
        except TypeError as e:  # np.load gave one array (an .npy file), which is no context manager
            raise MarionnetteError(
                f"{path} holds a single .npy array, not the .npz archive that PoseSequence.save writes"
            ) from e
        raw = [k for k, v in data.items() if not isinstance(v, np.ndarray)]  # members that are not .npy files
        if raw:
            raise MarionnetteError(f"{path}: {', '.join(map(repr, raw))} is not a numpy array: not a PoseSequence file")
        missing = [k for k in _KEYS if k not in data]
        if missing:
            raise MarionnetteError(
                f"{path} lacks {', '.join(repr(k) for k in missing)}: "
                f"not a PoseSequence file (write it with PoseSequence.save)"
            )

        def text(key: str) -> str:
            value = data[key]
            if value.shape != () or value.dtype.kind != "U":
                raise MarionnetteError(f"{path}: {key!r} should be a single string, got {value.dtype} {value.shape}")
            return str(value)

        def number(key: str) -> float:
            value = data[key]
            if value.shape != () or value.dtype.kind not in "iuf":
                raise MarionnetteError(f"{path}: {key!r} should be a single number, got {value.dtype} {value.shape}")
            return float(value)

        if text("format") != FORMAT:
            raise MarionnetteError(
                f"{path}: format is {text('format')!r}, not {FORMAT!r}; write it with PoseSequence.save"
            )
        if number("version") > VERSION:
            raise MarionnetteError(
                f"{path} has format version {number('version'):g}, "
                f"newer than this marionnette reads ({VERSION}): upgrade marionnette"
            )
        if text("units") != "m":
            raise MarionnetteError(
                f"{path}: units are {text('units')!r}, expected 'm': convert the positions to metres and save again"
            )
        if text("up") != "y":
            raise MarionnetteError(f"{path}: up axis is {text('up')!r}, expected 'y': rotate the positions to y-up")
        joints, parents = data["joints"], data["parents"]
        if joints.ndim != 1 or joints.dtype.kind != "U":
            raise MarionnetteError(f"{path}: 'joints' should be a list of names, got {joints.dtype} {joints.shape}")
        if parents.shape != joints.shape or parents.dtype.kind not in "iu":
            raise MarionnetteError(
                f"{path}: 'parents' should be {len(joints)} integers (one per joint), "
                f"got {parents.dtype} {parents.shape}"
            )
        name, joints, parents = text("skeleton"), tuple(str(j) for j in joints), tuple(int(p) for p in parents)
        expected = skeleton or next((s for s in BUILTIN_SKELETONS if s.name == name), None)
        if expected is not None:
            unknown = [j for j in joints if j not in expected]
            absent = [j for j in expected.joints if j not in joints]
            if unknown or absent:
                parts = ([f"unknown joint names {', '.join(unknown)}"] if unknown else []) + (
                    [f"missing {', '.join(absent)}"] if absent else []
                )
                raise MarionnetteError(f"{path}: {'; '.join(parts)} for skeleton {expected.name!r}")
            if joints != expected.joints or parents != expected.parents:
                raise MarionnetteError(
                    f"{path}: joints are in a different order or tree than skeleton {expected.name!r}; "
                    f"reorder them with seq.to({expected.name}) before saving"
                )
            found = expected
        else:
            try:
                found = Skeleton(name, joints, parents)
            except MarionnetteError as e:
                raise MarionnetteError(f"{path}: {e}") from e
        positions, confidence = data["positions"], data["confidence"]
        J = len(found)
        if positions.ndim != 3 or positions.shape[1:] != (J, 3) or positions.dtype.kind != "f":
            raise MarionnetteError(
                f"{path}: positions have shape {positions.shape} ({positions.dtype}), expected (T, {J}, 3) floats "
                f"for the {J} joints it names"
            )
        if confidence.shape != positions.shape[:2] or confidence.dtype.kind != "f":
            raise MarionnetteError(
                f"{path}: confidence has shape {confidence.shape} ({confidence.dtype}), "
                f"expected {positions.shape[:2]} floats"
            )
        try:
            return cls(positions, number("fps"), found, confidence)
        except MarionnetteError as e:
            raise MarionnetteError(f"{path}: {e}") from e


def _starts_like_bvh(path: Path) -> bool:
    """A BVH file under another name: its text begins with ``HIERARCHY`` (an .npz begins ``PK``)."""
    try:
        with open(path, "rb") as f:
            return f.read(64).lstrip().startswith(b"HIERARCHY")
    except OSError:  # absent or unreadable: load says so in its own words
        return False
