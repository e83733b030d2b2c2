"""What the colorizer learns from: random crops of colour pictures, in Lab.

Sources are image files, folders of them (every ``.png``/``.jpg``/``.jpeg`` inside, by
name) and scikit-image's pictures by name (``skimage:coffee``). The project's renders of
its games and character reach here as folders (``marionnette data frames``), since this
layer does not import the ones that draw them. Crops are drawn as the fast style network
draws them (:class:`~marionnette.generation.style.content.ContentCrops`: batch ``k`` from
``(seed, k)``, so a resumed run sees what an uninterrupted one would) and converted to Lab
by scikit-image: ``L (B, 1, H, W)`` in ``[0, 100]``, ``ab (B, 2, H, W)``.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence

import numpy as np
import torch

from marionnette.generation.images import SKIMAGE_PREFIX, image_sources
from marionnette.generation.style.content import ContentCrops

COLOUR_PHOTOS: tuple[str, ...] = tuple(f"{SKIMAGE_PREFIX}{name}" for name in ("astronaut", "coffee", "rocket"))
"""scikit-image's colour photographs of everyday scenes, less the held-out one (its grey ones teach no
colour; immunohistochemistry and retina, nearly all stain-brown or retina-orange, would teach that
the world is saturated)."""
HELD_OUT_PHOTOS: tuple[str, ...] = (f"{SKIMAGE_PREFIX}chelsea",)
_PRIOR_BATCHES = 2**40  # the prior is counted on batches from here on


def rgb_to_lab(rgb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """RGB ``(N, 3, H, W)`` in ``[0, 1]`` → ``L (N, 1, H, W)``, ``ab (N, 2, H, W)`` (float32, on rgb's device)."""
    from skimage.color import rgb2lab

    lab = rgb2lab(rgb.detach().permute(0, 2, 3, 1).cpu().numpy(), channel_axis=-1)  # (N, H, W, 3)
    lab = torch.from_numpy(lab.astype(np.float32)).permute(0, 3, 1, 2).to(rgb.device)
    return lab[:, :1].contiguous(), lab[:, 1:].contiguous()


def lab_to_rgb(L: np.ndarray, ab: np.ndarray) -> np.ndarray:
    """``L (H, W)`` and ``ab (H, W, 2)`` → RGB ``(H, W, 3)`` float32 in ``[0, 1]`` (out-of-gamut colours clipped)."""
    from skimage.color import lab2rgb

    lab = np.concatenate([L[..., None], ab], axis=-1).astype(np.float64)
    with warnings.catch_warnings():  # "negative Z values clipped": the out-of-gamut colours this docstring says are
        warnings.simplefilter("ignore", UserWarning)
        rgb = lab2rgb(lab, channel_axis=-1)
    return np.clip(rgb, 0.0, 1.0).astype(np.float32)


class LabCrops:
    """Random square crops of ``sources`` as ``(L, ab)`` batches; batch ``k`` from ``(seed, k)``."""

    def __init__(self, sources: Sequence[str | os.PathLike], size: int, seed: int = 0):
        self.sources = image_sources(sources)
        self.crops = ContentCrops(self.sources, size, seed)

    def batch(self, k: int, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        return rgb_to_lab(self.crops.batch(k, batch_size))

    def ab_counts(self, centres: torch.Tensor, batches: int, batch_size: int) -> np.ndarray:
        """How many pixels of ``batches`` batches (drawn past any training batch) fall in each bin: ``(Q,)``."""
        from marionnette.generation.colorize.bins import nearest_bin

        counts = torch.zeros(len(centres), dtype=torch.float64)
        for i in range(batches):
            _, ab = self.batch(_PRIOR_BATCHES + i, batch_size)  # far past any training batch's draw
            counts += torch.bincount(nearest_bin(ab, centres).flatten(), minlength=len(centres))
        return counts.numpy()


__all__ = ["COLOUR_PHOTOS", "HELD_OUT_PHOTOS", "LabCrops", "image_sources", "lab_to_rgb", "rgb_to_lab"]
