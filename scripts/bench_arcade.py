"""Arcade speed, ours beside ale-py (and EnvPool where it installs), in one run.

    .venv/bin/python scripts/bench_arcade.py                 # env steps/s table (~3 min)
    .venv/bin/python scripts/bench_arcade.py --ppo           # + native PPO vs SB3 PPO to a Pong score
    .venv/bin/python scripts/bench_arcade.py --device cuda   # our games on a GPU (ale-py stays on CPU)

Env steps/s: random actions, a batch of B games stepped together. Ours: each game's
``VectorEnv`` (state and 84×84×4 pixels) on ``--device``. Reference: ale-py's
``ALE/Pong-v5`` preprocessed the same way (84×84 grey, frame-skip 4, stack 4) in its
threaded ``AtariVectorEnv`` (the strongest Atari baseline here) and, at batch 1, one
plain ``gymnasium.make`` env; EnvPool's Pong when ``import envpool`` works.

EnvPool: its 1.x wheels install but do not import here (no Atari ROMs, no MyoSuite
metadata in the wheel); 0.8.4 works, installed beside the venv (it wants gym 0.26)::

    .venv/bin/pip install --target /tmp/envpool084 --no-deps envpool==0.8.4 gym==0.26.2 \
        gym-notices cloudpickle dm-env optree types-protobuf
    mkdir -p /tmp/nojax/jax && echo 'raise ImportError' > /tmp/nojax/jax/__init__.py
    PYTHONPATH=/tmp/nojax:/tmp/envpool084 .venv/bin/python scripts/bench_arcade.py

(the ``nojax`` shim hides jax, which mediapipe brings: envpool 0.8.4's optional XLA glue
fails on jax >= 0.7 with an AttributeError instead of an ImportError).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import gymnasium as gym
import numpy as np
import torch
from rich.console import Console
from rich.table import Table

import marionnette  # noqa: F401
from marionnette.envs.arcade import GAMES

BATCHES = (1, 256, 4096)
ALE_MAX_BATCH = 256


def ours_steps_per_second(game: str, batch: int, obs_type: str, device: str, seconds: float = 2.0) -> float:
    envs = gym.make_vec(
        f"marionnette/{game}-v0", num_envs=batch, vectorization_mode="vector_entry_point",
        obs_type=obs_type, device=device,
    )  # fmt: skip
    envs.reset(seed=0)
    n_actions = envs.single_action_space.n
    gen = torch.Generator(device=device).manual_seed(0)
    actions = torch.randint(0, n_actions, (64, batch), generator=gen, device=device)
    for i in range(3):  # warm-up
        envs.step(actions[i])
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        envs.step(actions[steps % 64])
        steps += 1
    if device == "cuda":
        torch.cuda.synchronize()
    return steps * batch / (time.perf_counter() - started)


def ale_steps_per_second(batch: int, seconds: float = 3.0) -> float | None:
    try:
        import ale_py
        from ale_py.vector_env import AtariVectorEnv
    except ImportError:
        return None
    rng = np.random.default_rng(0)
    if batch == 1:  # one env, preprocessed as our Atari runs see it
        from marionnette.envs import make

        env = make("ALE/Pong-v5")
        env.reset(seed=0)
        steps, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            _, _, term, trunc, _ = env.step(int(rng.integers(6)))
            if term or trunc:
                env.reset()
            steps += 1
        return steps / (time.perf_counter() - started)
    del ale_py
    envs = AtariVectorEnv(  # preprocessed as make_atari does (its own defaults differ: no sticky actions)
        game="pong", num_envs=batch, img_height=84, img_width=84, grayscale=True, stack_num=4, frameskip=4,
        maxpool=True, noop_max=30, repeat_action_probability=0.25, episodic_life=False, reward_clipping=False,
        use_fire_reset=False,
    )  # fmt: skip
    envs.reset(seed=0)
    envs.step(rng.integers(6, size=batch))
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds or steps < 2:
        envs.step(rng.integers(6, size=batch))
        steps += 1
    elapsed = time.perf_counter() - started
    envs.close()
    return steps * batch / elapsed


def envpool_steps_per_second(batch: int, seconds: float = 3.0) -> float | None:
    try:
        import envpool
    except Exception as e:  # not installed, or an install that does not import (see docs/BENCHMARKS.md)
        print(f"EnvPool skipped: {type(e).__name__}: {str(e).splitlines()[0][:120]}")
        return None
    envs = envpool.make_gymnasium("Pong-v5", num_envs=batch)
    envs.reset()
    rng = np.random.default_rng(0)
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds or steps < 2:
        envs.step(rng.integers(6, size=batch))
        steps += 1
    return steps * batch / (time.perf_counter() - started)


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def speed_table(device: str) -> Table:
    table = Table("env", "obs", *(f"batch {b}" for b in BATCHES), title=f"env steps/s (ours on {device})")
    # ale-py's threads saturate 2 cores by batch 64, and building 4096 emulators takes
    # minutes: batch 4096 is compared with its batch-256 rate (shown in brackets).
    ale = {b: ale_steps_per_second(b) for b in BATCHES if b <= ALE_MAX_BATCH}
    ale |= {b: ale[ALE_MAX_BATCH] for b in BATCHES if b > ALE_MAX_BATCH}
    pool = {b: envpool_steps_per_second(b) for b in BATCHES}
    ale_cells = [fmt(ale[b]) if b <= ALE_MAX_BATCH else f"({fmt(ale[b])})" for b in BATCHES]
    table.add_row("ale-py ALE/Pong-v5 (AtariVectorEnv; batch 1: gym.make)", "pixels", *ale_cells)
    table.add_row("EnvPool Pong-v5", "pixels", *(fmt(pool[b]) for b in BATCHES))
    for game in GAMES:
        for obs_type in ("state", "pixels"):
            ours = {b: ours_steps_per_second(game, b, obs_type, device) for b in BATCHES}
            cells = [f"{fmt(ours[b])} ({ours[b] / ale[b]:.2g}× ale)" if ale[b] else fmt(ours[b]) for b in BATCHES]
            table.add_row(f"marionnette/{game}-v0", obs_type, *cells)
    return table


def ppo_table(target: float, budget_s: float) -> Table:
    """Wall-clock for native PPO and SB3 PPO to reach a mean Pong return of ``target``."""
    import tempfile

    from marionnette import agents
    from marionnette.runs import read_progress

    title = "Pong (state): time to a score"
    table = Table("agent", "steps", "wall-clock", f"first mean return ≥ {target}", title=title)
    for algo, steps in (("ppo_native", 5_000_000), ("ppo", 5_000_000)):
        with tempfile.TemporaryDirectory() as root:
            reached: list[tuple[int, float]] = []
            started = time.perf_counter()

            def stop_when_reached(done, total, root=root, reached=reached, started=started):
                if time.perf_counter() - started > budget_s:
                    raise KeyboardInterrupt
                (run_dir,) = os.listdir(root)
                rows = read_progress(os.path.join(root, run_dir, "progress.csv")) if done else []
                scores = [float(r["rollout/ep_rew_mean"]) for r in rows[-1:] if r.get("rollout/ep_rew_mean")]
                if scores and scores[0] >= target:
                    reached.append((done, time.perf_counter() - started))
                    raise KeyboardInterrupt

            overrides: list[str] = []  # the shipped YAML of each
            try:
                agents.train("marionnette/Pong-v0", algo, steps=steps, device="cpu", runs_dir=root,
                             overrides=overrides, progress=stop_when_reached)  # fmt: skip
            except KeyboardInterrupt:
                pass
            if reached:
                table.add_row(algo, f"{reached[0][0]:,}", f"{reached[0][1]:.0f} s", "yes")
            else:
                table.add_row(algo, "—", f"> {time.perf_counter() - started:.0f} s", "no (budget spent)")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--ppo", action="store_true", help="also race native PPO against SB3 PPO on Pong")
    parser.add_argument("--target", type=float, default=0.0, help="mean Pong return to reach")
    parser.add_argument("--budget", type=float, default=1800.0, help="seconds each agent may take")
    args = parser.parse_args()
    console = Console(width=160)
    cpu = platform.processor() or platform.platform()
    console.print(f"machine: {platform.machine()}, {cpu}, {os.cpu_count()} cores, torch {torch.__version__}")
    console.print(speed_table(args.device))
    if args.ppo:
        console.print(ppo_table(args.target, args.budget))


if __name__ == "__main__":
    main()
