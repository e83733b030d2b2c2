"""The character tasks' one base: the control rate, the state read by name, and bad actions
refused in one line before MuJoCo sees them (no NaN reward, no MUJOCO_LOG.TXT)."""

import gymnasium as gym
import numpy as np
import pytest

from marionnette.envs.character.base import CharacterEnv
from marionnette.envs.character.imitate import CharacterImitateEnv
from marionnette.envs.character.replay import CharacterReplayEnv
from marionnette.envs.character.walk import CharacterWalkEnv
from marionnette.errors import MarionnetteError

WALK = "marionnette/CharacterWalk-v0"
IMITATE = "marionnette/CharacterImitate-v0"
REPLAY = "marionnette/CharacterReplay-v0"


def nan_at(i: int) -> np.ndarray:
    action = np.zeros(26, np.float32)
    action[i] = np.nan
    return action


BAD_BOX = [
    (None, r"action None: not an array of numbers; pass a float array of shape \(26,\) in \[-1, 1\], one per hinge"),
    ("abc", r"action 'abc': not an array of numbers"),
    (["0"] * 26, r"action \['0', '0', .*: not an array of numbers"),
    (object(), r"action <object object at .*>: not an array of numbers"),
    ([[0.0], [0.0, 1.0]], r"not an array of numbers"),
    (np.zeros(3), r"action of shape \(3,\): expected \(26,\), one per hinge \(got \[0\., 0\., 0\.\]\)"),
    (0.5, r"action of shape \(\): expected \(26,\)"),
    (nan_at(3), r"action \[0\., 0\., 0\., \.\.\., 0\., 0\., 0\.\]: nan at index 3 \(neck_twist\); pass a float array"),
    (np.full(26, np.inf), r"inf at index 0 \(spine_twist\).*the policy diverged"),
    (np.full(26, -np.inf), r"-inf at index 0"),
    (np.r_[np.zeros(25), 1.5], r"1\.5 at index 25 \(right_ankle_invert\) is outside the action space \[-1, 1\]; clip"),
    (np.full(26, -1.0001), r"-1\.0001 at index 0 \(spine_twist\) is outside the action space"),
]
BAD_CHOICE = [None, "0", 1, -1, 0.5, np.nan, True, np.zeros(1, int)]


@pytest.fixture(scope="module", params=[WALK, IMITATE])
def box_env(request):
    env = gym.make(request.param)
    yield env
    env.close()


@pytest.mark.parametrize("action, message", BAD_BOX, ids=[f"box{i}" for i in range(len(BAD_BOX))])
def test_a_bad_action_is_refused_in_one_line_before_anything_moves(box_env, action, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where MuJoCo would write MUJOCO_LOG.TXT
    base = box_env.unwrapped
    box_env.reset(seed=0)
    qpos, time = base.data.qpos.copy(), base.data.time
    with pytest.raises(MarionnetteError, match=message) as caught:
        box_env.step(action)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 240
    np.testing.assert_array_equal(base.data.qpos, qpos)
    assert base.data.time == time
    assert not (tmp_path / "MUJOCO_LOG.TXT").exists()


@pytest.mark.parametrize("action", BAD_CHOICE, ids=repr)
def test_the_replay_refuses_every_action_but_0(action, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    env = gym.make(REPLAY)
    env.reset(seed=0)
    only = r"^action .*: not an action of Discrete\(1\); the only action is 0; pass 0$"
    with pytest.raises(MarionnetteError, match=only):
        env.step(action)
    assert env.unwrapped.frame == 0
    assert not (tmp_path / "MUJOCO_LOG.TXT").exists()


@pytest.mark.parametrize("action", [0, np.int64(0), np.array(0)], ids=repr)
def test_the_replay_takes_0_however_it_is_spelt(action):
    env = gym.make(REPLAY)
    env.reset(seed=0)
    assert env.step(action)[4]["frame"] == 1


def test_good_actions_of_any_numeric_kind_step(box_env):
    box_env.reset(seed=0)
    for action in ([0.0] * 26, [0] * 26, np.ones(26), -np.ones(26, np.float32), np.full(26, 0.5, np.float16)):
        obs, reward, *_ = box_env.step(action)
        assert np.isfinite(obs).all() and np.isfinite(reward)


def test_nan_used_to_reach_mujoco_and_now_does_not(tmp_path, monkeypatch):
    """A NaN action was clipped to NaN and handed to MuJoCo, which zeroed the controls,
    returned a NaN reward (walk) and wrote MUJOCO_LOG.TXT into the working directory."""
    monkeypatch.chdir(tmp_path)
    for env_id in (WALK, IMITATE):
        env = gym.make(env_id)
        env.reset(seed=0)
        with pytest.raises(MarionnetteError, match="nan at index 0"):
            env.step(np.full(26, np.nan, np.float32))
        obs, reward, *_ = env.step(np.zeros(26, np.float32))  # the env goes on, unharmed
        assert np.isfinite(obs).all() and np.isfinite(reward)
    assert list(tmp_path.iterdir()) == []


def test_dt_is_a_property_and_the_render_rate_follows_it():
    walk = gym.make(WALK).unwrapped
    assert isinstance(walk, CharacterEnv) and walk.frame_skip == 4
    assert walk.dt == pytest.approx(0.02) and walk.metadata["render_fps"] == 50
    assert type(walk).dt is CharacterEnv.dt  # not an attribute each task sets
    walk.model.opt.timestep = 0.0025
    assert walk.dt == pytest.approx(0.01)  # timestep * frame_skip, read when asked
    replay = gym.make(REPLAY, fps=25).unwrapped
    assert replay.dt == pytest.approx(0.04) and replay.metadata["render_fps"] == 25
    assert gym.make(REPLAY, fps=29.97).unwrapped.metadata["render_fps"] == pytest.approx(29.97)


def test_proprioception_is_the_state_but_the_place_on_the_floor():
    env = gym.make(WALK)
    obs, _ = env.reset(seed=1)
    base = env.unwrapped
    np.testing.assert_array_equal(obs, np.concatenate([base.data.qpos[2:], base.data.qvel]))
    np.testing.assert_array_equal(base.proprioception(), obs)


@pytest.mark.parametrize("env_class", [CharacterWalkEnv, CharacterImitateEnv, CharacterReplayEnv])
def test_a_bad_render_mode_is_one_line(env_class):
    with pytest.raises(MarionnetteError, match=r"render_mode='human': use 'rgb_array' or None"):
        env_class(render_mode="human")  # gym.make would wrap 'human' round 'rgb_array'
