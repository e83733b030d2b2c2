"""Arcade speed, ours beside ale-py (and EnvPool where it installs), in one run.

    .venv/bin/python scripts/bench_arcade.py                 # env steps/s and roofline tables (~8 min)
    .venv/bin/python scripts/bench_arcade.py --ppo           # + native PPO vs SB3 PPO to a Pong score
    .venv/bin/python scripts/bench_arcade.py --device cuda   # our games on a GPU (ale-py stays on CPU)

Env steps/s: random actions, a batch of B games stepped together. Ours: each game's
``VectorEnv`` (state and 84×84×4 pixels) on ``--device``; pixels as fresh tensors (the
default ``copy=True``) and as views of the env's frames (``copy=False``, what native PPO
takes), eager and with ``compile=True``. The roofline table puts the pixel rates at batch
4096 beside this machine's copy bandwidth: bytes moved per step (by construction of the
pixel path) × steps/s against the GB/s of a plain 256 MB copy. Reference: ale-py's
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

gymnax: its MinAtar games (Breakout, Freeway, Asterix; 10×10×k state grids), jitted, are the
compiled peer: ``jax.lax.scan`` over ``jax.vmap(env.step)`` with random actions, compile
excluded. Installed beside the venv too, on the venv's jax (0.7.1): flax is pinned to 0.11.2
(it asks jax >= 0.6; later ones may want a newer jax), and gymnax uses only ``flax.struct``::

    .venv/bin/pip install --target /tmp/gymnax --no-deps gymnax==1.0.1 flax==0.11.2 six seaborn

(six and seaborn because ``import gymnax`` imports its MNIST loader and Pong renderer.)

Its rows are measured in a subprocess whose PYTHONPATH is ``$GYMNAX_PATH`` (default
``/tmp/gymnax``) alone, so the ``nojax`` shim never reaches it and one command runs all::

    PYTHONPATH=/tmp/nojax:/tmp/envpool084 .venv/bin/python scripts/bench_arcade.py
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import time
from functools import cache

import gymnasium as gym
import numpy as np
import torch
from rich.console import Console
from rich.table import Table

import marionnette  # noqa: F401
from marionnette.envs.arcade import GAMES

BATCHES = (1, 256, 4096)
ALE_MAX_BATCH = 256
GYMNAX_GAMES = ("Breakout-MinAtar", "Freeway-MinAtar", "Asterix-MinAtar")
GYMNAX_PATH = os.environ.get("GYMNAX_PATH", "/tmp/gymnax")


def copy_bandwidth_gbps(nbytes: int = 256 * 10**6, repeats: int = 5) -> float:
    """Memory copy bandwidth of this machine, GB/s (10⁹ B/s): best of ``repeats`` torch copies
    of an ``nbytes`` uint8 CPU tensor into another, counted as bytes read + bytes written (2 × nbytes)."""
    src = torch.ones(nbytes, dtype=torch.uint8)  # ones, not empty: its pages are touched before the clock
    dst = torch.empty_like(src)
    dst.copy_(src)  # first touch of dst's pages (page faults are not bandwidth)
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        dst.copy_(src)
        best = min(best, time.perf_counter() - started)
    return 2 * nbytes / best / 1e9


# Our rows: (label, obs_type, env kwargs, batches). torch.compile takes ~20 s a game and
# batch size on a cold cache, so the compiled rows run at the batch of the goal only.
VARIANTS = (
    ("state", "state", {}, BATCHES),
    ("state, compile=True", "state", {"compile": True}, (4096,)),
    ("pixels", "pixels", {}, BATCHES),
    ("pixels, copy=False", "pixels", {"copy": False}, BATCHES),
    ("pixels, copy=False, compile=True", "pixels", {"copy": False, "compile": True}, (4096,)),
)


def ours_steps_per_second(game: str, batch: int, obs_type: str, device: str, seconds: float = 2.0,
                          **kwargs) -> float:  # fmt: skip
    envs = gym.make_vec(
        f"marionnette/{game}-v0", num_envs=batch, vectorization_mode="vector_entry_point",
        obs_type=obs_type, device=device, **kwargs,
    )  # fmt: skip
    envs.reset(seed=0)
    n_actions = envs.single_action_space.n
    gen = torch.Generator(device=device).manual_seed(0)
    actions = torch.randint(0, n_actions, (64, batch), generator=gen, device=device)
    for i in range(3):  # warm-up (and, with compile=True, the compile)
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


def gymnax_rollout_rate(game: str, batch: int, seconds: float = 3.0) -> float:
    """Steps/s of gymnax's ``game`` in this process (needs ``import gymnax``): jitted scan over vmap(step)."""
    import gymnax
    import jax

    env, params = gymnax.make(game)
    length = 1000 if batch < 1024 else 100  # steps per jitted call: long enough to hide dispatch, short at 4096
    step = jax.vmap(env.step, in_axes=(0, 0, 0, None))
    sample = jax.vmap(env.action_space(params).sample)

    @jax.jit
    def rollout(carry):
        def body(carry, _):
            key, state = carry
            key, k_act, k_step = jax.random.split(key, 3)
            actions = sample(jax.random.split(k_act, batch))
            state = step(jax.random.split(k_step, batch), state, actions, params)[1]  # auto-resets done games
            return (key, state), None

        return jax.lax.scan(body, carry, None, length=length)[0]

    key, k_reset = jax.random.split(jax.random.key(0))
    _, state = jax.vmap(env.reset, in_axes=(0, None))(jax.random.split(k_reset, batch), params)
    carry = (key, state)
    for _ in range(2):  # warm-up, outside the clock: reset's weak-typed ints are strong after one call, so it
        carry = jax.block_until_ready(rollout(carry))  # compiles twice (the 2nd for its own output's types)
    calls, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds or calls < 2:
        carry = jax.block_until_ready(rollout(carry))  # dispatch is async: wait before reading the clock
        calls += 1
    return calls * length * batch / (time.perf_counter() - started)


def _gymnax_subprocess_env() -> dict[str, str]:
    """gymnax's path alone (not the caller's, which may hold the nojax shim); JAX on CPU, torch's thread count."""
    threads = torch.get_num_threads()
    return os.environ | {
        "PYTHONPATH": GYMNAX_PATH,
        "JAX_PLATFORMS": "cpu",  # no probing for accelerators
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
        "XLA_FLAGS": f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={threads}",
    }


@cache
def _gymnax_missing() -> str | None:
    """Why ``import gymnax`` fails in the subprocess (printed once), or None when it works."""
    cmd = [sys.executable, "-c", "import gymnax"]
    done = subprocess.run(cmd, env=_gymnax_subprocess_env(), capture_output=True, text=True)
    if done.returncode == 0:
        return None
    why = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1][:120]
    print(f"gymnax skipped: {why} (install: see this script's docstring)")
    return why


def gymnax_steps_per_second(game: str, batch: int, seconds: float = 3.0) -> float | None:
    """gymnax's ``game`` at ``batch``, measured in a subprocess with its own PYTHONPATH; None if it won't import."""
    if _gymnax_missing():
        return None
    cmd = [sys.executable, os.path.abspath(__file__), "--gymnax-worker", game, str(batch), str(seconds)]
    done = subprocess.run(cmd, env=_gymnax_subprocess_env(), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        print(f"gymnax {game} batch {batch} failed: {(done.stderr.strip().splitlines() or ['?'])[-1][:120]}")
        return None
    return float(done.stdout.split()[-1])


def fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def vs_ale(x: float | None, ale: float | None) -> str:
    return f"{fmt(x)} ({x / ale:.2g}× ale)" if x and ale else fmt(x)


def speed_table(device: str, speeds: dict) -> Table:
    """The steps/s table; our rates also go into ``speeds[game, variant][batch]``."""
    table = Table("env", "obs", *(f"batch {b}" for b in BATCHES), title=f"env steps/s (ours on {device})")
    # ale-py's threads saturate 2 cores by batch 64, and building 4096 emulators takes
    # minutes: batch 4096 is compared with its batch-256 rate (shown in brackets).
    ale = {b: ale_steps_per_second(b) for b in BATCHES if b <= ALE_MAX_BATCH}
    ale |= {b: ale[ALE_MAX_BATCH] for b in BATCHES if b > ALE_MAX_BATCH}
    pool = {b: envpool_steps_per_second(b) for b in BATCHES}
    ale_cells = [fmt(ale[b]) if b <= ALE_MAX_BATCH else f"({fmt(ale[b])})" for b in BATCHES]
    table.add_row("ale-py ALE/Pong-v5 (AtariVectorEnv; batch 1: gym.make)", "pixels", *ale_cells)
    table.add_row("EnvPool Pong-v5", "pixels", *(fmt(pool[b]) for b in BATCHES))
    for game in GYMNAX_GAMES:
        peer = {b: gymnax_steps_per_second(game, b) for b in BATCHES}
        cells = [vs_ale(peer[b], ale[b]) for b in BATCHES]
        table.add_row(f"gymnax {game} (JAX jit, scan over vmap)", "state (10×10×k grid)", *cells)
    for game in GAMES:
        for label, obs_type, kwargs, batches in VARIANTS:
            ours = {b: ours_steps_per_second(game, b, obs_type, device, **kwargs) if b in batches else None
                    for b in BATCHES}  # fmt: skip
            speeds[game, label] = ours
            table.add_row(f"marionnette/{game}-v0", label, *(vs_ale(ours[b], ale[b]) for b in BATCHES))
    return table


def frame_bytes(game: str, copy: bool) -> int:
    """Bytes a pixel step moves to or from memory per env, by construction of the pixel path
    (marionnette/envs/arcade/pixels.py): the new 84×84 frame written; the window's wrap-round
    (3 frames read and written every ``slots - 3`` steps); Breakout's per-env scenery read
    (the others share one, which stays in cache); with ``copy=True`` the 4-frame stack read
    and written again. The patches rewrite a few hundred bytes of the frame just written."""
    from marionnette.envs.arcade.pixels import FRAME, SLOTS, STACK

    frame = FRAME * FRAME
    moved = frame + 2 * (STACK - 1) * frame / (SLOTS - STACK + 1)
    if game == "Breakout":
        moved += frame
    if copy:
        moved += 2 * STACK * frame
    return round(moved)


def roofline_table(speeds: dict, bandwidth: float, batch: int = 4096) -> Table:
    """The pixel rows at ``batch`` against this machine's copy bandwidth."""
    table = Table("env", "obs", "steps/s", "bytes/step", "GB/s moved", f"of {bandwidth:.1f} GB/s", "roofline steps/s",
                  title=f"pixels at batch {batch}: memory moved against the copy bandwidth")  # fmt: skip
    for game in GAMES:
        for label, obs_type, kwargs, _ in VARIANTS:
            rate = speeds.get((game, label), {}).get(batch)
            if obs_type != "pixels" or rate is None:
                continue
            moved = frame_bytes(game, kwargs.get("copy", True))
            gbps = rate * moved / 1e9
            table.add_row(f"marionnette/{game}-v0", label, fmt(rate), f"{moved:,}", f"{gbps:.2f}",
                          f"{gbps / bandwidth:.0%}", fmt(bandwidth * 1e9 / moved))  # fmt: skip
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
    parser.add_argument("--gymnax-worker", nargs=3, metavar=("GAME", "BATCH", "SECONDS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.gymnax_worker:  # the subprocess of gymnax_steps_per_second: print the rate, nothing else
        game, batch, seconds = args.gymnax_worker
        print(gymnax_rollout_rate(game, int(batch), float(seconds)))
        return
    console = Console(width=160)
    cpu = platform.processor() or platform.platform()
    bandwidth = copy_bandwidth_gbps()
    console.print(
        f"machine: {platform.machine()}, {cpu}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"memory copy {bandwidth:.1f} GB/s (read + write)"
    )
    speeds: dict = {}
    console.print(speed_table(args.device, speeds))
    if args.device == "cpu":
        console.print(roofline_table(speeds, bandwidth))
    if args.ppo:
        console.print(ppo_table(args.target, args.budget))


if __name__ == "__main__":
    main()
