"""Tabular value learning for tic-tac-toe, by self-play: TD(0) on afterstates, and Q-learning.

Both learn from play alone: the environment (``opponent="self"``) plays the moves the
agent picks for both sides and reports the rewards; the agent knows the rules only the
way every afterstate method does, by applying a move to a board. The oracle in
:mod:`marionnette.envs.tictactoe` never enters learning; it judges the result.

Both are zero-sum self-play learners ("negamax" targets): a value is always from the
point of view of one player, and the opponent's best value, negated, is ours.

- ``td`` (Sutton & Barto, ch. 1 and 6.8): ``V(b)`` is the value of board ``b`` for the
  player who just moved into it. Before moving from ``b``, the mover backs up
  ``V(b) ← V(b) + α(−max_m V(b·m) − V(b))``; a finished game sets
  ``V(b_T) ← V(b_T) + α(r − V(b_T))``.
- ``qlearning`` (Watkins 1989): ``Q(b, m)`` for the player to move,
  ``Q(b, m) ← Q(b, m) + α(r − max_m' Q(b', m') − Q(b, m))`` with the max over the
  opponent's moves in the next board ``b'`` (none once it is over).

Exploration is ε-greedy while the targets stay greedy, so the tables converge to the
game-theoretic values however much the agent explores.
"""

from __future__ import annotations

import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from marionnette.agents.family import ProgressFn
from marionnette.agents.policy import masked_choice
from marionnette.envs import tictactoe as t3
from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.files import atomic_open
from marionnette.runs import Checkpoint, ProgressLog, Run

CHECKPOINT_EXT = "npz"
N_BOARDS = 3**9  # every assignment of 9 cells to {empty, X, O}: the table index space
ALGOS = ("td", "qlearning")


@dataclass
class TabularConfig:
    n_timesteps: int = 150_000
    """Moves to play (environment steps), both sides counted."""
    learning_rate: float = 0.5
    """Step size α of every update."""
    epsilon: float = 0.5
    """Chance of a uniformly random move while learning (the targets stay greedy)."""
    log_every: int = 10_000
    """Write a row of progress.csv every this many steps."""
    checkpoint_every: int = 50_000
    """Save the table every this many steps (and at the end)."""

    def __post_init__(self):
        if self.n_timesteps <= 0:
            raise MarionnetteError(f"n_timesteps={self.n_timesteps}: must be positive")
        if not 0.0 < self.learning_rate <= 1.0:
            raise MarionnetteError(f"learning_rate={self.learning_rate}: must lie in (0, 1]")
        if not 0.0 <= self.epsilon <= 1.0:
            raise MarionnetteError(f"epsilon={self.epsilon}: must lie in [0, 1]")


def hyperparam_keys(algo: str) -> set[str]:
    return {f.name for f in fields(TabularConfig)} | {"env_kwargs"}


class TabularPolicy:
    """Greedy play from a learned table (``(3**9,)`` afterstate values or ``(3**9, 9)`` Q)."""

    def __init__(self, algo: str, table: np.ndarray, seed: int | None = None):
        self.algo = algo
        self.table = table
        self._rng = np.random.default_rng(seed)

    def move_scores(self, board: t3.Board) -> np.ndarray:
        """``(9,)`` value of each move for the player to move; illegal moves are -inf."""
        scores = np.full(9, -np.inf)
        code = t3.encode(board)
        for m in t3.legal_moves(board):
            scores[m] = self.table[t3.encode(t3.play(board, m))] if self.algo == "td" else self.table[code, m]
        return scores

    def predict(self, obs, action_mask=None, deterministic=True):
        obs = np.asarray(obs)
        batch = obs.reshape(-1, 18)
        scores = np.stack([self.move_scores(t3.board_from_obs(o)) for o in batch])  # (N, 9)
        actions = masked_choice(scores, action_mask, deterministic, self._rng)
        return int(actions[0]) if obs.ndim == 1 else actions


def _learn_loop(
    algo: str,
    table: np.ndarray,
    config: TabularConfig,
    env: gym.Env,
    rng: np.random.Generator,
    start: int,
    on_step: Callable[[int, float], None],
) -> None:
    """Self-play from ``start`` to ``config.n_timesteps`` moves, updating ``table`` in place."""
    alpha, step = config.learning_rate, start
    obs, info = env.reset(seed=int(rng.integers(2**31)))
    board, first = t3.board_from_obs(obs), True
    while step < config.n_timesteps:
        moves = np.flatnonzero(info["action_mask"])
        code = t3.encode(board)
        if algo == "td":
            values = table[[t3.encode(t3.play(board, m)) for m in moves]]
            if not first:  # back up the afterstate the previous mover left us
                table[code] += alpha * (-values.max() - table[code])
        else:
            values = table[code, moves]
        if rng.random() < config.epsilon:
            action = int(rng.choice(moves))
        else:  # greedy, ties broken at random so that no move is starved
            action = int(rng.choice(moves[values == values.max()]))
        obs, reward, terminated, truncated, info = env.step(action)
        step += 1
        next_board = t3.board_from_obs(obs)
        if algo == "td":
            if terminated:
                nxt = t3.encode(next_board)
                error = reward - table[nxt]
                table[nxt] += alpha * error
            else:
                error = 0.0  # measured at the next backup
        else:
            target = reward
            if not terminated:
                nxt = t3.encode(next_board)
                target = reward - table[nxt, np.flatnonzero(info["action_mask"])].max()
            error = target - table[code, action]
            table[code, action] += alpha * error
        on_step(step, abs(float(error)))
        if terminated or truncated:
            obs, info = env.reset()
            board, first = t3.board_from_obs(obs), True
        else:
            board, first = next_board, False


def learn(
    run: Run,
    config: dict[str, Any],
    *,
    device: str,
    resume_from: Checkpoint | None = None,
    progress: ProgressFn | None = None,
) -> None:
    """Train (or resume from ``resume_from``) the run's tabular agent; see :func:`marionnette.agents.train`."""
    del device  # a table lives in host memory
    algo, env_id, seed = config["algo"], config["env_id"], int(config["seed"])
    if env_id != "marionnette/TicTacToe-v0":
        raise MarionnetteError(f"--algo {algo} learns tic-tac-toe only (got {env_id!r}); use dqn or ppo")
    hp = dict(config["hyperparams"])
    env_kwargs = {**hp.pop("env_kwargs", {}), "opponent": "self"}
    conf = TabularConfig(**hp)

    table = np.zeros(N_BOARDS if algo == "td" else (N_BOARDS, 9), dtype=np.float64)
    start = 0
    if resume_from is not None:
        start = resume_from.step
        table = _read_table(resume_from.path, algo)
    if start >= conf.n_timesteps:
        return
    log = ProgressLog(run.progress_path, resume_step=start if resume_from is not None else None)
    tb = _tensorboard(run)

    env = gym.make(env_id, **env_kwargs).unwrapped  # our own loop: skip the checker wrappers
    rng = np.random.default_rng([seed, start])
    window, episodes, t0 = [], 0, time.perf_counter()

    def on_step(step: int, error: float) -> None:
        nonlocal episodes, t0
        window.append(error)
        if step % conf.log_every == 0 or step == conf.n_timesteps:
            from marionnette.agents.evaluate import certify  # the oracle judges, never teaches

            cert = certify(TabularPolicy(algo, table))
            row = {
                "train/mean_abs_td_error": float(np.mean(window)),
                "eval/optimal_move_fraction": cert.optimal / cert.checked,
                "time/steps_per_second": len(window) / (time.perf_counter() - t0),
            }
            log.append(step, row)
            for key, value in row.items():
                tb.add_scalar(key, value, step)
            window.clear()
            t0 = time.perf_counter()
        if step % conf.checkpoint_every == 0 or step == conf.n_timesteps:
            _write_table(run.checkpoint_path(step, CHECKPOINT_EXT), algo, table, step)
        if progress is not None and step % 500 == 0:
            progress(step, conf.n_timesteps)

    try:
        _learn_loop(algo, table, conf, env, rng, start, on_step)
    finally:
        tb.close()
    _write_table(run.model_path(CHECKPOINT_EXT), algo, table, conf.n_timesteps)
    if progress is not None:
        progress(conf.n_timesteps, conf.n_timesteps)


def _tensorboard(run: Run):
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(str(run.tensorboard_dir))


def _write_table(path: Path, algo: str, table: np.ndarray, step: int) -> None:
    with atomic_open(path) as f:
        np.savez(f, algo=np.array(algo), step=np.array(step), table=table)


def _read_table(path: Path, algo: str) -> np.ndarray:
    """The table :func:`_write_table` wrote; :class:`CheckpointError` when ``path`` is cut
    short, not a marionnette table, or another algorithm's."""
    what = f"{path} is not a readable {algo} table"
    try:
        data = np.load(path, allow_pickle=False)
    except (zipfile.BadZipFile, EOFError, ValueError) as e:  # cut short; not an npz; pickled data
        raise CheckpointError(f"{what} (cut short or corrupt: {type(e).__name__}: {e})") from e
    if not isinstance(data, np.lib.npyio.NpzFile):  # a single .npy array
        raise CheckpointError(f"{what} (one array, not a marionnette checkpoint)")
    try:
        with data:
            found, table = str(data["algo"]), data["table"]
    except KeyError as e:  # an .npz, but not ours: numpy names the missing array
        raise CheckpointError(f"{what} (not a marionnette checkpoint: {e.args[0]})") from e
    except (zipfile.BadZipFile, EOFError, ValueError, zlib.error) as e:  # a damaged array inside
        raise CheckpointError(f"{what} (corrupt: {type(e).__name__}: {e})") from e
    expected = (N_BOARDS,) if algo == "td" else (N_BOARDS, 9)
    if found != algo or table.shape != expected:
        raise CheckpointError(
            f"{path} holds a {found} table of shape {table.shape}, not the {algo} table "
            f"{expected} this run needs: pass the run that made it"
        )
    return table


ZOO_EXT = "npz"  # the model file is arrays already


def export(path: Path, dest: Path, config: dict[str, Any], dtype: str = "float32") -> None:
    """The table of ``path`` as a zoo file (checked to read; values kept in float64, a table is small)."""
    algo = str(config["algo"])
    _write_table(dest, algo, _read_table(path, algo), int(config["hyperparams"]["n_timesteps"]))


def load(path: Path, algo: str, device: str = "cpu") -> TabularPolicy:
    return TabularPolicy(algo, _read_table(path, algo))
