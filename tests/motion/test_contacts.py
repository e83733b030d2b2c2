"""Foot contacts and the plausible reference, on the character's own clips made to look captured.

A capture is the clip's forward kinematics made hip-centred (the pelvis subtracted in every
frame, as MediaPipe's world landmarks are), jittered (1 cm of seeded Gaussian noise on every
joint and frame) and shifted vertically frame by frame (5 cm): the true travel, height and
contacts are known, and every one of them has been taken out.
"""

import numpy as np
import pytest

from marionnette.body import Character
from marionnette.body.clips import clip, stride
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, CanonicalJoint, PoseSequence
from marionnette.motion.contacts import (
    CANONICAL_FEET,
    ContactConfig,
    foot_contacts,
    foot_slide,
    plausible_reference,
)
from marionnette.motion.mapping import FootPoint

FPS = 30.0  # what the virtual camera films at
STRIDES = 4
ANKLES = [CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE]
PELVIS = CanonicalJoint.PELVIS


@pytest.fixture(scope="module")
def character():
    return Character()


def captured(truth: PoseSequence, seed: int = 0, noise: float = 0.01) -> PoseSequence:
    """``truth`` as MediaPipe would give it: hip-centred, jittered, shifted up and down."""
    rng = np.random.default_rng(seed)
    p = truth.positions.astype(np.float64)
    p = p - p[:, PELVIS : PELVIS + 1] + rng.normal(0.0, noise, p.shape)
    p[..., 1] += rng.normal(0.0, 0.05, (len(p), 1))  # (T, 1): the whole frame up or down
    return PoseSequence(p, truth.fps, CANONICAL)


def true_contacts(truth: PoseSequence) -> np.ndarray:
    """``(T, 2)``: where the clip's ankles are at the lowest height and still (the clips put
    the supporting ankle at 0.105 m and carry the root so it does not move)."""
    ankles = truth.positions[:, ANKLES].astype(np.float64)  # (T, 2, 3)
    speed = np.linalg.norm(np.gradient(ankles[..., [0, 2]], axis=0), axis=-1) * truth.fps  # (T, 2)
    return (ankles[..., 1] < ankles[..., 1].min() + 0.002) & (speed < 0.05)


@pytest.fixture(scope="module")
def walk(character):
    return clip("walk", fps=FPS, seconds=STRIDES * 1.1, character=character)


@pytest.fixture(scope="module")
def squat(character):
    return clip("squat", fps=FPS, character=character)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_walking_travel_comes_back_from_the_planted_feet(walk, character, seed):
    """Measured over seeds 0-19: the recovered travel within 7 cm of the true 4.35 m (clean:
    4 cm short, the feet filtered at 6 Hz slow a little before they land), at most 7 cm
    sideways and 9 cm along the way off the true path; a hip-centred clip has no travel."""
    seq = captured(walk, seed)
    out = plausible_reference(seq)
    pelvis, true = out.positions[:, PELVIS].astype(np.float64), walk.positions[:, PELVIS].astype(np.float64)
    forward = pelvis[-1, 2] - pelvis[0, 2]  # z: the way the person faces
    expected = true[-1, 2] - true[0, 2]
    assert expected == pytest.approx(STRIDES * stride("walk", FPS, character)[0], rel=0.02)  # the clip's own
    assert np.abs(seq.positions[:, PELVIS, 2]).max() < 0.05  # hip-centred: no travel left to start from
    assert abs(forward - expected) < 0.12
    assert np.abs(pelvis[:, 0] - pelvis[0, 0] - (true[:, 0] - true[0, 0])).max() < 0.1  # no sideways drift
    assert np.abs((pelvis[:, 2] - pelvis[0, 2]) - (true[:, 2] - true[0, 2])).max() < 0.12  # along the way too


def test_planted_feet_do_not_slide(walk):
    """The hip-centred walk slides its stance foot at the walking speed (~1 m/s); rebuilt,
    the contact ankles move at under 0.006 m/s (measured, seeds 0-19)."""
    seq = captured(walk)
    truth = true_contacts(walk)
    assert 0.45 < truth.mean() < 0.65  # stance is ~60% of a stride, each foot
    assert foot_slide(walk, truth) < 0.01  # the clip's own feet stay put
    assert foot_slide(seq, truth) > 0.8
    assert foot_slide(plausible_reference(seq), truth) < 0.02


def test_contacts_are_found_on_a_hip_centred_walk(walk):
    """Every frame a foot is planted is found (measured: all of them, seeds 0-7), and
    contacts found reach at most 0.1 s (3 frames) past the clip's own: the frame a foot
    lands, and push-off, where the ankle rises slowly while the toes are still down
    (97-98% of foot-frames within one frame of the clip's contacts)."""
    found = foot_contacts(captured(walk))
    truth = true_contacts(walk)
    assert found.shape == (len(walk), 2) and found.dtype == bool
    assert found[truth].mean() > 0.98

    def widened(frames: int) -> np.ndarray:  # (T, 2) the clip's contacts and `frames` either side
        return np.any([np.roll(truth, k, axis=0) for k in range(-frames, frames + 1)], axis=0)

    assert (found <= widened(1)).mean() > 0.95
    assert (found <= widened(3)).all()
    assert found.any(axis=1).all()  # a walk always has a foot down


def test_a_squat_keeps_its_vertical_motion_and_stays_in_place(squat):
    """The true pelvis drops 0.35 m and comes back; rebuilt from a hip-centred capture it
    follows within a centimetre on average (0.5-0.9 cm, seeds 0-19; 0.5 cm of it is
    ankle_height 0.1 m against the character's 0.105; 4 cm at worst), and does not wander
    (6 cm at most)."""
    out = plausible_reference(captured(squat))
    pelvis, true = out.positions[:, PELVIS].astype(np.float64), squat.positions[:, PELVIS].astype(np.float64)
    assert np.ptp(true[:, 1]) > 0.3
    assert np.abs(pelvis[:, 1] - true[:, 1]).mean() < 0.015
    assert np.abs(pelvis[:, 1] - true[:, 1]).max() < 0.06
    assert np.abs(pelvis[:, [0, 2]] - pelvis[0, [0, 2]] - (true[:, [0, 2]] - true[0, [0, 2]])).max() < 0.08
    assert foot_contacts(captured(squat)).mean() > 0.95  # both feet down all along


def test_the_filter_removes_jitter_and_keeps_the_motion(walk):
    """Frame-to-frame jitter (the mean |second difference| of the joints about the pelvis)
    falls to a sixth of the capture's, and the pose about the pelvis comes 40% nearer the
    truth (measured: 0.16-0.17 and 0.58-0.59 of the capture's, seeds 0-19)."""
    seq = captured(walk)
    out = plausible_reference(seq).to(CANONICAL)

    def about_pelvis(s: PoseSequence) -> np.ndarray:
        return s.positions.astype(np.float64) - s.positions[:, PELVIS : PELVIS + 1]

    def jitter(p: np.ndarray) -> float:
        return float(np.abs(np.diff(p, 2, axis=0)).mean())

    true = about_pelvis(walk)
    assert jitter(about_pelvis(out)) < 0.3 * jitter(about_pelvis(seq))
    error = lambda p: float(np.linalg.norm(p - true, axis=-1).mean())  # noqa: E731
    assert error(about_pelvis(out)) < 0.7 * error(about_pelvis(seq))


def test_the_feet_are_laid_flat_where_they_are_planted(walk):
    out = plausible_reference(captured(walk))
    assert out.skeleton == CANONICAL_FEET and out.positions.shape == (len(walk), 22, 3)
    contacts = foot_contacts(captured(walk))
    heel, tip = out.skeleton.index("left_heel"), out.skeleton.index("left_toe_tip")
    held = out.confidence[:, heel] > 0
    assert (held <= contacts[:, 0]).all() and held.mean() > 0.3  # in contact only, most of it
    slope = np.abs(out.positions[held, heel, 1] - out.positions[held, tip, 1])  # metres of rise, heel to tip
    assert slope.max() < 0.01  # flat: 5 mm over the foot (the points' own heights differ so)
    along = out.positions[held, tip] - out.positions[held, heel]  # (n, 3) pointing forward (+z)
    assert (along[:, 2] > 0.2).all()
    assert list(out.skeleton.joints[16:]) == [p.name.lower() for p in FootPoint]
    np.testing.assert_array_equal(out.to(CANONICAL).confidence, 1.0)


def test_gaps_are_filled_and_stay_marked(walk):
    seq = captured(walk)
    positions, confidence = seq.positions.copy(), seq.confidence.copy()
    positions[20:30, CanonicalJoint.LEFT_ANKLE] = np.nan
    confidence[20:30, CanonicalJoint.LEFT_ANKLE] = 0.0
    out = plausible_reference(PoseSequence(positions, FPS, CANONICAL, confidence))
    assert np.isfinite(out.positions).all()
    assert (out.confidence[20:30, CanonicalJoint.LEFT_ANKLE] == 0).all()
    assert (out.confidence[:20, CanonicalJoint.LEFT_ANKLE] == 1).all()


def test_bad_input_is_one_line(walk):
    seq = captured(walk)
    confidence = seq.confidence.copy()
    confidence[:, CanonicalJoint.RIGHT_ANKLE] = 0.0
    cases = [
        lambda: plausible_reference(seq[:1]),
        lambda: plausible_reference(PoseSequence(seq.positions, FPS, CANONICAL, confidence)),
        lambda: ContactConfig(cutoff=0.0),
        lambda: ContactConfig(height_on=0.05, height_off=0.02),
        lambda: ContactConfig(flat_foot=((0.1, 0.0),)),
        lambda: foot_slide(seq, np.zeros((3, 2), bool)),
    ]
    for case in cases:
        with pytest.raises(MarionnetteError) as e:
            case()
        assert "\n" not in str(e.value)
