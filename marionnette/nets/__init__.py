"""Network parts shared by perception and generation.

:mod:`~.vgg`: VGG19's convolutional features truncated at a named layer
(:func:`vgg19_features`), with torchvision's ImageNet weights read from the torch cache and
never downloaded (a missing file gets one line saying where to put it), or seeded random
weights; the ImageNet normalisation constants.

This package sits on the ground floor beside :mod:`marionnette.runs`. It imports torch (not
torchvision: the layers are built here, in torchvision's order) and, of ours, only
:mod:`marionnette.errors`; ``import marionnette`` does not import it.
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
