"""MOTChallenge text files: ground truth, detections and tracker output, one box a line.

The format of the MOTChallenge benchmark (Milan et al., "MOT16", 2016), what every tracker
reads and writes::

    frame, id, bb_left, bb_top, bb_width, bb_height, conf, x, y, z

``frame`` counts from 1; ``id`` is -1 for detections (not yet tracked); boxes are in pixels,
top-left corner and size; ``conf`` is the detector's score (ground truth: 1 for a box that
counts, 0 for one to ignore); ``x, y, z`` are -1 in 2-D. Ground truth files
(``gt/gt.txt``) put the class and the visibility in columns 8 and 9 instead of ``x, y``.
Arrays here are ``(N, 10)`` float64 in that column order.

``mot_scores`` grades tracker output against ground truth with the benchmark's metrics:

- CLEAR MOT (Bernardin and Stiefelhagen, 2008), with motmetrics: a hypothesis box matches a
  ground-truth box when their IoU is at least ``iou`` (0.5), one to one per frame (Hungarian,
  keeping last frame's pairs where they still match). ``MOTA = 1 - (FN + FP + IDSW) / GT``
  over all frames, where an id switch is a ground-truth object matched to another track id
  than the last time it was matched. Fragmentations count the times a tracked object goes
  untracked and comes back; mostly tracked, the objects matched in 80 % of their frames.
- IDF1 (Ristani et al., 2016), with motmetrics: the F1 of boxes under the best one-to-one
  pairing of whole trajectories, ``2 IDTP / (2 IDTP + IDFP + IDFN)``: how long each object
  keeps one id.
- HOTA (Luiten et al., "HOTA: A Higher Order Metric for Evaluating Multi-Object Tracking",
  IJCV 2021), with TrackEval: ``sqrt(DetA * AssA)`` at each IoU threshold alpha in 0.05, 0.10,
  ..., 0.95, averaged over the 19 as TrackEval reports it; None when trackeval is missing.

Ground-truth boxes with ``conf`` 0 (MOTChallenge's "do not count": static people, reflections,
people on vehicles) neither count nor punish: a hypothesis box matched to one of them (IoU at
least ``iou``, one to one per frame) is dropped before scoring, and the box itself too, as
TrackEval's MOTChallenge preprocessing does for its distractor classes.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

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


class TrackScores(NamedTuple):
    """Tracking metrics of one sequence (see the module docstring)."""

    mota: float  # 1 - (fn + fp + id_switches) / gt_boxes; 1 is perfect, may be negative
    idf1: float  # in [0, 1]
    hota: float | None  # in [0, 1], mean over the 19 IoU thresholds; None without trackeval
    id_switches: int
    fp: int  # hypothesis boxes matching no ground truth
    fn: int  # ground-truth boxes no hypothesis matched
    mostly_tracked: int  # objects matched in at least 80 % of their frames
    frames: int  # frames with a box in either file
    gt_boxes: int  # ground-truth boxes that count (conf != 0)
    fragmentations: int  # times a matched object went unmatched and came back


def mot_scores(gt_rows: np.ndarray, hyp_rows: np.ndarray, iou: float = 0.5) -> TrackScores:
    """Score tracker rows against ground-truth rows, both ``(N, 6..10)`` MOT rows (``read_mot``'s arrays).

    Raises:
        MarionnetteError: rows of the wrong shape, boxes with no area, ``iou`` outside (0, 1], or no
            ground-truth box that counts.
    """
    import motmetrics as mm  # pandas underneath: a second to import, so only when scoring

    if not 0.0 < iou <= 1.0:
        raise MarionnetteError(f"iou={iou}: give the IoU a match needs, in (0, 1] (MOTChallenge: 0.5)")
    gt = _checked_rows(gt_rows, "ground-truth rows")
    hyp = _checked_rows(hyp_rows, "tracker rows")
    ignored = gt[:, 6] == 0
    if ignored.all():
        raise MarionnetteError(f"ground truth of {len(gt)} rows has no box that counts (conf != 0): "
                               "pass a MOTChallenge gt.txt with boxes marked 1")  # fmt: skip
    acc = mm.MOTAccumulator(auto_id=False)
    hota_frames = []  # per frame: gt ids (G,), hyp ids (H,), IoU (G, H)
    for frame in np.union1d(gt[:, 0], hyp[:, 0]):
        g, h = gt[gt[:, 0] == frame], hyp[hyp[:, 0] == frame]
        g_ignored = ignored[gt[:, 0] == frame]
        if g_ignored.any() and len(h):
            h = h[~_matched_to(g[:, 2:6], g_ignored, h[:, 2:6], iou)]
        g = g[~g_ignored]
        similarity = _box_iou(mm, g[:, 2:6], h[:, 2:6])  # (G, H)
        dist = np.where(similarity >= iou, 1.0 - similarity, np.nan)  # motmetrics: NaN = may not pair
        acc.update(g[:, 1].astype(int), h[:, 1].astype(int), dist, frameid=int(frame))
        hota_frames.append((g[:, 1], h[:, 1], similarity))
    names = ["mota", "idf1", "num_switches", "num_false_positives", "num_misses", "mostly_tracked",
             "num_frames", "num_objects", "num_fragmentations"]  # fmt: skip
    s = mm.metrics.create().compute(acc, metrics=names, name="sequence").iloc[0]
    return TrackScores(
        mota=float(s["mota"]),
        idf1=float(s["idf1"]),
        hota=_hota(hota_frames),
        id_switches=int(s["num_switches"]),
        fp=int(s["num_false_positives"]),
        fn=int(s["num_misses"]),
        mostly_tracked=int(s["mostly_tracked"]),
        frames=int(s["num_frames"]),
        gt_boxes=int(s["num_objects"]),
        fragmentations=int(s["num_fragmentations"]),
    )


def _checked_rows(rows: np.ndarray, what: str) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float64)
    if rows.size == 0:
        return np.zeros((0, 10))
    if rows.ndim != 2 or not 6 <= rows.shape[1] <= 10:
        raise MarionnetteError(f"{what} of shape {rows.shape}: give MOT rows (N, 6..10): frame, id, left, top, w, h...")
    if not np.isfinite(rows[:, :6]).all():
        raise MarionnetteError(f"{what} hold NaN or infinity: give finite frames, ids and boxes")
    bad = np.flatnonzero((rows[:, 4] <= 0) | (rows[:, 5] <= 0))
    if len(bad):
        raise MarionnetteError(f"{what}: row {bad[0] + 1} has a box of width or height 0 or less: boxes are left, "
                               "top, width, height in pixels")  # fmt: skip
    out = np.full((len(rows), 10), -1.0)
    out[:, 6] = 1.0  # rows of 6 columns (no conf) all count
    out[:, : rows.shape[1]] = rows
    return out


def _box_iou(mm, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU ``(A, B)`` of left-top-width-height boxes, motmetrics' (which returns (0, 0) when one side is empty)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    return 1.0 - mm.distances.iou_matrix(a, b, max_iou=1.0)


def _matched_to(gt_boxes: np.ndarray, gt_ignored: np.ndarray, hyp_boxes: np.ndarray, iou: float) -> np.ndarray:
    """Which hypothesis boxes ``(H,)`` a one-to-one IoU matching pairs with an ignored ground-truth box."""
    import motmetrics as mm

    similarity = _box_iou(mm, gt_boxes, hyp_boxes)  # (G, H)
    similarity[similarity < iou] = 0.0
    rows, cols = linear_sum_assignment(-similarity)
    hit = np.zeros(len(hyp_boxes), dtype=bool)
    paired = similarity[rows, cols] > 0
    hit[cols[paired & gt_ignored[rows]]] = True
    return hit


def _hota(frames: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> float | None:
    """TrackEval's HOTA, averaged over its alphas, of per-frame (gt ids, hyp ids, IoU); None without trackeval."""
    try:
        # trackeval prints a line to stdout for each optional dataset whose dependency it lacks.
        with contextlib.redirect_stdout(io.StringIO()):
            from trackeval.metrics import HOTA
    except ImportError:
        return None
    gt_ids = np.unique(np.concatenate([f[0] for f in frames]))
    hyp_ids = np.unique(np.concatenate([f[1] for f in frames]))
    data = {  # TrackEval's per-sequence dict, ids renumbered 0..K-1 as its datasets do
        "num_timesteps": len(frames),
        "num_gt_ids": len(gt_ids),
        "num_tracker_ids": len(hyp_ids),
        "num_gt_dets": sum(len(f[0]) for f in frames),
        "num_tracker_dets": sum(len(f[1]) for f in frames),
        "gt_ids": [np.searchsorted(gt_ids, f[0]) for f in frames],
        "tracker_ids": [np.searchsorted(hyp_ids, f[1]) for f in frames],
        "similarity_scores": [f[2] for f in frames],
    }
    return float(np.mean(HOTA().eval_sequence(data)["HOTA"]))


__all__ = ["COLUMNS", "TrackScores", "mot_scores", "read_mot", "write_mot"]
