"""Reference motion for the character's tasks: a clip's name or file, as joint angles."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from marionnette.body import Character, Retargeter
from marionnette.body.clips import CLIPS, clip_qpos, stride
from marionnette.errors import MarionnetteError
from marionnette.motion import PoseSequence, load_bvh


def reference_qpos(
    clip: str | os.PathLike | PoseSequence, fps: float, character: Character, units: str | float | None = None
) -> tuple[str, np.ndarray]:
    """``(a name for the clip, qpos (T, nq) at fps)`` for a built-in clip name
    (:data:`marionnette.body.clips.CLIPS`), a ``.npz`` PoseSequence or ``.bvh`` file, or a
    PoseSequence; files and sequences are resampled to ``fps`` and retargeted (IK, grounded,
    scaled to the character). ``units`` is a ``.bvh`` file's unit (``m``, ``cm``, ``mm``,
    ``inch``, ``cmu`` or metres per unit; :func:`~marionnette.motion.load_bvh` tells it from
    the body's size when None); everything else is in metres already."""
    is_bvh = not isinstance(clip, PoseSequence) and Path(clip).suffix.lower() == ".bvh"
    if units is not None and not is_bvh:
        given = "a PoseSequence" if isinstance(clip, PoseSequence) else repr(str(clip))
        raise MarionnetteError(
            f"units={units!r} is a .bvh file's unit and clip {given} is no .bvh file (built-in clips, .npz files "
            "and PoseSequences are in metres): leave units out"
        )
    if isinstance(clip, str) and clip in CLIPS:
        return clip, clip_qpos(clip, fps=fps, character=character)
    if isinstance(clip, PoseSequence):
        name, seq = "PoseSequence", clip
    else:
        path = Path(clip)
        if path.suffix.lower() not in (".npz", ".bvh") or not path.is_file():
            raise MarionnetteError(
                f"clip {str(clip)!r}: neither a built-in clip ({', '.join(CLIPS)}) nor an existing .npz or .bvh file"
            )
        name = path.name
        seq = PoseSequence.load(path) if path.suffix.lower() == ".npz" else load_bvh(path, units)
    seq = seq.resample(fps)
    if len(seq) < 2:
        raise MarionnetteError(f"clip {name!r} lasts {seq.duration:g} s: a reference needs at least 2 frames")
    return name, Retargeter(character, ground="auto", scale=True).solve(seq)


def reference_stride(clip: str | os.PathLike | PoseSequence, fps: float, character: Character) -> np.ndarray:
    """``(2,)`` metres (MuJoCo x, y) the root moves per lap when ``clip`` loops: a built-in
    travelling clip's :func:`~marionnette.body.clips.stride` (``walk``), else zero (files
    and sequences replay in place)."""
    if isinstance(clip, str) and clip in CLIPS:
        return stride(clip, fps, character)
    return np.zeros(2)
