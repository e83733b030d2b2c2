"""Style transfer and texture synthesis on VGG19's features.

=====================  ==================================================================
module                 what it holds
=====================  ==================================================================
:mod:`~.losses`        Gram matrices, the content and style losses, :class:`Perceptual`
                       (VGG19 to ``relu5_1``, ImageNet or seeded random weights)
:mod:`~.gatys`         Gatys et al.'s optimisation of one image (L-BFGS or Adam)
:mod:`~.transformer`   Johnson et al.'s feed-forward network (residual blocks, instance
                       norm, resize-convolution upsampling)
:mod:`~.content`       the photographs it trains on (scikit-image's, random crops)
:mod:`~.fast`          its trainer (the run directory, exact resume), ``load(run)``, and
                       stylising images and video frames with it
:mod:`~.texture`       Efros and Leung's non-parametric synthesis, Gatys' Gram-only
                       texture from noise, and the Gram distance that scores them
:mod:`~.video`         a webcam or a video file through a trained network, into an MP4
=====================  ==================================================================

Images are read and written by :mod:`marionnette.generation.images`; every image is RGB in
``[0, 1]``: ``(H, W, 3)`` float32 arrays at the edges, ``(N, 3, H, W)`` tensors inside.
VGG's ImageNet weights are read from torchvision's cache file and never downloaded;
``features="random"`` is the seeded random VGG, which still carries texture statistics.
This package imports torch.
"""

from marionnette.generation.images import SKIMAGE_IMAGES, load_image, read_image, resize, save_image
from marionnette.generation.style.fast import FastTrainConfig, load, stylize_frames, stylize_image, train
from marionnette.generation.style.gatys import GatysConfig, Result, stylize
from marionnette.generation.style.losses import (
    CONTENT_LAYERS,
    STYLE_LAYERS,
    Perceptual,
    PerceptualConfig,
    content_loss,
    gram_matrix,
    style_loss,
)
from marionnette.generation.style.texture import efros_leung, gatys_texture, gram_distance
from marionnette.generation.style.transformer import TransformerConfig, TransformerNet
from marionnette.generation.style.video import open_frames, stylize_video

__all__ = [
    "CONTENT_LAYERS",
    "SKIMAGE_IMAGES",
    "STYLE_LAYERS",
    "FastTrainConfig",
    "GatysConfig",
    "Perceptual",
    "PerceptualConfig",
    "Result",
    "TransformerConfig",
    "TransformerNet",
    "content_loss",
    "efros_leung",
    "gatys_texture",
    "gram_distance",
    "gram_matrix",
    "load",
    "load_image",
    "open_frames",
    "read_image",
    "resize",
    "save_image",
    "stylize",
    "stylize_frames",
    "stylize_image",
    "stylize_video",
    "style_loss",
    "train",
]
