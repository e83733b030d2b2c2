"""Ke et al.'s Table 1 on the dataset the character performs: Deep LSTM, ST-GCN, clips + CNN
with concatenation, pooling and MTLN; cross-subject and cross-view accuracy.

    .venv/bin/python scripts/bench_action.py [--subjects 20] [--epochs 20] [--seeds 0 1 2]
        [--models lstm stgcn concat pooling mtln] [--cnn scratch] [--device cpu] [--threads 1]
        [--out runs/bench_action]

Makes the data (``marionnette data actions`` with ``--subjects``, 3 views, 2 replications,
seed 0), then trains every model on each protocol's training half for every seed and scores
it on the test half (``evaluate``): mean ± std over the seeds, the training wall-clock per
run, and the inference time per window (batch of 1, on ``--device``, after warm-up). The
clip models use ``--cnn`` (``scratch``: the from-scratch CNN; ``vgg``: VGG19 to conv5_1 with
``--features``, ImageNet from torchvision's cache or ``random``). The paper's numbers (NTU
RGB+D, cross-subject / cross-view) are printed beside ours for the ordering.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from marionnette.datasets.actions import ActionConfig, make_actions
from marionnette.perception.action.train import ActionTrainConfig, evaluate, load, train

PAPER = {  # Ke et al. CVPR 2017, Table 1 (NTU RGB+D); ST-GCN from Yan et al. AAAI 2018
    "lstm": ("Deep LSTM", 60.7, 67.3),
    "stgcn": ("ST-GCN", 81.5, 88.3),
    "concat": ("Clips + CNN + concatenation", 77.05, 81.11),
    "pooling": ("Clips + CNN + pooling", 76.37, 80.46),
    "mtln": ("Clips + CNN + MTLN", 79.57, 84.83),
}


def inference_ms(run: Path, device: str, window_frames: int = 90) -> float:
    recognizer = load(run, device)
    x = np.random.default_rng(0).normal(0, 0.3, (window_frames, 25, 3)).astype(np.float32)
    for _ in range(3):
        recognizer.probabilities(x)
    times = []
    for _ in range(20):
        started = time.perf_counter()
        recognizer.probabilities(x)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--models", nargs="+", default=list(PAPER))
    parser.add_argument("--splits", nargs="+", default=["cs", "cv"])
    parser.add_argument("--cnn", default="scratch")
    parser.add_argument("--features", default="random")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", type=Path, default=Path("runs/bench_action"))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1: steady on shared cores)")
    args = parser.parse_args()
    # One thread: on two cores shared with anything else, torch's two threads wait on each
    # other (measured here: a Deep LSTM window 715 ms with 2 threads beside another job, 1.1 ms with 1).
    torch.set_num_threads(args.threads)

    data_dir = args.out / "data"
    started = time.perf_counter()
    data = make_actions(ActionConfig(subjects=args.subjects, replications=2))
    data.save(data_dir / "actions.npz")
    print(f"{data} made in {time.perf_counter() - started:.1f}s")

    rows = []
    for model in args.models:
        settings = {"cnn": args.cnn, "features": args.features} if model in ("mtln", "concat", "pooling") else {}
        scores: dict[str, list[float]] = {split: [] for split in args.splits}
        seconds, ms = [], []
        for split in args.splits:
            for seed in args.seeds:
                began = time.perf_counter()
                config = ActionTrainConfig(model=model, split=split, epochs=args.epochs, seed=seed,
                                           model_config=settings)  # fmt: skip
                run = train(data_dir, config, device=args.device, runs_dir=args.out / "runs")
                seconds.append(time.perf_counter() - began)
                scores[split].append(100 * evaluate(run.path, device=args.device).accuracy)
                print(f"  {model} {split} seed {seed}: {scores[split][-1]:.1f}% in {seconds[-1]:.0f}s", flush=True)
            ms.append(inference_ms(run.path, args.device))
        rows.append((model, scores, statistics.mean(seconds), statistics.median(ms)))

    def cell(values: list[float]) -> str:
        if not values:
            return "-"
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.1f} ± {spread:.1f}"

    print()
    print(f"{args.subjects} subjects x 14 classes x 3 views x 2 replications; {args.epochs} epochs; "
          f"seeds {args.seeds}; clip CNN {args.cnn}; device {args.device}")  # fmt: skip
    print("| method | cross-subject % | cross-view % | paper on NTU (cs / cv) | train s / run | ms / window |")
    print("|---|---|---|---|---|---|")
    for model, scores, train_s, window_ms in rows:
        name, cs, cv = PAPER.get(model, (model, float("nan"), float("nan")))
        print(f"| {name} | {cell(scores.get('cs', []))} | {cell(scores.get('cv', []))} | {cs} / {cv} | "
              f"{train_s:.0f} | {window_ms:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
