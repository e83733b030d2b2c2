"""The ab colour plane cut into bins, and the three things Zhang et al. do with them.

Zhang, Isola and Efros, "Colorful Image Colorization", ECCV 2016, section 2:

quantisation (:func:`gamut_bins`)
    ab is cut into a grid of side 10 and only the cells that sRGB colours reach are kept
    (the paper counts 313 on ImageNet's; sRGB's, on a 64-level lattice rounded to the
    grid, has 261). Lab comes from scikit-image (``skimage.color``, D65).
soft encoding (:func:`soft_encode`)
    a true ab value becomes a distribution over its 5 nearest bin centres, weighted by a
    Gaussian of sigma 5 on the distance, and is the cross-entropy's target.
class rebalancing (:func:`rebalance_weights`)
    natural images are mostly desaturated, so the common bins would win every pixel; each
    pixel's loss is weighted by ``w ∝ ((1 - λ) p̃ + λ / Q)^-1`` of its nearest bin, with
    ``p̃`` the training pixels' bin frequencies smoothed by a sigma-5 Gaussian in ab,
    ``λ = 1/2``, and ``E_p̃[w] = 1``.
annealed mean (:func:`annealed_mean`)
    the predicted distribution ``Z`` is sharpened to ``softmax(log Z / T)`` and its mean
    taken, ``T = 0.38``: T = 1 is the mean (greyish, as regression), T → 0 the mode
    (vivid but patchy).

Tensors: ``ab`` is ``(N, 2, H, W)`` in Lab units (about -110 to 110), bin centres ``(Q, 2)``,
distributions and logits ``(N, Q, H, W)``.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

GRID = 10.0
"""Side of an ab bin (Lab units)."""
NEIGHBOURS = 5
SIGMA = 5.0
"""Gaussian sigma of the soft encoding and of the prior's smoothing (Lab units)."""
LAMBDA = 0.5
"""Mix of the smoothed prior with the uniform one in the rebalancing weights."""
TEMPERATURE = 0.38
_LATTICE = 64  # sRGB levels a channel when finding the gamut's bins: 261 bins in 1 s (128 levels: 262 in 4 s)


@functools.cache
def gamut_bins(grid: float = GRID) -> np.ndarray:
    """The centres ``(Q, 2)`` float32 of the ab bins that some sRGB colour falls into, sorted."""
    from skimage.color import rgb2lab

    levels = np.linspace(0.0, 1.0, _LATTICE)
    rgb = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), axis=-1).reshape(-1, 1, 3)
    ab = rgb2lab(rgb).reshape(-1, 3)[:, 1:]
    return np.unique(np.round(ab / grid) * grid, axis=0).astype(np.float32)


def _flat(ab: torch.Tensor) -> torch.Tensor:
    """``(N, 2, H, W)`` → ``(N*H*W, 2)``."""
    return ab.permute(0, 2, 3, 1).reshape(-1, 2)


def nearest_bin(ab: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Index ``(N, H, W)`` of each pixel's nearest bin centre."""
    N, _, H, W = ab.shape
    return torch.cdist(_flat(ab), centres).argmin(dim=1).reshape(N, H, W)


def soft_encode(ab: torch.Tensor, centres: torch.Tensor, neighbours: int = NEIGHBOURS,
                sigma: float = SIGMA) -> torch.Tensor:  # fmt: skip
    """The target distribution ``(N, Q, H, W)``: each pixel's ``neighbours`` nearest centres,
    Gaussian-weighted by distance, summing to 1."""
    N, _, H, W = ab.shape
    distance = torch.cdist(_flat(ab), centres)  # (M, Q)
    near, index = distance.topk(neighbours, dim=1, largest=False)  # (M, k)
    weight = torch.softmax(-(near**2) / (2 * sigma**2), dim=1)  # Gaussian, normalised
    target = torch.zeros_like(distance).scatter_(1, index, weight)  # (M, Q)
    return target.reshape(N, H, W, -1).permute(0, 3, 1, 2)


def smoothed_prior(counts: np.ndarray, centres: np.ndarray, sigma: float = SIGMA) -> np.ndarray:
    """Bin frequencies ``(Q,)`` from pixel ``counts (Q,)``, smoothed by a Gaussian in ab."""
    p = counts / max(counts.sum(), 1)
    d2 = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(-1)  # (Q, Q)
    smoothed = np.exp(-d2 / (2 * sigma**2)) @ p
    return smoothed / smoothed.sum()


def rebalance_weights(prior: np.ndarray, lam: float = LAMBDA) -> np.ndarray:
    """``w (Q,)`` ∝ ``((1 - lam) prior + lam / Q)^-1``, scaled so ``sum(prior * w) = 1``;
    ``lam = 1`` gives every bin weight 1 (plain cross-entropy)."""
    w = 1.0 / ((1.0 - lam) * prior + lam / len(prior))
    return w / (prior * w).sum()


def annealed_mean(logits: torch.Tensor, centres: torch.Tensor, temperature: float = TEMPERATURE) -> torch.Tensor:
    """ab ``(N, 2, H, W)`` from logits ``(N, Q, H, W)``: the mean of ``softmax(logits / T)``;
    ``temperature=0`` takes each pixel's most likely bin."""
    if temperature <= 0:
        return centres[logits.argmax(dim=1)].permute(0, 3, 1, 2)
    z = torch.softmax(logits / temperature, dim=1)
    return torch.einsum("nqhw,qc->nchw", z, centres)


__all__ = ["GRID", "LAMBDA", "NEIGHBOURS", "SIGMA", "TEMPERATURE", "annealed_mean", "gamut_bins", "nearest_bin",
           "rebalance_weights", "smoothed_prior", "soft_encode"]  # fmt: skip
