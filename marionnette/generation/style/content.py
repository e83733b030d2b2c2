"""The photographs the fast network learns to paint: random crops of scikit-image's pictures.

Johnson et al. trained on 80,000 COCO images; what this machine has offline is the handful
of photographs scikit-image ships (:data:`CONTENT_PHOTOS`), or any image files. Each
training batch is ``batch_size`` random square crops, each from a photograph picked at
random, of a random side between ``size`` and the photograph's shorter side, resized to
``size`` x ``size`` and flipped left-right half the time: many views of few pictures.
A folder stands for every picture in it, so the project's own renders (the character, the
arcade games: ``marionnette data frames``) are content too.

Batch ``k`` of a run is drawn from ``numpy.random.default_rng([seed, k])``, so a resumed
run draws what an uninterrupted one would.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from marionnette.errors import MarionnetteError
from marionnette.generation.images import SKIMAGE_PREFIX, image_sources, read_image, resize, to_tensor

CONTENT_PHOTOS: tuple[str, ...] = tuple(
    f"skimage:{name}" for name in ("astronaut", "coffee", "rocket", "camera", "coins", "moon")
)
"""The default training photographs (camera, coins and moon are grey, used as RGB)."""
HELD_OUT_PHOTOS: tuple[str, ...] = ("skimage:chelsea", "skimage:hubble_deep_field")
"""Photographs the default set leaves out, to score a trained network on pictures it never saw."""

_WORKING = 2  # photographs are kept with their shorter side at this many crop sides (crops up to 2x zoom-out)


class ContentCrops:
    """Random ``(B, 3, size, size)`` crops of ``photos`` (files, folders of them, ``skimage:NAME``), batch ``k``
    from ``(seed, k)``."""

    def __init__(self, photos: Sequence[str | os.PathLike], size: int, seed: int = 0):
        if not photos:
            raise MarionnetteError("no content photographs: give at least one image file or skimage:NAME")
        self.size = size
        self.seed = seed
        self.photos = []  # each (1, 3, h, w), shorter side <= _WORKING * size
        for photo in image_sources(photos):
            # scikit-image's grey photographs are in the default set on purpose: no warning each run
            image = read_image(photo, quiet=str(photo).startswith(SKIMAGE_PREFIX))
            H, W = image.shape[:2]
            if min(H, W) < size:
                raise MarionnetteError(
                    f"content photograph {photo} is {W}x{H}: smaller than the {size}-pixel crops; give a larger one "
                    "or a smaller --size"
                )
            longer = round(max(H, W) * _WORKING * size / min(H, W))
            self.photos.append(to_tensor(resize(image, longer) if min(H, W) > _WORKING * size else image))

    def batch(self, k: int, batch_size: int) -> torch.Tensor:
        """Batch ``k``: ``(batch_size, 3, size, size)`` float32 in ``[0, 1]`` (CPU)."""
        rng = np.random.default_rng([self.seed, k])
        crops = []
        for _ in range(batch_size):
            photo = self.photos[rng.integers(len(self.photos))]
            H, W = photo.shape[2:]
            side = int(rng.integers(self.size, min(H, W) + 1))
            top, left = int(rng.integers(H - side + 1)), int(rng.integers(W - side + 1))
            crop = photo[:, :, top : top + side, left : left + side]  # (1, 3, side, side)
            if side != self.size:
                crop = F.interpolate(crop, size=(self.size, self.size), mode="bilinear", align_corners=False,
                                     antialias=True)  # fmt: skip
            if rng.random() < 0.5:
                crop = crop.flip(3)
            crops.append(crop)
        return torch.cat(crops).clamp_(0.0, 1.0)  # (B, 3, size, size)


__all__ = ["CONTENT_PHOTOS", "HELD_OUT_PHOTOS", "ContentCrops"]
