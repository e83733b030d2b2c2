"""The tracker's ablation on the held-out pitch sequences: true boxes, the detector's boxes with
SORT (one stage), ByteTrack (two stages), ByteTrack + re-identification of lost tracks (the
default with ``--reid``), BoT-SORT's appearance fused into stages 1 and 3, and both; and long gaps.

Each held-out sequence of a scenes folder (``marionnette data scenes``) is detected once
(people only, every box above ByteTrack's low threshold 0.1, with the re-id run's embedding of
each), and the same boxes go to every tracker (``track_sequence``), scored against the people's
ground truth (MOTA, IDF1, HOTA, ID switches).

The gap rows test what re-identification is for: a player the detector loses for ``--gap``
frames (their boxes removed: every box of IoU >= 0.5 with their true box), one player at a
time, every player of every held-out sequence, at a seeded start where they are seen on both
sides of it. Their Kalman prediction drifts meanwhile; motion alone then gives them a new id,
appearance can give the old one back. Reported: the ID switches summed over those runs.

    .venv/bin/python scripts/ablation_track.py --scenes /tmp/w/scenes --detector runs/detect__... \\
        --reid runs/reid__... [--gap 10] [--threads 1]

Prints a Markdown table (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from marionnette.datasets.scenes import PERSON, load_scenes, mot_rows
from marionnette.perception.detect.mot import mot_scores
from marionnette.perception.detect.track import TrackerConfig, track_sequence
from marionnette.pipelines.detect import open_detector


def detections(net, embedder, sequence) -> tuple[np.ndarray, np.ndarray]:
    """MOT rows ``(N, 7)`` of the detector's people over the sequence, and their embeddings ``(N, D)``."""
    person = list(net.names).index("person")
    rows, embeddings = [], []
    for t, image in enumerate(sequence.images):
        found = net.predict([image], conf=TrackerConfig().low_thresh)[0]
        boxes, scores, classes = (x.cpu().numpy() for x in found)
        boxes, scores = boxes[classes == person].astype(np.float64), scores[classes == person]
        for (x0, y0, x1, y1), s in zip(boxes, scores, strict=True):
            rows.append((t + 1, -1, x0, y0, x1 - x0, y1 - y0, s))
        embeddings.append(embedder.embed(image, boxes))
    return np.array(rows, np.float64).reshape(-1, 7), np.concatenate(embeddings)


def _iou(rows: np.ndarray, box: np.ndarray) -> np.ndarray:
    """IoU of MOT rows ``(N, >=6)`` with one MOT box ``(4,)`` left, top, width, height."""
    x0, y0 = np.maximum(rows[:, 2], box[0]), np.maximum(rows[:, 3], box[1])
    x1 = np.minimum(rows[:, 2] + rows[:, 4], box[0] + box[2])
    y1 = np.minimum(rows[:, 3] + rows[:, 5], box[1] + box[3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    return inter / (rows[:, 4] * rows[:, 5] + box[2] * box[3] - inter)


def without(dets: np.ndarray, gt: np.ndarray, player: int, frames: range) -> np.ndarray:
    """A mask ``(N,)`` of the detection rows kept: all but ``player``'s boxes during ``frames``."""
    keep = np.ones(len(dets), bool)
    for t in frames:
        truth = gt[(gt[:, 0] == t) & (gt[:, 1] == player) & (gt[:, 6] > 0)]
        if len(truth):
            here = np.flatnonzero(dets[:, 0] == t)
            keep[here[_iou(dets[here], truth[0, 2:6]) >= 0.5]] = False
    return keep


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", required=True)
    parser.add_argument("--detector", required=True, help="a detect run directory or its .onnx")
    parser.add_argument("--reid", required=True, help="a reid run directory")
    parser.add_argument("--gap", type=int, default=10, help="frames a player's boxes are removed for")
    parser.add_argument("--appearance-thresh", type=float, default=TrackerConfig.appearance_thresh,
                        help="the largest appearance cost a re-id pair may have")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    from marionnette.perception.detect.reid import load as load_reid

    net, embedder = open_detector(args.detector), load_reid(args.reid, "cpu")
    held = [q for q in load_scenes(args.scenes).sequences if q.held_out]
    rng = np.random.default_rng(args.seed)
    trackers = {"SORT": dict(mode="sort"), "ByteTrack": dict(mode="byte"),
                "ByteTrack + re-id": dict(mode="byte", appearance=True, appearance_thresh=args.appearance_thresh),
                "ByteTrack + appearance in stage 1 (BoT-SORT)": dict(mode="byte", appearance=True, reid_lost=False,
                                                                     fuse_appearance=True),
                "ByteTrack + re-id and BoT-SORT": dict(mode="byte", appearance=True, fuse_appearance=True)}  # fmt: skip
    table: dict[tuple[str, str], list] = {}
    began = time.perf_counter()
    for sequence in held:
        gt = mot_rows(sequence)
        gt = gt[gt[:, 7] == PERSON]
        true = gt[gt[:, 6] > 0][:, :7].copy()
        true[:, 1], true[:, 6] = -1, 1.0
        dets, emb = detections(net, embedder, sequence)
        runs = [("true boxes", name, true, None) for name in ("SORT", "ByteTrack")]
        runs += [("detector", name, dets, emb) for name in trackers]
        for boxes, name, rows, e in runs:
            config = TrackerConfig(frame_rate=sequence.fps, **trackers[name])
            s = mot_scores(gt, track_sequence(rows, config, e if config.appearance else None))
            table.setdefault((boxes, name), []).append(s)
        for player in np.unique(gt[:, 1]).astype(int):
            seen = np.unique(gt[(gt[:, 1] == player) & (gt[:, 6] > 0), 0]).astype(int)
            starts = [t for t in seen if t - 1 in seen and t + args.gap in seen]
            if not starts:
                continue
            start = int(rng.choice(starts))
            keep = without(dets, gt, player, range(start, start + args.gap))
            for name in list(trackers)[1:]:
                config = TrackerConfig(frame_rate=sequence.fps, **trackers[name])
                s = mot_scores(gt, track_sequence(dets[keep], config, emb[keep] if config.appearance else None))
                table.setdefault((f"detector, one player lost {args.gap} frames", name), []).append(s)
    print(f"{len(held)} held-out sequences ({', '.join(q.name for q in held)}), {time.perf_counter() - began:.0f} s\n")
    print("| boxes | tracker | runs | MOTA | IDF1 | HOTA | ID switches | FP | FN |")
    print("|---|---|---|---|---|---|---|---|---|")
    for (boxes, name), scores in table.items():
        mean = {k: np.mean([getattr(s, k) for s in scores]) for k in ("mota", "idf1", "hota")}
        total = {k: sum(getattr(s, k) for s in scores) for k in ("id_switches", "fp", "fn")}
        print(f"| {boxes} | {name} | {len(scores)} | {mean['mota']:.3f} | {mean['idf1']:.3f} | {mean['hota']:.3f} | "
              f"{total['id_switches']} | {total['fp']} | {total['fn']} |")


if __name__ == "__main__":
    main()
