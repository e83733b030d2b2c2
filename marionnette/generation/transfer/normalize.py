"""Global pose normalisation: the source dancer's poses moved and scaled into the target's frame.

Chan et al., "Everybody Dance Now" (ICCV 2019), section 3.3. The two videos differ in how
tall the person looks and where the floor is; each pose of the source is mapped so that
its feet stand where the target's would at the same depth and its body has the target's
size there. Per video (:func:`foot_stats`), from 2-D poses as the camera sees them (pixels,
x right, y down):

- the *ankle line* of a frame is the mean y of its two ankles; the video's *far* and
  *close* positions are its ``percentile``-th and ``100 - percentile``-th ankle lines
  (robust ends of how far from and near to the camera the person walks);
- the *height* of a frame is its ankle line minus its topmost joint's y; the far and close
  heights are the ``100 - percentile``-th percentile of the heights of the frames whose ankle
  line lies in the far and close tenth of that range (near the ends, standing tallest).

A source frame with ankle line ``a`` is at fraction ``f = (a - s_far) / (s_close - s_far)``
of the way from far to close; its ankle line goes to ``t_far + f (t_close - t_far)`` and it
is scaled, about the middle of its ankles, by ``t_far_h / s_far_h + f (t_close_h / s_close_h
- t_far_h / s_far_h)``: the paper's linear interpolation of translation and scale between
the two ends (extrapolated, not clipped, past them). A source that hardly changes depth
(its ankle range under :data:`MIN_SPAN` of its close height: someone dancing on the spot)
would have its jitter stretched over the target's whole range by that interpolation; it
uses the close ends alone instead: scale ``t_close_h / s_close_h``, and its ankle line
goes to ``t_close + scale (a - s_close)``. The horizontal position of the feet is
kept: the person dances where the source dances, in an image of the same size.

Joints that are NaN (lost by pose capture) stay NaN. Arrays are ``(T, J, 2)`` float.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.motion.skeleton import Skeleton

_ANKLES = (("left_ankle", "right_ankle"), ("ANKLE_LEFT", "ANKLE_RIGHT"))  # canonical, MediaPipe-33; NTU's names
_NEAR_END = 0.1  # frames within this fraction of the ankle range of an end measure its height
PERCENTILE = 5.0
MIN_SPAN = 0.1
"""A source's ankle range below this fraction of its close height counts as one depth."""


@dataclass(frozen=True)
class FootStats:
    """Where one video's person stands far from and close to the camera, and how tall they look there (pixels)."""

    far: float
    close: float
    far_height: float
    close_height: float


def _ankles(skeleton: Skeleton) -> tuple[int, int]:
    for left, right in _ANKLES:
        for l_name, r_name in ((left, right), (left.lower(), right.lower())):
            if l_name in skeleton and r_name in skeleton:
                return skeleton.index(l_name), skeleton.index(r_name)
    raise MarionnetteError(f"skeleton {skeleton.name!r} has no left and right ankle: pose normalisation needs them")


def _check(points: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    points = np.asarray(points, dtype=np.float64)
    if points.ndim != 3 or points.shape[1:] != (len(skeleton), 2):
        raise MarionnetteError(
            f"poses of shape {points.shape}: give (T, {len(skeleton)}, 2) pixel positions of {skeleton.name!r}'s joints"
        )
    return points


def ankle_lines(points: np.ndarray, skeleton: Skeleton) -> np.ndarray:
    """``(T,)``: each frame's mean ankle y (NaN when an ankle is lost)."""
    left, right = _ankles(skeleton)
    points = _check(points, skeleton)
    return (points[:, left, 1] + points[:, right, 1]) / 2


def foot_stats(points: np.ndarray, skeleton: Skeleton, percentile: float = PERCENTILE) -> FootStats:
    """The far and close ankle lines and heights of a video's poses ``(T, J, 2)`` (see the module docstring)."""
    points = _check(points, skeleton)
    line = ankle_lines(points, skeleton)
    top = np.nanmin(np.where(np.isnan(points[..., 1]), np.inf, points[..., 1]), axis=1)  # (T,) topmost joint
    height = line - top
    ok = np.isfinite(line) & np.isfinite(height) & (height > 0)
    if not ok.any():
        raise MarionnetteError(
            f"none of the {len(points)} poses shows both ankles below the head: "
            "pose normalisation needs frames with the whole body"
        )
    line, height = line[ok], height[ok]
    far, close = np.percentile(line, [percentile, 100 - percentile])
    reach = max(close - far, 1e-9) * _NEAR_END

    def tallest(mask: np.ndarray) -> float:
        return float(np.percentile(height[mask], 100 - percentile))

    return FootStats(float(far), float(close), tallest(line <= far + reach), tallest(line >= close - reach))


def normalize(points: np.ndarray, skeleton: Skeleton, source: FootStats, target: FootStats) -> np.ndarray:
    """Source poses ``(T, J, 2)`` moved and scaled into the target's frame, ``(T, J, 2)``."""
    points = _check(points, skeleton)
    left, right = _ankles(skeleton)
    line = ankle_lines(points, skeleton)  # (T,)
    feet_x = (points[:, left, 0] + points[:, right, 0]) / 2
    span = source.close - source.far
    far_scale = target.far_height / source.far_height
    close_scale = target.close_height / source.close_height
    if span < MIN_SPAN * source.close_height:  # one depth: the close ends, the feet's moves scaled as the body
        scale = np.full_like(line, close_scale)
        new_line = target.close + close_scale * (line - source.close)
    else:
        f = (line - source.far) / span  # 0 far .. 1 close
        scale = far_scale + f * (close_scale - far_scale)  # (T,)
        new_line = target.far + f * (target.close - target.far)
    anchor = np.stack([feet_x, line], axis=-1)[:, None]  # (T, 1, 2): scaled about the middle of the feet
    moved = np.stack([feet_x, new_line], axis=-1)[:, None]
    return (points - anchor) * scale[:, None, None] + moved


@dataclass(frozen=True)
class PoseNormalizer:
    """:func:`normalize` with both videos' :class:`FootStats` fixed: built once, applied to every source pose."""

    skeleton: Skeleton
    source: FootStats
    target: FootStats

    @classmethod
    def between(cls, source_points: np.ndarray, target_points: np.ndarray, skeleton: Skeleton,
                percentile: float = PERCENTILE) -> PoseNormalizer:  # fmt: skip
        return cls(skeleton, foot_stats(source_points, skeleton, percentile),
                   foot_stats(target_points, skeleton, percentile))  # fmt: skip

    def __call__(self, points: np.ndarray) -> np.ndarray:
        return normalize(points, self.skeleton, self.source, self.target)


__all__ = ["MIN_SPAN", "PERCENTILE", "FootStats", "PoseNormalizer", "ankle_lines", "foot_stats", "normalize"]
