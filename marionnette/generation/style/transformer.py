"""Johnson et al.'s image transformation network: one forward pass paints a photograph in one style.

Johnson, Alahi and Fei-Fei, "Perceptual Losses for Real-Time Style Transfer and
Super-Resolution", ECCV 2016, with the changes pytorch/examples ``fast_neural_style`` makes
and that later work kept: instance normalisation in place of batch normalisation (Ulyanov
et al. 2016, "Instance Normalization: The Missing Ingredient for Fast Stylization"),
reflection padding in place of zero padding, and upsampling by nearest-neighbour resize
then convolution in place of transposed convolution (Odena et al. 2016, "Deconvolution and
Checkerboard Artifacts"). :mod:`~.fast` trains it.

========================  =======================================  ====================
stage                     layers                                   output (for H x W in)
========================  =======================================  ====================
initial convolutions      9x9 conv (c), 3x3/2 (2c), 3x3/2 (4c);    (4c, H/4, W/4)
                          each instance norm + ReLU
residual blocks (5)       [3x3 conv, IN, ReLU, 3x3 conv, IN] + x   (4c, H/4, W/4)
upsampling                x2 resize + 3x3 conv (2c), x2 + 3x3 (c); (c, H, W)
                          each IN + ReLU; 9x9 conv to 3 channels   (3, H, W)
========================  =======================================  ====================

``c`` is :attr:`TransformerConfig.channels` (32 in the paper). RGB in ``[0, 1]`` goes in;
the last convolution's output comes out unclamped, as in pytorch/examples (clamping it
would zero the gradient of every pixel past the range while it trains); callers clamp it
for display (:func:`~.fast.stylize`).

Sizes
    Two stride-2 convolutions and two x2 upsamplings give back the input's size only when
    each side is a multiple of 4; the residual blocks' reflection padding needs at least 2
    pixels a side at 1/4 scale, so sides of at least 8. Any other size is one
    :class:`~marionnette.errors.MarionnetteError` line.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from marionnette.errors import MarionnetteError

MULTIPLE = 4  # each side a multiple of this: two stride-2 convolutions, two x2 upsamplings
MIN_SIDE = 8  # the smallest side the reflection padding at 1/4 scale takes


@dataclass
class TransformerConfig:
    """The network's size (written to a run's config.yaml under ``net``)."""

    channels: int = 32
    """Channels of the first and last convolutions; 2x and 4x deeper in (Johnson et al.: 32)."""
    residual_blocks: int = 5

    def __post_init__(self) -> None:
        if self.channels < 1 or self.residual_blocks < 0:
            raise MarionnetteError(
                f"network of {self.channels} channels and {self.residual_blocks} residual blocks: "
                "give at least 1 channel and 0 or more blocks"
            )


def check_size(height: int, width: int) -> None:
    """One line when an ``height`` x ``width`` image is a size the network cannot take."""
    if height % MULTIPLE or width % MULTIPLE or min(height, width) < MIN_SIDE:
        fit_h = max(MIN_SIDE, height // MULTIPLE * MULTIPLE)
        fit_w = max(MIN_SIDE, width // MULTIPLE * MULTIPLE)
        raise MarionnetteError(
            f"an image of {width}x{height} pixels: the style network takes sides that are multiples of "
            f"{MULTIPLE} and at least {MIN_SIDE} pixels; resize or crop it to {fit_w}x{fit_h} (--size does)"
        )


class ConvLayer(nn.Module):
    """Reflection padding then a convolution: the output is ``ceil(H / stride)`` high."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1):
        super().__init__()
        self.pad = nn.ReflectionPad2d(kernel_size // 2)
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(self.pad(x))


class UpsampleConvLayer(nn.Module):
    """Nearest-neighbour x2 resize, then a :class:`ConvLayer`: no checkerboard from overlapping strides."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, upsample: int = 2):
        super().__init__()
        self.upsample = upsample
        self.conv = ConvLayer(in_channels, out_channels, kernel_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=self.upsample, mode="nearest"))


class ResidualBlock(nn.Module):
    """Two 3x3 convolutions with instance norm, added to the input (He et al. 2016; Gross and Wilber's design)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, 3)
        self.in1 = nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, 3)
        self.in2 = nn.InstanceNorm2d(channels, affine=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.in1(self.conv1(x)))
        return x + self.in2(self.conv2(y))


class TransformerNet(nn.Module):
    """``(N, 3, H, W)`` RGB in ``[0, 1]`` → ``(N, 3, H, W)`` stylised (unclamped); H, W multiples of 4, at least 8."""

    def __init__(self, config: TransformerConfig | None = None):
        super().__init__()
        self.config = TransformerConfig() if config is None else config
        c = self.config.channels
        # Initial convolution layers
        self.conv1 = ConvLayer(3, c, kernel_size=9)
        self.in1 = nn.InstanceNorm2d(c, affine=True)
        self.conv2 = ConvLayer(c, 2 * c, kernel_size=3, stride=2)
        self.in2 = nn.InstanceNorm2d(2 * c, affine=True)
        self.conv3 = ConvLayer(2 * c, 4 * c, kernel_size=3, stride=2)
        self.in3 = nn.InstanceNorm2d(4 * c, affine=True)
        # Residual layers
        self.residual = nn.Sequential(*(ResidualBlock(4 * c) for _ in range(self.config.residual_blocks)))
        # Upsampling layers
        self.deconv1 = UpsampleConvLayer(4 * c, 2 * c, kernel_size=3)
        self.in4 = nn.InstanceNorm2d(2 * c, affine=True)
        self.deconv2 = UpsampleConvLayer(2 * c, c, kernel_size=3)
        self.in5 = nn.InstanceNorm2d(c, affine=True)
        self.deconv3 = ConvLayer(c, 3, kernel_size=9)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 3:
            raise MarionnetteError(f"the style network takes (N, 3, H, W) RGB batches, not {tuple(x.shape)}")
        check_size(x.shape[2], x.shape[3])
        y = F.relu(self.in1(self.conv1(x)))  # (N, c, H, W)
        y = F.relu(self.in2(self.conv2(y)))  # (N, 2c, H/2, W/2)
        y = F.relu(self.in3(self.conv3(y)))  # (N, 4c, H/4, W/4)
        y = self.residual(y)  # (N, 4c, H/4, W/4)
        y = F.relu(self.in4(self.deconv1(y)))  # (N, 2c, H/2, W/2)
        y = F.relu(self.in5(self.deconv2(y)))  # (N, c, H, W)
        return self.deconv3(y)  # (N, 3, H, W)


__all__ = ["MIN_SIDE", "MULTIPLE", "TransformerConfig", "TransformerNet", "check_size"]
