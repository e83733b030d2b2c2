"""Judging a trained policy: episodes played, score tables, and the tic-tac-toe certificate."""

from __future__ import annotations

from collections.abc import Generator, Iterator, Sequence
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np

from marionnette.agents.policy import Policy
from marionnette.envs import make
from marionnette.envs import tictactoe as t3
from marionnette.errors import MarionnetteError

TICTACTOE = "marionnette/TicTacToe-v0"


class Episode(NamedTuple):
    ret: float  # the sum of the agent's rewards
    length: int  # agent steps
    info: dict[str, Any]  # the final step's info
    start: dict[str, Any] | None = None  # reset()'s info

    @property
    def forward(self) -> float | None:
        """Metres the character moved along +x (envs whose info has ``x_position``), else None."""
        if self.start is None or "x_position" not in self.info:
            return None
        return self.info["x_position"] - self.start["x_position"]


def play_episode(policy: Policy, env: gym.Env, seed: int | None = None, frames: list | None = None) -> Episode:
    """One episode of ``policy`` in ``env``; appends rendered frames to ``frames`` if given.

    The env's ``info["action_mask"]`` (or ``action_masks()``), when it has one, is passed
    to the policy so that a masked agent never plays an illegal move.
    """
    played = _play(policy, env, seed, render=frames is not None)
    while True:
        try:
            frame = next(played)
        except StopIteration as done:
            return done.value
        frames.append(frame)  # only drawn when frames is a list


def _play(policy: Policy, env: gym.Env, seed: int | None, render: bool) -> Generator[np.ndarray, None, Episode]:
    """One episode, yielding each rendered frame as it is drawn (when ``render``); returns
    the :class:`Episode`."""
    obs, info = env.reset(seed=seed)
    start = info
    if render:
        yield env.render()
    ret, length = 0.0, 0
    while True:
        action = policy.predict(obs, action_mask=info.get("action_mask"), deterministic=True)
        obs, reward, terminated, truncated, info = env.step(action)
        ret, length = ret + float(reward), length + 1
        if render:
            yield env.render()
        if terminated or truncated:
            return Episode(ret, length, info, start)


class Score(NamedTuple):
    wins: int
    draws: int
    losses: int

    @property
    def games(self) -> int:
        return self.wins + self.draws + self.losses


def tictactoe_score(policy: Policy, agent_player: str, opponent: str, episodes: int, seed: int = 0) -> Score:
    """Wins, draws and losses of ``policy`` playing ``agent_player`` against ``opponent``."""
    env = make(TICTACTOE, agent_player=agent_player, opponent=opponent)
    outcomes = [play_episode(policy, env, seed=seed + i).ret for i in range(episodes)]
    return Score(
        wins=sum(r > 0 for r in outcomes),
        draws=sum(r == 0 for r in outcomes),
        losses=sum(r < 0 for r in outcomes),
    )


def tictactoe_table(policy: Policy, episodes: int, seed: int = 0) -> dict[tuple[str, str], Score]:
    """The score table: as X and as O, against random and against minimax."""
    return {
        (side, opponent): tictactoe_score(policy, side, opponent, episodes, seed)
        for side in ("X", "O")
        for opponent in ("random", "minimax")
    }


class Certificate(NamedTuple):
    checked: int  # open positions judged (4,520: every reachable one, both sides)
    optimal: int  # of which the policy's greedy move is among the oracle's optimal moves
    failures: list[t3.Board]

    @property
    def perfect(self) -> bool:
        return self.optimal == self.checked


def certify(policy: Policy) -> Certificate:
    """Ask the oracle whether ``policy``'s greedy move is optimal in every reachable position.

    Every one of the 4,520 open positions reachable from the empty board is judged, for
    whichever side is to move, so a certified policy plays perfectly as X and as O against
    any opponent.
    """
    oracle = t3.solve()
    boards = list(oracle.positions(terminal=False))
    obs = np.stack([t3.observe(b) for b in boards])  # (4520, 18)
    masks = np.stack([t3.action_mask(b) for b in boards])  # (4520, 9)
    actions = np.asarray(policy.predict(obs, action_mask=masks, deterministic=True))
    failures = [b for b, a in zip(boards, actions, strict=True) if int(a) not in oracle.optimal_moves(b)]
    return Certificate(len(boards), len(boards) - len(failures), failures)


class Recording(NamedTuple):
    """Rendered episodes, streamed: ``frames`` plays them as it is iterated."""

    frames: Iterator[np.ndarray]  # each (H, W, 3) uint8, drawn when it is asked for
    fps: float  # the env's render_fps: the speed to show them at
    limit: int | None  # the most frames it yields (``seconds * fps``), or None: every episode whole


def record(
    policy: Policy,
    env_id: str,
    episodes: int,
    seed: int = 0,
    env_kwargs: Sequence[dict] = ({},),
    hold_seconds: float = 1.0,
    seconds: float | None = None,
) -> Recording:
    """``episodes`` rendered episodes of ``policy``, streamed, and the fps to show them at.

    Nothing is played until ``frames`` is iterated, and each frame is drawn as it is asked
    for, so a window shows the game as it is played and an MP4 is encoded in memory flat in
    the episodes' length (:func:`marionnette.runs.write_video` takes the iterator). Closing
    the iterator (or reaching ``seconds`` of video) closes the env.

    Episode ``i`` uses ``env_kwargs[i % len(env_kwargs)]`` (e.g. one game as X and one as
    O); each episode's last frame is held for ``hold_seconds`` so that the end is seen;
    ``seconds`` caps the whole recording (a long game is cut there). The env is built as in
    training (:func:`marionnette.envs.make`), so the policy sees the same observations; the
    frames are what ``render()`` draws (an Atari game in full colour).
    """
    if episodes < 1:
        raise MarionnetteError(f"--episodes {episodes}: record at least one episode")
    first = make(env_id, render_mode="rgb_array", **env_kwargs[0])
    fps = float(first.metadata.get("render_fps", 30.0))
    limit = None if seconds is None else max(round(seconds * fps), 1)
    frames = _frames(policy, env_id, first, episodes, seed, env_kwargs, round(hold_seconds * fps))
    return Recording(frames if limit is None else _capped(frames, limit), fps, limit)


def _frames(
    policy: Policy, env_id: str, env: gym.Env, episodes: int, seed: int, env_kwargs: Sequence[dict], hold: int
) -> Generator[np.ndarray, None, None]:
    try:
        for i in range(episodes):
            if i > 0:
                env.close()
                env = make(env_id, render_mode="rgb_array", **env_kwargs[i % len(env_kwargs)])
            frame = None
            for frame in _play(policy, env, seed=seed + i, render=True):
                yield frame
            for _ in range(hold):
                yield frame
    finally:
        env.close()


def _capped(frames: Generator[np.ndarray, None, None], limit: int) -> Generator[np.ndarray, None, None]:
    try:
        for n, frame in enumerate(frames, start=1):
            yield frame
            if n == limit:
                return
    finally:
        frames.close()  # closes the env


def returns(
    policy: Policy, env_id: str, episodes: int, seed: int = 0, env_kwargs: dict | None = None
) -> Iterator[Episode]:
    """Episodes of ``policy`` in a fresh ``env_id`` (built as in training), seeds ``seed, seed+1, ...``."""
    env = make(env_id, **(env_kwargs or {}))
    for i in range(episodes):
        yield play_episode(policy, env, seed=seed + i)
