"""Past one machine, measured: data-parallel native PPO with 1 and N processes, and a Ray Tune
sweep's trials an hour with 1 and N trials at once.

    .venv/bin/python scripts/bench_scale.py [--env marionnette/Pong-v0] [--steps 1048576] [--nproc 1 2]
        [--trials 4] [--trial-steps 262144] [--concurrent 1 2] [--part ddp sweep] [--device cpu]

**DDP.** Each row is an ordinary ``marionnette train ENV --algo ppo_native --nproc N`` run of
the shipped hyperparameters (the same global batch, ``n_envs`` split over the ranks), timed
from its progress.csv: ``time/fps`` of its last row (steps since the start over seconds, the
start-up and the first rollout's warm-up included). On a 2-core machine 2 processes have a
core each where 1 process has torch's 2 threads: the ratio says what DDP's all-reduce and the
split batch cost or win.

**Sweep.** ``marionnette sweep ENV --algo ppo_native --trials T --steps S --scheduler none``
with ``--concurrent C``: the same seeded draw of T settings each time, none stopped early (ASHA
would make the count depend on the draw, not the machine), timed whole (Ray's start-up
included) and per trial (the trainings' own seconds: steps over ``time/fps`` in progress.csv). A trial has one
core and one torch thread.
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


def sweep(env: str, trials: int, steps: int, concurrent: int) -> tuple[float, float]:
    """``(wall seconds of the whole sweep, mean training seconds of a trial)``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "sweep"
        command = [sys.executable, "-m", "marionnette", "sweep", env, "--algo", "ppo_native",
                   "--trials", str(trials), "--steps", str(steps), "--scheduler", "none",
                   "--concurrent", str(concurrent), "--out", str(out)]  # fmt: skip
        began = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        wall = time.perf_counter() - began
        seconds = []
        for progress in out.glob("trials/*/*/progress.csv"):
            rows = list(csv.DictReader(open(progress)))
            seconds.append(float(rows[-1]["step"]) / float(rows[-1]["time/fps"]))  # fps: steps / seconds so far
        if len(seconds) != trials:
            raise SystemExit(f"{out}: {len(seconds)} of {trials} trials wrote a progress.csv")
        return wall, sum(seconds) / len(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="marionnette/Pong-v0")
    parser.add_argument("--steps", type=int, default=1_048_576)
    parser.add_argument("--nproc", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--trial-steps", type=int, default=262_144)
    parser.add_argument("--concurrent", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--part", nargs="+", choices=("ddp", "sweep"), default=["ddp", "sweep"])
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; {args.env}\n")
    if "ddp" in args.part:
        print(f"native PPO, {args.steps:,} steps\n")
        print("| processes | steps/s | wall s | ratio to 1 process |")
        print("|---|---|---|---|")
        base = None
        for n in args.nproc:
            rate, wall = one(args.env, args.steps, n, args.device)
            base = base or rate
            print(f"| {n} | {rate:,.0f} | {wall:.1f} | {rate / base:.2f} |", flush=True)
        print()
    if "sweep" in args.part:
        print(f"sweep of {args.trials} native-PPO trials, {args.trial_steps:,} steps each, no early stopping\n")
        print("| trials at once | sweep wall s | training s a trial | trials/hour | ratio to 1 at once |")
        print("|---|---|---|---|---|")
        base = None
        for c in args.concurrent:
            wall, per_trial = sweep(args.env, args.trials, args.trial_steps, c)
            per_hour = args.trials / wall * 3600
            base = base or per_hour
            print(f"| {c} | {wall:.1f} | {per_trial:.1f} | {per_hour:,.0f} | {per_hour / base:.2f} |", flush=True)


if __name__ == "__main__":
    main()
