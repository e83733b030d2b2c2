"""The torch parts every learner shares: networks, devices, weight files, resuming.

:mod:`~.vgg`: VGG19's convolutional features truncated at a named layer
(:func:`vgg19_features`), with torchvision's ImageNet weights read from the torch cache and
never downloaded (a missing file gets one line saying where to put it), or seeded random
weights; the ImageNet normalisation constants. :mod:`~.training`: ``--device``, atomic
weight files read with ``weights_only=True``, resuming from the newest checkpoint that
reads, the epoch log (progress.csv and TensorBoard) of the supervised trainers.

This package sits just above :mod:`marionnette.runs` (the run directory it fills). It
imports torch (not torchvision: VGG's layers are built here, in torchvision's order);
``import marionnette`` does not import it.
"""

from marionnette.nets.vgg import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    VGG19_FILE,
    VGG19_LAYERS,
    imagenet_normalize,
    vgg19_cache_path,
    vgg19_features,
)

__all__ = [
    "IMAGENET_MEAN",
    "IMAGENET_STD",
    "VGG19_FILE",
    "VGG19_LAYERS",
    "imagenet_normalize",
    "vgg19_cache_path",
    "vgg19_features",
]
