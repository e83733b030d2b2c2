"""A one-stage, anchor-free detector in the manner of YOLOv8 (Ultralytics, 2023), all of it in this file.

References: Ultralytics YOLOv8 (``ultralytics/nn/modules/{conv,block,head}.py``, the
``yolov8.yaml`` layout); Li et al., *Generalized Focal Loss* (NeurIPS 2020) for the
distribution of box sides (DFL); Ge et al., *YOLOX* (2021) and Feng et al., *TOOD* (ICCV
2021) for the decoupled, anchor-free head and the task-aligned assignment (:mod:`~.assign`).

Why anchor-free: an anchor-based head (YOLOv3-v5) predicts offsets from a few prior box
shapes per cell, shapes clustered (k-means) on each dataset's boxes, and must choose which
prior answers for which object. Here every location of the three feature maps predicts one
box directly, as four distances from its centre to the box's sides: no priors to fit per
dataset, one prediction per location, fewer outputs to decode and suppress. YOLOX and
YOLOv8 both measured it at least as accurate as anchors on COCO.

The network, for a ``(N, 3, S, S)`` picture in [0, 1], ``S`` a multiple of 32::

    backbone  Conv s2 -> Conv s2 -> C2f -> Conv s2 -> C2f [P3, /8] -> Conv s2 -> C2f [P4, /16]
              -> Conv s2 -> C2f -> SPPF [P5, /32]
    neck      PAN-FPN: top-down   up(P5) ++ P4 -> C2f = T4;  up(T4) ++ P3 -> C2f = O3
                       bottom-up  down(O3) ++ T4 -> C2f = O4;  down(O4) ++ P5 -> C2f = O5
    head      per level, decoupled: a box branch (Conv 3x3, Conv 3x3, 1x1 -> 4 x reg_max) and a
              class branch (Conv 3x3, Conv 3x3, 1x1 -> C)

With ``p2`` (Ultralytics' ``yolov8-p2.yaml``, for small objects) the top-down path goes one
level further, ``up(O3) ++ P2 -> C2f = O2`` from the stem's stride-4 map, the bottom-up path
starts there, and the head predicts on four levels, strides 4 to 32. A 4-pixel ball lies
between the centres of the stride-8 grid; on the stride-4 grid it holds one, and its sides can
be placed to a pixel (the pitch scenes, docs/BENCHMARKS.md). It costs ~1.4x the compute.

*Conv* is Conv2d-BatchNorm-SiLU. *C2f* (cross-stage partial with two convolutions) splits a
1x1 convolution's output in two halves, runs ``n`` residual bottlenecks on one, and
concatenates every bottleneck's output with both halves before a last 1x1. *SPPF* is three
chained 5x5 max-pools concatenated (a spatial pyramid pooling, fast). Widths are
``(64, 128, 256, 512, 1024) x width`` (capped at ``max_channels``, rounded to 8) and the C2f
repeats ``(3, 6, 6, 3) x depth``, as the YOLOv8 family scales them (n: width 0.25, depth 0.33).

Boxes: each location ``(x + 0.5, y + 0.5) x stride`` predicts, for each of the left, top,
right and bottom distances, logits over ``reg_max`` bins ``0..reg_max-1`` (in strides); the
distance is the softmax's expectation (DFL), so a side far from the centre can be at most
``(reg_max - 1) x stride`` away (15 x 32 = 480 pixels at P5). Classes: one sigmoid per class
(no objectness: the assigner's soft targets teach the class score to be the box's quality).

:meth:`Detector.detect` keeps, per location, the best class above ``conf`` and runs
torchvision's ``batched_nms`` per class; :meth:`Detector.predict` letterboxes images of any
size (:mod:`~.boxes`) and returns boxes in their own pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torchvision.ops import batched_nms

from marionnette.errors import MarionnetteError
from marionnette.perception.detect.boxes import Detections, image_tensor, letterbox, unletterbox

STRIDES = (8, 16, 32)  # of P3, P4, P5 (with p2 a stride-4 level comes first)
MULTIPLE = 32  # the input's side must be a multiple of the coarsest stride
_MAX_NMS = 30000  # candidates handed to NMS at most, the best first (Ultralytics' max_nms)


@dataclass
class DetectorConfig:
    """The detector's shape (written to config.yaml under ``net``)."""

    classes: int = 80
    """Number of classes C."""
    width: float = 0.25
    """Width multiple of the channels (64, 128, 256, 512, 1024); YOLOv8n is 0.25."""
    depth: float = 0.33
    """Depth multiple of the C2f repeats (3, 6, 6, 3); YOLOv8n is 0.33."""
    max_channels: int = 1024
    """Cap on a stage's channels before the width multiple (YOLOv8n: 1024)."""
    reg_max: int = 16
    """Bins of each box side's distribution (DFL); a side reaches at most ``reg_max - 1`` strides."""
    size: int = 320
    """Side of the square input in pixels, a multiple of 32."""
    p2: bool = False
    """Predict on the stride-4 map too (YOLOv8-p2: small objects)."""

    def __post_init__(self) -> None:
        if self.classes < 1:
            raise MarionnetteError(f"classes is {self.classes}: a detector needs at least 1 class")
        if self.size % MULTIPLE or self.size < MULTIPLE:
            raise MarionnetteError(f"size {self.size}: give a multiple of {MULTIPLE} (320, 416, 640, ...)")
        if self.width <= 0 or self.depth <= 0:
            raise MarionnetteError(f"width {self.width}, depth {self.depth}: give positive multiples")
        if self.reg_max < 2:
            raise MarionnetteError(f"reg_max {self.reg_max}: give at least 2 bins")

    @property
    def channels(self) -> tuple[int, int, int, int, int]:
        """The five stages' channels (strides 2, 4, 8, 16, 32)."""
        return tuple(
            max(8, math.ceil(min(c, self.max_channels) * self.width / 8) * 8) for c in (64, 128, 256, 512, 1024)
        )

    @property
    def strides(self) -> tuple[int, ...]:
        """The head's levels' strides, finest first."""
        return (4, *STRIDES) if self.p2 else STRIDES

    def repeats(self, n: int) -> int:
        return max(round(n * self.depth), 1)


class Conv(nn.Module):
    """Conv2d (no bias) - BatchNorm - SiLU, 'same' padding."""

    def __init__(self, c_in: int, c_out: int, k: int = 1, s: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, k, s, k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.03)  # Ultralytics' settings
        self.act = nn.SiLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.bn(self.conv(x)))


class Bottleneck(nn.Module):
    """Two 3x3 Convs, with the input added back when ``shortcut``."""

    def __init__(self, c: int, shortcut: bool):
        super().__init__()
        self.cv1, self.cv2 = Conv(c, c, 3), Conv(c, c, 3)
        self.add = shortcut

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.cv2(self.cv1(x))
        return x + y if self.add else y


class C2f(nn.Module):
    """CSP block with two convolutions: 1x1 to two halves, ``n`` bottlenecks on the second, all concatenated, 1x1."""

    def __init__(self, c_in: int, c_out: int, n: int, shortcut: bool):
        super().__init__()
        self.c = c_out // 2
        self.cv1 = Conv(c_in, 2 * self.c)
        self.cv2 = Conv((2 + n) * self.c, c_out)
        self.m = nn.ModuleList(Bottleneck(self.c, shortcut) for _ in range(n))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = list(self.cv1(x).chunk(2, dim=1))  # 2 x (N, c, h, w)
        for block in self.m:
            y.append(block(y[-1]))
        return self.cv2(torch.cat(y, dim=1))  # (N, (2 + n) c, h, w) -> (N, c_out, h, w)


class SPPF(nn.Module):
    """Spatial pyramid pooling, fast: three chained 5x5 max-pools (receptive fields 5, 9, 13) concatenated."""

    def __init__(self, c_in: int, c_out: int, k: int = 5):
        super().__init__()
        self.cv1 = Conv(c_in, c_in // 2)
        self.cv2 = Conv(c_in // 2 * 4, c_out)
        self.pool = nn.MaxPool2d(k, 1, k // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = [self.cv1(x)]
        for _ in range(3):
            y.append(self.pool(y[-1]))
        return self.cv2(torch.cat(y, dim=1))


class Backbone(nn.Module):
    """The CSP-Darknet of YOLOv8: ``(N, 3, S, S)`` -> P3 ``(N, c2, S/8, S/8)``, P4 ``(N, c3, S/16, ...)``, P5."""

    def __init__(self, config: DetectorConfig):
        super().__init__()
        c0, c1, c2, c3, c4 = config.channels
        r = config.repeats
        # Stem: two stride-2 convolutions (to 1/4)
        self.stem = nn.Sequential(Conv(3, c0, 3, 2), Conv(c0, c1, 3, 2), C2f(c1, c1, r(3), True))
        # Stages: a stride-2 convolution and a C2f each
        self.p3 = nn.Sequential(Conv(c1, c2, 3, 2), C2f(c2, c2, r(6), True))
        self.p4 = nn.Sequential(Conv(c2, c3, 3, 2), C2f(c3, c3, r(6), True))
        self.p5 = nn.Sequential(Conv(c3, c4, 3, 2), C2f(c4, c4, r(3), True), SPPF(c4, c4))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        p2 = self.stem(x)  # (N, c1, S/4, S/4)
        p3 = self.p3(p2)
        p4 = self.p4(p3)
        return p2, p3, p4, self.p5(p4)


class Neck(nn.Module):
    """PAN-FPN: a top-down path (coarse meaning down to fine maps), then a bottom-up one (fine detail back up)."""

    def __init__(self, config: DetectorConfig):
        super().__init__()
        _, c1, c2, c3, c4 = config.channels
        n = config.repeats(3)
        self.p2 = config.p2
        self.up = nn.Upsample(scale_factor=2, mode="nearest")
        # Top-down
        self.td4 = C2f(c4 + c3, c3, n, False)
        self.td3 = C2f(c3 + c2, c2, n, False)
        if self.p2:
            self.td2 = C2f(c2 + c1, c1, n, False)
            self.down2 = Conv(c1, c1, 3, 2)
            self.bu3 = C2f(c1 + c2, c2, n, False)
        # Bottom-up
        self.down3 = Conv(c2, c2, 3, 2)
        self.bu4 = C2f(c2 + c3, c3, n, False)
        self.down4 = Conv(c3, c3, 3, 2)
        self.bu5 = C2f(c3 + c4, c4, n, False)

    def forward(self, p2: torch.Tensor, p3: torch.Tensor, p4: torch.Tensor, p5: torch.Tensor) -> list[torch.Tensor]:
        t4 = self.td4(torch.cat([self.up(p5), p4], dim=1))  # (N, c3, S/16, S/16)
        o3 = self.td3(torch.cat([self.up(t4), p3], dim=1))  # (N, c2, S/8, S/8)
        finest = []
        if self.p2:
            o2 = self.td2(torch.cat([self.up(o3), p2], dim=1))  # (N, c1, S/4, S/4)
            o3 = self.bu3(torch.cat([self.down2(o2), o3], dim=1))  # (N, c2, S/8, S/8)
            finest = [o2]
        o4 = self.bu4(torch.cat([self.down3(o3), t4], dim=1))  # (N, c3, S/16, S/16)
        o5 = self.bu5(torch.cat([self.down4(o4), p5], dim=1))  # (N, c4, S/32, S/32)
        return [*finest, o3, o4, o5]


class Head(nn.Module):
    """Decoupled head, one per level: a box branch (4 x reg_max DFL logits) and a class branch (C logits)."""

    def __init__(self, config: DetectorConfig):
        super().__init__()
        levels = config.channels[1:] if config.p2 else config.channels[2:]
        R, C = config.reg_max, config.classes
        c_box = max(16, levels[0] // 4, 4 * R)  # YOLOv8's widths for the two branches
        c_cls = max(levels[0], min(C, 100))
        self.box = nn.ModuleList(
            nn.Sequential(Conv(c, c_box, 3), Conv(c_box, c_box, 3), nn.Conv2d(c_box, 4 * R, 1)) for c in levels
        )
        self.cls = nn.ModuleList(
            nn.Sequential(Conv(c, c_cls, 3), Conv(c_cls, c_cls, 3), nn.Conv2d(c_cls, C, 1)) for c in levels
        )
        # Ultralytics' bias start: equal box bins, and a class prior of ~5 objects per picture over its cells
        for box, cls, stride in zip(self.box, self.cls, config.strides, strict=True):
            nn.init.constant_(box[-1].bias, 1.0)
            nn.init.constant_(cls[-1].bias, math.log(5 / C / (config.size / stride) ** 2))

    def forward(self, features: list[torch.Tensor]) -> list[torch.Tensor]:
        # per level (N, 4 R + C, h, w): box logits first, then class logits
        return [torch.cat([b(x), c(x)], dim=1) for x, b, c in zip(features, self.box, self.cls, strict=True)]


class Anchors(NamedTuple):
    """The locations that predict: their centres and strides, level by level, row-major."""

    points: torch.Tensor  # (A, 2) float32 pixels (x, y)
    strides: torch.Tensor  # (A, 1) float32 pixels


class Raw(NamedTuple):
    """The head's outputs, all levels flattened together."""

    distances: torch.Tensor  # (N, A, 4, R) logits of the left, top, right, bottom bins
    logits: torch.Tensor  # (N, A, C) class logits


class Decoded(NamedTuple):
    """Every location's box and class scores."""

    boxes: torch.Tensor  # (N, A, 4) float32 xyxy pixels
    scores: torch.Tensor  # (N, A, C) sigmoid class scores


def anchors(outputs: Sequence[torch.Tensor]) -> Anchors:
    """The centres and strides of the locations of ``outputs`` (one ``(N, *, h, w)`` per level, the last
    at stride 32, each one before it twice as fine)."""
    points, strides = [], []
    coarsest = outputs[-1].shape[-2]
    for out in outputs:
        h, w = out.shape[-2:]
        stride = STRIDES[-1] * coarsest // h
        ys = (torch.arange(h, device=out.device, dtype=torch.float32) + 0.5) * stride
        xs = (torch.arange(w, device=out.device, dtype=torch.float32) + 0.5) * stride
        y, x = torch.meshgrid(ys, xs, indexing="ij")
        points.append(torch.stack([x, y], dim=-1).view(-1, 2))  # (h w, 2)
        strides.append(torch.full((h * w, 1), float(stride), device=out.device))
    return Anchors(torch.cat(points), torch.cat(strides))


def dfl_expectation(distances: torch.Tensor) -> torch.Tensor:
    """``(..., 4, R)`` bin logits -> ``(..., 4)`` expected distances in strides (the softmax's mean bin)."""
    bins = torch.arange(distances.shape[-1], device=distances.device, dtype=distances.dtype)
    return distances.softmax(dim=-1) @ bins


def distances_to_boxes(ltrb: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """``ltrb (..., A, 4)`` distances in pixels from ``points (A, 2)`` -> ``(..., A, 4)`` xyxy."""
    return torch.cat([points - ltrb[..., :2], points + ltrb[..., 2:]], dim=-1)


class Detector(nn.Module):
    """The YOLOv8-style detector; ``names`` are the classes' names (kept with it, written into exports)."""

    def __init__(self, config: DetectorConfig, names: Sequence[str] | None = None):
        super().__init__()
        self.config = config
        self.names = tuple(names) if names is not None else tuple(str(c) for c in range(config.classes))
        if len(self.names) != config.classes:
            raise MarionnetteError(f"{len(self.names)} class names for {config.classes} classes: give one per class")
        self.backbone = Backbone(config)
        self.neck = Neck(config)
        self.head = Head(config)

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        """``images (N, 3, H, W)`` float in [0, 1], H and W multiples of 32 -> per level ``(N, 4 R + C, h, w)``."""
        return self.head(self.neck(*self.backbone(images)))

    def split(self, outputs: Sequence[torch.Tensor]) -> Raw:
        """The per-level outputs flattened over locations and split into box bins and class logits."""
        N, R = outputs[0].shape[0], self.config.reg_max
        flat = torch.cat([o.flatten(2) for o in outputs], dim=2).transpose(1, 2)  # (N, A, 4 R + C)
        return Raw(flat[..., : 4 * R].reshape(N, -1, 4, R), flat[..., 4 * R :])

    def decode(self, outputs: Sequence[torch.Tensor]) -> Decoded:
        """Every location's box (xyxy pixels of the input) and sigmoid class scores."""
        raw = self.split(outputs)
        where = anchors(outputs)
        ltrb = dfl_expectation(raw.distances) * where.strides  # (N, A, 4) pixels
        return Decoded(distances_to_boxes(ltrb, where.points), raw.logits.sigmoid())

    @torch.no_grad()
    def detect(
        self, images: torch.Tensor, conf: float = 0.25, iou: float = 0.7, max_det: int = 300
    ) -> list[Detections]:
        """``images (N, 3, H, W)`` in [0, 1] -> per image the detections above ``conf``, per-class NMS at ``iou``."""
        return suppress(self.decode(self(images)), conf, iou, max_det)

    @torch.no_grad()
    def predict(self, images: Sequence[np.ndarray], conf: float = 0.25, iou: float = 0.7,
                max_det: int = 300) -> list[Detections]:  # fmt: skip
        """Images of any size ``(H, W, 3)`` uint8 RGB -> their detections in their own pixels (letterboxed between)."""
        device = next(self.parameters()).device
        squares, records = [], []
        for image in images:
            square, _, record = letterbox(image_tensor(image), self.config.size)
            squares.append(square)
            records.append(record)
        if not squares:
            return []
        batch = torch.stack(squares).to(device, torch.float32) / 255  # (N, 3, S, S)
        found = self.detect(batch, conf, iou, max_det)
        return [Detections(unletterbox(d.boxes, r), d.scores, d.classes) for d, r in zip(found, records, strict=True)]

    def fuse(self) -> Detector:
        """Fold every BatchNorm into its convolution (inference only; torch's ``fuse_conv_bn_eval``)."""
        from torch.nn.utils.fusion import fuse_conv_bn_eval

        self.eval()
        for module in self.modules():
            if isinstance(module, Conv) and not isinstance(module.bn, nn.Identity):
                module.conv = fuse_conv_bn_eval(module.conv, module.bn)
                module.bn = nn.Identity()
        return self


def suppress(decoded: Decoded, conf: float, iou: float, max_det: int) -> list[Detections]:
    """Per image: each location's best class if above ``conf``, the best 30000 of those, per-class NMS, ``max_det``."""
    out = []
    for boxes, scores in zip(decoded.boxes, decoded.scores, strict=True):  # (A, 4), (A, C)
        best, classes = scores.max(dim=1)  # (A,), (A,)
        keep = best > conf
        boxes, best, classes = boxes[keep], best[keep], classes[keep]
        if len(best) > _MAX_NMS:
            top = best.topk(_MAX_NMS).indices
            boxes, best, classes = boxes[top], best[top], classes[top]
        kept = batched_nms(boxes.float(), best.float(), classes, iou)[:max_det]  # sorted by score
        out.append(Detections(boxes[kept].float(), best[kept].float(), classes[kept]))
    return out


def parameter_count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


__all__ = [
    "MULTIPLE",
    "STRIDES",
    "Anchors",
    "Decoded",
    "Detector",
    "DetectorConfig",
    "Raw",
    "anchors",
    "dfl_expectation",
    "distances_to_boxes",
    "parameter_count",
    "suppress",
]
