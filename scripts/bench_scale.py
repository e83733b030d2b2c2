"""Data-parallel native PPO: steps a second with 1 and N processes (torchrun, DDP on gloo), one table.

    .venv/bin/python scripts/bench_scale.py [--env marionnette/Pong-v0] [--steps 1048576] [--nproc 1 2]
        [--device cpu]

Each row is an ordinary ``marionnette train ENV --algo ppo_native --nproc N`` run of the
shipped hyperparameters (the same global batch, ``n_envs`` split over the ranks), timed from
its progress.csv: ``time/fps`` of its last row (steps since the start over seconds, the
start-up and the first rollout's warm-up included). On a 2-core machine 2 processes have a
core each where 1 process has torch's 2 threads: the ratio says what DDP's all-reduce and the
split batch cost or win.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one(env: str, steps: int, nproc: int, device: str) -> tuple[float, float]:
    """``(steps/s from progress.csv, wall seconds of the whole command)`` of one run."""
    with tempfile.TemporaryDirectory() as tmp:
        command = [sys.executable, "-m", "marionnette", "train", env, "--algo", "ppo_native", "--steps", str(steps),
                   "--device", device, "--nproc", str(nproc), "--runs-dir", tmp]  # fmt: skip
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - began
        (run,) = list(Path(tmp).iterdir())
        rows = list(csv.DictReader(open(run / "progress.csv")))
        return float(rows[-1]["time/fps"]), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="marionnette/Pong-v0")
    parser.add_argument("--steps", type=int, default=1_048_576)
    parser.add_argument("--nproc", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; {args.env}, {args.steps:,} steps\n")
    print("| processes | steps/s | wall s | ratio to 1 process |")
    print("|---|---|---|---|")
    base = None
    for n in args.nproc:
        rate, wall = one(args.env, args.steps, n, args.device)
        base = base or rate
        print(f"| {n} | {rate:,.0f} | {wall:.1f} | {rate / base:.2f} |", flush=True)


if __name__ == "__main__":
    main()
