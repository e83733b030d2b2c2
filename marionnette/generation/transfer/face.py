"""EDN's face GAN: a residual painted over the face of the main generator's image.

Chan et al. (ICCV 2019) §3.4. Faces are where a full-body generator's errors show most, and
they fill a small part of the frame. After the main generator ``G`` is trained, it is
frozen and a second, smaller generator ``G_f`` learns a correction on a square crop around
the head: ``face = G(x)_F + G_f(x_F, G(x)_F)``, where ``_F`` is the crop and ``x`` the
stick figure. A discriminator ``D_f`` judges (figure crop, face) against (figure crop,
true crop); ``G_f`` takes LSGAN + feature matching + VGG on the crop, as ``G`` does on
the frame.

The crop is a square of :attr:`FaceConfig.side` pixels centred on the head joint
(canonical ``head``; MediaPipe's ``nose``), moved inside the image where the head is near
an edge; a frame whose head is not seen keeps ``G``'s image. Shapes: figures and images
``(N, 3, H, W)`` in ``[-1, 1]``, corners ``(N, 2)`` int ``(y, x)`` of the crops' top-left.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from marionnette.errors import MarionnetteError
from marionnette.generation.transfer.models import Generator, GeneratorConfig, MultiscaleDiscriminator
from marionnette.motion.skeleton import Skeleton

_HEADS = ("head", "nose")


@dataclass
class FaceConfig:
    """The face GAN's stage (config.yaml's ``train.face``)."""

    epochs: int = 0
    """Epochs of the face GAN after the main generator's (0: no face GAN)."""
    crop: float = 0.25
    """The crop's side as a fraction of the frame's height (EDN crops head and neck)."""
    net: GeneratorConfig = field(default_factory=lambda: GeneratorConfig(channels=16, downs=2, blocks=3))

    def __post_init__(self) -> None:
        if isinstance(self.net, dict):
            self.net = GeneratorConfig(**self.net)
        if self.epochs < 0 or not 0 < self.crop <= 1:
            raise MarionnetteError(f"face GAN of {self.epochs} epochs on crops of {self.crop} of the height: "
                                   "give 0 or more epochs and a crop in (0, 1]")  # fmt: skip

    def side(self, height: int) -> int:
        """The crop's side in pixels at frame height ``height``: a multiple of what ``G_f`` needs, at least one."""
        m = self.net.multiple
        return max(m, int(round(self.crop * height / m)) * m)


def head_index(skeleton: Skeleton) -> int:
    for name in _HEADS:
        if name in skeleton:
            return skeleton.index(name)
    raise MarionnetteError(f"skeleton {skeleton.name} has no head joint ({' or '.join(_HEADS)}): "
                           "the face GAN crops around it; train without --face-epochs")  # fmt: skip


def corners(points: np.ndarray, head: int, side: int, size: tuple[int, int]) -> np.ndarray:
    """``(T, 2)`` int ``(y, x)`` of each frame's crop from poses ``(T, J, 2)``; ``-1`` where the head is not seen."""
    H, W = size
    if side > min(H, W):
        raise MarionnetteError(f"a face crop of {side} px does not fit a {W}x{H} frame: lower the face crop")
    centre = points[:, head, ::-1]  # (T, 2) as (y, x)
    seen = np.isfinite(centre).all(axis=1)
    top_left = np.round(np.nan_to_num(centre) - side / 2).astype(int)
    top_left = np.clip(top_left, 0, [H - side, W - side])
    top_left[~seen] = -1
    return top_left


def crop(images: torch.Tensor, at: np.ndarray | torch.Tensor, side: int) -> torch.Tensor:
    """``(N, C, side, side)``: each image's square at its corner ``at[n]``."""
    at = torch.as_tensor(at).tolist()
    return torch.stack([image[:, y : y + side, x : x + side] for image, (y, x) in zip(images, at, strict=True)])


def paste(images: torch.Tensor, faces: torch.Tensor, at: np.ndarray | torch.Tensor) -> torch.Tensor:
    """A copy of ``images`` with ``faces (N, C, s, s)`` at their corners (``-1``: left as it is)."""
    out = images.clone()
    side = faces.shape[-1]
    for n, (y, x) in enumerate(torch.as_tensor(at).tolist()):
        if y >= 0:
            out[n, :, y : y + side, x : x + side] = faces[n]
    return out


class FaceGAN(nn.Module):
    """``G_f`` (figure crop and image crop → residual) and its discriminator ``D_f``."""

    def __init__(self, config: FaceConfig, d_channels: int = 32, d_layers: int = 3):
        super().__init__()
        self.config = config
        self.G = Generator(6, config.net)
        self.D = MultiscaleDiscriminator(6, d_channels, d_layers, scales=1)

    def forward(self, figure_crop: torch.Tensor, image_crop: torch.Tensor) -> torch.Tensor:
        """The corrected face ``(N, 3, s, s)`` in ``[-1, 1]``: the image's crop plus ``G_f``'s residual."""
        return (image_crop + self.G(torch.cat([figure_crop, image_crop], 1))).clamp(-1, 1)

    def apply(self, figures: torch.Tensor, images: torch.Tensor, at: np.ndarray | torch.Tensor) -> torch.Tensor:
        """``images`` with their faces corrected, at corners ``at`` (:func:`corners`)."""
        at = torch.as_tensor(at)
        seen = (at[:, 0] >= 0).nonzero().flatten()
        if len(seen) == 0:
            return images
        side = self.config.side(images.shape[-2])
        faces = self(crop(figures[seen], at[seen], side), crop(images[seen], at[seen], side))
        out = images.clone()
        out[seen] = paste(images[seen], faces, at[seen])
        return out


__all__ = ["FaceConfig", "FaceGAN", "corners", "crop", "head_index", "paste"]
