"""Skeleton action datasets on disk: one ``.npz`` in NTU RGB+D's 25-joint layout.

What the recognizers read, whoever made it: :mod:`marionnette.datasets.actions` writes one
from the character's own performances, :func:`from_ntu` builds one from a folder of NTU
RGB+D ``.skeleton`` files. One file, ``actions.npz``, loaded without unpickling:

==============  ====================  =====================================================
key             shape, dtype          what it holds
==============  ====================  =====================================================
``keypoint``    (N, T, 25, 3) f32     joints in the camera's frame (Kinect's: metres, y up,
                                      z away from the camera), NTU_25 order; zero after
                                      each sequence's ``length``
``score``       (N, T, 25) f32        1 tracked, 0.5 inferred (Kinect's guess), 0 absent
``length``      (N,) i32              frames of each sequence
``label``       (N,) i32              class index into ``classes``
``subject``     (N,) i32              performer, 1-based (NTU's ``P``)
``view``        (N,) i32              camera, 1-based (NTU's ``C``)
``replication`` (N,) i32              NTU's ``R``
``name``        (N,) str              ``SsssCcccPpppRrrrAaaa`` as NTU names its files
``classes``     (K,) str              class names
``xsub_train``  (K',) i32             the subjects of the cross-subject training split
``xview_train`` (K'',) i32            the cameras of the cross-view training split
``fps``         ()                    frames per second
==============  ====================  =====================================================

Splits follow NTU's protocols: cross-subject (``cs``) trains on the listed performers and
tests on the others, every camera; cross-view (``cv``) trains on the listed cameras and
tests on the others, every performer.

:meth:`ActionData.to_pyskl` writes the same data as a PySKL / MMAction2 skeleton
annotation file (a pickle, their format: ``split`` -> names, ``annotations`` -> dicts with
``frame_dir``, ``label``, ``total_frames``, ``keypoint`` (M, T, V, C)), so ST-GCN, PoseC3D
and the rest train on it there. We write that pickle but never load one.
"""

from __future__ import annotations

import os
import pickle
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path

FORMAT = "marionnette.actions"
VERSION = 1
SPLITS = ("cs", "cv")
_JOINTS = 25
_ARRAYS = ("keypoint", "score", "length", "label", "subject", "view", "replication", "name")


@dataclass
class ActionData:
    """Skeleton sequences with their labels and NTU-style metadata (the module's table)."""

    keypoint: np.ndarray  # (N, T, 25, 3) float32, camera frame
    score: np.ndarray  # (N, T, 25) float32
    length: np.ndarray  # (N,) int32
    label: np.ndarray  # (N,) int32
    subject: np.ndarray  # (N,) int32, 1-based
    view: np.ndarray  # (N,) int32, 1-based
    replication: np.ndarray  # (N,) int32, 1-based
    name: np.ndarray  # (N,) str
    classes: tuple[str, ...]
    xsub_train: tuple[int, ...]
    xview_train: tuple[int, ...]
    fps: float = 30.0
    meta: dict[str, str] = field(default_factory=dict)  # how it was made (command, seed): strings only

    def __post_init__(self) -> None:
        n = len(self.label)
        if self.keypoint.ndim != 4 or self.keypoint.shape[2:] != (_JOINTS, 3):
            raise MarionnetteError(
                f"action keypoints of shape {self.keypoint.shape}: expected (N, T, 25, 3), NTU_25 joints in metres"
            )
        for key in _ARRAYS:
            if len(getattr(self, key)) != n:
                raise MarionnetteError(f"action data: {key} has {len(getattr(self, key))} rows for {n} sequences")
        if n and (self.label.min() < 0 or self.label.max() >= len(self.classes)):
            raise MarionnetteError(
                f"action labels span {self.label.min()}..{self.label.max()} for {len(self.classes)} classes"
            )

    def __len__(self) -> int:
        return len(self.label)

    def __repr__(self) -> str:
        return (
            f"ActionData({len(self)} sequences, {len(self.classes)} classes, {len(np.unique(self.subject))} subjects, "
            f"{len(np.unique(self.view))} views, up to {self.keypoint.shape[1]} frames at {self.fps:g} fps)"
        )

    # -- splits -------------------------------------------------------------------------

    def split(self, protocol: str) -> tuple[np.ndarray, np.ndarray]:
        """``(train indices, test indices)`` of NTU's protocol ``"cs"`` (cross-subject) or
        ``"cv"`` (cross-view)."""
        if protocol == "cs":
            train = np.isin(self.subject, self.xsub_train)
        elif protocol == "cv":
            train = np.isin(self.view, self.xview_train)
        else:
            raise MarionnetteError(f"unknown split {protocol!r}: use cs (cross-subject) or cv (cross-view)")
        return np.flatnonzero(train), np.flatnonzero(~train)

    def subset(self, index: np.ndarray) -> ActionData:
        """The sequences at ``index`` (classes and splits kept)."""
        picked = {key: getattr(self, key)[index] for key in _ARRAYS}
        return ActionData(**picked, classes=self.classes, xsub_train=self.xsub_train,
                          xview_train=self.xview_train, fps=self.fps, meta=dict(self.meta))  # fmt: skip

    def sequence(self, i: int) -> np.ndarray:
        """``(length, 25, 3)`` the frames of sequence ``i``."""
        return self.keypoint[i, : self.length[i]]

    # -- files --------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``path`` (an ``.npz``) atomically; returns it."""
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(
                f,
                format=np.array(FORMAT),
                version=np.array(VERSION),
                **{key: getattr(self, key) for key in _ARRAYS},
                classes=np.array(self.classes),
                xsub_train=np.array(self.xsub_train, dtype=np.int32),
                xview_train=np.array(self.xview_train, dtype=np.int32),
                fps=np.array(self.fps),
                meta_keys=np.array(list(self.meta), dtype=str),
                meta_values=np.array(list(self.meta.values()), dtype=str),
            )
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> ActionData:
        """Read what :meth:`save` wrote (a file, or a folder holding ``actions.npz``); one
        line naming the file and the fix on any problem."""
        path = Path(path)
        if path.is_dir():
            path = path / "actions.npz"
        if not path.is_file():
            raise MarionnetteError(
                f"{path}: no such file; make one with `marionnette data actions --out DIR` and pass DIR"
            )
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, TypeError) as e:
            raise MarionnetteError(
                f"{path} is not a readable action dataset ({type(e).__name__}: truncated or corrupt); make it again"
            ) from e
        if str(data.get("format", "")) != FORMAT:
            raise MarionnetteError(
                f"{path} is no marionnette action dataset (no format {FORMAT!r} in it): "
                "make one with `marionnette data actions`"
            )
        if int(data["version"]) > VERSION:
            raise MarionnetteError(f"{path} is format version {int(data['version'])}; this marionnette reads {VERSION}")
        missing = [k for k in (*_ARRAYS, "classes", "xsub_train", "xview_train", "fps") if k not in data]
        if missing:
            raise MarionnetteError(f"{path} lacks {', '.join(missing)}: make it again")
        return cls(
            **{key: data[key] for key in _ARRAYS},
            classes=tuple(str(c) for c in data["classes"]),
            xsub_train=tuple(int(s) for s in data["xsub_train"]),
            xview_train=tuple(int(v) for v in data["xview_train"]),
            fps=float(data["fps"]),
            meta=dict(zip(map(str, data.get("meta_keys", [])), map(str, data.get("meta_values", [])), strict=True)),
        )

    def to_pyskl(self, path: str | os.PathLike) -> Path:
        """Write a PySKL / MMAction2 skeleton annotation pickle (``ntu60_3danno.pkl``'s
        layout: ``split`` with ``xsub_train/xsub_val/xview_train/xview_val``, and
        ``annotations``, one dict a sequence with ``keypoint (1, T, 25, 3)``)."""
        names = [str(n) for n in self.name]
        split = {}
        for protocol, key in (("cs", "xsub"), ("cv", "xview")):
            train, test = self.split(protocol)
            split[f"{key}_train"] = [names[i] for i in train]
            split[f"{key}_val"] = [names[i] for i in test]
        annotations = [
            {
                "frame_dir": names[i],
                "label": int(self.label[i]),
                "total_frames": int(self.length[i]),
                "keypoint": self.sequence(i)[None].astype(np.float32),  # (M=1, T, V, C)
            }
            for i in range(len(self))
        ]
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            pickle.dump({"split": split, "annotations": annotations}, f, protocol=4)
        return path


def from_ntu(paths: Iterable[str | os.PathLike], progress: Callable[[int, int], None] | None = None) -> ActionData:
    """NTU RGB+D ``.skeleton`` files as one :class:`ActionData` (NTU-60's classes and splits).

    Each file gives its main body (:meth:`~marionnette.motion.ntu.NTUSample.main_bodies`:
    the most motion energy); the second person of NTU's two-person actions (A050-A060) is
    left out, as this layout holds one body a sequence. Frames where the body is absent are
    zeros with score 0. Files that cannot be read (NTU lists 302 samples with missing
    skeletons) are skipped and counted in ``meta["skipped"]``; none readable is an error.
    """
    from marionnette.motion.ntu import (
        NTU60_ACTIONS,
        NTU60_TRAIN_CAMERAS,
        NTU60_TRAIN_PERFORMERS,
        TrackingState,
        read_ntu_skeleton,
    )

    paths = sorted(Path(p) for p in paths)
    score_of = np.zeros(len(TrackingState), np.float32)  # a joint's score by its tracking state
    score_of[[TrackingState.INFERRED, TrackingState.TRACKED]] = 0.5, 1.0
    rows, skipped = [], []
    for k, path in enumerate(paths):
        try:
            sample = read_ntu_skeleton(path)
        except MarionnetteError as e:
            skipped.append(f"{path.name}: {e}")
            continue
        if sample.action is None or not 1 <= sample.action <= len(NTU60_ACTIONS):
            skipped.append(f"{path.name}: not an NTU-60 sample name")
            continue
        (body,) = sample.main_bodies(1)
        keypoint = sample.keypoint(1)[0]  # (T, 25, 3)
        score = np.zeros(keypoint.shape[:2], np.float32)
        score[body.frames] = score_of[body.tracking]
        rows.append((keypoint, score, sample))
        if progress is not None:
            progress(k + 1, len(paths))
    if not rows:
        first = f" (first: {skipped[0]})" if skipped else ""
        raise MarionnetteError(f"no readable NTU RGB+D .skeleton file among {len(paths)} given{first}")
    longest = max(len(r[0]) for r in rows)
    keypoint = np.zeros((len(rows), longest, 25, 3), np.float32)
    score = np.zeros((len(rows), longest, 25), np.float32)
    for i, (k, s, _) in enumerate(rows):
        keypoint[i, : len(k)], score[i, : len(s)] = k, s
    field_of = {"label": "action", "subject": "performer", "view": "camera", "replication": "replication"}
    fields = {key: np.array([getattr(r[2], f) for r in rows], np.int32) for key, f in field_of.items()}
    fields["label"] -= 1  # A001 is class 0
    return ActionData(
        keypoint=keypoint,
        score=score,
        length=np.array([len(r[0]) for r in rows], np.int32),
        name=np.array([r[2].name for r in rows]),
        **fields,
        classes=NTU60_ACTIONS,
        xsub_train=tuple(sorted(NTU60_TRAIN_PERFORMERS)),
        xview_train=tuple(sorted(NTU60_TRAIN_CAMERAS)),
        fps=30.0,
        meta={"made_by": "marionnette.perception.action.data.from_ntu", "skipped": str(len(skipped))},
    )


def ntu_name(setup: int, view: int, subject: int, replication: int, label: int) -> str:
    """NTU's file stem for a sequence: ``S001C002P003R001A004`` (``label`` 0-based, ``A`` 1-based)."""
    return f"S{setup:03d}C{view:03d}P{subject:03d}R{replication:03d}A{label + 1:03d}"


__all__ = ["SPLITS", "ActionData", "from_ntu", "ntu_name"]
