"""Colorization after Zhang, Isola and Efros, "Colorful Image Colorization" (ECCV 2016).

A network reads a picture's lightness (L of CIE Lab) and predicts, at each pixel, a
distribution over the ab colour plane cut into bins; it is trained with a cross-entropy
that weights rare (saturated) colours up, and decoded by the annealed mean, so that its
pictures are vivid rather than the sepia an L2 regression settles on.

=====================  ==================================================================
module                 what it holds
=====================  ==================================================================
:mod:`~.bins`          the ab bins of the sRGB gamut, soft encoding, class rebalancing,
                       the annealed mean
:mod:`~.model`         the network (the paper's eight blocks, narrower), a classification
                       or a regression head
:mod:`~.data`          crops of colour pictures in Lab (files, folders, scikit-image's)
:mod:`~.train`         its trainer (the run directory, exact resume) and ``load(run)``
:mod:`~.evaluate`      colorizing a picture; PSNR, SSIM and chroma against the truth, and
                       the grey baseline
=====================  ==================================================================

This package imports torch; Lab conversions and the metrics are scikit-image's.
"""

from marionnette.generation.colorize.bins import annealed_mean, gamut_bins, rebalance_weights, soft_encode
from marionnette.generation.colorize.data import COLOUR_PHOTOS, HELD_OUT_PHOTOS, LabCrops
from marionnette.generation.colorize.evaluate import Scores, colorize_image, evaluate, grey_baseline, score
from marionnette.generation.colorize.model import ColorNet, ColorNetConfig
from marionnette.generation.colorize.train import ColorizeTrainConfig, load, train

__all__ = [
    "COLOUR_PHOTOS",
    "HELD_OUT_PHOTOS",
    "ColorNet",
    "ColorNetConfig",
    "ColorizeTrainConfig",
    "LabCrops",
    "Scores",
    "annealed_mean",
    "colorize_image",
    "evaluate",
    "gamut_bins",
    "grey_baseline",
    "load",
    "rebalance_weights",
    "score",
    "soft_encode",
    "train",
]
