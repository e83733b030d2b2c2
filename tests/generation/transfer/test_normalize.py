"""Global pose normalisation on hand-made cases: a shorter, farther source lands on the target's feet and scale."""

import numpy as np
import pytest

from marionnette.errors import MarionnetteError
from marionnette.generation.transfer.normalize import FootStats, PoseNormalizer, ankle_lines, foot_stats, normalize
from marionnette.motion.skeleton import CANONICAL, MEDIAPIPE_33

# Where each canonical joint sits, as (x offset, height above the ankles) in body heights.
_LAYOUT = {
    "pelvis": (0.0, 0.5), "spine": (0.0, 0.62), "neck": (0.0, 0.82), "head": (0.0, 1.0),
    "left_shoulder": (0.12, 0.8), "left_elbow": (0.2, 0.65), "left_wrist": (0.22, 0.5),
    "right_shoulder": (-0.12, 0.8), "right_elbow": (-0.2, 0.65), "right_wrist": (-0.22, 0.5),
    "left_hip": (0.08, 0.5), "left_knee": (0.09, 0.25), "left_ankle": (0.1, 0.0),
    "right_hip": (-0.08, 0.5), "right_knee": (-0.09, 0.25), "right_ankle": (-0.1, 0.0),
}  # fmt: skip


def standing(x: float, ankle: float, height: float) -> np.ndarray:
    """A canonical person ``height`` pixels tall, feet centred at ``(x, ankle)``: ``(16, 2)``."""
    return np.array([[x + dx * height, ankle - dy * height] for dx, dy in (_LAYOUT[j] for j in CANONICAL.joints)])


def walk(far: float, close: float, far_height: float, close_height: float, frames: int = 101) -> np.ndarray:
    """A person walking from far to close, looking taller as they come (linearly, as a camera sees a floor)."""
    f = np.linspace(0, 1, frames)
    return np.stack([standing(100 + 20 * k, far + k * (close - far), far_height + k * (close_height - far_height))
                     for k in f])  # fmt: skip


def measured(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    line = ankle_lines(points, CANONICAL)
    return line, line - points[..., 1].min(axis=1)


def test_foot_stats_find_the_ends_and_the_heights_there():
    stats = foot_stats(walk(110, 150, 30, 50), CANONICAL, percentile=0)
    # heights: the tallest of the far and close tenths of the range (the far tenth reaches 32 px)
    assert stats == pytest.approx(FootStats(110, 150, 32, 50), abs=1e-6)


def test_a_shorter_farther_source_maps_onto_the_targets_ankle_line_and_scale():
    source = walk(110, 150, 30, 50)  # smaller and higher in the picture: farther from its camera
    target = walk(120, 180, 60, 100)
    normalizer = PoseNormalizer.between(source, target, CANONICAL, percentile=0)
    line, height = measured(normalizer(source))
    true_line, true_height = measured(target)
    np.testing.assert_allclose(line, true_line, atol=1e-6)  # each step of the walk: the target's floor
    np.testing.assert_allclose(height, true_height, rtol=0.02)  # and the target's size there
    out = normalizer(source)
    np.testing.assert_allclose(out[:, 12, 0] + out[:, 15, 0], source[:, 12, 0] + source[:, 15, 0])  # feet stay put


def test_the_ends_are_exact_and_the_middle_interpolates():
    s, t = FootStats(100, 200, 40, 80), FootStats(150, 250, 90, 180)  # scale 2.25 at both ends
    cases = {(100, 40): (150, 90), (200, 80): (250, 180), (150, 60): (200, 135)}  # (ankle, height) -> (ankle, height)
    for (a, h), (a2, h2) in cases.items():
        line, height = measured(normalize(standing(50, a, h)[None], CANONICAL, s, t))
        assert line[0] == pytest.approx(a2) and height[0] == pytest.approx(h2)
    uneven = FootStats(150, 250, 40, 240)  # scale 1 far, 3 close: 2 halfway
    line, height = measured(normalize(standing(50, 150, 60)[None], CANONICAL, s, uneven))
    assert line[0] == pytest.approx(200) and height[0] == pytest.approx(120)


def test_a_source_that_never_changes_depth_takes_the_close_ends():
    source = np.stack([standing(80, 140, 50)] * 10)
    target = walk(120, 180, 60, 100)
    line, height = measured(PoseNormalizer.between(source, target, CANONICAL, percentile=0)(source))
    assert line == pytest.approx(180.0) and height == pytest.approx(100.0)


def test_a_source_dancing_on_the_spot_keeps_its_small_moves_small():
    bob = 2 * np.sin(np.arange(40) / 3)  # the feet bob 2 px: jitter, not a walk in depth
    source = np.stack([standing(80, 140 + b, 50) for b in bob])
    target = walk(120, 180, 60, 100)  # ranges 60 px in depth; scale at the close end is 2
    line, height = measured(PoseNormalizer.between(source, target, CANONICAL, percentile=0)(source))
    np.testing.assert_allclose(line - 180, 2 * (bob - bob.max()), atol=1e-6)  # 4 px bob, never stretched to 60
    np.testing.assert_allclose(height, 100.0)


def test_lost_joints_stay_lost_and_bad_input_is_one_line():
    poses = walk(110, 150, 30, 50, frames=5)
    poses[2, 3] = np.nan  # the head lost in one frame
    out = normalize(poses, CANONICAL, FootStats(110, 150, 30, 50), FootStats(120, 180, 60, 100))
    assert np.isnan(out[2, 3]).all() and np.isfinite(np.delete(out[2], 3, axis=0)).all()
    with pytest.raises(MarionnetteError, match=r"poses of shape \(5, 16\): give \(T, 16, 2\)"):
        normalize(poses[..., 0], CANONICAL, FootStats(1, 2, 1, 1), FootStats(1, 2, 1, 1))
    with pytest.raises(MarionnetteError, match="needs frames with the whole body"):
        foot_stats(np.full((4, 16, 2), np.nan), CANONICAL)
    mediapipe = np.zeros((3, len(MEDIAPIPE_33), 2))
    mediapipe[:, :, 1] = np.linspace(0, 100, len(MEDIAPIPE_33))  # ankles (27, 28) low, the face high
    assert foot_stats(mediapipe, MEDIAPIPE_33).far > 0  # MediaPipe's names are found too
