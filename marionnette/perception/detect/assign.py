"""Which locations learn which object, and the loss they learn it by: YOLOv8's task-aligned assignment.

Task-Aligned Assigner (Feng et al., *TOOD*, ICCV 2021, as Ultralytics' ``TaskAlignedAssigner``):
for every ground-truth box ``g`` and every location ``a`` whose centre lies inside ``g``, the
alignment ``t = s^alpha x IoU^beta``, with ``s`` the predicted score of ``g``'s class at ``a``
and ``IoU`` between ``g`` and ``a``'s predicted box (alpha 0.5, beta 6: the box's quality
weighs far more than the score). The ``top_k`` (10) locations of highest ``t`` are ``g``'s
positives; a location claimed by several boxes keeps the one it overlaps most; every other
location is background. The class target of a positive is not 1 but ``t`` rescaled so each
box's best location gets that box's best IoU (``t / max t x max IoU``): the class score learns
to be the box's quality, which is what NMS then sorts by. The assigner reads the network's
own predictions, detached: as they improve, so does the choice of who learns what.

The loss (Ultralytics' ``v8DetectionLoss``), each term summed and divided by the sum of the
soft targets:

- classification: binary cross-entropy of every location's C logits against the soft
  targets (0 for background), gain 0.5;
- box: ``1 - CIoU`` (torchvision's ``complete_box_iou_loss``) of each positive's box and its
  target, weighted by its soft target, gain 7.5;
- DFL (Li et al., *Generalized Focal Loss*): each side's target distance ``d`` (in strides,
  clipped below ``reg_max - 1``) as the two bins around it, cross-entropy weighted by the
  nearness (``floor(d) + 1 - d`` and ``d - floor(d)``), averaged over the four sides and
  weighted like the box term, gain 1.5.

Small objects (Ultralytics' STAL, YOLO26): a box narrower or shorter than the finest stride (8
pixels) can hold no location's centre at all, and so would never be learnt: the ball on the
pitch is 4 pixels wide. For the choice of candidates only, such a side is widened to
``small_to`` (16) pixels about its centre; the regression target stays the true box.

IoU in the assigner is plain IoU (TOOD's; Ultralytics uses CIoU clamped at 0 there, which
differs only in ranking boxes of equal IoU).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torchvision.ops import box_iou, complete_box_iou_loss

from marionnette.perception.detect.model import Detector, anchors, dfl_expectation, distances_to_boxes

_EPS = 1e-9


class Assignment(NamedTuple):
    """What every location of every image is to learn."""

    labels: torch.Tensor  # (B, A) int64 class of the assigned box (0 for background: read with ``foreground``)
    boxes: torch.Tensor  # (B, A, 4) float32 xyxy pixels of the assigned box
    scores: torch.Tensor  # (B, A, C) float32 soft class targets (0 for background)
    foreground: torch.Tensor  # (B, A) bool
    gt_index: torch.Tensor  # (B, A) int64 index of the assigned box among the image's


class Targets(NamedTuple):
    """A batch's ground truth, padded to the most boxes ``M`` of any image."""

    boxes: torch.Tensor  # (B, M, 4) float32 xyxy pixels
    labels: torch.Tensor  # (B, M) int64
    valid: torch.Tensor  # (B, M) bool: False for padding


def pad_targets(boxes: Sequence[torch.Tensor], labels: Sequence[torch.Tensor], device: torch.device) -> Targets:
    """Per-image ``boxes (N_i, 4)`` and ``labels (N_i,)`` -> one padded :class:`Targets`."""
    B, M = len(boxes), max([len(b) for b in boxes] + [1])
    out = Targets(torch.zeros(B, M, 4, device=device), torch.zeros(B, M, dtype=torch.long, device=device),
                  torch.zeros(B, M, dtype=torch.bool, device=device))  # fmt: skip
    for i, (b, c) in enumerate(zip(boxes, labels, strict=True)):
        out.boxes[i, : len(b)] = b.to(device)
        out.labels[i, : len(b)] = c.to(device)
        out.valid[i, : len(b)] = True
    return out


@dataclass
class AssignerConfig:
    """The assigner's settings (YOLOv8's)."""

    top_k: int = 10
    """Positives per ground-truth box at most."""
    alpha: float = 0.5
    """Power of the class score in the alignment."""
    beta: float = 6.0
    """Power of the IoU in the alignment."""
    small_below: float = 8.0
    """A box side shorter than this (pixels: the finest stride) is widened for the choice of candidates."""
    small_to: float = 16.0
    """... to this many pixels about the box's centre (the next stride), as Ultralytics' STAL."""


@torch.no_grad()
def assign(scores: torch.Tensor, boxes: torch.Tensor, points: torch.Tensor, targets: Targets,
           config: AssignerConfig | None = None) -> Assignment:  # fmt: skip
    """The task-aligned assignment of the locations at ``points (A, 2)`` (pixels), given their predicted
    ``scores (B, A, C)`` (sigmoid) and ``boxes (B, A, 4)`` (xyxy pixels), to ``targets``."""
    config = config or AssignerConfig()
    B, A, C = scores.shape
    M = targets.boxes.shape[1]
    # Which locations lie inside which box: the centre strictly within all four sides, a side too
    # short to hold any centre widened first (the targets themselves stay as they are)
    centre = (targets.boxes[..., :2] + targets.boxes[..., 2:]) / 2  # (B, M, 2)
    size = targets.boxes[..., 2:] - targets.boxes[..., :2]  # (B, M, 2)
    size = torch.where(size < config.small_below, torch.full_like(size, config.small_to), size)
    region = torch.cat([centre - size / 2, centre + size / 2], dim=-1)  # (B, M, 4)
    lt = points[None, None] - region[:, :, None, :2]  # (B, M, A, 2)
    rb = region[:, :, None, 2:] - points[None, None]  # (B, M, A, 2)
    inside = torch.cat([lt, rb], dim=-1).amin(dim=-1) > _EPS  # (B, M, A)
    candidate = inside & targets.valid[:, :, None]  # (B, M, A)

    iou = torch.stack([box_iou(targets.boxes[b], boxes[b]) for b in range(B)])  # (B, M, A)
    iou = iou * candidate
    score = scores.gather(2, targets.labels[:, None, :].expand(B, A, M)).transpose(1, 2)  # (B, M, A): s of g's class
    metric = score.pow(config.alpha) * iou.pow(config.beta) * candidate  # (B, M, A)

    # Each box's top-k locations by alignment, among its candidates
    k = min(config.top_k, A)
    top = metric.topk(k, dim=-1).indices  # (B, M, k)
    chosen = torch.zeros_like(candidate).scatter_(-1, top, True) & candidate  # (B, M, A)

    # A location claimed by several boxes keeps the one of highest IoU
    claimed = chosen.sum(dim=1)  # (B, A)
    if (claimed > 1).any():
        best = F.one_hot(iou.argmax(dim=1), M).transpose(1, 2).bool()  # (B, M, A)
        chosen = torch.where((claimed > 1)[:, None, :], best & candidate, chosen)
    foreground = chosen.any(dim=1)  # (B, A)
    gt_index = chosen.float().argmax(dim=1)  # (B, A)

    labels = targets.labels.gather(1, gt_index)  # (B, A)
    target_boxes = targets.boxes.gather(1, gt_index[..., None].expand(B, A, 4))  # (B, A, 4)
    # Soft targets: the alignment rescaled so each box's best location gets that box's best IoU
    metric = metric * chosen
    best_metric = metric.amax(dim=-1, keepdim=True)  # (B, M, 1)
    best_iou = (iou * chosen).amax(dim=-1, keepdim=True)  # (B, M, 1)
    quality = (metric * best_iou / (best_metric + _EPS)).amax(dim=1)  # (B, A)
    soft = F.one_hot(labels, C).float() * (quality * foreground)[..., None]  # (B, A, C)
    return Assignment(labels, target_boxes, soft, foreground, gt_index)


@dataclass
class LossConfig:
    """The three terms' gains (YOLOv8's)."""

    box: float = 7.5
    cls: float = 0.5
    dfl: float = 1.5


class Losses(NamedTuple):
    """The weighted terms of one batch; ``total`` is what is minimised."""

    total: torch.Tensor  # ()
    box: torch.Tensor  # () CIoU term, gain included
    cls: torch.Tensor  # () BCE term
    dfl: torch.Tensor  # () DFL term


def dfl_loss(distances: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``distances (P, 4, R)`` bin logits, ``target (P, 4)`` distances in strides -> ``(P,)`` DFL, mean of the sides."""
    R = distances.shape[-1]
    target = target.clamp(0, R - 1 - 0.01)
    left = target.long()  # (P, 4)
    w_left = left + 1 - target
    logits = distances.reshape(-1, R)
    ce_left = F.cross_entropy(logits, left.view(-1), reduction="none").view(left.shape)
    ce_right = F.cross_entropy(logits, (left + 1).view(-1), reduction="none").view(left.shape)
    return (ce_left * w_left + ce_right * (1 - w_left)).mean(dim=-1)


def detection_loss(net: Detector, outputs: Sequence[torch.Tensor], targets: Targets,
                   gains: LossConfig | None = None, assigner: AssignerConfig | None = None) -> Losses:  # fmt: skip
    """The YOLOv8 loss of ``outputs = net(images)`` against ``targets`` (xyxy pixels of the input)."""
    gains = gains or LossConfig()
    raw = net.split(outputs)  # (B, A, 4, R), (B, A, C)
    where = anchors(outputs)
    ltrb = dfl_expectation(raw.distances) * where.strides  # (B, A, 4) pixels
    boxes = distances_to_boxes(ltrb, where.points)  # (B, A, 4)
    target = assign(raw.logits.detach().sigmoid(), boxes.detach(), where.points, targets, assigner)

    normaliser = target.scores.sum().clamp(min=1)
    cls = F.binary_cross_entropy_with_logits(raw.logits, target.scores, reduction="sum") / normaliser
    fg = target.foreground
    if fg.any():
        weight = target.scores.sum(dim=-1)[fg]  # (P,): each positive's soft target
        box = (complete_box_iou_loss(boxes[fg], target.boxes[fg], reduction="none") * weight).sum() / normaliser
        points = where.points.expand(fg.shape[0], -1, -1)[fg]  # (P, 2)
        strides = where.strides.expand(fg.shape[0], -1, -1)[fg]  # (P, 1)
        sides = torch.cat([points - target.boxes[fg][:, :2], target.boxes[fg][:, 2:] - points], dim=-1) / strides
        dfl = (dfl_loss(raw.distances[fg], sides) * weight).sum() / normaliser
    else:  # a batch without a single object: only the background lesson
        box = dfl = raw.distances.sum() * 0.0
    box, cls, dfl = gains.box * box, gains.cls * cls, gains.dfl * dfl
    return Losses(box + cls + dfl, box, cls, dfl)


__all__ = [
    "AssignerConfig",
    "Assignment",
    "LossConfig",
    "Losses",
    "Targets",
    "assign",
    "detection_loss",
    "dfl_loss",
    "pad_targets",
]
