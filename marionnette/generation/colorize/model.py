"""Zhang et al.'s colorization network: the L channel in, a distribution over ab bins out.

Zhang, Isola and Efros, "Colorful Image Colorization", ECCV 2016, Table 4, at a width for a
CPU: eight blocks of 3x3 convolutions with ReLU, each block ending in batch norm; three
strides of 2 down to 1/8, two dilated blocks (dilation 2) for context at that scale, one
x2 transposed convolution back to 1/4, and a 1x1 convolution to the output there. The
paper's widths are 64-128-256-512-512-512-512-256; here ``c``-``2c``-``4c``-``8c``-...
with ``c`` = :attr:`ColorNetConfig.channels`.

===========  ===============================  ======================
block        convolutions                     output (for H x W in)
===========  ===============================  ======================
conv1        2 x (c), the last stride 2        (c, H/2, W/2)
conv2        2 x (2c), the last stride 2       (2c, H/4, W/4)
conv3        3 x (4c), the last stride 2       (4c, H/8, W/8)
conv4        3 x (8c)                          (8c, H/8, W/8)
conv5, 6     3 x (8c), dilation 2              (8c, H/8, W/8)
conv7        3 x (8c)                          (8c, H/8, W/8)
conv8        4x4/2 transposed (4c), 2 x (4c)   (4c, H/4, W/4)
head         1x1 to Q logits, or to ab          (Q or 2, H/4, W/4)
===========  ===============================  ======================

``head="classes"`` predicts logits over the :func:`~.bins.gamut_bins` (trained with the
rebalanced cross-entropy, decoded by the annealed mean); ``head="regression"`` is the
paper's L2 baseline, predicting ab itself. The bin centres and the rebalancing weights are
buffers, so a saved state dict carries everything :meth:`ColorNet.colorize` needs.

Input L is in ``[0, 100]``, ``(N, 1, H, W)``, any H, W of at least 8: the image is
reflection-padded to multiples of 8 and the output cropped back.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from marionnette.errors import MarionnetteError
from marionnette.generation.colorize.bins import TEMPERATURE, annealed_mean, gamut_bins

HEADS = ("classes", "regression")
MULTIPLE = 8  # three stride-2 convolutions
_L_CENTRE, _L_SCALE = 50.0, 50.0  # L in [0, 100] to about [-1, 1]
_AB_SCALE = 100.0  # the regression head predicts ab / 100


@dataclass
class ColorNetConfig:
    """The network's size and output (written to a run's config.yaml under ``net``)."""

    channels: int = 32
    """Width of the first block; 2x, 4x, 8x deeper in (the paper: 64)."""
    head: str = "classes"
    """``classes`` (a distribution over ab bins) or ``regression`` (ab, the L2 baseline)."""

    def __post_init__(self) -> None:
        if self.channels < 1:
            raise MarionnetteError(f"channels {self.channels}: give at least 1")
        if self.head not in HEADS:
            raise MarionnetteError(f"head {self.head!r}: use {' or '.join(HEADS)}")


def _block(cin: int, cout: int, convs: int, stride: int = 1, dilation: int = 1) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for i in range(convs):
        s = stride if i == convs - 1 else 1
        layers += [nn.Conv2d(cin if i == 0 else cout, cout, 3, s, padding=dilation, dilation=dilation), nn.ReLU(True)]
    return [*layers, nn.BatchNorm2d(cout)]


class ColorNet(nn.Module):
    """L ``(N, 1, H, W)`` → logits ``(N, Q, H/4, W/4)`` (or ab / 100 ``(N, 2, H/4, W/4)``)."""

    def __init__(self, config: ColorNetConfig | None = None):
        super().__init__()
        self.config = config = config or ColorNetConfig()
        c = config.channels
        centres = torch.from_numpy(gamut_bins())
        self.register_buffer("centres", centres)  # (Q, 2)
        self.register_buffer("weights", torch.ones(len(centres)))  # (Q,) rebalancing, set by the trainer
        out = len(centres) if config.head == "classes" else 2
        self.body = nn.Sequential(
            *_block(1, c, 2, stride=2),
            *_block(c, 2 * c, 2, stride=2),
            *_block(2 * c, 4 * c, 3, stride=2),
            *_block(4 * c, 8 * c, 3),
            *_block(8 * c, 8 * c, 3, dilation=2),
            *_block(8 * c, 8 * c, 3, dilation=2),
            *_block(8 * c, 8 * c, 3),
            nn.ConvTranspose2d(8 * c, 4 * c, 4, stride=2, padding=1),
            nn.ReLU(True),
            *_block(4 * c, 4 * c, 2),
            nn.Conv2d(4 * c, out, 1),
        )

    @property
    def bins(self) -> int:
        return len(self.centres)

    def forward(self, L: torch.Tensor) -> torch.Tensor:
        return self.body((L - _L_CENTRE) / _L_SCALE)

    def ab(self, output: torch.Tensor, temperature: float = TEMPERATURE) -> torch.Tensor:
        """ab ``(N, 2, h, w)`` from :meth:`forward`'s output: the annealed mean of the bins, or the regression."""
        if self.config.head == "regression":
            return output * _AB_SCALE
        return annealed_mean(output, self.centres, temperature)

    @torch.no_grad()
    def colorize(self, L: torch.Tensor, temperature: float = TEMPERATURE) -> torch.Tensor:
        """ab ``(N, 2, H, W)`` for L ``(N, 1, H, W)`` in ``[0, 100]``, upsampled to the input's size."""
        if L.ndim != 4 or L.shape[1] != 1:
            raise MarionnetteError(f"L of shape {tuple(L.shape)}: give (N, 1, H, W), the lightness in [0, 100]")
        H, W = L.shape[2:]
        if min(H, W) < MULTIPLE:
            raise MarionnetteError(f"a {W}x{H} image: the colorizer needs at least {MULTIPLE} pixels a side")
        pad_h, pad_w = -H % MULTIPLE, -W % MULTIPLE
        x = F.pad(L, (0, pad_w, 0, pad_h), mode="reflect") if pad_h or pad_w else L
        ab = self.ab(self(x), temperature)  # (N, 2, H'/4, W'/4)
        ab = F.interpolate(ab, size=x.shape[2:], mode="bilinear", align_corners=False)
        return ab[:, :, :H, :W]


__all__ = ["HEADS", "MULTIPLE", "ColorNet", "ColorNetConfig"]
