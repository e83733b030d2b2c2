"""What a detection is, and the letterbox between an image of any size and the network's square.

A detector reads a square ``size x size`` picture (a multiple of 32). An image of another
shape is *letterboxed* as Ultralytics and YOLOv5 do: resized so its long side is ``size``
(aspect kept), then padded with grey (114) to the square, centred. :class:`Letterbox`
keeps the scale and the padding so boxes found on the square go back to the image's own
pixels (:func:`unletterbox`). The resizing, padding and box arithmetic are torchvision's
(``transforms.v2.functional`` on ``tv_tensors.BoundingBoxes``); only the bookkeeping is ours.

Boxes are ``xyxy`` float pixels everywhere in this package (COCO's ``xywh`` only at the
file's edge, :mod:`~.coco`).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torchvision import tv_tensors
from torchvision.transforms.v2 import functional as TF

from marionnette.errors import MarionnetteError

PAD = 114  # Ultralytics' grey: the padding's value, 0-255


class Detections(NamedTuple):
    """What a detector found in one image."""

    boxes: torch.Tensor  # (K, 4) float32 xyxy pixels
    scores: torch.Tensor  # (K,) float32 in [0, 1]
    classes: torch.Tensor  # (K,) int64 class indices 0..C-1


class Letterbox(NamedTuple):
    """How an image of ``height x width`` was put into the square: ``scale`` then ``pad`` (left, top)."""

    scale: float
    pad_x: int
    pad_y: int
    height: int
    width: int


def image_tensor(image: np.ndarray) -> torch.Tensor:
    """``(H, W, 3)`` uint8 -> ``(3, H, W)`` uint8 tensor (no copy of the pixels' values)."""
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        hint = " (a float picture: (image * 255).astype(np.uint8))" if image.dtype.kind == "f" else ""
        raise MarionnetteError(f"image of {image.dtype} {image.shape}: give one (H, W, 3) uint8 RGB frame{hint}")
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)


def letterbox(
    image: torch.Tensor, size: int, boxes: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor | None, Letterbox]:
    """``image (3, H, W)`` uint8 -> ``(3, size, size)`` uint8, its ``boxes (N, 4)`` xyxy moved alike, and the record."""
    _, H, W = image.shape
    scale = size / max(H, W)
    h, w = max(1, round(H * scale)), max(1, round(W * scale))
    pad_x, pad_y = (size - w) // 2, (size - h) // 2
    out = TF.resize(image, [h, w], antialias=True)
    out = TF.pad(out, [pad_x, pad_y, size - w - pad_x, size - h - pad_y], fill=PAD)
    if boxes is not None:
        b = tv_tensors.BoundingBoxes(boxes, format="XYXY", canvas_size=(H, W))
        b = TF.resize(b, [h, w])
        b = TF.pad(b, [pad_x, pad_y, size - w - pad_x, size - h - pad_y])
        boxes = b.as_subclass(torch.Tensor)
    return out, boxes, Letterbox(scale, pad_x, pad_y, H, W)


def unletterbox(boxes: torch.Tensor, record: Letterbox) -> torch.Tensor:
    """``boxes (K, 4)`` xyxy on the square -> the same boxes in the original image's pixels, clipped to it."""
    pad = boxes.new_tensor([record.pad_x, record.pad_y, record.pad_x, record.pad_y])
    out = (boxes - pad) / record.scale
    out[:, 0::2] = out[:, 0::2].clamp(0, record.width)
    out[:, 1::2] = out[:, 1::2].clamp(0, record.height)
    return out


__all__ = ["PAD", "Detections", "Letterbox", "image_tensor", "letterbox", "unletterbox"]
