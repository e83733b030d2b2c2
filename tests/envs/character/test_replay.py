"""marionnette/CharacterReplay-v0 (formerly CharacterPuppet-v0): a clip played on the body, kinematically."""

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from marionnette.body.clips import clip
from marionnette.errors import MarionnetteError
from marionnette.motion import UNITS, PoseSequence, save_bvh

ID = "marionnette/CharacterReplay-v0"


def test_check_env_passes():
    check_env(gym.make(ID).unwrapped, skip_render_check=True)


def test_observations_are_the_clip_and_it_ends_with_the_clip():
    env = gym.make(ID, clip="squat", fps=30)
    truth = clip("squat", fps=30).positions  # (T, 16, 3)
    obs, info = env.reset(seed=0)
    seen = [obs]
    while True:
        obs, reward, terminated, truncated, info = env.step(0)
        seen.append(obs)
        assert reward == 0.0 and not terminated
        if truncated:
            break
    np.testing.assert_allclose(np.array(seen), truth, atol=1e-5)


def test_a_saved_clip_is_retargeted_onto_the_body(tmp_path):
    path = clip("reach", fps=30).save(tmp_path / "reach.npz")
    env = gym.make(ID, clip=str(path), fps=30)
    truth = clip("reach", fps=30).positions
    errors = []
    obs, _ = env.reset(seed=0)
    for t in range(len(truth)):
        errors.append(np.linalg.norm(obs - truth[t], axis=1).mean())
        obs, *_ = env.step(0)
    assert max(errors) < 0.01  # IK recovers the character's own motion within 1 cm


def test_render_and_bad_clip():
    env = gym.make(ID, render_mode="rgb_array", width=320, height=240)
    env.reset(seed=0)
    assert env.render().shape == (240, 320, 3)
    env.close()
    with pytest.raises(MarionnetteError, match="clip 'moonwalk': neither a built-in clip"):
        gym.make(ID, clip="moonwalk")


def test_a_looping_walk_walks_on():
    env = gym.make(ID, clip="walk", fps=50, loop=True)
    truth = clip("walk", fps=50, seconds=3 * 1.1).positions  # three strides, walked on
    obs, info = env.reset(seed=0)
    seen = [obs]
    for _ in range(len(truth) - 1):
        obs, reward, terminated, truncated, info = env.step(0)
        seen.append(obs)
        assert not (terminated or truncated)
    np.testing.assert_allclose(np.array(seen), truth, atol=1e-4)
    assert env.unwrapped.lap == 2 and info["qpos"][0] > 2.0  # metres forward


def test_a_bvh_clip_in_inches_replays_like_the_same_clip_in_metres(tmp_path):
    reach = clip("reach", fps=30)
    metres = gym.make(ID, clip=str(reach.save(tmp_path / "reach.npz")), fps=30).unwrapped
    inches = save_bvh(PoseSequence(reach.positions / UNITS["inch"], 30.0, reach.skeleton), tmp_path / "reach.bvh")
    for units in ("inch", None):  # given, or told by the body's size
        env = gym.make(ID, clip=str(inches), fps=30, units=units).unwrapped
        assert env.clip_name == "reach.bvh" and len(env.positions) == len(metres.positions)
        assert np.abs(env.positions - metres.positions).max() < 1e-3, units  # metres
    with pytest.raises(MarionnetteError, match=r"units=0\.01 is a \.bvh file's unit"):
        gym.make(ID, clip=str(tmp_path / "reach.npz"), units=0.01)
