"""Colorizing pictures, and scoring colorizations against the true colours.

A picture is colorized from its own lightness: RGB → Lab (scikit-image), L through the
network, the predicted ab joined to the true L and converted back (colours outside sRGB
clipped). :func:`score` compares pictures with the truth the way the paper's Table 1 and
later work do: PSNR and SSIM in RGB (``skimage.metrics``, data range 1), and the mean
chroma ``sqrt(a² + b²)`` of the result, the number behind the paper's point that the
rebalanced classifier paints more saturated colours than L2 regression.
:func:`grey_baseline` is every picture with ``ab = 0``, what a black-and-white photograph
shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch

from marionnette.errors import MarionnetteError
from marionnette.generation.colorize.bins import TEMPERATURE
from marionnette.generation.colorize.data import lab_to_rgb
from marionnette.generation.colorize.model import ColorNet


class Scores(NamedTuple):
    """Means over the pictures scored."""

    psnr: float
    """dB, RGB in [0, 1]."""
    ssim: float
    chroma: float
    """Mean ``sqrt(a² + b²)`` of the pictures scored (Lab units)."""
    true_chroma: float
    """The same of the true pictures."""


def _lab(image: np.ndarray) -> np.ndarray:
    from skimage.color import rgb2lab

    return rgb2lab(np.asarray(image, dtype=np.float64)[..., :3], channel_axis=-1)


def colorize_image(net: ColorNet, image: np.ndarray, temperature: float = TEMPERATURE) -> np.ndarray:
    """``image (H, W, 3)`` RGB in [0, 1] (only its lightness is read) → its colorization, same shape."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[-1] != 3:
        raise MarionnetteError(f"an image of shape {image.shape}: give (H, W, 3) RGB (grey images are read as RGB)")
    L = _lab(image)[..., 0].astype(np.float32)  # (H, W)
    device = net.centres.device
    ab = net.colorize(torch.from_numpy(L)[None, None].to(device), temperature)  # (1, 2, H, W)
    return lab_to_rgb(L, ab[0].permute(1, 2, 0).cpu().numpy())


def grey_baseline(image: np.ndarray) -> np.ndarray:
    """``image`` with its colour taken away: its own L, ``ab = 0``."""
    L = _lab(image)[..., 0]
    return lab_to_rgb(L, np.zeros((*L.shape, 2)))


def score(images: Sequence[np.ndarray], truths: Sequence[np.ndarray]) -> Scores:
    """PSNR, SSIM and chroma of ``images`` against ``truths`` (pairs of ``(H, W, 3)`` in [0, 1])."""
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    if len(images) != len(truths) or not images:
        raise MarionnetteError(f"{len(images)} pictures against {len(truths)} truths: give one truth per picture")
    rows = []
    for image, truth in zip(images, truths, strict=True):
        truth = np.asarray(truth, dtype=np.float64)
        image = np.asarray(image, dtype=np.float64)
        rows.append((
            peak_signal_noise_ratio(truth, image, data_range=1.0),
            structural_similarity(truth, image, data_range=1.0, channel_axis=-1),
            float(np.hypot(*_lab(image)[..., 1:].transpose(2, 0, 1)).mean()),
            float(np.hypot(*_lab(truth)[..., 1:].transpose(2, 0, 1)).mean()),
        ))  # fmt: skip
    return Scores(*(float(v) for v in np.mean(rows, axis=0)))


def evaluate(net: ColorNet, truths: Sequence[np.ndarray], temperature: float = TEMPERATURE) -> Scores:
    """:func:`score` of ``net``'s colorizations of ``truths`` (each from its own lightness)."""
    return score([colorize_image(net, t, temperature) for t in truths], truths)


__all__ = ["Scores", "colorize_image", "evaluate", "grey_baseline", "score"]
