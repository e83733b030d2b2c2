"""Autoencoder training throughput: samples/s of every kind and form, on the digits (8x8)
and on photo tiles (32x32 grey), on ``--device``.

    .venv/bin/python scripts/bench_autoencoders.py [--epochs 4] [--threads 1] [--device cpu]
        [--data digits photos] [--kinds plain denoise sparse vae] [--archs mlp conv]

Each row trains one run (seed 0, batch 64, the default sizes: a 16-unit code, MLP hidden
256, conv 32/64 filters) and reports the median over epochs 2.. of the training images
per second of training time (``samples_per_s`` in progress.csv: forward, loss, backward and
Adam step, the held-out scoring left out), and the held-out MSE it reached.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile

import torch

from marionnette.generation.autoencoders.train import AETrainConfig, evaluate, train
from marionnette.runs import read_progress


def cpu_name() -> str:
    """The CPU's model name (Linux), else what :mod:`platform` says."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--data", nargs="+", default=["digits", "photos"])
    parser.add_argument("--kinds", nargs="+", default=["plain", "denoise", "sparse", "vae"])
    parser.add_argument("--archs", nargs="+", default=["mlp", "conv"])
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"{cpu_name()} ({os.cpu_count()} cores), torch {torch.__version__}, {torch.get_num_threads()} "
          f"thread(s), device {args.device}, {args.epochs} epochs")  # fmt: skip
    print(f"{'data':7} {'arch':5} {'kind':8} {'images':>7} {'samples/s':>10} {'test MSE':>9}")
    with tempfile.TemporaryDirectory() as runs_dir:
        for data in args.data:
            for arch in args.archs:
                for kind in args.kinds:
                    config = AETrainConfig(data=data, kind=kind, arch=arch, epochs=args.epochs)
                    run = train(config, device=args.device, runs_dir=runs_dir)
                    rows = read_progress(run.progress_path)
                    rate = statistics.median(float(r["samples_per_s"]) for r in rows[1:] or rows)
                    mse = evaluate(run.path, device=args.device).mse
                    images = round(float(rows[0]["samples_per_s"]) * float(rows[0]["seconds"]))
                    print(f"{data:7} {arch:5} {kind:8} {images:7d} {rate:10.0f} {mse:9.4f}", flush=True)


if __name__ == "__main__":
    main()
