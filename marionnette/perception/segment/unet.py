"""U-Net (Ronneberger, Fischer and Brox, "U-Net: Convolutional Networks for Biomedical Image
Segmentation", MICCAI 2015), narrowed for a CPU.

A *contracting path* of levels, each two 3x3 convolutions (+ batch norm + ReLU) and a 2x2
max-pool, doubles the channels as it halves the sides; an *expanding path* upsamples by 2,
concatenates the encoder's feature map of the same size (the *skip connection*: where the
fine detail, a 5-pixel ball, comes back after the bottleneck has seen the context) and
applies two convolutions; a 1x1 convolution gives one logit per class at every pixel.
SegNet, the course's other encoder-decoder, passes the pooling indices instead of the
feature maps; U-Net's concatenation costs memory and keeps more.

For ``depth`` = 3 and ``channels`` = c (the paper: depth 4, c = 64), an input ``(N, 3, H, W)``
(the contracting path read downwards, the expanding path upwards)::

    contracting path                                  expanding path
    enc0  2 x conv3x3   (c,  H,   W  ) ──── skip ───> concat (2c, H,   W  )  dec0  2 x conv  (c,  H,   W  )
      max-pool 2x2                                      up x2 (c, H, W)                    ──> 1x1 conv (C, H, W)
    enc1  2 x conv3x3   (2c, H/2, W/2) ──── skip ───> concat (4c, H/2, W/2)  dec1  2 x conv  (2c, H/2, W/2)
      max-pool 2x2                                      up x2 (2c, H/2, W/2)
    enc2  2 x conv3x3   (4c, H/4, W/4) ──── skip ───> concat (8c, H/4, W/4)  dec2  2 x conv  (4c, H/4, W/4)
      max-pool 2x2                                      up x2 (4c, H/4, W/4)
    bottleneck 2 x conv (8c, H/8, W/8) ───────────────────┘

Sizes (one CPU thread, 320 x 240 frame, :meth:`UNet.predict`): c = 16, 450,515 weights,
7.3 frames/s; c = 8, 113,131 weights, 16.7 frames/s (bilinear; transposed: 121,195).

Two departures from the paper, both common since: the 3x3 convolutions are *padded*, so
the output has the input's size (the paper's unpadded ones shrink a 572 tile to 388 and
need overlap-tiling), and each convolution is followed by batch norm (2015's U-Net had
none). ``upsample="bilinear"`` (the default) upsamples bilinearly and halves the channels
with a 1x1 convolution, with no checkerboard and fewer weights; ``"transposed"`` is the
paper's 2x2 "up-convolution" (a stride-2 transposed convolution).

Input: RGB in ``[0, 1]``, sides multiples of ``2 ** depth`` (a clear error otherwise);
:meth:`UNet.predict` takes uint8 frames of any size, pads them (edge pixels repeated) to
the next multiple and crops the class map back.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from marionnette.errors import MarionnetteError
from marionnette.perception.segment.data import CLASSES

UPSAMPLING = ("bilinear", "transposed")
_PREDICT_CHUNK = 8  # frames a forward pass in predict: bounds the memory of a long clip


@dataclass
class UNetConfig:
    """The network's size (written to a run's config.yaml under ``net``)."""

    classes: tuple[str, ...] = CLASSES
    """The class names, in the order of the logits (the trainer takes the data's)."""
    in_channels: int = 3
    channels: int = 16
    """Width of the first level; 2x, 4x, ... deeper in (the paper: 64)."""
    depth: int = 3
    """Max-pools on the contracting path (the paper: 4); sides must be multiples of ``2 ** depth``."""
    upsample: str = "bilinear"
    """``bilinear`` (+ a 1x1 convolution) or ``transposed`` (the paper's 2x2 up-convolution)."""

    def __post_init__(self) -> None:
        self.classes = tuple(str(c) for c in self.classes)
        if len(self.classes) < 2:
            raise MarionnetteError(f"classes {self.classes}: give two or more class names")
        for name, least in (("in_channels", 1), ("channels", 1), ("depth", 1)):
            if getattr(self, name) < least:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least {least}")
        if self.upsample not in UPSAMPLING:
            raise MarionnetteError(f"upsample {self.upsample!r}: use {' or '.join(UPSAMPLING)}")

    @property
    def multiple(self) -> int:
        """What the sides of an input must be multiples of."""
        return 2**self.depth


class DoubleConv(nn.Sequential):
    """Two 3x3 convolutions, each + batch norm + ReLU: ``(N, cin, H, W)`` → ``(N, cout, H, W)``."""

    def __init__(self, cin: int, cout: int):
        super().__init__(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False),  # no bias: batch norm's shift is one
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )


def _up(cin: int, cout: int, mode: str) -> nn.Module:
    if mode == "transposed":
        return nn.ConvTranspose2d(cin, cout, 2, stride=2)
    return nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False), nn.Conv2d(cin, cout, 1))


class UNet(nn.Module):
    """RGB ``(N, 3, H, W)`` in ``[0, 1]`` → logits ``(N, C, H, W)``."""

    def __init__(self, config: UNetConfig | None = None):
        super().__init__()
        self.config = config = config or UNetConfig()
        widths = [config.channels * 2**i for i in range(config.depth + 1)]  # c, 2c, 4c, ..., the bottleneck's last
        # Contracting path: encoder[i] at 1/2**i of the input, the bottleneck below the last pool
        self.encoder = nn.ModuleList(
            DoubleConv(config.in_channels if i == 0 else widths[i - 1], widths[i]) for i in range(config.depth)
        )
        self.bottleneck = DoubleConv(widths[-2], widths[-1])
        # Expanding path: up[i] from level i + 1 to level i, decoder[i] on [skip i, upsampled]
        self.up = nn.ModuleList(_up(widths[i + 1], widths[i], config.upsample) for i in range(config.depth))
        self.decoder = nn.ModuleList(DoubleConv(2 * widths[i], widths[i]) for i in range(config.depth))
        # Classifier: one logit per class at every pixel
        self.classifier = nn.Conv2d(widths[0], len(config.classes), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.config.multiple
        if x.ndim != 4 or x.shape[1] != self.config.in_channels or x.shape[2] % m or x.shape[3] % m:
            raise MarionnetteError(
                f"input of shape {tuple(x.shape)}: give (N, {self.config.in_channels}, H, W) with H and W multiples "
                f"of {m} (or call predict, which pads)"
            )
        skips = []
        for level in self.encoder:
            x = level(x)  # (N, c * 2**i, H / 2**i, W / 2**i)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.bottleneck(x)  # (N, c * 2**depth, H / 2**depth, W / 2**depth)
        for i in reversed(range(self.config.depth)):
            x = self.up[i](x)  # (N, c * 2**i, H / 2**i, W / 2**i)
            x = self.decoder[i](torch.cat([skips[i], x], dim=1))  # (N, 2c * 2**i, ...) -> (N, c * 2**i, ...)
        return self.classifier(x)  # (N, C, H, W)

    @torch.no_grad()
    def predict(self, image: np.ndarray) -> np.ndarray:
        """The class map ``(H, W)`` uint8 of a frame ``(H, W, 3)`` uint8 (or ``(N, H, W)`` of
        ``(N, H, W, 3)``), any size: padded to a multiple of ``2 ** depth``, cropped back.
        Runs in eval mode (batch norm's running statistics) and restores the mode after."""
        image = np.asarray(image)
        if image.dtype != np.uint8 or image.ndim not in (3, 4) or image.shape[-1] != self.config.in_channels:
            raise MarionnetteError(
                f"image of {image.dtype} {image.shape}: give (H, W, {self.config.in_channels}) uint8 "
                f"(or (N, H, W, {self.config.in_channels}))"
            )
        single = image.ndim == 3
        frames = image[None] if single else image
        H, W = frames.shape[1:3]
        if min(H, W) < 1:
            raise MarionnetteError(f"image of shape {image.shape}: give at least one pixel a side")
        m = self.config.multiple
        pad_h, pad_w = -H % m, -W % m
        device = next(self.parameters()).device
        was_training = self.training
        self.eval()
        out = np.empty(frames.shape[:3], np.uint8)
        for start in range(0, len(frames), _PREDICT_CHUNK):
            chunk = torch.from_numpy(np.ascontiguousarray(frames[start : start + _PREDICT_CHUNK])).to(device)
            x = chunk.permute(0, 3, 1, 2).float() / 255.0  # (n, 3, H, W)
            if pad_h or pad_w:
                x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")  # replicate: reflect needs a side > the pad
            labels = self(x)[:, :, :H, :W].argmax(dim=1)  # (n, H, W)
            out[start : start + len(chunk)] = labels.to(torch.uint8).cpu().numpy()
        self.train(was_training)
        return out[0] if single else out


def parameters(net: nn.Module) -> int:
    """The number of weights of ``net``."""
    return sum(p.numel() for p in net.parameters())


__all__ = ["UPSAMPLING", "DoubleConv", "UNet", "UNetConfig", "parameters"]
