"""The perceptual loss of Gatys et al. (CVPR 2016): content on VGG19 features, style on their Gram matrices.

Gatys, Ecker and Bethge, "Image Style Transfer Using Convolutional Neural Networks", CVPR
2016; the same loss trains Johnson et al.'s fast network (:mod:`~.fast`) and, without its
content term, synthesises texture (Gatys et al., NeurIPS 2015; :mod:`~.texture`).

Layers
    Content: ``relu4_2``; style: ``relu1_1, relu2_1, relu3_1, relu4_1, relu5_1``, weighted
    equally (the paper's :math:`w_l = 1/5`, folded into ``style_weight``). The paper names
    them ``conv4_2`` and ``conv1_1 ...``: in Caffe, which it used, the ReLU runs in place, so
    the blob called ``conv4_2`` holds the ReLU's output, our ``relu4_2``.

Normalisation (pytorch/examples ``fast_neural_style`` and the PyTorch tutorial's)
    The Gram matrix of a ``(C, H, W)`` map ``F`` is :math:`G = F F^\\top / (C H W)`, so one
    computed on a 64-pixel image compares with one of a 512-pixel style image. A layer's
    style loss is the mean squared difference over the :math:`C^2` entries,
    :math:`\\sum_{ij} (G_{ij} - A_{ij})^2 / C^2`; the paper's :math:`E_l = \\sum (G - A)^2 /
    (4 C^2 (HW)^2)` with unnormalised Grams is ours times :math:`C^2 / 4`, so ours weighs
    the wide deep layers less (measured on the seeded random VGG, astronaut at 64 px:
    relu1_1's mean squared Gram entry is ~140x relu5_1's). The content loss is the mean
    squared difference of the feature maps. A total-variation term (Johnson et al.) is
    there, off by default.

Weights
    Every input is RGB in ``[0, 1]``, normalised with ImageNet's mean and std before VGG
    (:func:`~marionnette.nets.imagenet_normalize`), whichever weights it has. ImageNet's
    VGG and the random one (``features="random"``) answer on different scales (the random
    network's ReLUs average 0.1-0.16 on a photograph; trained filters are not drawn to keep
    a unit variance), so the default
    ``style_weight`` follows the features: 1e6 for ImageNet (the PyTorch tutorial's, with
    this same normalisation; not measured here, the machine has no ImageNet file), 1e8 for
    random features (measured, chelsea in the manner of immunohistochemistry at 128 px,
    100 L-BFGS steps from the content: 1e7 keeps more of the content and less of the style,
    1e9 looks alike). The random network's ``relu4_2`` holds little of a
    photograph's layout: at any weight, a style far from the photograph's colours (the
    colour wheel) takes the picture over, and the content survives only the styles near
    its palette (docs/img/style_grid.png).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

import torch
from torch import nn

from marionnette.errors import MarionnetteError
from marionnette.nets import VGG19_LAYERS, imagenet_normalize, vgg19_features

STYLE_LAYERS: tuple[str, ...] = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
"""The layers whose Gram matrices make the style (Gatys et al.)."""
CONTENT_LAYERS: tuple[str, ...] = ("relu4_2",)
"""The layer whose features make the content (Gatys et al.)."""
FEATURES = ("imagenet", "random")

_STYLE_WEIGHT = {"imagenet": 1e6, "random": 1e8}  # see the module docstring: measured per weights


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """``(N, C, H, W)`` feature maps → ``(N, C, C)`` Gram matrices :math:`F F^\\top / (C H W)`."""
    N, C, H, W = features.shape
    flat = features.reshape(N, C, H * W)  # (N, C, HW)
    return flat @ flat.transpose(1, 2) / (C * H * W)  # (N, C, C)


def content_loss(features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of ``(N, C, H, W)`` feature maps (``target`` broadcasts)."""
    return torch.mean((features - target) ** 2)


def style_loss(grams: dict[str, torch.Tensor], targets: dict[str, torch.Tensor]) -> torch.Tensor:
    """Sum over the layers of ``targets`` of the mean squared difference of their Gram
    matrices, ``(N, C, C)`` against ``(1, C, C)`` (one style for the batch); a scalar."""
    missing = sorted(set(targets) - set(grams))
    if missing:
        raise MarionnetteError(f"style loss: no Gram matrix for the layers {', '.join(missing)}")
    return sum(torch.mean((grams[layer] - target) ** 2) for layer, target in targets.items())


def total_variation(images: torch.Tensor) -> torch.Tensor:
    """Mean squared difference of horizontally and vertically adjacent pixels of ``(N, 3, H, W)``."""
    dy = images[:, :, 1:, :] - images[:, :, :-1, :]
    dx = images[:, :, :, 1:] - images[:, :, :, :-1]
    return torch.mean(dy**2) + torch.mean(dx**2)


@dataclass
class PerceptualConfig:
    """The VGG and the weights of the perceptual loss (written to a run's config.yaml)."""

    features: Literal["imagenet", "random"] = "imagenet"
    """VGG19's weights: ``imagenet`` (torchvision's cached file, never downloaded) or ``random``."""
    seed: int = 0
    """The seed of the random VGG (unused for ``imagenet``)."""
    content_layers: tuple[str, ...] = CONTENT_LAYERS
    style_layers: tuple[str, ...] = STYLE_LAYERS
    content_weight: float = 1.0
    style_weight: float | None = None
    """None: the measured default of the features (1e6 ImageNet, 1e9 random) (computed in runtime)."""
    tv_weight: float = 0.0

    def __post_init__(self) -> None:
        if self.features not in FEATURES:
            raise MarionnetteError(f"features {self.features!r}: use imagenet (cached VGG19 weights) or random")
        self.content_layers = tuple(self.content_layers)
        self.style_layers = tuple(self.style_layers)
        for layer in self.content_layers + self.style_layers:
            if layer not in VGG19_LAYERS:
                raise MarionnetteError(f"VGG19 has no layer {layer!r}: use names such as relu4_2 or relu1_1")
        if not self.style_layers:
            raise MarionnetteError("no style layers: give at least one, e.g. relu1_1")
        if self.style_weight is None:
            self.style_weight = _STYLE_WEIGHT[self.features]
        for name in ("content_weight", "style_weight", "tv_weight"):
            if getattr(self, name) < 0:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give a weight of 0 or more")


class Targets(NamedTuple):
    """What an image is compared with: content features (``None`` for texture) and style Grams."""

    content: dict[str, torch.Tensor] | None  # layer -> (N, C, H, W)
    grams: dict[str, torch.Tensor]  # layer -> (1, C, C)


class Losses(NamedTuple):
    """One evaluation of the perceptual loss: the weighted total and its unweighted terms."""

    total: torch.Tensor  # content_weight * content + style_weight * style + tv_weight * tv
    content: torch.Tensor
    style: torch.Tensor
    tv: torch.Tensor


class Perceptual(nn.Module):
    """VGG19 up to the deepest layer the loss reads, frozen; ``(N, 3, H, W)`` RGB in ``[0, 1]`` in.

    :meth:`forward` returns the feature maps of the content and style layers by name,
    :meth:`targets` what a content and a style image give, :meth:`losses` the loss of a
    batch against them.
    """

    def __init__(self, config: PerceptualConfig | None = None):
        super().__init__()
        self.config = PerceptualConfig() if config is None else config
        wanted = set(self.config.content_layers) | set(self.config.style_layers)
        self.layers = tuple(name for name in VGG19_LAYERS if name in wanted)  # in forward order
        self.vgg = vgg19_features(until=self.layers[-1], weights=self.config.features, seed=self.config.seed)

    def forward(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """``(N, 3, H, W)`` → ``{layer: (N, C, H', W')}`` for every content and style layer."""
        x = imagenet_normalize(images)
        out = {}
        for name, module in self.vgg.named_children():
            x = module(x)
            if name in self.layers:
                out[name] = x
        return out

    def grams(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{layer: (N, C, C)}`` for the style layers of ``images (N, 3, H, W)``."""
        features = self(images)
        return {layer: gram_matrix(features[layer]) for layer in self.config.style_layers}

    @torch.no_grad()
    def targets(self, content: torch.Tensor | None, style: torch.Tensor) -> Targets:
        """The features of ``content (N, 3, H, W)`` (None: texture, no content term) and the
        Grams of ``style (1, 3, h, w)``, at whatever sizes they come."""
        grams = self.grams(style)
        if content is None:
            return Targets(None, grams)
        features = self(content)
        return Targets({layer: features[layer] for layer in self.config.content_layers}, grams)

    def losses(self, images: torch.Tensor, targets: Targets) -> Losses:
        """The loss of ``images (N, 3, H, W)`` against ``targets`` (content maps of the same
        size as ``images``, and style Grams of any size)."""
        c = self.config
        features = self(images)
        grams = {layer: gram_matrix(features[layer]) for layer in c.style_layers}
        style = style_loss(grams, targets.grams)
        zero = images.new_zeros(())
        content = zero
        if targets.content is not None:
            content = sum(content_loss(features[layer], target) for layer, target in targets.content.items())
        tv = total_variation(images) if c.tv_weight > 0 else zero
        total = c.content_weight * content + c.style_weight * style + c.tv_weight * tv
        return Losses(total, content, style, tv)


__all__ = [
    "CONTENT_LAYERS",
    "STYLE_LAYERS",
    "Losses",
    "Perceptual",
    "PerceptualConfig",
    "Targets",
    "content_loss",
    "gram_matrix",
    "style_loss",
    "total_variation",
]
