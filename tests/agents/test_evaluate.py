"""Recording rollouts: frames are played as they are asked for, and --seconds cuts a long game."""

import numpy as np
import pytest

from marionnette.agents import evaluate
from marionnette.agents.evaluate import play_episode, record
from marionnette.envs import make
from marionnette.errors import MarionnetteError

TICTACTOE = "marionnette/TicTacToe-v0"
PONG = "marionnette/Pong-v0"


class Counting:
    """A policy that plays the first legal action and counts the moves asked of it."""

    def __init__(self):
        self.moves = 0

    def predict(self, obs, action_mask=None, deterministic=True):
        self.moves += 1
        return int(np.flatnonzero(action_mask)[0]) if action_mask is not None else 0


@pytest.fixture
def closed(monkeypatch):
    """The envs record() makes, each with whether it has been closed."""
    envs = []

    def tracking_make(*args, **kwargs):
        env = make(*args, **kwargs)
        entry = {"closed": False}
        close = env.close

        def mark_closed():
            entry["closed"] = True
            close()

        env.close = mark_closed
        envs.append(entry)
        return env

    monkeypatch.setattr(evaluate, "make", tracking_make)
    return envs


def test_frames_are_played_only_as_they_are_asked_for(closed):
    policy = Counting()
    recording = record(policy, PONG, episodes=1, seed=0)  # a NOOP Pong game: thousands of frames
    assert policy.moves == 0 and recording.fps == 15 and recording.limit is None
    first = next(recording.frames)
    assert first.shape == (320, 240, 3) and policy.moves == 0  # reset's frame: no move yet
    for _ in range(10):
        next(recording.frames)
    assert policy.moves == 10
    recording.frames.close()
    assert closed == [{"closed": True}]


def test_seconds_caps_the_frame_count_and_closes_the_env(closed):
    policy = Counting()
    recording = record(policy, PONG, episodes=3, seed=0, seconds=2.0)
    frames = list(recording.frames)
    assert len(frames) == recording.limit == 30  # 2 s at Pong's 15 fps
    assert policy.moves == 29  # a long game is cut: the later episodes never start
    assert closed == [{"closed": True}]


def test_a_recording_is_the_episodes_played_with_their_last_frame_held(closed):
    kwargs = [{"agent_player": "X", "opponent": "minimax"}, {"agent_player": "O", "opponent": "minimax"}]
    recording = record(Counting(), TICTACTOE, episodes=2, seed=0, env_kwargs=kwargs, hold_seconds=1.0)
    frames = list(recording.frames)
    expected = []
    for i, kw in enumerate(kwargs):
        played = []
        play_episode(Counting(), make(TICTACTOE, render_mode="rgb_array", **kw), seed=i, frames=played)
        expected += played + [played[-1]] * 2  # held 1 s at 2 fps
    assert len(frames) == len(expected)
    assert all(np.array_equal(a, b) for a, b in zip(frames, expected, strict=True))
    assert [env["closed"] for env in closed] == [True, True]


def test_no_episodes_is_one_line():
    with pytest.raises(MarionnetteError, match="--episodes 0"):
        record(Counting(), TICTACTOE, episodes=0)
