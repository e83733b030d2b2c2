"""marionnette/CharacterWalk-v0: Gymnasium's contract, stability, determinism, rendering."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from marionnette.errors import MarionnetteError

ID = "marionnette/CharacterWalk-v0"


def test_check_env_passes():
    env = gym.make(ID)
    check_env(env.unwrapped, skip_render_check=True)


def test_ten_thousand_random_steps_stay_finite():
    env = gym.make(ID)
    env.action_space.seed(0)
    obs, _ = env.reset(seed=0)
    episodes, steps = 0, 0
    for _ in range(10_000):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        steps += 1
        assert np.isfinite(obs).all() and np.isfinite(reward)
        assert set(info) >= {"reward_forward", "reward_survive", "reward_ctrl", "x_position", "x_velocity"}
        assert reward == pytest.approx(info["reward_forward"] + info["reward_survive"] + info["reward_ctrl"])
        if terminated or truncated:
            assert terminated == (info["reward_survive"] == 0)
            obs, _ = env.reset()
            episodes += 1
    assert episodes > 10  # random torques fall within a second or two


def test_same_seed_same_state_and_trajectory():
    def rollout(seed):
        env = gym.make(ID)
        obs, _ = env.reset(seed=seed)
        rng = np.random.default_rng(3)
        trajectory = [obs]
        for _ in range(50):
            trajectory.append(env.step(rng.uniform(-1, 1, 26))[0])
        return np.array(trajectory)

    a, b, c = rollout(7), rollout(7), rollout(8)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a[0], c[0])


def test_observation_matches_its_documented_layout():
    env = gym.make(ID)
    obs, _ = env.reset(seed=0)
    assert obs.shape == (63,)
    assert obs[0] == pytest.approx(0.955, abs=0.02)  # pelvis height
    assert np.linalg.norm(obs[1:5]) == pytest.approx(1.0, abs=1e-6)  # a unit quaternion


def test_standing_still_is_paid_the_survive_bonus_until_it_falls():
    env = gym.make(ID)
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step(np.zeros(26, np.float32))
    assert not terminated and info["reward_survive"] == 5.0 and info["reward_ctrl"] == 0.0
    for _ in range(400):  # limp: it crumples
        _, _, terminated, _, info = env.step(np.zeros(26, np.float32))
        if terminated:
            break
    assert terminated and info["reward_survive"] == 0.0


def test_render_tracks_the_character():
    env = gym.make(ID, render_mode="rgb_array", width=320, height=240)
    env.reset(seed=0)
    frame = env.render()
    assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8
    assert frame.std() > 10  # not a blank image
    env.close()


def test_wrong_action_shape_is_one_line():
    env = gym.make(ID)
    env.reset(seed=0)
    with pytest.raises(MarionnetteError, match=r"action of shape \(17,\): expected \(26,\)"):
        env.step(np.zeros(17))
