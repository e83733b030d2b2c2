"""marionnette/CharacterImitate-v0: Gymnasium's contract, reference-state initialisation,
the imitation reward, stability, clips from files, rendering."""

import logging

import gymnasium as gym
import mujoco
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from marionnette.body import Character
from marionnette.body.clips import CLIPS, clip, clip_qpos
from marionnette.envs.character.imitate import CharacterImitateEnv, episode_mpjpe, mpjpe
from marionnette.errors import MarionnetteError
from marionnette.motion import UNITS, PoseSequence, save_bvh

ID = "marionnette/CharacterImitate-v0"


@pytest.fixture(scope="module")
def wave():
    return gym.make(ID)


def set_to_reference(env: CharacterImitateEnv, frame: int) -> None:
    env.data.qpos[:] = env.reference_qpos[frame]
    env.data.qvel[:] = env.reference_qvel[frame]
    mujoco.mj_forward(env.model, env.data)
    env.frame = frame


def test_check_env_passes():
    env = gym.make(ID)
    check_env(env.unwrapped, skip_render_check=True)


def test_observation_matches_its_documented_layout(wave):
    env = wave.unwrapped
    obs, info = wave.reset(options={"frame": 10})
    assert obs.shape == wave.observation_space.shape == (95,)
    np.testing.assert_allclose(obs[0:31], env.reference_qpos[10, 2:])
    np.testing.assert_allclose(obs[31:63], env.reference_qvel[10])
    T = len(env.reference_qpos)
    np.testing.assert_allclose(obs[63:66], [10 / T, np.sin(2 * np.pi * 10 / T), np.cos(2 * np.pi * 10 / T)])
    np.testing.assert_allclose(obs[66:92], env.reference_qpos[11, env.character.hinge_qpos])
    np.testing.assert_allclose(obs[92:95], env.reference_qpos[11, :3] - env.reference_qpos[10, :3])


@pytest.mark.parametrize("name", CLIPS)
def test_reference_state_initialisation_puts_the_character_on_the_reference(name):
    env = gym.make(ID, clip=name)
    base = env.unwrapped
    np.testing.assert_allclose(base.reference_qpos, clip_qpos(name, fps=50))  # built-in clips as keyframed
    T = len(base.reference_qpos)
    for k in (0, T // 3, T - 2):
        obs, info = env.reset(options={"frame": k})
        assert info["frame"] == base.frame == k
        np.testing.assert_array_equal(base.data.qpos, base.reference_qpos[k])
        np.testing.assert_array_equal(base.data.qvel, base.reference_qvel[k])
        assert info["mpjpe"] < 1e-6 and info["root_distance"] < 1e-6
        assert info["reward_pose"] == info["reward_vel"] == info["reward_end"] == info["reward_root"] == 1.0
    frames = {env.reset(seed=s)[1]["frame"] for s in range(40)}  # random frames, never the last
    assert len(frames) > 20 and max(frames) <= T - 2
    assert env.reset(seed=3)[1]["frame"] == env.reset(seed=3)[1]["frame"]


def test_reference_velocities_are_central_differences(wave):
    env = wave.unwrapped
    q, v, dt = env.reference_qpos, env.reference_qvel, env.dt
    hinges = env.character.hinge_qpos
    np.testing.assert_allclose(v[5, 6:], (q[6, hinges] - q[4, hinges]) / (2 * dt), atol=1e-9)
    np.testing.assert_allclose(v[5, :3], (q[6, :3] - q[4, :3]) / (2 * dt), atol=1e-9)  # root, world frame


def test_following_the_reference_kinematically_is_paid_one(wave):
    env = wave.unwrapped
    wave.reset(options={"frame": 0})
    for frame in range(1, len(env.reference_qpos)):
        set_to_reference(env, frame)
        terms = env.imitation_terms()
        assert terms["reward"] == pytest.approx(1.0, abs=1e-9) and terms["mpjpe"] < 1e-6


def test_each_term_measures_its_own_error(wave):
    env = wave.unwrapped
    wave.reset(options={"frame": 40})
    set_to_reference(env, 40)
    elbow = env.character.hinge_qpos[env.character.joint_names.index("right_elbow")]
    env.data.qpos[elbow] += 0.1  # one hinge off by 0.1 rad
    mujoco.mj_kinematics(env.model, env.data)
    terms = env.imitation_terms()
    assert terms["reward_pose"] == pytest.approx(np.exp(-2 * 0.1**2))
    assert terms["reward_vel"] == 1.0 and terms["reward_root"] == 1.0 and terms["reward_end"] < 1.0
    assert terms["mpjpe"] == pytest.approx(0.25 * 0.1 / 16, rel=0.05)  # the wrist moves ~2.5 cm; 1 joint of 16

    set_to_reference(env, 40)
    env.data.qpos[0] += 0.2  # the whole body 20 cm forward
    mujoco.mj_kinematics(env.model, env.data)
    terms = env.imitation_terms()
    assert terms["reward_root"] == pytest.approx(np.exp(-10 * 0.2**2))
    assert terms["reward_pose"] == 1.0 and terms["reward_end"] == pytest.approx(1.0)  # ends are pelvis-relative
    assert terms["mpjpe"] == pytest.approx(0.2, abs=1e-6)


def test_random_actions_stay_finite_and_the_reward_adds_up():
    env = gym.make(ID, clip="march")
    env.action_space.seed(0)
    env.reset(seed=0)
    w = env.unwrapped.reward_weights
    episodes = 0
    for _ in range(3000):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        assert np.isfinite(obs).all() and np.isfinite(reward) and 0.0 <= reward <= 1.0
        parts = (info["reward_pose"], info["reward_vel"], info["reward_end"], info["reward_root"])
        assert reward == pytest.approx(sum(wi * p for wi, p in zip(w, parts, strict=True)))
        if terminated:
            assert info["mpjpe"] > 0.25 or info["root_distance"] > 0.5 or env.unwrapped.data.qpos[2] < 0.41
        if terminated or truncated:
            env.reset()
            episodes += 1
    assert episodes > 20


def test_the_clip_truncates_at_its_end_or_loops():
    env = gym.make(ID, clip="reach")
    T = len(env.unwrapped.reference_qpos)
    env.reset(options={"frame": T - 3})
    assert not env.step(np.zeros(26))[3]
    _, _, _, truncated, info = env.step(np.zeros(26))
    assert truncated and info["frame"] == T - 1

    looping = gym.make(ID, clip="reach", loop=True)
    looping.reset(options={"frame": T - 1})
    _, _, _, truncated, info = looping.step(np.zeros(26))
    assert not truncated and info["frame"] == 0


def test_plain_pd_tracking_follows_the_wave_and_standing_still_is_far_worse(wave):
    env = wave.unwrapped
    character = env.character
    standing = mpjpe(character.forward_kinematics(character.standing_qpos).positions[0], env.reference.positions)
    tracking = episode_mpjpe(wave)  # zero actions: PD towards the reference
    assert standing > 0.06 and tracking < standing / 2
    # A limp policy (every target at the bottom of its range) falls, and the score keeps counting.
    assert episode_mpjpe(wave, lambda obs: -np.ones(26, np.float32), frame=0) > standing


def test_a_clip_from_a_file_is_retargeted_onto_the_character(tmp_path):
    path = clip("squat", fps=30).save(tmp_path / "squat.npz")
    env = gym.make(ID, clip=str(path))
    base = env.unwrapped
    assert base.clip_name == "squat.npz"
    built_in = clip("squat", fps=50, character=Character())
    T = min(len(built_in), len(base.reference))
    assert abs(len(built_in) - len(base.reference)) <= 1
    assert mpjpe(base.reference.positions[:T], built_in.positions[:T]) < 0.01  # metres
    obs, info = env.reset(options={"frame": 20})
    assert info["mpjpe"] < 1e-6
    for _ in range(20):
        obs, reward, *_ = env.step(np.zeros(26, np.float32))
        assert np.isfinite(obs).all() and 0 < reward <= 1


def test_render_shows_the_character():
    env = gym.make(ID, render_mode="rgb_array", width=320, height=240)
    env.reset(options={"frame": 60})
    frame = env.render()
    assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8
    assert frame.std() > 10
    env.close()


def test_bad_input_is_one_line(wave, tmp_path):
    with pytest.raises(MarionnetteError, match=r"clip 'dance': neither a built-in clip \(wave, squat"):
        CharacterImitateEnv(clip="dance")
    with pytest.raises(MarionnetteError, match="neither a built-in clip"):
        CharacterImitateEnv(clip=str(tmp_path / "missing.npz"))
    with pytest.raises(MarionnetteError, match=r"action of shape \(3,\): expected \(26,\)"):
        wave.reset(seed=0)
        wave.step(np.zeros(3))
    with pytest.raises(MarionnetteError, match=r"reset frame 999: the clip 'wave' starts at a frame in 0\.\.178"):
        wave.reset(options={"frame": 999})
    with pytest.raises(MarionnetteError, match="episode_mpjpe scores a CharacterImitate env"):
        episode_mpjpe(gym.make("marionnette/CharacterWalk-v0"))


def test_a_looping_walk_goes_on_forward_lap_after_lap():
    env = gym.make(ID, clip="walk", loop=True)
    base = env.unwrapped
    T, stride = len(base.reference_qpos), base.stride
    assert 1.0 < stride[0] < 1.25 and abs(stride[1]) < 1e-4
    assert np.all(base.reference_qvel[:, 0] > 0.4)  # the root always moves forward, across the loop too
    env.reset(options={"frame": 0})
    for step in range(1, 3 * T + 1):  # three laps, following the reference kinematically
        obs, *_ = env.step(np.zeros(26))
        lap, frame = divmod(step, T)
        assert (base.lap, base.frame) == (lap, frame)
        base.data.qpos[:] = base.reference_qpos[frame]
        base.data.qpos[:2] += lap * stride  # where the reference is, one stride on per lap
        base.data.qvel[:] = base.reference_qvel[frame]
        mujoco.mj_forward(base.model, base.data)
        terms = base.imitation_terms()
        assert terms["reward"] == pytest.approx(1.0, abs=1e-9) and terms["mpjpe"] < 1e-6
        ahead = base._observation()[92:95]  # the reference pelvis one frame on: a step ahead, never a lap back
        assert 0.0 < ahead[0] < 0.04 and abs(ahead[1]) < 0.01
    # In place clips do not travel: a lap starts where the last one did.
    assert np.all(gym.make(ID, clip="march", loop=True).unwrapped.stride == 0.0)


def test_a_bvh_clip_in_cmu_units_is_read_by_path_with_units_or_without(tmp_path, caplog):
    squat = clip("squat", fps=30)
    metres = gym.make(ID, clip=str(squat.save(tmp_path / "squat.npz"))).unwrapped
    cmu = save_bvh(PoseSequence(squat.positions / UNITS["cmu"], 30.0, squat.skeleton), tmp_path / "squat.bvh")
    given = gym.make(ID, clip=str(cmu), units="cmu").unwrapped
    assert given.clip_name == "squat.bvh"
    assert mpjpe(given.reference.positions, metres.reference.positions) < 1e-3  # metres
    with caplog.at_level(logging.WARNING, logger="marionnette.motion.bvh"):
        guessed = gym.make(ID, clip=str(cmu)).unwrapped
    assert "CMU units" in caplog.text and "units=" in caplog.text
    assert mpjpe(guessed.reference.positions, metres.reference.positions) < 1e-3
    # A body no person's size in any unit (7.5 units across): refused without units, read with them.
    odd = save_bvh(PoseSequence(squat.positions * 5, 30.0, squat.skeleton), tmp_path / "odd.bvh")
    with pytest.raises(MarionnetteError, match="odd.bvh: cannot tell its units.*pass units="):
        gym.make(ID, clip=str(odd))
    read = gym.make(ID, clip=str(odd), units=0.2).unwrapped
    assert mpjpe(read.reference.positions, metres.reference.positions) < 1e-3
    with pytest.raises(MarionnetteError, match="units='cm' is a .bvh file's unit and clip 'wave' is no .bvh file"):
        gym.make(ID, units="cm")
