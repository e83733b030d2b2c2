"""VGG19's convolutional features (Simonyan and Zisserman, ICLR 2015), truncated at a named layer.

Perception (the action recognizer's clip CNN) and generation (perceptual and style losses)
read the same network: torchvision's ``vgg19().features``, the 16 conv layers, 16 ReLUs
and 5 max-pools, in torchvision's order. :func:`vgg19_features` gives it back as an
``nn.Sequential`` whose children are named for the paper's layers, so
``features.conv5_1`` is the conv of the fifth block's first layer:

=====  ====================================================================
block  children (each conv is 3x3, stride 1, padding 1; each pool halves H, W)
=====  ====================================================================
1      conv1_1 relu1_1 conv1_2 relu1_2 pool1                 (64 channels)
2      conv2_1 relu2_1 conv2_2 relu2_2 pool2                 (128)
3      conv3_1 relu3_1 ... conv3_4 relu3_4 pool3             (256)
4      conv4_1 relu4_1 ... conv4_4 relu4_4 pool4             (512)
5      conv5_1 relu5_1 ... conv5_4 relu5_4 pool5             (512)
=====  ====================================================================

``until`` names the last child kept, exactly: ``until="conv5_1"`` ends on the conv (its
output can be negative), ``until="relu5_1"`` on its ReLU. A 224x224 image gives
``(512, 14, 14)`` at either (four pools before block 5). The ReLUs are not in place, so a
caller that keeps each child's output (a style loss) keeps what that child computed.

Weights
    ``"imagenet"``: torchvision's ImageNet weights (``VGG19_Weights.IMAGENET1K_V1``), read
    from the file torchvision downloads them to, ``torch.hub.get_dir()/checkpoints/
    vgg19-dcbb9e9d.pth`` (``$TORCH_HOME/hub/checkpoints``; ``~/.cache/torch`` by default).
    Nothing is ever downloaded: a missing file is a :class:`~marionnette.errors.MarionnetteError`
    saying where to put it; a file that does not read (cut short, not a torch file) or does
    not hold VGG19's features is a :class:`~marionnette.errors.CheckpointError`. The file
    loads with ``weights_only=True`` (no unpickling of code). Inputs are RGB in ``[0, 1]``
    normalised with :data:`IMAGENET_MEAN` / :data:`IMAGENET_STD` (:func:`imagenet_normalize`).

    ``"random"``: torchvision's initialisation (Kaiming-normal convs, fan-out, zero biases)
    drawn under ``torch.manual_seed(seed)`` inside ``torch.random.fork_rng``: the same
    ``seed`` gives the same network on every machine, and the caller's random stream is left
    as it was. A stand-in when the ImageNet file cannot be had (``--features random``).

The network comes back frozen (``requires_grad=False``, eval mode) unless ``frozen=False``.
"""

from __future__ import annotations

import difflib
import pickle
from collections import OrderedDict
from pathlib import Path
from typing import Literal

import torch
from torch import nn

from marionnette.errors import CheckpointError, MarionnetteError

IMAGENET_MEAN: tuple[float, float, float] = (0.485, 0.456, 0.406)
"""Per-channel RGB mean of ImageNet, for images in ``[0, 1]`` (torchvision's presets)."""
IMAGENET_STD: tuple[float, float, float] = (0.229, 0.224, 0.225)
"""Per-channel RGB standard deviation of ImageNet, for images in ``[0, 1]``."""

VGG19_FILE = "vgg19-dcbb9e9d.pth"
"""The name torchvision gives ``VGG19_Weights.IMAGENET1K_V1`` in the torch hub cache."""

# Configuration "E" of the paper (torchvision's cfgs["E"]): output channels of each conv,
# block by block; every block ends with a 2x2 max-pool of stride 2.
_BLOCKS: tuple[tuple[int, ...], ...] = ((64, 64), (128, 128), (256,) * 4, (512,) * 4, (512,) * 4)


def _named_layers() -> list[tuple[str, nn.Module]]:
    """VGG19's features as ``(name, module)`` in torchvision's order (its ``features.<i>``)."""
    layers: list[tuple[str, nn.Module]] = []
    channels = 3
    for b, widths in enumerate(_BLOCKS, start=1):
        for i, width in enumerate(widths, start=1):
            layers.append((f"conv{b}_{i}", nn.Conv2d(channels, width, kernel_size=3, padding=1)))
            layers.append((f"relu{b}_{i}", nn.ReLU(inplace=False)))
            channels = width
        layers.append((f"pool{b}", nn.MaxPool2d(kernel_size=2, stride=2)))
    return layers


VGG19_LAYERS: tuple[str, ...] = tuple(name for name, _ in _named_layers())
"""Every child's name, in order: ``conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, ... pool5``."""


def vgg19_cache_path() -> Path:
    """Where torchvision keeps (and :func:`vgg19_features` reads) VGG19's ImageNet weights."""
    return Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILE


def imagenet_normalize(images: torch.Tensor) -> torch.Tensor:
    """``(N, 3, H, W)`` RGB in ``[0, 1]`` → the input ImageNet weights expect (same shape)."""
    mean = images.new_tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = images.new_tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (images - mean) / std


def vgg19_features(
    until: str = "conv5_1",
    weights: Literal["imagenet", "random"] = "imagenet",
    seed: int = 0,
    frozen: bool = True,
) -> nn.Sequential:
    """VGG19's features up to and including the child named ``until``.

    :param until: the last layer kept, one of :data:`VGG19_LAYERS` (``"conv5_1"`` ends on
        the conv, ``"relu5_1"`` on its ReLU).
    :param weights: ``"imagenet"`` (torchvision's cached file, never downloaded) or
        ``"random"`` (torchvision's initialisation under ``seed``).
    :param seed: the seed of the ``"random"`` weights; unused for ``"imagenet"``.
    :param frozen: parameters without gradients and the module in eval mode.
    :returns: ``nn.Sequential`` of named children; ``(N, 3, H, W)`` in, ``(N, C, H', W')`` out.
    :raises MarionnetteError: an unknown ``until`` or ``weights``, or the ImageNet file is
        missing; :class:`~marionnette.errors.CheckpointError` when it does not read or
        does not hold VGG19's features.
    """
    if until not in VGG19_LAYERS:
        close = difflib.get_close_matches(until, VGG19_LAYERS, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(VGG19_LAYERS)}"
        raise MarionnetteError(f"VGG19 has no layer {until!r}: {hint}")
    if weights not in ("imagenet", "random"):
        raise MarionnetteError(f"VGG19 weights {weights!r} are unknown: use 'imagenet' (cached file) or 'random'")
    keep = VGG19_LAYERS.index(until) + 1
    if weights == "random":
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            features = nn.Sequential(OrderedDict(_named_layers()))
            for m in features:
                if isinstance(m, nn.Conv2d):  # torchvision's VGG init
                    nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                    nn.init.constant_(m.bias, 0)
    else:
        # Default init would draw ~20M numbers only to be overwritten: build on the meta
        # device and take the file's tensors as they are.
        with torch.device("meta"):
            features = nn.Sequential(OrderedDict(_named_layers()))
        features.load_state_dict(_imagenet_state(vgg19_cache_path()), assign=True)
    features = features[:keep]
    if frozen:
        features.requires_grad_(False).eval()
    return features


def _imagenet_state(path: Path) -> dict[str, torch.Tensor]:
    """The features of torchvision's VGG19 file at ``path``, keyed by our layer names."""
    if not path.is_file():
        raise MarionnetteError(
            f"VGG19 ImageNet weights not found: put torchvision's {VGG19_FILE} (VGG19_Weights.IMAGENET1K_V1) in "
            f"{path.parent}/ (this machine does not download), or use --features random"
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, EOFError, pickle.UnpicklingError, UnicodeDecodeError, IndexError, KeyError) as e:
        # What torch.load raises on a damaged file (measured in agents/native_ppo.py too):
        # RuntimeError from its zip reader, EOFError when empty, UnpicklingError when the
        # bytes are no pickle or hold more than tensors, OSError/UnicodeDecodeError on a cut.
        reason = (str(e).splitlines() or [""])[0][:120] or "no message"
        raise CheckpointError(
            f"{path} does not read as torch weights ({type(e).__name__}: {reason}): it is cut short or "
            f"another file; replace it with torchvision's {VGG19_FILE}, or use --features random"
        ) from e
    index = {name: i for i, name in enumerate(VGG19_LAYERS)}  # ours -> torchvision's features.<i>
    ours = {}
    for name, module in _named_layers():
        if not isinstance(module, nn.Conv2d):
            continue
        for part, shape in (("weight", module.weight.shape), ("bias", module.bias.shape)):
            theirs = f"features.{index[name]}.{part}"
            tensor = state.get(theirs) if isinstance(state, dict) else None
            if not isinstance(tensor, torch.Tensor) or tensor.shape != shape:
                found = "missing" if tensor is None else f"of shape {tuple(getattr(tensor, 'shape', ()))}"
                raise CheckpointError(
                    f"{path} does not hold VGG19's features ({theirs} {found}, expected {tuple(shape)}): "
                    f"replace it with torchvision's {VGG19_FILE}, or use --features random"
                )
            ours[f"{name}.{part}"] = tensor.float()
    return ours
