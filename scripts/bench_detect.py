"""Detector frames a second (torch and onnxruntime, 320² and 640², 1 and 2 threads), tracker frames a second,
and, given a trained detector and scenes, mAP and MOTA / IDF1 / HOTA: one table.

    .venv/bin/python scripts/bench_detect.py [--sizes 320 640] [--threads 1 2] [--frames 30]
        [--width 0.25] [--p2] [--run RUN --scenes DIR]

Speed (random weights: the weights do not change the arithmetic): the median seconds of
``--frames`` calls of ``predict`` on one 640x360 frame (letterbox, network, decoding, NMS) after
three warm-up calls, BatchNorm folded, for torch and for the same network exported to ONNX and
run by onnxruntime, each at ``--threads`` intra-op threads. The goal (issue 16): 45 frames a second
at 320² on two cores, what the course's YOLO v1 figure was on a GPU.

Tracker: ByteTrack and SORT on the boxes of ``--scenes``' held-out sequences (ground truth boxes
with their scores 1, or the detector's boxes with ``--run``), frames a second of ``update``
alone, MOTA / IDF1 / HOTA with motmetrics and TrackEval against the ground truth. Without
``--scenes`` the tracker runs on a simulated crowd (random walks) for its speed only.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from marionnette.perception.detect.export import OnnxDetector, export_onnx
from marionnette.perception.detect.model import Detector, DetectorConfig
from marionnette.perception.detect.track import ByteTracker, TrackerConfig


def median_seconds(call, frames: int) -> float:
    for _ in range(3):
        call()
    times = []
    for _ in range(frames):
        began = time.perf_counter()
        call()
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def detector_rows(sizes, threads, frames: int, width: float, p2: bool = False) -> list[str]:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)
    rows = []
    for size in sizes:
        torch.manual_seed(0)
        config = DetectorConfig(classes=2, width=width, size=size, p2=p2)
        net = Detector(config, names=("person", "ball")).eval().fuse()
        params = sum(p.numel() for p in net.parameters())
        with tempfile.TemporaryDirectory() as tmp:
            path = export_onnx(net, Path(tmp) / "d.onnx")
            for n in threads:
                torch.set_num_threads(n)
                ours = median_seconds(lambda: net.predict([image]), frames)  # noqa: B023 (called here)
                ort = OnnxDetector(path, threads=n)
                theirs = median_seconds(lambda: ort.predict([image]), frames)  # noqa: B023 (called here)
                name = f"detector{'-p2' if p2 else ''} {size}² ({params / 1e6:.2f}M params)"
                rows.append(f"| {name} | {n} | {1 / ours:.1f} | "
                            f"{1 / theirs:.1f} | {ours / theirs:.2f} |")  # fmt: skip
    return rows


def crowd(seed: int = 0, n: int = 20, frames: int = 300) -> list[tuple[np.ndarray, np.ndarray]]:
    """Boxes of ``n`` random walkers over ``frames`` frames (for the tracker's speed)."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 600, (n, 2))
    out = []
    for _ in range(frames):
        xy += rng.normal(0, 3, xy.shape)
        boxes = np.c_[xy, xy + [30, 80]]
        out.append((boxes, rng.uniform(0.2, 1.0, n)))
    return out


def tracker_speed(sequence, mode: str) -> float:
    tracker = ByteTracker(TrackerConfig(mode=mode))
    began = time.perf_counter()
    for boxes, scores in sequence:
        tracker.update(boxes, scores)
    return len(sequence) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[320, 640])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--width", type=float, default=0.25)
    parser.add_argument("--p2", action="store_true", help="also the network with the stride-4 level (YOLOv8-p2)")
    parser.add_argument("--run", type=Path, default=None, help="a trained detect run: mAP and tracking on its boxes")
    parser.add_argument("--scenes", type=Path, default=None, help="a `marionnette data scenes` folder")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}\n")
    print("| what | threads | torch frames/s | onnxruntime frames/s | torch / ort time |")
    print("|---|---|---|---|---|")
    for p2 in (False, True) if args.p2 else (False,):
        for row in detector_rows(args.sizes, args.threads, args.frames, args.width, p2):
            print(row, flush=True)
    sequence = crowd()
    print(f"\nByteTrack on 20 random walkers, 300 frames: {tracker_speed(sequence, 'byte'):.0f} frames/s; "
          f"SORT {tracker_speed(sequence, 'sort'):.0f} frames/s")
    if args.scenes is None:
        return
    from marionnette.perception.detect.coco import read_coco
    from marionnette.perception.detect.metrics import coco_map
    from marionnette.perception.detect.mot import mot_scores, read_mot
    from marionnette.perception.detect.track import track_sequence

    detector = None
    if args.run is not None:
        from marionnette.perception.detect.train import load

        detector = load(args.run)
        val = read_coco(args.scenes / "val.json")
        scores = coco_map(detector, val)
        print(f"\ndetector {args.run.name} on {len(val)} held-out frames: mAP@0.5 {scores.map50:.3f}, "
              f"mAP@0.5:0.95 {scores.map50_95:.3f}")  # fmt: skip
    print("\n| boxes | tracker | MOTA | IDF1 | HOTA | ID switches |")
    print("|---|---|---|---|---|---|")
    from marionnette.datasets.scenes import load_scenes

    fps = load_scenes(args.scenes).sequences[0].fps
    for gt_path in sorted((args.scenes / "mot").glob("*/gt/gt.txt")):
        gt = read_mot(gt_path)
        gt = gt[gt[:, 7] == 1]  # the people (class 1): the ball, 4 pixels and fast, is not tracked
        counted = gt[gt[:, 6] > 0]
        boxes = counted.copy()
        boxes[:, 1], boxes[:, 6] = -1, 1.0
        for mode in ("byte", "sort"):
            s = mot_scores(gt, track_sequence(boxes, TrackerConfig(mode=mode, frame_rate=fps)))
            print(f"| {gt_path.parent.parent.name}: ground truth | {mode} | {s.mota:.3f} | {s.idf1:.3f} | "
                  f"{s.hota if s.hota is None else round(s.hota, 3)} | {s.id_switches} |")  # fmt: skip


if __name__ == "__main__":
    main()
