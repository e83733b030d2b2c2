"""Intersection over union, per class and averaged, and the class map painted over a frame.

For class ``c``, counted over every pixel of every frame evaluated (not averaged frame by
frame, so a frame without a ball does not count as a perfect or a failed ball)::

    IoU_c = TP_c / (TP_c + FP_c + FN_c)         mean IoU = the mean over the classes

from scikit-learn's confusion matrix (rows the truth, columns the prediction): ``TP_c`` is
its diagonal, ``FP_c`` its column sum less it, ``FN_c`` its row sum less it. A class in
neither the truth nor the prediction has no IoU (NaN) and is left out of the mean (as
torchmetrics' ``MulticlassJaccardIndex`` with ``zero_division=nan`` and Cityscapes'
scripts do). Anything with a ``predict(image (H, W, 3) uint8) -> (H, W) uint8`` is
evaluated the same way: the U-Net and the classic baselines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.perception.segment.data import SegmentationData

# One colour a class for painted maps: background untouched, people orange, the ball magenta, then cyan, ...
PALETTE = np.array([[0, 0, 0], [255, 140, 0], [255, 0, 255], [0, 200, 255], [255, 255, 0], [120, 80, 255]], np.uint8)


class Segmenter(Protocol):
    def predict(self, image: np.ndarray) -> np.ndarray: ...


class IoU(NamedTuple):
    """What :func:`iou` measures."""

    per_class: dict[str, float]
    """Class name → IoU in ``[0, 1]`` (NaN: in neither the truth nor the prediction)."""
    mean: float
    """The mean of the classes' IoU (NaN ones left out)."""
    confusion: np.ndarray
    """``(C, C)`` int64 pixel counts, rows the truth, columns the prediction."""


def confusion(predicted: np.ndarray, truth: np.ndarray, classes: int) -> np.ndarray:
    """``(C, C)`` int64 counts of ``truth`` (rows) against ``predicted`` (columns), class maps of one shape."""
    from sklearn.metrics import confusion_matrix

    predicted, truth = np.asarray(predicted), np.asarray(truth)
    if predicted.shape != truth.shape:
        raise MarionnetteError(f"a prediction of shape {predicted.shape} for a mask of {truth.shape}: give one size")
    for name, values in (("prediction", predicted), ("mask", truth)):
        if not np.issubdtype(values.dtype, np.integer):
            raise MarionnetteError(f"a {name} of {values.dtype}: give integer class indices")
        if values.size and (values.min() < 0 or values.max() >= classes):
            raise MarionnetteError(
                f"a {name} holds class {int(values.max() if values.max() >= classes else values.min())}: "
                f"give indices in 0..{classes - 1}"
            )
    return confusion_matrix(truth.ravel(), predicted.ravel(), labels=np.arange(classes)).astype(np.int64)


def scores(matrix: np.ndarray, classes: Sequence[str]) -> IoU:
    """Per-class and mean IoU of a confusion ``matrix`` (rows the truth)."""
    tp = np.diag(matrix).astype(np.float64)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - tp
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(union > 0, tp / union, np.nan)
    mean = float(np.nanmean(per)) if np.isfinite(per).any() else float("nan")
    return IoU({name: float(v) for name, v in zip(classes, per, strict=True)}, mean, matrix)


def iou(predicted: np.ndarray, truth: np.ndarray, classes: Sequence[str]) -> IoU:
    """IoU of class maps ``predicted`` against ``truth`` (one shape: ``(H, W)`` or ``(N, H, W)``)."""
    return scores(confusion(predicted, truth, len(classes)), classes)


def evaluate(model: Segmenter, data: SegmentationData, frames: int | None = None, held_out: bool = True) -> IoU:
    """IoU of ``model.predict`` on the held-out frames of ``data`` (``held_out=False``: the
    training frames); ``frames``: at most this many, evenly spaced."""
    part = data.subset(held_out)
    if len(part) == 0:
        which = "held-out" if held_out else "training"
        raise MarionnetteError(f"the data has no {which} frames: hold out a sequence to evaluate on")
    index = np.arange(len(part))
    if frames is not None and frames < len(part):
        index = np.linspace(0, len(part) - 1, frames).round().astype(int)
    matrix = np.zeros((len(data.classes),) * 2, np.int64)
    for i in index:
        matrix += confusion(model.predict(part.images[i]), part.masks[i], len(data.classes))
    return scores(matrix, data.classes)


def paint(image: np.ndarray, mask: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """``image (H, W, 3)`` uint8 with every pixel of class > 0 blended with its :data:`PALETTE` colour."""
    image, mask = np.asarray(image), np.asarray(mask)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] != 3:
        raise MarionnetteError(f"image of {image.dtype} {image.shape}: give (H, W, 3) uint8")
    if mask.shape != image.shape[:2]:
        raise MarionnetteError(f"a class map of shape {mask.shape} for a {image.shape[:2]} frame: give one size")
    colours = PALETTE[np.asarray(mask) % len(PALETTE)].astype(np.float32)  # (H, W, 3)
    blend = np.where((mask > 0)[..., None], (1 - alpha) * image + alpha * colours, image)
    return blend.round().astype(np.uint8)


__all__ = ["PALETTE", "IoU", "Segmenter", "confusion", "evaluate", "iou", "paint", "scores"]
