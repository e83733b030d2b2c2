"""Gymnasium environments, registered under ``marionnette/<Name>-v0``.

Registration uses string entry points, so ``import marionnette`` imports no environment
code (and nothing heavy) until ``gymnasium.make`` asks for one.

:func:`make` builds one environment as the agents see it: ale-py's Atari games
(``ALE/<Game>-v5``) with the standard preprocessing of :mod:`marionnette.envs.atari`,
any other id as ``gymnasium.make`` gives it.
"""

from __future__ import annotations

import difflib
from typing import Any, NamedTuple

import gymnasium as gym

from marionnette.envs.atari import INSTALL, INSTALL_CV2, is_atari, make_atari, register_atari
from marionnette.errors import MarionnetteError


class EnvEntry(NamedTuple):
    id: str
    entry_point: str
    description: str  # one line, shown by `marionnette envs`
    watch_kwargs: tuple[dict, ...] = ({},)  # env kwargs over the run's for `watch`, cycled per episode
    vector_entry_point: str | None = None  # the batched game, for gymnasium.make_vec(..., "vector_entry_point")
    kwargs: dict | None = None  # registered with the id (the arcade entry points take the game's name)
    max_episode_steps: int | None = None  # Gymnasium's TimeLimit (the arcade games truncate themselves)


ENVS: tuple[EnvEntry, ...] = (
    EnvEntry(
        "marionnette/TicTacToe-v0",
        "marionnette.envs.tictactoe:TicTacToeEnv",
        "Tic-tac-toe against a random, minimax or custom opponent (or self-play); action masks",
        watch_kwargs=(  # a perfect opponent, whatever the run trained against
            {"agent_player": "X", "opponent": "minimax", "opponent_epsilon": 0.0},
            {"agent_player": "O", "opponent": "minimax", "opponent_epsilon": 0.0},
        ),
    ),
    EnvEntry(
        "marionnette/Pong-v0",
        "marionnette.envs.arcade:single_env",
        "Pong against the computer (ALE rules and actions); torch-batched, state or 84x84x4 pixels",
        vector_entry_point="marionnette.envs.arcade:vector_env",
        kwargs={"game": "Pong"},
    ),
    EnvEntry(
        "marionnette/Breakout-v0",
        "marionnette.envs.arcade:single_env",
        "Breakout: 6x18 bricks (1/4/7 points), 5 balls, FIRE serves (ALE rules and actions); torch-batched",
        vector_entry_point="marionnette.envs.arcade:vector_env",
        kwargs={"game": "Breakout"},
    ),
    EnvEntry(
        "marionnette/Freeway-v0",
        "marionnette.envs.arcade:single_env",
        "Freeway: a chicken crosses 10 lanes of traffic in 2048 steps (ALE rules and actions); torch-batched",
        vector_entry_point="marionnette.envs.arcade:vector_env",
        kwargs={"game": "Freeway"},
    ),
    EnvEntry(
        "marionnette/Asterix-v0",
        "marionnette.envs.arcade:single_env",
        "Asterix-like: catch cauldrons (+50), dodge lyres in 8 lanes, 3 lives (ALE actions); torch-batched",
        vector_entry_point="marionnette.envs.arcade:vector_env",
        kwargs={"game": "Asterix"},
    ),
    EnvEntry(
        "marionnette/CharacterWalk-v0",
        "marionnette.envs.character.walk:CharacterWalkEnv",
        "The MuJoCo character walks forward (Humanoid-v5's task on marionnette's body); 26 torque motors",
        max_episode_steps=1000,
    ),
    EnvEntry(
        "marionnette/CharacterImitate-v0",
        "marionnette.envs.character.imitate:CharacterImitateEnv",
        "The character imitates a clip (built-in, .npz or BVH): DeepMimic reward, PD targets, MPJPE in info",
        max_episode_steps=1000,
    ),
    EnvEntry(
        "marionnette/CharacterReplay-v0",
        "marionnette.envs.character.replay:CharacterReplayEnv",
        "The character moved kinematically by a clip (built-in, .npz or BVH): for watching and datasets",
    ),
)


class EnvFamily(NamedTuple):
    """Ids that another package registers (too many to list), shown by `marionnette envs`."""

    pattern: str
    description: str
    modules: tuple[str, ...]  # all importable when the family is installed
    install: str  # the command that installs them


FAMILIES: tuple[EnvFamily, ...] = (
    EnvFamily(
        "ALE/<Game>-v5",
        "Atari 2600 games from ale-py, preprocessed to 4x84x84 grayscale frames; "
        "shipped hyperparameters for ALE/Pong-v5 and ALE/Breakout-v5",
        modules=("ale_py", "cv2"),
        install=f"{INSTALL}; {INSTALL_CV2}",
    ),
)


def entry(env_id: str) -> EnvEntry | None:
    """Our table row for ``env_id`` (None for ids registered by other packages)."""
    return next((e for e in ENVS if e.id == env_id), None)


def register_envs() -> None:
    """Register every marionnette id with Gymnasium (idempotent)."""
    for entry in ENVS:
        if entry.id not in gym.registry:
            gym.register(
                id=entry.id,
                entry_point=entry.entry_point,
                vector_entry_point=entry.vector_entry_point,
                kwargs=entry.kwargs,
                max_episode_steps=entry.max_episode_steps,
            )


def make(env_id: str, **kwargs: Any) -> gym.Env:
    """One environment, as every agent sees it: ``ALE/`` ids with the Atari preprocessing
    (:func:`marionnette.envs.atari.make_atari`), any other id straight from ``gym.make``."""
    if is_atari(env_id):
        return make_atari(env_id, **kwargs)
    return gym.make(env_id, **kwargs)


def check_env_id(env_id: str) -> str:
    """Return ``env_id`` if Gymnasium knows it, else raise with the closest known ids."""
    register_envs()
    if is_atari(env_id):
        register_atari(env_id)  # ale-py's ids exist only once it is imported
    if env_id in gym.registry:
        return env_id
    close = difflib.get_close_matches(env_id, list(gym.registry), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else "run `marionnette envs` for the list"
    raise MarionnetteError(f"unknown environment id {env_id!r}: {hint}")
