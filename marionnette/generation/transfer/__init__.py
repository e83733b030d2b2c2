"""Motion transfer: Chan et al., "Everybody Dance Now" (ICCV 2019).

=====================  ==================================================================
module                 what it holds
=====================  ==================================================================
:mod:`~.figure`        pose → conditioning image: OpenPose-style colour-coded stick
                       figures (:func:`draw_figure`, :func:`draw_figures`) and pix2pixHD
                       label maps (:func:`label_maps`), one colour and channel per bone
:mod:`~.normalize`     global pose normalisation (ankle line and scale), Chan et al. §3.3
:mod:`~.models`        pix2pixHD's global generator, multi-scale PatchGAN discriminators
:mod:`~.losses`        LSGAN, discriminator feature matching, the VGG19 perceptual loss
=====================  ==================================================================

Poses are 2-D as the camera sees them: pixels, x right, y down, NaN for a joint pose
capture lost. Figures are ``(H, W, 3)`` uint8 RGB on black. This package's ``__init__`` does
not import torch; :mod:`~.models` and :mod:`~.losses` do.
"""

from marionnette.generation.transfer.figure import (
    bone_colours,
    bones,
    default_thickness,
    draw_figure,
    draw_figures,
    joint_colours,
    label_maps,
)
from marionnette.generation.transfer.normalize import FootStats, PoseNormalizer, foot_stats, normalize

__all__ = [
    "FootStats",
    "PoseNormalizer",
    "bone_colours",
    "bones",
    "default_thickness",
    "draw_figure",
    "draw_figures",
    "foot_stats",
    "joint_colours",
    "label_maps",
    "normalize",
]
