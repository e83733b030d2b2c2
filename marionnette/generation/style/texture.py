"""Texture synthesis: more of a sample's texture, pixel by pixel (Efros and Leung) or by its Grams (Gatys et al.).

:func:`efros_leung`
    Efros and Leung, "Texture Synthesis by Non-parametric Sampling", ICCV 1999. The output
    grows from a 3x3 seed patch copied from a random place of the sample. At each round,
    the unfilled pixels that touch filled ones are visited, most filled neighbours first;
    each is given the centre of a sample window whose known pixels best match its own
    ``window`` x ``window`` neighbourhood: the sum of squared differences over the filled
    pixels, weighted by a Gaussian of sigma ``window / 6.4`` (the paper's) and divided by
    the weight present, and one window drawn at random among those within
    ``1 + tolerance`` of the best (the paper's :math:`\\epsilon = 0.1`). Vectorised: the
    sample's windows are one ``(P, window * window * 3)`` matrix, and a pixel's distances to
    all ``P`` of them are two matrix-vector products (:math:`\\sum w p^2 - 2 \\sum w p t +
    \\sum w t^2`). Slow past ~64 x 64 (each pixel reads every window of the sample): it is
    for small textures. Needs only numpy.

:func:`gatys_texture`
    Gatys, Ecker and Bethge, "Texture Synthesis Using Convolutional Neural Networks",
    NeurIPS 2015: noise optimised by L-BFGS until its VGG Gram matrices (``relu1_1 ...
    relu5_1``) match the sample's: the style loss of :mod:`~.losses` with no content term.

:func:`gram_distance` scores either against the sample: the style loss between them
under a VGG, which may be given another seed than the one that made the texture.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from marionnette.errors import MarionnetteError
from marionnette.generation.images import as_rgb, to_image, to_tensor
from marionnette.generation.style.gatys import noise_like, optimise
from marionnette.generation.style.losses import Perceptual, PerceptualConfig, style_loss

SEED_SIDE = 3  # the seed patch (the paper's 3x3)
SIGMA_PER_WINDOW = 1 / 6.4  # the Gaussian's sigma, in windows (the paper's)


def _size(size: int | tuple[int, int]) -> tuple[int, int]:
    height, width = (size, size) if isinstance(size, (int, np.integer)) else size
    if min(height, width) < SEED_SIDE:
        raise MarionnetteError(f"texture size {height}x{width}: give at least {SEED_SIDE} pixels a side")
    return int(height), int(width)


def _gaussian(window: int) -> np.ndarray:
    """``(window, window)`` weights, a Gaussian of sigma ``window / 6.4`` about the centre."""
    r = np.arange(window) - window // 2
    g = np.exp(-(r**2) / (2 * (window * SIGMA_PER_WINDOW) ** 2))
    return np.outer(g, g)


def efros_leung(
    sample: np.ndarray,
    size: int | tuple[int, int],
    window: int = 11,
    tolerance: float = 0.1,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Grow a ``size`` texture (``int`` for a square, or ``(height, width)``) from ``sample``.

    :param sample: ``(h, w, 3)`` RGB in ``[0, 1]`` (or grey, converted); keep it small
        (32-64 pixels): the work is proportional to its pixel count times the output's.
    :param window: the odd side of the matched neighbourhood (the paper: 5 to 23, chosen
        for the texture's scale); the sample must be at least this big.
    :param tolerance: windows within ``1 + tolerance`` times the best distance are drawn from.
    :param seed: the seed patch's place and every draw among the candidates.
    :param progress: ``progress(filled, total)`` after each round.
    :returns: ``(height, width, 3)`` float32.
    """
    sample = as_rgb(sample, "the texture sample")
    height, width = _size(size)
    if window < 3 or window % 2 == 0:
        raise MarionnetteError(f"window {window}: give an odd side of at least 3 pixels, e.g. 11")
    h, w = sample.shape[:2]
    if min(h, w) < window:
        raise MarionnetteError(f"a sample of {w}x{h} pixels is smaller than the {window}-pixel window: "
                               "give a larger sample or a smaller window")  # fmt: skip
    rng = np.random.default_rng(seed)
    half = window // 2
    # Every window of the sample, flattened: (P, window * window * 3), and each one's centre colour.
    windows = np.lib.stride_tricks.sliding_window_view(sample, (window, window), axis=(0, 1))  # (h', w', 3, k, k)
    windows = windows.transpose(0, 1, 3, 4, 2).reshape(-1, window * window * 3).astype(np.float64)  # (P, D)
    centres = windows.reshape(-1, window, window, 3)[:, half, half]  # (P, 3)
    squared = windows**2  # (P, D)
    gauss = np.repeat(_gaussian(window)[..., None], 3, axis=2)  # (k, k, 3)

    # The output with a border of ``half`` unfilled pixels, so every neighbourhood is a full window.
    image = np.zeros((height + 2 * half, width + 2 * half, 3))
    filled = np.zeros((height + 2 * half, width + 2 * half), bool)
    top, left = half + (height - SEED_SIDE) // 2, half + (width - SEED_SIDE) // 2
    sy, sx = rng.integers(h - SEED_SIDE + 1), rng.integers(w - SEED_SIDE + 1)
    image[top : top + SEED_SIDE, left : left + SEED_SIDE] = sample[sy : sy + SEED_SIDE, sx : sx + SEED_SIDE]
    filled[top : top + SEED_SIDE, left : left + SEED_SIDE] = True
    inside = np.zeros_like(filled)
    inside[half : half + height, half : half + width] = True
    total = height * width
    while True:
        # Unfilled pixels with a filled 8-neighbour, most filled neighbours first (ties at random).
        padded = np.pad(filled, 1)
        neighbours = sum(padded[1 + dy : 1 + dy + filled.shape[0], 1 + dx : 1 + dx + filled.shape[1]]
                         for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx)  # fmt: skip
        ys, xs = np.nonzero(inside & ~filled & (neighbours > 0))
        if len(ys) == 0:
            break
        order = np.lexsort((rng.random(len(ys)), -neighbours[ys, xs]))
        for y, x in zip(ys[order], xs[order], strict=True):
            known = filled[y - half : y + half + 1, x - half : x + half + 1]  # (k, k)
            weight = (gauss * known[..., None]).reshape(-1)  # (D,)
            template = image[y - half : y + half + 1, x - half : x + half + 1].reshape(-1)  # (D,)
            # sum_d weight_d (p_d - t_d)^2 for every window p, over the weight present.
            distance = (squared @ weight - 2 * windows @ (weight * template) + weight @ template**2) / weight.sum()
            best = distance.min()
            candidates = np.flatnonzero(distance <= best * (1 + tolerance) + 1e-12)
            image[y, x] = centres[rng.choice(candidates)]
            filled[y, x] = True
        if progress is not None:
            progress(int(filled[inside].sum()), total)
    return image[half : half + height, half : half + width].astype(np.float32)


def gatys_texture(
    sample: np.ndarray,
    size: int | tuple[int, int],
    steps: int = 200,
    perceptual: Perceptual | None = None,
    seed: int = 0,
    device: torch.device | str = "cpu",
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """A ``size`` texture whose VGG Gram matrices match ``sample``'s: uniform noise drawn
    under ``seed`` moved by ``steps`` L-BFGS evaluations of the style loss.

    :param sample: ``(h, w, 3)`` RGB in ``[0, 1]`` (any size; the Grams are normalised by it).
    :param perceptual: the loss network (ImageNet VGG19 when None; pass
        ``Perceptual(PerceptualConfig(features="random"))`` without the cached weights).
    :returns: ``(height, width, 3)`` float32.
    """
    height, width = _size(size)
    if perceptual is None:
        perceptual = Perceptual(PerceptualConfig())
    perceptual = perceptual.to(device)
    style = to_tensor(as_rgb(sample, "the texture sample")).to(device)
    targets = perceptual.targets(None, style)
    start = noise_like(torch.empty(1, 3, height, width, device=device), seed)
    return to_image(optimise(start, perceptual, targets, steps, progress=progress).image)


def gram_distance(image: np.ndarray, sample: np.ndarray, perceptual: Perceptual) -> float:
    """The style loss between ``image`` and ``sample`` (both ``(H, W, 3)``, any sizes) under
    ``perceptual``'s VGG and style layers: 0 for the same Gram matrices."""
    device = next(perceptual.parameters()).device
    with torch.no_grad():
        a = perceptual.grams(to_tensor(as_rgb(image, "the texture", quiet=True)).to(device))
        b = perceptual.grams(to_tensor(as_rgb(sample, "the texture sample", quiet=True)).to(device))
        return float(style_loss(a, b))


__all__ = ["efros_leung", "gatys_texture", "gram_distance"]
