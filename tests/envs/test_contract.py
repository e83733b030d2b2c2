"""The contract every registered ``marionnette/`` id keeps, one test file for all of them.

Parametrized over :data:`marionnette.envs.ENVS`, so a new env is covered the day it is
registered (as PettingZoo's ``api_test`` serves every env): Gymnasium's and SB3's
``check_env`` without a warning, a seed that fixes the trajectory, 10,000 random steps of
finite numbers, and bad actions refused with one line. Under a minute on 2 cores.
"""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env as gymnasium_check_env
from stable_baselines3.common.env_checker import check_env as sb3_check_env

import marionnette  # noqa: F401  (registers the ids)
from marionnette.envs import ENVS
from marionnette.errors import MarionnetteError

IDS = [e.id for e in ENVS]
BATCHED = [e.id for e in ENVS if e.vector_entry_point is not None]
TRAJECTORY_STEPS = 300
RANDOM_STEPS = 10_000
BATCH = 16  # a batched game takes its 10,000 steps as 625 steps of 16 games (see below)


def unbounded(space: gym.Space) -> list[str]:
    """Gymnasium's warnings for a Box observation bound that is infinite, where ``space``
    has one. They are no fault: the character's joint velocities have no bound, as in
    Gymnasium's own MuJoCo envs, for which its tests/envs/test_envs.py ignores the same two.
    Every other warning, and these for a bounded space, fail the check."""
    if not isinstance(space, gym.spaces.Box):
        return []
    said = {
        "minimum value is -infinity. This is probably too low.": np.isneginf(space.low).any(),
        "maximum value is infinity. This is probably too high.": np.isposinf(space.high).any(),
    }
    return [f"\x1b[33mWARN: A Box observation space {message}\x1b[0m" for message, infinite in said.items() if infinite]


@pytest.mark.parametrize("env_id", IDS)
def test_gymnasium_check_env(env_id):
    env = gym.make(env_id, render_mode="rgb_array")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gymnasium_check_env(env.unwrapped)  # the raw env, as it asks; it makes the others from the spec
    allowed = unbounded(env.observation_space)
    assert [str(w.message) for w in caught if str(w.message) not in allowed] == []
    env.close()


# SB3's advice that one env's design declines, by id: the start of the warning, and why.
SB3_DECLINED = {
    # The replay is for watching and datasets (reward 0, one action), not for training; its
    # (16, 3) observation is a frame of a PoseSequence, joints by CanonicalJoint, on purpose.
    "marionnette/CharacterReplay-v0": "Your observation  has an unconventional shape",
}


@pytest.mark.parametrize("env_id", IDS)
def test_sb3_check_env(env_id):
    env = gym.make(env_id)  # SB3 checks the env its algorithms get, wrappers and all
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sb3_check_env(env, warn=True, skip_render_check=True)  # render: Gymnasium's check above
    declined = SB3_DECLINED.get(env_id)
    assert [str(w.message) for w in caught if not (declined and str(w.message).startswith(declined))] == []
    env.close()


def trajectory(env_id: str, seed: int) -> list[tuple]:
    """Observations, rewards, terminations and truncations of seeded random play, a reset
    (unseeded: the env's own generator goes on) after each episode end."""
    env = gym.make(env_id)
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    steps = [(np.array(obs),)]
    for _ in range(TRAJECTORY_STEPS):
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        steps.append((np.array(obs), float(reward), bool(terminated), bool(truncated)))
        if terminated or truncated:
            obs, _ = env.reset()
            steps.append((np.array(obs),))
    env.close()
    return steps


def same(a: list[tuple], b: list[tuple]) -> bool:
    return len(a) == len(b) and all(
        len(x) == len(y) and all(np.array_equal(u, v) for u, v in zip(x, y, strict=True))
        for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("env_id", IDS)
def test_a_seed_fixes_the_trajectory(env_id):
    assert same(trajectory(env_id, seed=3), trajectory(env_id, seed=3))


@pytest.mark.parametrize("env_id", IDS)
def test_random_play_stays_finite(env_id):
    """10,000 random steps, reset at each episode end. A torch-batched game takes them as
    625 steps of a batch of 16 with its next-step autoreset: env i of a batch plays as a
    batch of one (envs/arcade/rng.py), and 10,000 single steps of Breakout take ~50 s on
    2 cores (~200 steps/s: a step is a few hundred tiny tensor ops), the batch under 1 s."""
    if env_id in BATCHED:
        envs = gym.make_vec(env_id, num_envs=BATCH, vectorization_mode="vector_entry_point")
        envs.action_space.seed(0)
        obs, _ = envs.reset(seed=0)
        for _ in range(RANDOM_STEPS // BATCH):
            obs, reward, terminated, truncated, _ = envs.step(torch.as_tensor(envs.action_space.sample()))
            assert torch.isfinite(obs.float()).all() and torch.isfinite(reward).all()
        envs.close()
        return
    env = gym.make(env_id)
    env.action_space.seed(0)
    obs, _ = env.reset(seed=0)
    for _ in range(RANDOM_STEPS):
        obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
        assert np.isfinite(obs).all() and np.isfinite(reward), (obs, reward)
        if terminated or truncated:
            obs, _ = env.reset()
    env.close()


def bad_actions(space: gym.Space) -> dict[str, object]:
    """What a caller may wrongly pass, by name."""
    if isinstance(space, gym.spaces.Discrete):
        return {
            "None": None,
            "a string": "0",
            "out of range": int(space.start + space.n),
            "negative": int(space.start) - 1,
            "NaN": float("nan"),
            "inf": float("inf"),
            "wrong shape": np.zeros(2, dtype=np.int64),
        }
    assert isinstance(space, gym.spaces.Box), space
    return {
        "None": None,
        "a string": "0",
        "out of range": np.full(space.shape, space.high + 1.0, dtype=space.dtype),
        "NaN": np.full(space.shape, np.nan, dtype=space.dtype),
        "inf": np.full(space.shape, np.inf, dtype=space.dtype),
        "wrong shape": np.zeros((space.shape[0] + 1,), dtype=space.dtype),
    }


@pytest.mark.parametrize("env_id", IDS)
def test_bad_actions_are_refused_in_one_line(env_id):
    env = gym.make(env_id)
    env.reset(seed=0)
    for name, action in bad_actions(env.action_space).items():
        with pytest.raises(MarionnetteError) as caught:
            env.step(action)
        assert "\n" not in str(caught.value), f"{name}: {caught.value}"
    env.close()


@pytest.mark.parametrize("env_id", BATCHED)
def test_a_batch_refuses_bad_actions_in_one_line(env_id):
    envs = gym.make_vec(env_id, num_envs=3, vectorization_mode="vector_entry_point")
    envs.reset(seed=0)
    n = int(envs.single_action_space.n)
    for name, actions in {
        "None": None,
        "strings": ["0", "1", "2"],
        "out of range": [0, n, 0],
        "negative": [0, -1, 0],
        "NaN": [0.0, float("nan"), 0.0],
        "inf": np.full(3, np.inf),
        "wrong shape": np.zeros(2, dtype=np.int64),
        "on another device": torch.zeros(3, dtype=torch.int64, device="meta"),
    }.items():
        with pytest.raises(MarionnetteError) as caught:
            envs.step(actions)
        assert "\n" not in str(caught.value), f"{name}: {caught.value}"
    envs.close()
