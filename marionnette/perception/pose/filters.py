"""The One-Euro filter on landmark streams: less jitter at rest, little lag in motion.

Casiez, Roussel and Vogel, "1€ Filter: A Simple Speed-based Low-pass Filter for Noisy
Input in Interactive Systems", CHI 2012. Each coordinate goes through a first-order
low-pass filter whose cutoff rises with the coordinate's (itself low-passed) speed::

    cutoff = min_cutoff + beta * |dx/dt|        # Hz
    alpha  = 1 / (1 + 1 / (2 pi cutoff dt))     # smoothing factor for a step of dt seconds

so a still joint is smoothed hard (``min_cutoff``) and a fast one follows closely
(``beta``). The arithmetic is the authors' own package, ``OneEuroFilter`` on PyPI (one
scalar filter per coordinate, 99 for MediaPipe's 33 landmarks: about 0.3 ms a frame).
:class:`OneEuro` adds what a landmark stream needs around it:

- **missing joints hold**: a joint with confidence 0 or a NaN position in a frame is not
  fed to its filters; its output is its last filtered position (NaN until first seen) and
  its state waits for it to come back;
- **variable timestamps**: each joint's rate is ``1 / dt`` since *its* last sample, so a
  late frame or a joint back after a gap is weighted by the time that really passed; a
  timestamp that does not move forward keeps the previous rate. (We set the rate
  ourselves: the package's own timestamp handling ignores a first timestamp of 0.)

Units: ``min_cutoff`` and ``d_cutoff`` in Hz; ``beta`` in 1/(position unit), so the
defaults here, :class:`OneEuroConfig`, are for metres (``PoseSequence``'s unit).
:func:`filter_sequence` runs a whole :class:`~marionnette.motion.PoseSequence` through.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.motion import PoseSequence
from marionnette.perception.pose.backend import import_one_euro


@dataclass
class OneEuroConfig:
    """The paper's three parameters; defaults chosen on a noisy 30 fps swing in metres (see
    tests/perception/pose/test_filters.py: 5.8x less jitter at rest, 29 ms lag at 1 Hz)."""

    min_cutoff: float = 1.0
    """Hz: the cutoff of a still joint. Lower removes more jitter at rest, with more lag."""
    beta: float = 5.0
    """1/m: how fast the cutoff rises with speed (Hz per m/s). Higher cuts lag in fast
    motion, letting more jitter through."""
    d_cutoff: float = 1.0
    """Hz: the cutoff of the low-pass on the speed estimate (the paper's 1 Hz)."""

    def __post_init__(self) -> None:
        for name in ("min_cutoff", "d_cutoff"):
            value = getattr(self, name)
            if not np.isfinite(value) or value <= 0:
                raise MarionnetteError(f"One-Euro {name} is {value!r}: give a positive frequency in Hz")
        if not np.isfinite(self.beta) or self.beta < 0:
            raise MarionnetteError(f"One-Euro beta is {self.beta!r}: give a number >= 0 (0 is a plain low-pass)")


class OneEuro:
    """A One-Euro filter on a stream of ``(J, D)`` positions, one filter per coordinate.

    :param joints: ``J``, the number of joints per frame.
    :param fps: the stream's nominal rate, used for a joint's first step (before two of
        its samples give a real ``dt``).
    :param config: the paper's parameters (:class:`OneEuroConfig`).
    :param dims: ``D``, coordinates per joint (3 for world positions, 2 for pixels).

    Call it once per frame, in time order: ``smooth = f(positions, timestamp, confidence)``.
    """

    def __init__(self, joints: int, fps: float, config: OneEuroConfig | None = None, dims: int = 3) -> None:
        self.config = OneEuroConfig() if config is None else config
        fps = float(fps)
        if not np.isfinite(fps) or fps <= 0:
            raise MarionnetteError(f"One-Euro fps is {fps!r}: give the stream's positive frame rate")
        self.joints, self.dims, self.fps = int(joints), int(dims), fps
        self._package = import_one_euro()
        self.reset()

    def reset(self) -> None:
        """Forget everything seen: the next frame starts every joint afresh."""
        c = self.config
        make = self._package.OneEuroFilter
        self._filters = [  # [J][D] scalar filters
            [make(self.fps, c.min_cutoff, c.beta, c.d_cutoff) for _ in range(self.dims)] for _ in range(self.joints)
        ]
        self._held = np.full((self.joints, self.dims), np.nan)  # (J, D) last filtered positions
        self._last_time = np.full(self.joints, np.nan)  # (J,) timestamp of each joint's last sample

    def __call__(self, positions: np.ndarray, timestamp: float, confidence: np.ndarray | None = None) -> np.ndarray:
        """Filter one frame.

        :param positions: ``(J, D)``; NaN marks a missing joint.
        :param timestamp: seconds; frames must come in time order.
        :param confidence: ``(J,)``; a joint with confidence 0 is missing. ``None``: all seen.
        :returns: ``(J, D)`` float64, the filtered positions; missing joints hold their
            last filtered value (NaN if never seen).
        """
        positions = np.asarray(positions, dtype=np.float64)
        if positions.shape != (self.joints, self.dims):
            raise MarionnetteError(
                f"One-Euro filter got positions of shape {positions.shape}, expected ({self.joints}, {self.dims})"
            )
        seen = np.isfinite(positions).all(axis=1)  # (J,)
        if confidence is not None:
            seen &= np.asarray(confidence).reshape(self.joints) > 0
        t = float(timestamp)
        for j in np.flatnonzero(seen):
            filters, dt = self._filters[j], t - self._last_time[j]
            if dt > 0:  # NaN (first sample) and non-increasing timestamps keep the rate
                for f in filters:
                    f.setFrequency(1.0 / dt)
            self._held[j] = [f(float(x)) for f, x in zip(filters, positions[j], strict=True)]
            self._last_time[j] = t
        return self._held.copy()


def filter_sequence(seq: PoseSequence, config: OneEuroConfig | None = None) -> PoseSequence:
    """``seq`` through a :class:`OneEuro` filter (frame ``t`` at ``t / seq.fps``).

    Confidence is unchanged. A missing joint (confidence 0) holds its last filtered
    position, a finite guess, or stays NaN until it is first seen.
    """
    T, J, _ = seq.positions.shape
    f = OneEuro(J, seq.fps, config)
    out = np.empty((T, J, 3), dtype=np.float32)  # (T, J, 3)
    for t in range(T):
        out[t] = f(seq.positions[t], t / seq.fps, seq.confidence[t])
    return PoseSequence(out, seq.fps, seq.skeleton, seq.confidence)
