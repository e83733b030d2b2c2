"""Atari-like arcade games, batched on torch tensors (CPU or GPU).

Each game is a :class:`gymnasium.vector.VectorEnv` whose whole state is tensors with a
leading batch dimension, stepped by branch-free tensor code, and also a single
``gymnasium.Env`` (a batch of one)::

    import gymnasium as gym, marionnette
    env = gym.make("marionnette/Pong-v0")                       # one game, numpy
    envs = gym.make_vec("marionnette/Pong-v0", num_envs=4096,   # 4096 games, torch
                        vectorization_mode="vector_entry_point", device="cpu")
"""

from __future__ import annotations

from typing import Any

from marionnette.envs.arcade.asterix import AsterixVectorEnv
from marionnette.envs.arcade.breakout import BreakoutVectorEnv
from marionnette.envs.arcade.core import ArcadeEnv, ArcadeVectorEnv
from marionnette.envs.arcade.freeway import FreewayVectorEnv
from marionnette.envs.arcade.pong import PongVectorEnv

GAMES: dict[str, type[ArcadeVectorEnv]] = {
    "Pong": PongVectorEnv,
    "Breakout": BreakoutVectorEnv,
    "Freeway": FreewayVectorEnv,
    "Asterix": AsterixVectorEnv,
}


def single_env(game: str, **kwargs: Any) -> ArcadeEnv:
    """``marionnette/<game>-v0`` as one ``gymnasium.Env`` (what ``gymnasium.make`` builds)."""
    return ArcadeEnv(GAMES[game], **kwargs)


def vector_env(game: str, num_envs: int = 1, **kwargs: Any) -> ArcadeVectorEnv:
    """``marionnette/<game>-v0`` as a batch of ``num_envs`` games (what ``make_vec`` builds)."""
    return GAMES[game](num_envs=num_envs, **kwargs)


__all__ = [
    "GAMES",
    "ArcadeEnv",
    "ArcadeVectorEnv",
    "AsterixVectorEnv",
    "BreakoutVectorEnv",
    "FreewayVectorEnv",
    "PongVectorEnv",
    "single_env",
    "vector_env",
]
