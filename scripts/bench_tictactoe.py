"""Tic-tac-toe speed and learning figures, ours beside a reference, in one run.

    .venv/bin/python scripts/bench_tictactoe.py              # speed table (~1.5 min)
    .venv/bin/python scripts/bench_tictactoe.py --learning   # + MaskablePPO and DQN with the shipped YAML

References: PettingZoo's ``tictactoe_v3`` (the community's tic-tac-toe, AEC API; install
``pettingzoo pygame`` to include it) for raw moves per second, Gymnasium's ``CartPole-v1``
for the cost of a step through SB3's ``DummyVecEnv``, and our own Q-learning for TD's time
to certified perfect play.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time

import gymnasium as gym
import numpy as np
from rich.console import Console
from rich.table import Table

import marionnette  # noqa: F401
from marionnette import agents
from marionnette.agents import tabular
from marionnette.agents.evaluate import certify, tictactoe_score
from marionnette.agents.hyperparams import load_hyperparams
from marionnette.envs import tictactoe as t3

ID = "marionnette/TicTacToe-v0"


def time_to_certified(algo: str, seed: int, check_every: int = 5000, limit: int = 1_000_000) -> tuple[float, int]:
    """(learning seconds, steps) until the greedy policy is certified perfect; judging is not timed."""
    defaults = load_hyperparams(algo, ID)
    conf = tabular.TabularConfig(
        n_timesteps=limit, learning_rate=defaults["learning_rate"], epsilon=defaults["epsilon"]
    )
    table = np.zeros(tabular.N_BOARDS if algo == "td" else (tabular.N_BOARDS, 9))
    env = gym.make(ID, opponent="self").unwrapped
    judging, found = 0.0, None
    started = time.perf_counter()

    class Certified(Exception):
        pass

    def on_step(step: int, error: float) -> None:
        nonlocal judging, found
        if step % check_every == 0:
            t = time.perf_counter()
            perfect = certify(tabular.TabularPolicy(algo, table)).perfect
            judging += time.perf_counter() - t
            if perfect:
                found = step
                raise Certified

    try:
        tabular._learn_loop(algo, table, conf, env, np.random.default_rng([seed, 0]), 0, on_step)
    except Certified:
        pass
    return time.perf_counter() - started - judging, found or -1


def moves_per_second_ours(n: int = 50_000) -> float:
    env = gym.make(ID, opponent="self").unwrapped
    rng = np.random.default_rng(0)
    obs, info = env.reset(seed=0)
    started = time.perf_counter()
    for _ in range(n):
        obs, r, term, trunc, info = env.step(int(rng.choice(np.flatnonzero(info["action_mask"]))))
        if term:
            obs, info = env.reset()
    return n / (time.perf_counter() - started)


def moves_per_second_pettingzoo(n: int = 50_000) -> float | None:
    try:
        from pettingzoo.classic import tictactoe_v3
    except ImportError:
        return None
    env = tictactoe_v3.env()
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    done, started = 0, time.perf_counter()
    while done < n:
        obs, r, term, trunc, info = env.last()
        if term or trunc:
            env.reset()
            continue
        env.step(int(rng.choice(np.flatnonzero(obs["action_mask"]))))
        done += 1
    return n / (time.perf_counter() - started)


def vec_steps_per_second(env_id: str, n_envs: int = 8, n: int = 40_000, **env_kwargs) -> float:
    from stable_baselines3.common.env_util import make_vec_env

    venv = make_vec_env(env_id, n_envs=n_envs, seed=0, env_kwargs=env_kwargs)
    venv.reset()
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    for _ in range(n // n_envs):
        if env_id == ID:  # a random legal move each, asking for masks as MaskablePPO does
            masks = np.stack(venv.env_method("action_masks"))  # (n_envs, 9)
            actions = (rng.random(masks.shape) * masks).argmax(axis=1)
        else:
            actions = rng.integers(venv.action_space.n, size=n_envs)
        venv.step(actions)
    return n / (time.perf_counter() - started)


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.2f}×" if a and b else "—"


def speed_table(seeds: int) -> Table:
    table = Table("measure", "ours", "reference", "ratio (ours/ref)", title="tic-tac-toe: speed")

    started = time.perf_counter()
    t3.solve.cache_clear()
    oracle = t3.solve()
    solve_ms = (time.perf_counter() - started) * 1e3
    table.add_row(f"minimax full solve ({len(oracle.values)} positions)", f"{solve_ms:.0f} ms", "—", "—")

    td = [time_to_certified("td", s) for s in range(seeds)]
    ql = [time_to_certified("qlearning", s) for s in range(seeds)]
    td_s, ql_s = statistics.median(t for t, _ in td), statistics.median(t for t, _ in ql)
    table.add_row(
        f"TD(0) to certified perfect (median of {seeds} seeds)",
        f"{td_s:.1f} s · {statistics.median(s for _, s in td):,.0f} steps",
        f"Q-learning: {ql_s:.1f} s · {statistics.median(s for _, s in ql):,.0f} steps",
        ratio(ql_s, td_s) + " faster",
    )

    ours, pz = moves_per_second_ours(), moves_per_second_pettingzoo()
    table.add_row(
        "moves/s, one env, random legal moves",
        f"{ours:,.0f}",
        f"PettingZoo tictactoe_v3: {pz:,.0f}" if pz else "PettingZoo not installed",
        ratio(ours, pz),
    )
    vec, cartpole = vec_steps_per_second(ID, opponent="random"), vec_steps_per_second("CartPole-v1")
    table.add_row(
        "agent steps/s, SB3 DummyVecEnv ×8 (vs random)",
        f"{vec:,.0f}",
        f"CartPole-v1: {cartpole:,.0f}",
        ratio(vec, cartpole),
    )
    return table


def learning_table() -> Table:
    """The shipped YAML of MaskablePPO and DQN: wall-clock and play quality."""

    class Unmasked:
        def __init__(self, policy):
            self.policy = policy

        def predict(self, obs, action_mask=None, deterministic=True):
            return self.policy.predict(obs, deterministic=deterministic)

    table = Table(
        "algo", "steps", "wall-clock", "optimal moves", "X vs random W/D/L", "X vs minimax W/D/L",
        "O vs minimax W/D/L", title="tic-tac-toe: learning with the shipped YAML (seed 0, 200 games a cell)",
    )  # fmt: skip
    fmt = "{0.wins}/{0.draws}/{0.losses}".format
    for algo in ("ppo_mask", "dqn"):
        with tempfile.TemporaryDirectory() as root:
            started = time.perf_counter()
            run = agents.train(ID, algo, seed=0, device="cpu", runs_dir=root)
            wall = time.perf_counter() - started
            policy = agents.load(run.path)
            steps = run.read_config()["hyperparams"]["n_timesteps"]
        cert = certify(policy)
        row = [
            fmt(tictactoe_score(policy, s, o, 200)) for s, o in (("X", "random"), ("X", "minimax"), ("O", "minimax"))
        ]
        table.add_row(algo, f"{steps:,}", f"{wall:.0f} s", f"{cert.optimal}/{cert.checked}", *row)
        if algo == "dqn":
            raw = [
                fmt(tictactoe_score(Unmasked(policy), s, o, 200))
                for s, o in (("X", "random"), ("X", "minimax"), ("O", "minimax"))
            ]
            table.add_row("dqn, no mask at play", "", "", "", *raw)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds for the time-to-certified rows")
    parser.add_argument("--learning", action="store_true", help="also train MaskablePPO and DQN (~2.5 min)")
    args = parser.parse_args()
    console = Console(width=140)
    cpu = platform.processor() or platform.platform()
    console.print(f"machine: {platform.machine()}, {cpu}, {os.cpu_count()} cores, python {platform.python_version()}")
    console.print(speed_table(args.seeds))
    if args.learning:
        console.print(learning_table())


if __name__ == "__main__":
    main()
