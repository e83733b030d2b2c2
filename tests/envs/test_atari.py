"""ale-py's Atari games through marionnette.envs.make: the preprocessing, seeding and errors."""

import sys

import numpy as np
import pytest

from marionnette.envs import check_env_id, make
from marionnette.envs.atari import is_atari
from marionnette.errors import MarionnetteError

PONG = "ALE/Pong-v5"


@pytest.fixture
def ale():
    """Skip where the optional Atari dependencies are missing."""
    pytest.importorskip("cv2", reason="the Atari preprocessing resizes with OpenCV (opencv-contrib-python<4.12)")
    return pytest.importorskip("ale_py", reason="ale-py is not installed: pip install -e '.[atari]'")


def test_is_atari_is_the_ale_namespace():
    assert is_atari(PONG) and is_atari("ALE/Breakout-v5")
    assert not is_atari("marionnette/TicTacToe-v0") and not is_atari("CartPole-v1")


def test_observations_are_four_stacked_84x84_grayscale_frames(ale):
    env = make(PONG)
    assert env.observation_space.shape == (4, 84, 84) and env.observation_space.dtype == np.uint8
    obs, _ = env.reset(seed=0)
    assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
    obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
    assert obs.shape == (4, 84, 84) and obs.dtype == np.uint8
    assert env.unwrapped._frameskip == 1  # the preprocessing skips the frames, not ale-py as well
    assert env.unwrapped.ale.getFloat("repeat_action_probability") == pytest.approx(0.25)  # sticky actions kept
    env.close()


def test_render_is_the_full_colour_frame_at_the_game_speed(ale):
    env = make(PONG, render_mode="rgb_array")
    env.reset(seed=0)
    env.step(0)
    frame = env.render()
    assert frame.shape == (210, 160, 3) and frame.dtype == np.uint8
    assert env.metadata["render_fps"] == 15  # 60 frames a second, 4 per step
    env.close()


def first_observations(seed: int, n: int = 40) -> np.ndarray:
    env = make(PONG)
    env.action_space.seed(seed)
    obs, _ = env.reset(seed=seed)
    seen = [obs]
    for _ in range(n):
        obs, *_ = env.step(env.action_space.sample())
        seen.append(obs)
    env.close()
    return np.stack(seen)


def test_the_same_seed_gives_the_same_observations(ale):
    a, b = first_observations(seed=3), first_observations(seed=3)
    assert np.array_equal(a, b)
    assert a[-1].any()  # not a blank screen
    assert not np.array_equal(a, first_observations(seed=4))  # no-op starts and sticky actions follow the seed


def test_max_episode_steps_counts_agent_steps(ale):
    env = make(PONG, max_episode_steps=5)
    env.reset(seed=0)
    ends = [env.step(0)[3] for _ in range(5)]
    assert ends == [False] * 4 + [True]
    assert env.unwrapped.ale.getEpisodeFrameNumber() >= 5 * 4


def test_frameskip_cannot_be_given_twice(ale):
    with pytest.raises(MarionnetteError, match="leave frameskip out"):
        make(PONG, frameskip=4)


def test_check_env_id_knows_ale_ids_and_suggests_close_ones(ale):
    assert check_env_id(PONG) == PONG
    with pytest.raises(MarionnetteError, match="did you mean ALE/Pong-v5"):
        check_env_id("ALE/Pongg-v5")


def test_without_ale_py_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "ale_py", None)  # makes `import ale_py` raise ImportError
    with pytest.raises(MarionnetteError, match=r"pip install -e '\.\[atari\]'"):
        check_env_id("ALE/Breakout-v5")
    with pytest.raises(MarionnetteError, match="not installed"):
        make(PONG)
