"""The EDN networks: pix2pixHD's global generator and its multi-scale PatchGAN discriminators.

Chan et al. (ICCV 2019) take pix2pixHD (Wang et al., CVPR 2018) as their image generator;
these are its networks at a width for a CPU (``channels``: pix2pixHD's 64).

Global generator :class:`Generator` (pix2pixHD's ``GlobalGenerator``)
    ``c7s1-c``, ``downs`` stride-2 3x3 convolutions doubling the width, ``blocks`` residual
    blocks, as many stride-2 transposed convolutions back, ``c7s1-3`` and tanh; instance
    norm and ReLU after every convolution but the last, reflection padding.
    ``(N, in_channels, H, W)`` → ``(N, 3, H, W)`` in ``[-1, 1]``; H and W multiples of
    ``2**downs``. With EDN's temporal smoothing its input is the stick figure of frame
    ``t`` beside that of ``t - 1`` and the image it made for ``t - 1`` (9 channels).
Local enhancer (pix2pixHD's ``LocalEnhancer``, ``local`` of them, for higher resolution)
    The global generator, at twice the width, runs on the input average-pooled ``local``
    times; each enhancer, from the coarsest, takes the input at its own scale through
    ``c7s1-c`` and one stride-2 convolution to ``2c``, adds the coarser network's last
    feature map (the global one's before its output layer), runs ``blocks`` residual
    blocks and one transposed convolution back, and the finest ends in ``c7s1-3`` and tanh.
    Sides are then multiples of ``2**(downs + local)``. Trained here jointly from the start
    (pix2pixHD can also train the global one first and fix it for some epochs).
PatchGAN :class:`PatchDiscriminator` (pix2pixHD's ``NLayerDiscriminator``)
    4x4 convolutions: ``c`` (no norm), then ``layers - 1`` stride-2 ones doubling the
    width, one stride-1, and a 1-channel output; instance norm and LeakyReLU(0.2). It
    judges overlapping patches (70x70 for 3 layers) and returns every layer's output, which
    feature matching reads.
Multi-scale :class:`MultiscaleDiscriminator`
    ``scales`` PatchGANs, each on the input average-pooled once more than the last
    (pix2pixHD: 3 x 3 pool, stride 2). Its input is the condition and an image side by side
    in channels: the figure and the frame (pix2pix's conditional GAN), or, for EDN's
    temporal discriminator, two consecutive figures and two consecutive frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from marionnette.errors import MarionnetteError


@dataclass
class GeneratorConfig:
    channels: int = 32
    """Width of the first convolution (pix2pixHD: 64), doubled at each downsampling."""
    downs: int = 3
    """Stride-2 convolutions (pix2pixHD's global generator: 4)."""
    blocks: int = 6
    """Residual blocks at the bottom (pix2pixHD: 9)."""
    max_channels: int = 512
    local: int = 0
    """pix2pixHD's local enhancers around the global generator (0: the global one alone)."""

    def __post_init__(self) -> None:
        if self.channels < 1 or self.downs < 0 or self.blocks < 0 or self.local < 0:
            raise MarionnetteError(
                f"generator of {self.channels} channels, {self.downs} downsamplings, {self.blocks} blocks: "
                "give at least 1 channel and 0 or more of the others"
            )

    @property
    def multiple(self) -> int:
        return 2 ** (self.downs + self.local)


class _Residual(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels), nn.ReLU(True),
            nn.ReflectionPad2d(1), nn.Conv2d(channels, channels, 3), nn.InstanceNorm2d(channels),
        )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.body(x)


class Generator(nn.Module):
    """Stick figure(s) ``(N, in_channels, H, W)`` → image ``(N, 3, H, W)`` in ``[-1, 1]``."""

    def __init__(self, in_channels: int = 3, config: GeneratorConfig | None = None):
        super().__init__()
        self.config = config = config or GeneratorConfig()
        self.in_channels = in_channels
        c = config.channels * 2**config.local  # the global generator's width: doubled per enhancer around it
        width = [min(c * 2**i, config.max_channels) for i in range(config.downs + 1)]
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, width[0], 7), nn.InstanceNorm2d(width[0]), nn.ReLU(True),
        ]  # fmt: skip
        for a, b in zip(width, width[1:], strict=False):
            layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.InstanceNorm2d(b), nn.ReLU(True)]
        layers += [_Residual(width[-1]) for _ in range(config.blocks)]
        for a, b in zip(width[::-1], width[::-1][1:], strict=False):
            layers += [nn.ConvTranspose2d(a, b, 3, stride=2, padding=1, output_padding=1), nn.InstanceNorm2d(b),
                       nn.ReLU(True)]  # fmt: skip
        head = [nn.ReflectionPad2d(3), nn.Conv2d(config.channels if config.local else width[0], 3, 7), nn.Tanh()]
        # The global generator alone is one Sequential, output layers included (its weight files' keys);
        # with enhancers it stops at its features (N, width[0], H', W') and the finest enhancer has the head.
        self.body = nn.Sequential(*layers) if config.local else nn.Sequential(*layers, *head)
        # enhancers[0] is the coarsest, around the global generator; the last works at full size
        self.enhancers = nn.ModuleList(_Enhancer(in_channels, min(config.channels * 2**k, config.max_channels),
                                                 config.blocks) for k in range(config.local - 1, -1, -1))  # fmt: skip
        self.head = nn.Sequential(*head) if config.local else nn.Identity()
        self.down = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, C, H, W = x.shape
        m = self.config.multiple
        if C != self.in_channels or H % m or W % m:
            raise MarionnetteError(
                f"generator input of shape {tuple(x.shape)}: it takes {self.in_channels} channels and sides that are "
                f"multiples of {m} (it was trained at its own size; render the figures at it)"
            )
        scales = [x]
        for _ in self.enhancers:
            scales.append(self.down(scales[-1]))
        features = self.body(scales[-1])
        for enhancer, finer in zip(self.enhancers, scales[-2::-1], strict=False):
            features = enhancer(finer, features)
        return self.head(features)


class _Enhancer(nn.Module):
    """One local enhancer: the input at its scale, downsampled once, plus the coarser features; back up."""

    def __init__(self, in_channels: int, channels: int, blocks: int):
        super().__init__()
        wide = channels * 2
        self.front = nn.Sequential(
            nn.ReflectionPad2d(3), nn.Conv2d(in_channels, channels, 7), nn.InstanceNorm2d(channels), nn.ReLU(True),
            nn.Conv2d(channels, wide, 3, stride=2, padding=1), nn.InstanceNorm2d(wide), nn.ReLU(True),
        )  # fmt: skip
        self.back = nn.Sequential(
            *[_Residual(wide) for _ in range(blocks)],
            nn.ConvTranspose2d(wide, channels, 3, stride=2, padding=1, output_padding=1), nn.InstanceNorm2d(channels),
            nn.ReLU(True),
        )  # fmt: skip

    def forward(self, x: torch.Tensor, coarse: torch.Tensor) -> torch.Tensor:
        return self.back(self.front(x) + coarse)


class PatchDiscriminator(nn.Module):
    """``(N, in_channels, H, W)`` → each layer's output, the last ``(N, 1, h, w)`` patch scores."""

    def __init__(self, in_channels: int, channels: int = 32, layers: int = 3):
        super().__init__()
        width = [min(channels * 2**i, 512) for i in range(layers + 1)]
        stages = [nn.Sequential(nn.Conv2d(in_channels, width[0], 4, 2, 2), nn.LeakyReLU(0.2, True))]
        for i in range(1, layers + 1):
            stride = 2 if i < layers else 1
            stages.append(nn.Sequential(nn.Conv2d(width[i - 1], width[i], 4, stride, 2), nn.InstanceNorm2d(width[i]),
                                        nn.LeakyReLU(0.2, True)))  # fmt: skip
        stages.append(nn.Sequential(nn.Conv2d(width[-1], 1, 4, 1, 2)))
        self.stages = nn.ModuleList(stages)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = []
        for stage in self.stages:
            x = stage(x)
            outputs.append(x)
        return outputs


class MultiscaleDiscriminator(nn.Module):
    """``scales`` PatchGANs on the input at 1, 1/2, 1/4, ...: a list (per scale) of lists (per layer)."""

    def __init__(self, in_channels: int, channels: int = 32, layers: int = 3, scales: int = 2):
        super().__init__()
        if scales < 1 or layers < 1:
            raise MarionnetteError(f"discriminator of {scales} scales and {layers} layers: give at least 1 of each")
        self.nets = nn.ModuleList(PatchDiscriminator(in_channels, channels, layers) for _ in range(scales))
        self.down = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> list[list[torch.Tensor]]:
        out = []
        for i, net in enumerate(self.nets):
            if i:
                x = self.down(x)
            out.append(net(x))
        return out


__all__ = ["Generator", "GeneratorConfig", "MultiscaleDiscriminator", "PatchDiscriminator"]
