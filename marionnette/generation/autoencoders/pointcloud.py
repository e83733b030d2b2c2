"""The course's 2-D picture of what an autoencoder learns: the data's manifold.

Points lie near a curve (a sine, ``y = sin(x)`` for ``x`` in ``[-pi, pi]``, with a little
noise). An MLP autoencoder with a one-unit code learns them: it can only give back points
that its decoder draws as the code runs along one dimension, so it learns a curve near the
data's. Points off the curve, passed through it, come back onto (near) the curve: the
autoencoder projects onto the manifold it learned (Goodfellow et al., Deep Learning, 14.6
and figure 14.4; Alain & Bengio 2014 for the denoising view of the same arrows).

:func:`point_cloud_demo` returns the points and their distances to the curve, which the
picture (:func:`~.pictures.point_cloud_figure`) draws and a test checks.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

_HIDDEN = 64  # units of each of the two hidden layers on either side of the one-unit code
_CURVE_SAMPLES = 4000  # vertices of the polyline distances are measured to (spacing ~2e-3)


class PointCloudDemo(NamedTuple):
    """The demo's points, all ``(n, 2)``, and the mean distances to the curve."""

    curve: np.ndarray  # (M, 2): the true curve, densely sampled
    training: np.ndarray  # (N, 2): the noisy points on it the autoencoder learned
    inputs: np.ndarray  # (K, 2): points off the curve
    projected: np.ndarray  # (K, 2): what the autoencoder makes of them
    before: float  # mean distance of ``inputs`` to the curve
    after: float  # mean distance of ``projected`` to the curve


def sine_curve(samples: int = _CURVE_SAMPLES) -> np.ndarray:
    """``(samples, 2)``: ``y = sin(x)`` for ``x`` from ``-pi`` to ``pi``."""
    x = np.linspace(-np.pi, np.pi, samples)
    return np.stack([x, np.sin(x)], axis=1)


def curve_distance(points: np.ndarray, curve: np.ndarray) -> np.ndarray:
    """``(K,)``: each of ``points (K, 2)``'s distance to the nearest vertex of ``curve (M, 2)``
    (the polyline is dense enough that this is its distance to the curve, to ~1e-3)."""
    d = np.linalg.norm(points[:, None, :] - curve[None, :, :], axis=2)  # (K, M)
    return d.min(axis=1)


def point_cloud_demo(seed: int = 0, points: int = 1000, probes: int = 150, noise: float = 0.05,
                     offset: float = 0.35, steps: int = 800, lr: float = 3e-3) -> PointCloudDemo:  # fmt: skip
    """Train a 2-64-64-1-64-64-2 autoencoder (tanh, full batch, Adam) for ``steps`` steps
    on ``points`` points of the sine curve with gaussian ``noise``, then pass it ``probes``
    points pushed off the curve by gaussian offsets of ``offset`` in x and y.

    Seeded: the points from ``numpy.random.default_rng(seed)``, the weights from ``seed``
    (torch's global generator left as it was). Runs on the CPU in about a second.
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-np.pi, np.pi, points)
    training = np.stack([x, np.sin(x)], axis=1) + rng.normal(0.0, noise, (points, 2))  # (N, 2)
    x = rng.uniform(-np.pi + 0.5, np.pi - 0.5, probes)  # away from the ends, where "nearest" is ambiguous
    inputs = np.stack([x, np.sin(x)], axis=1) + rng.normal(0.0, offset, (probes, 2))  # (K, 2)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(
            nn.Linear(2, _HIDDEN), nn.Tanh(), nn.Linear(_HIDDEN, _HIDDEN), nn.Tanh(), nn.Linear(_HIDDEN, 1),  # encoder
            nn.Linear(1, _HIDDEN), nn.Tanh(), nn.Linear(_HIDDEN, _HIDDEN), nn.Tanh(), nn.Linear(_HIDDEN, 2),  # decoder
        )  # fmt: skip
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    data = torch.as_tensor(training, dtype=torch.float32)
    for _ in range(steps):
        loss = (model(data) - data).pow(2).sum(1).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        projected = model(torch.as_tensor(inputs, dtype=torch.float32)).numpy().astype(np.float64)
    curve = sine_curve()
    return PointCloudDemo(curve, training, inputs, projected, float(curve_distance(inputs, curve).mean()),
                          float(curve_distance(projected, curve).mean()))  # fmt: skip


__all__ = ["PointCloudDemo", "curve_distance", "point_cloud_demo", "sine_curve"]
