"""pix2pixHD's objective, as EDN trains with it: LSGAN, discriminator feature matching, VGG.

- :func:`lsgan`: least-squares GAN (Mao et al. 2017) on every scale's patch scores, real
  towards 1 and fake towards 0;
- :func:`feature_matching`: L1 between the discriminators' intermediate features on the real
  and the generated frame, each scale weighted ``1 / scales`` and each layer
  ``4 / (layers + 1)`` (pix2pixHD's ``lambda_feat`` = 10 is the caller's);
- :class:`VGGLoss`: L1 between VGG19 features of the two frames at ``relu1_1 ... relu5_1``,
  weighted 1/32, 1/16, 1/8, 1/4, 1 (pix2pixHD's ``VGGLoss``), on ``nets.vgg``'s network
  (torchvision's cached ImageNet file, or the seeded random one).

Frames are in ``[-1, 1]`` (the generator's tanh) everywhere but inside :class:`VGGLoss`, which
maps them to ``[0, 1]`` for VGG, and enlarges (bilinear) images under :data:`VGG_MIN_SIDE`
pixels, which its four poolings would shrink to nothing (the face GAN's crops at a CPU's sizes).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from marionnette.nets.vgg import imagenet_normalize, vgg19_features

VGG_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
VGG_WEIGHTS = (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1.0)
VGG_MIN_SIDE = 32


def lsgan(scores: list[list[torch.Tensor]], real: bool) -> torch.Tensor:
    """Mean over scales of ``mean((D(x) - target)^2)`` on each scale's last output."""
    target = 1.0 if real else 0.0
    return sum(F.mse_loss(s[-1], torch.full_like(s[-1], target)) for s in scores) / len(scores)


def feature_matching(fake: list[list[torch.Tensor]], real: list[list[torch.Tensor]]) -> torch.Tensor:
    """pix2pixHD's feature-matching loss between a generated frame's and the real frame's D features."""
    total = fake[0][0].new_zeros(())
    for fake_scale, real_scale in zip(fake, real, strict=True):
        layers = len(fake_scale) - 1  # the last output is the score, not a feature
        for f, r in zip(fake_scale[:-1], real_scale[:-1], strict=True):
            total = total + (4.0 / (layers + 1)) / len(fake) * F.l1_loss(f, r.detach())
    return total


class VGGLoss(nn.Module):
    """``sum_l w_l * L1(VGG_l(fake), VGG_l(real))`` on frames in ``[-1, 1]``."""

    def __init__(self, features: str = "imagenet", seed: int = 0):
        super().__init__()
        self.vgg = vgg19_features(until=VGG_LAYERS[-1], weights=features, seed=seed)

    def forward(self, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
        x = torch.cat([fake, real]).add(1).div(2)  # both in one pass
        if min(x.shape[-2:]) < VGG_MIN_SIDE:
            x = F.interpolate(x, scale_factor=VGG_MIN_SIDE / min(x.shape[-2:]), mode="bilinear", align_corners=False)
        x = imagenet_normalize(x)
        total, k = x.new_zeros(()), 0
        for name, module in self.vgg.named_children():
            x = module(x)
            if name in VGG_LAYERS:
                f, r = x.chunk(2)
                total = total + VGG_WEIGHTS[k] * F.l1_loss(f, r.detach())
                k += 1
        return total


__all__ = ["VGG_LAYERS", "VGGLoss", "feature_matching", "lsgan"]
