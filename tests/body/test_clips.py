"""The character's built-in clips: inside the limits, feet on the floor, smooth, and far
enough from standing still that imitating them is something to learn."""

import mujoco
import numpy as np
import pytest

from marionnette.body import Character
from marionnette.body.clips import CLIPS, SPECS, clip, clip_qpos, stride
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, CanonicalJoint, PoseSequence

ANKLES = [CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE]


@pytest.fixture(scope="module")
def character():
    return Character()


@pytest.fixture(scope="module")
def standing(character):
    return character.forward_kinematics(character.standing_qpos).positions[0]  # (16, 3)


IN_PLACE = [spec.name for spec in SPECS if not spec.travels]


def test_the_promised_clips_are_built_in():
    assert {"wave", "squat", "march", "reach", "walk"} <= set(CLIPS)
    for spec in SPECS:
        assert spec.keyframes[0].time == 0 and np.all(np.diff([k.time for k in spec.keyframes]) > 0)
        assert spec.keyframes[-1].pose == spec.keyframes[0].pose  # one period of a cycle
        if not spec.travels:
            assert spec.keyframes[0].pose == ()  # starts (and ends) standing


@pytest.mark.parametrize("name", CLIPS)
def test_clips_stay_inside_the_joint_limits(character, name):
    qpos = clip_qpos(name, character=character)
    hinges = qpos[:, character.hinge_qpos]  # (T, 26)
    low, high = character.hinge_range.T
    assert np.all(hinges >= low - 1e-12) and np.all(hinges <= high + 1e-12)
    np.testing.assert_array_equal(qpos[:, 3:7], np.tile([1.0, 0, 0, 0], (len(qpos), 1)))  # pelvis upright


@pytest.mark.parametrize("name", IN_PLACE)
def test_the_lowest_ankle_stays_at_standing_height_and_the_support_foot_stays_put(character, standing, name):
    positions = clip(name, character=character).positions  # (T, 16, 3)
    ankles = positions[:, ANKLES]  # (T, 2, 3)
    np.testing.assert_allclose(ankles[..., 1].min(axis=1), standing[ANKLES, 1].min(), atol=1e-3)
    lower = ankles[..., 1].argmin(axis=1)  # (T,) the supporting foot
    support = ankles[np.arange(len(positions)), lower]  # (T, 3)
    slide = np.linalg.norm((support - standing[ANKLES][lower])[:, [0, 2]], axis=1)
    assert slide.max() < 0.01  # metres


def test_the_squat_keeps_the_feet_flat_and_goes_low(character):
    qpos = clip_qpos("squat", character=character)
    data = mujoco.MjData(character.model)
    lowest = min(range(len(qpos)), key=lambda t: qpos[t, 2])
    data.qpos[:] = qpos[lowest]
    mujoco.mj_kinematics(character.model, data)
    for side in ("left_ankle", "right_ankle"):
        foot_axis = data.xmat[character.model.body(side).id].reshape(3, 3)[:, 0]  # toes direction
        assert abs(foot_axis[2]) < 1e-6  # flat
    assert qpos[lowest, 2] < 0.65  # the pelvis goes down about 35 cm
    np.testing.assert_allclose(qpos[0], character.standing_qpos, atol=1e-12)


def test_the_wave_raises_the_right_hand_above_the_head_and_leaves_the_left_arm_hanging(character):
    positions = clip("wave", character=character).positions
    right, left, head = CanonicalJoint.RIGHT_WRIST, CanonicalJoint.LEFT_WRIST, CanonicalJoint.HEAD
    assert (positions[:, right, 1] > positions[:, head, 1]).sum() > 30
    assert np.ptp(positions[:, left], axis=0).max() < 1e-6


def test_marching_lifts_each_knee_in_turn(character, standing):
    positions = clip("march", character=character).positions
    for knee in (CanonicalJoint.LEFT_KNEE, CanonicalJoint.RIGHT_KNEE):
        assert positions[:, knee, 1].max() > standing[knee, 1] + 0.25


@pytest.mark.parametrize("name", CLIPS)
def test_clips_are_smooth(character, name):
    qpos = clip_qpos(name, fps=50, character=character)
    step = np.abs(np.diff(qpos[:, character.hinge_qpos], axis=0)).max()
    assert step < 0.15  # radians per 20 ms frame: under 7.5 rad/s
    travels = next(s for s in SPECS if s.name == name).travels
    root_speed = 0.03 if travels else 0.015  # metres per frame of the root: 1.5 m/s walking, 0.75 else
    assert np.abs(np.diff(qpos[:, :3], axis=0)).max() < root_speed


@pytest.mark.parametrize("name", CLIPS)
def test_standing_still_is_far_from_every_clip(character, standing, name):
    positions = clip(name, character=character).positions
    error = np.linalg.norm(positions - standing, axis=-1).mean()  # MPJPE of the zero pose
    assert error > 0.05  # metres: well above 0, so that a learner can beat it


def test_shapes_rates_and_repeats(character):
    spec = next(s for s in SPECS if s.name == "wave")
    qpos = clip_qpos("wave", fps=50, character=character)
    assert qpos.shape == (round(spec.duration * 50), character.model.nq)
    assert len(clip_qpos("wave", fps=25, character=character)) == round(spec.duration * 25)
    twice = clip_qpos("wave", fps=50, seconds=2 * spec.duration, character=character)
    np.testing.assert_allclose(twice[len(qpos) :], qpos, atol=1e-9)  # a longer clip plays it again
    seq = clip("wave", fps=30, character=character)
    assert isinstance(seq, PoseSequence) and seq.skeleton == CANONICAL and seq.fps == 30
    np.testing.assert_allclose(
        seq.positions,
        character.forward_kinematics(clip_qpos("wave", fps=30, character=character)).positions,
        atol=1e-6,
    )


def test_bad_names_and_rates_are_one_line(character):
    with pytest.raises(MarionnetteError, match=r"unknown clip 'dance': the built-in clips are wave, squat, march"):
        clip_qpos("dance", character=character)
    with pytest.raises(MarionnetteError, match="positive number of frames per second"):
        clip_qpos("wave", fps=0, character=character)
    with pytest.raises(MarionnetteError, match="under 2 frames"):
        clip("wave", seconds=0.01, character=character)


def test_walking_plants_each_foot_in_turn_and_travels_forward(character, standing):
    fps, strides = 50, 3
    positions = clip("walk", fps=fps, seconds=strides * 1.1, character=character).positions  # (T, 16, 3)
    ankles = positions[:, ANKLES]  # (T, 2, 3) motion frame: x left, y up, z forward
    np.testing.assert_allclose(ankles[..., 1].min(axis=1), standing[ANKLES, 1].min(), atol=1e-3)
    lower = ankles[..., 1].argmin(axis=1)  # (T,) the supporting foot
    assert 0.4 < lower.mean() < 0.6  # each foot supports about half the time
    assert np.count_nonzero(np.diff(lower)) >= 2 * strides - 1  # and they alternate, twice a stride
    # While a foot supports, it stays where it was put down (under 1 mm a frame).
    same = lower[1:] == lower[:-1]
    t = np.flatnonzero(same)
    moved = np.linalg.norm((ankles[t + 1, lower[t]] - ankles[t, lower[t]])[:, [0, 2]], axis=1)
    assert moved.max() < 1e-3
    # The body goes forward (+z), about 1 m/s, straight (swaying a few cm over each stance
    # foot in turn), the pelvis upright and near its standing height.
    pelvis = positions[:, CanonicalJoint.PELVIS]
    speed = (pelvis[-1, 2] - pelvis[0, 2]) / (len(positions) / fps)
    assert 0.8 < speed < 1.3 and 0.04 < np.ptp(pelvis[:, 0]) < 0.12
    side = np.sign(ankles[np.arange(len(lower)), lower, 0] - pelvis[:, 0])  # + when the support is on the left
    sway = np.sign(pelvis[:, 0] - pelvis[:, 0].mean())
    assert (side == sway).mean() > 0.7  # mostly over the supporting foot's side
    assert np.all(np.diff(pelvis[:, 2]) > 0)  # never steps back
    assert np.abs(pelvis[:, 1] - standing[CanonicalJoint.PELVIS, 1]).max() < 0.08


def test_one_stride_is_where_the_next_begins(character):
    one = clip_qpos("walk", fps=50, character=character)
    two = clip_qpos("walk", fps=50, seconds=2.2, character=character)
    step = stride("walk", fps=50, character=character)
    assert 1.0 < step[0] < 1.25 and abs(step[1]) < 1e-4  # metres forward, (almost) none aside
    np.testing.assert_allclose(two[len(one) :, 3:], one[:, 3:], atol=1e-9)  # the same stride again
    np.testing.assert_allclose(two[len(one) :, :2], one[:, :2] + step, atol=1e-9)  # a stride on
    for name in IN_PLACE:
        np.testing.assert_array_equal(stride(name, character=character), 0.0)
