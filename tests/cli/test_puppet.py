"""The puppet pipeline end to end, on the character's virtual camera (no camera, no person).

Capture (MediaPipe) → canonical → One-Euro → retarget (mink), measured against the true
pose of the character it filmed.
"""

import numpy as np
import pytest

from marionnette.body import Character, VirtualCamera
from marionnette.cli.puppet import Puppet, PuppetConfig, fill_gaps, side_by_side
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, PoseSequence


def held_out_motion(character, seed, keys=50, between=2):
    """A smooth motion through ``keys`` random poses (each hinge within half its range),
    ``between`` frames from one to the next. Seed 123 was used to choose the bound; the test
    uses others."""
    rng = np.random.default_rng(seed)
    low, high = character.hinge_range.T
    key = np.clip(rng.uniform(low, high, (keys, len(low))) * 0.5, low, high)
    w = (1 - np.cos(np.pi * np.linspace(0, 1, between, endpoint=False))) / 2
    angles = np.concatenate([key[i] + w[:, None] * (key[(i + 1) % keys] - key[i]) for i in range(keys)])
    qpos = np.tile(character.standing_qpos, (len(angles), 1))
    qpos[:, character.hinge_qpos] = angles
    return qpos


def root_aligned_mpjpe(a, b):
    """Mean per-joint position error after moving both pelvises to the origin (metres)."""
    return float(np.linalg.norm((a - a[:, :1]) - (b - b[:, :1]), axis=-1).mean())


def test_capture_filter_retarget_against_the_true_pose():
    """Measured (seeds 123 and 7, after a 5-frame calibration stance): every frame detected,
    root-aligned MPJPE 11.4-11.6 cm (p90 15.5-16.3 cm), against ~18 cm for a character that
    stands still. Without the calibration it was 13.0-14.0 cm."""
    character = Character()
    stance = np.tile(character.standing_qpos, (5, 1))  # the calibration stance a user is asked for
    camera = VirtualCamera(character, np.concatenate([stance, held_out_motion(character, seed=2024)]), fps=30)
    truth = camera.truth().positions  # (105, 16, 3)
    solved, found = [], []
    with Puppet(PuppetConfig(), fps=camera.fps, render=False) as puppet:
        for t, image in camera:
            frame = puppet.step(t, image)
            found.append(frame.found)
            solved.append(frame.qpos)
    found = np.array(found)
    ours = character.forward_kinematics(np.array(solved)).positions
    error = root_aligned_mpjpe(ours[found], truth[found])
    standing = character.forward_kinematics(character.standing_qpos).positions
    still = root_aligned_mpjpe(np.broadcast_to(standing, truth.shape)[found], truth[found])
    print(
        f"detected {found.mean():.0%} of {len(found)} frames; "
        f"MPJPE {100 * error:.1f} cm, standing still {100 * still:.1f} cm"
    )
    assert found.mean() >= 0.95
    assert error < 0.14
    assert error < 0.75 * still


def test_a_frame_with_no_person_holds_the_last_pose():
    character = Character()
    camera = VirtualCamera(character, held_out_motion(character, seed=5, keys=3, between=1), fps=30)
    frames = list(camera)
    blank = np.full_like(frames[0][1], 200)
    with Puppet(PuppetConfig(), fps=30) as puppet:
        first = puppet.step(0.0, frames[0][1])
        gap = puppet.step(1 / 30, blank)
        after = puppet.step(2 / 30, frames[1][1])
    assert first.found and not gap.found and after.found
    assert (gap.confidence == 0).all()
    np.testing.assert_array_equal(gap.qpos, first.qpos)  # the avatar held still
    assert gap.view.shape == first.view.shape and gap.view.shape[1] % 16 == 0


def test_gaps_are_filled_for_bvh_and_a_joint_never_seen_is_one_line():
    positions = np.zeros((4, 16, 3), np.float32)
    positions[:, :, 1] = np.arange(4)[:, None]
    confidence = np.ones((4, 16), np.float32)
    confidence[1:3, 5] = 0
    positions[1:3, 5] = np.nan
    seq = PoseSequence(positions=positions, confidence=confidence, fps=30, skeleton=CANONICAL)
    filled = fill_gaps(seq)
    assert filled.positions[1:3, 5, 1].tolist() == [0.0, 0.0]  # held from frame 0
    confidence[:, 7] = 0
    positions[:, 7] = np.nan
    with pytest.raises(MarionnetteError, match="right_shoulder was never seen"):
        fill_gaps(PoseSequence(positions=positions, confidence=confidence, fps=30, skeleton=CANONICAL))


def test_side_by_side_matches_heights_and_pads_to_16():
    view = side_by_side(np.zeros((480, 640, 3), np.uint8), np.zeros((360, 270, 3), np.uint8))
    assert view.shape[0] == 360 and view.shape[1] % 16 == 0
