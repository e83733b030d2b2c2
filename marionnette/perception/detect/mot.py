"""MOTChallenge text files: ground truth, detections and tracker output, one box a line.

The format of the MOTChallenge benchmark (Milan et al., "MOT16", 2016), what every tracker
reads and writes::

    frame, id, bb_left, bb_top, bb_width, bb_height, conf, x, y, z

``frame`` counts from 1; ``id`` is -1 for detections (not yet tracked); boxes are in pixels,
top-left corner and size; ``conf`` is the detector's score (ground truth: 1 for a box that
counts, 0 for one to ignore); ``x, y, z`` are -1 in 2-D. Ground truth files
(``gt/gt.txt``) put the class and the visibility in columns 8 and 9 instead of ``x, y``.
Arrays here are ``(N, 10)`` float64 in that column order.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_write_text

COLUMNS = ("frame", "id", "bb_left", "bb_top", "bb_width", "bb_height", "conf", "x", "y", "z")


def read_mot(path: str | os.PathLike) -> np.ndarray:
    """The rows of a MOTChallenge file ``(N, 10)`` (fewer columns padded with -1), sorted by frame then id."""
    path = Path(path)
    if not path.is_file():
        raise MarionnetteError(f"{path}: no such file; pass a MOTChallenge .txt (frame, id, left, top, w, h...)")
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            values = [float(v) for v in line.replace(" ", "").split(",")]
        except ValueError as e:
            raise MarionnetteError(f"{path}, line {number}: {line[:60]!r} is not comma-separated numbers "
                                   "(frame, id, left, top, width, height, conf, ...)") from e  # fmt: skip
        if not 6 <= len(values) <= 10:
            raise MarionnetteError(f"{path}, line {number}: {len(values)} values; a MOTChallenge line has 6 to 10 "
                                   "(frame, id, left, top, width, height, conf, x, y, z)")  # fmt: skip
        rows.append(values + [-1.0] * (10 - len(values)))
    data = np.array(rows, dtype=np.float64).reshape(-1, 10)
    if len(data) and ((data[:, 4] <= 0) | (data[:, 5] <= 0)).any():
        bad = int(np.flatnonzero((data[:, 4] <= 0) | (data[:, 5] <= 0))[0])
        raise MarionnetteError(f"{path}: row {bad + 1} has a box of width or height 0 or less: boxes are left, top, "
                               "width, height in pixels")  # fmt: skip
    return data[np.lexsort((data[:, 1], data[:, 0]))]


def write_mot(path: str | os.PathLike, rows: np.ndarray) -> Path:
    """``rows (N, 6..10)`` to a MOTChallenge file, atomically; frame and id as integers, the rest to 2 decimals."""
    rows = np.asarray(rows, dtype=np.float64)
    if rows.ndim != 2 or not 6 <= rows.shape[1] <= 10:
        raise MarionnetteError(f"MOT rows of shape {rows.shape}: give (N, 6..10): frame, id, left, top, w, h...")
    rows = np.concatenate([rows, np.full((len(rows), 10 - rows.shape[1]), -1.0)], axis=1)
    buf = io.StringIO()
    for r in rows[np.lexsort((rows[:, 1], rows[:, 0]))]:
        rest = ",".join(f"{v:.2f}".rstrip("0").rstrip(".") if v != int(v) else str(int(v)) for v in r[2:])
        buf.write(f"{int(r[0])},{int(r[1])},{rest}\n")
    atomic_write_text(path, buf.getvalue())
    return Path(path)


__all__ = ["COLUMNS", "read_mot", "write_mot"]
