"""Skeleton action recognizers: the clips + CNN + MTLN of Ke et al. and two baselines.

References
    - Q. Ke, M. Bennamoun, S. An, F. Sohel, F. Boussaid, "A New Representation of Skeleton
      Sequences for 3D Action Recognition", CVPR 2017 (arXiv:1703.03492): the clips
      (:mod:`~.clips`), a CNN on each clip frame, temporal mean pooling, and the heads
      ``mtln``, ``concat``, ``pooling`` (its Section 3.2 and its baselines).
    - A. Shahroudy, J. Liu, T.-T. Ng, G. Wang, "NTU RGB+D: A Large Scale Dataset for 3D
      Human Activity Analysis", CVPR 2016: the "Deep LSTM" baseline Ke et al. compare with.
    - S. Yan, Y. Xiong, D. Lin, "Spatial Temporal Graph Convolutional Networks for
      Skeleton-Based Action Recognition", AAAI 2018: ``stgcn``.

The contract a trainer relies on (:class:`ActionModel`), the same for every model::

    model = build_model("mtln", num_classes)             # or "concat", "pooling", "lstm", "stgcn"
    inputs = model.prepare(windows)   # (N, T, 25, 3) float NTU_25 metres, on the model's device
    outputs = model(inputs)           # logits: (N, 4, C) for mtln, (N, C) for the others
    loss = model.loss(outputs, labels)         # labels (N,) int64 class indices
    proba = model.predict_proba(outputs)       # (N, C), rows summing to 1

``prepare`` holds no parameters and runs on the windows' device, so it may run in a data
loader's workers (on CPU windows) or on the GPU batch; its output is what ``forward``
reads (clips for the clip models, ``(N, T, 75)`` for the LSTM, ``(N, 3, T, 25, 1)`` for
ST-GCN). It checks shapes always and values (NaN) only on CPU tensors, where checking costs
no device sync; the trainer's data has every joint present (``PoseSequence.fill_gaps``).

The clip models (:class:`ClipModel`, Ke et al.)
    The 12 frames of a sequence's clips (3 clips ``rho, theta, z`` x 4 reference joints)
    go through one CNN each, shared: VGG19 up to ``conv5_1`` (frozen, as in the paper;
    each grey frame repeated to RGB and ImageNet-normalised) or a small CNN trained from
    scratch. A clip frame's rows are the joints and its columns are time (the paper's
    ``(m - 1) x t`` arrays), so the CNN's maps keep that layout: **temporal mean pooling**
    averages each map over its columns, the time axis, keeping one value per row: at 224
    pixels VGG gives ``(512, 14, 14)`` maps and a ``512 x 14 = 7168`` vector a frame. The
    three clips' vectors of one reference joint are concatenated, giving four feature
    vectors ``(N, 4, 3 x 7168)``, which the head reads:

    ``mtln``: the Multi-Task Learning Network, one task per feature vector, each its own
    ``FC -> ReLU -> FC -> softmax``; training sums the four tasks' cross-entropies, testing
    averages their four softmax scores. ``concat``: the four vectors concatenated into one
    such classifier. ``pooling``: the four vectors max-pooled (``pool="mean"`` averages)
    into one.

Baselines
    ``lstm`` (:class:`DeepLSTM`): per frame the 75 coordinates (centred on the first frame's
    ``spine_mid``), stacked LSTM layers, a linear classifier on the last step (or the mean
    over steps). ``stgcn`` (:class:`STGCN`): graph convolutions over NTU_25's bones
    (spatial partition about ``spine_shoulder``, or one uniform matrix; self-loops;
    ``A D^-1`` normalised; learnt edge importance), temporal convolutions of kernel 9,
    residual blocks, global average pooling and a linear classifier; its input is
    ST-GCN's ``(N, C=3, T, V=25, M)`` (``M`` people, folded into the batch, scores averaged).

Departures from the paper are named where they are made: the VGG layer (``relu5_1`` by
default, see :attr:`ClipModelConfig.vgg_layer`) and the scratch CNN (not in the paper).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.motion import NTU_25, NTUJoint
from marionnette.nets import imagenet_normalize, vgg19_features
from marionnette.perception.action.clips import check_positions, clip_images

MODEL_NAMES: tuple[str, ...] = ("mtln", "concat", "pooling", "lstm", "stgcn")
"""What :func:`build_model` builds."""

CLIP_HEADS: tuple[str, ...] = ("mtln", "concat", "pooling")
"""The clip models' heads (the model names that build a :class:`ClipModel`)."""

_FRAMES = 4  # clip frames, one per reference joint
_CLIPS = 3  # clips, one per cylindrical coordinate


@runtime_checkable
class ActionModel(Protocol):
    """What every model of this module is (besides an ``nn.Module``): the module docstring's contract."""

    name: str
    num_classes: int

    def prepare(self, windows: torch.Tensor) -> torch.Tensor:
        """``(N, T, 25, 3)`` NTU_25 metres → this model's input, on the windows' device."""
        ...

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor: ...

    def loss(self, outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The training loss (a scalar) of ``outputs`` for ``(N,)`` int64 ``labels``."""
        ...

    def predict_proba(self, outputs: torch.Tensor) -> torch.Tensor:
        """``(N, C)`` class probabilities of ``outputs``."""
        ...


def _windows(windows: torch.Tensor) -> torch.Tensor:
    """``(N, T, 25, 3)`` checked (values only on the CPU: no device sync) as float32."""
    if windows.ndim != 4:
        raise MarionnetteError(
            f"action windows have shape {tuple(windows.shape)}: give a batch (N, T, 25, 3) of NTU_25 positions"
        )
    return check_positions(windows, values=windows.device.type == "cpu")


def _centred(windows: torch.Tensor) -> torch.Tensor:
    """``(N, T, 25, 3)`` less each window's first-frame ``spine_mid`` (where it stands stays
    out of the input; how it moves stays in)."""
    return windows - windows[:, :1, NTUJoint.SPINE_MID : NTUJoint.SPINE_MID + 1]


# -- the clip models (Ke et al.) ------------------------------------------------------------


@dataclass
class ClipModelConfig:
    """The clip models: their CNN and head (the head itself is the model's name)."""

    cnn: Literal["scratch", "vgg"] = "scratch"
    """``"vgg"``: VGG19's features, frozen, as in the paper; ``"scratch"``: a small CNN
    trained with the head (fast on a CPU; not in the paper)."""
    features: Literal["imagenet", "random"] = "imagenet"
    """VGG's weights: torchvision's ImageNet file from the torch cache (never downloaded),
    or seeded random weights (:func:`~marionnette.nets.vgg19_features`). Unused for scratch."""
    vgg_layer: str = "relu5_1"
    """VGG's last layer. The paper reads "conv5_1" without saying before or after its ReLU
    (in Caffe the ReLU rectifies conv5_1's blob in place, so "conv5_1" there is relu5_1's
    output). We take relu5_1: non-negative maps, whose mean over time does not cancel;
    ``"conv5_1"`` takes the conv's raw output."""
    seed: int = 0
    """Seed of the random VGG weights (``features="random"``)."""
    vgg_batch: int = 64
    """Clip frames per VGG pass: at 224 pixels each holds about 26 MB of activations at
    its peak (conv1), so 64 keep a batch of 32 sequences (384 frames) near 1.7 GB."""
    image_size: int | None = None
    """Side of the square clip frames; ``None``: 224 for VGG (the paper), 32 for scratch
    (:attr:`frame_size`)."""
    scratch_channels: tuple[int, ...] = (16, 32, 64)
    """Output channels of the scratch CNN's 3x3 conv blocks (BN, ReLU; a 2x2 max-pool after
    all but the last)."""
    hidden: int = 512
    """Units of each classifier's hidden layer (FC -> ReLU -> FC)."""
    pool: Literal["max", "mean"] = "max"
    """How the ``pooling`` head pools the four feature vectors."""
    dropout: float = 0.0
    """Dropout before each of a classifier's two layers (0: none)."""

    def __post_init__(self) -> None:
        if self.cnn not in ("scratch", "vgg"):
            raise MarionnetteError(f"clip model cnn {self.cnn!r} is unknown: use 'vgg' or 'scratch'")
        if self.pool not in ("max", "mean"):
            raise MarionnetteError(f"clip model pool {self.pool!r} is unknown: use 'max' or 'mean'")
        if self.cnn == "scratch" and self.frame_size % 2 ** (len(self.scratch_channels) - 1):
            raise MarionnetteError(
                f"clip image_size {self.frame_size} does not halve {len(self.scratch_channels) - 1} times: "
                f"use a multiple of {2 ** (len(self.scratch_channels) - 1)}"
            )

    @property
    def frame_size(self) -> int:
        """The clip frames' side: :attr:`image_size`, or the CNN's default. A property, not a
        field filled in ``__post_init__``, so that ``dataclasses.replace(config, cnn="vgg")``
        gives VGG its 224."""
        if self.image_size is not None:
            return self.image_size
        return 224 if self.cnn == "vgg" else 32


def _scratch_cnn(channels: tuple[int, ...]) -> nn.Sequential:
    """``(B, 1, H, W)`` → ``(B, channels[-1], H / 2^(n-1), W / 2^(n-1))``."""
    layers: list[nn.Module] = []
    c_in = 1
    for i, c_out in enumerate(channels):
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]
        if i < len(channels) - 1:
            layers.append(nn.MaxPool2d(2))
        c_in = c_out
    return nn.Sequential(*layers)


def _classifier(features: int, hidden: int, num_classes: int, dropout: float) -> nn.Sequential:
    """FC -> ReLU -> FC: ``(..., features)`` → ``(..., num_classes)`` logits (softmax in the loss)."""
    return nn.Sequential(
        nn.Dropout(dropout), nn.Linear(features, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, num_classes)
    )


class ClipModel(nn.Module):
    """Clips + CNN + ``mtln`` | ``concat`` | ``pooling`` (Ke et al.; the module docstring).

    :param head: ``"mtln"``, ``"concat"`` or ``"pooling"``.
    :param num_classes: classes ``C``.
    :param config: the CNN and the classifiers.

    Input: clips ``(N, 3, 4, H, W)`` in ``[0, 1]`` (:meth:`prepare`); output: logits
    ``(N, 4, C)`` for ``mtln`` (one row a task), ``(N, C)`` otherwise.
    """

    def __init__(self, head: str, num_classes: int, config: ClipModelConfig | None = None):
        super().__init__()
        if head not in CLIP_HEADS:
            raise MarionnetteError(f"clip model head {head!r} is unknown: use one of {', '.join(CLIP_HEADS)}")
        self.name, self.num_classes = head, num_classes
        self.config = config = config or ClipModelConfig()
        size = config.frame_size
        if config.cnn == "vgg":
            self.cnn = vgg19_features(config.vgg_layer, config.features, seed=config.seed)
            convs = [m for m in self.cnn if isinstance(m, nn.Conv2d)]
            pools = sum(isinstance(m, nn.MaxPool2d) for m in self.cnn)
            channels, rows = convs[-1].out_channels, size // 2**pools
        else:
            self.cnn = _scratch_cnn(config.scratch_channels)
            channels, rows = config.scratch_channels[-1], size // 2 ** (len(config.scratch_channels) - 1)
        self.frame_features = channels * rows  # after temporal mean pooling: one value per map row
        vector = _CLIPS * self.frame_features  # one reference joint's three clips
        if head == "mtln":
            self.heads = nn.ModuleList(
                _classifier(vector, config.hidden, num_classes, config.dropout) for _ in range(_FRAMES)
            )
        else:
            width = _FRAMES * vector if head == "concat" else vector
            self.head = _classifier(width, config.hidden, num_classes, config.dropout)

    def prepare(self, windows: torch.Tensor) -> torch.Tensor:
        """``(N, T, 25, 3)`` → the clips ``(N, 3, 4, S, S)`` (:func:`~.clips.clip_images`)."""
        return clip_images(_windows(windows), (self.config.frame_size,) * 2)

    def features(self, clips: torch.Tensor) -> torch.Tensor:
        """``(N, 3, 4, H, W)`` clips → the four feature vectors ``(N, 4, 3 * frame_features)``."""
        N, _, _, H, W = clips.shape
        frames = clips.reshape(N * _CLIPS * _FRAMES, 1, H, W)  # clip-major: (clip, frame) pairs in order
        if self.config.cnn == "vgg":
            frozen = not any(p.requires_grad for p in self.cnn.parameters())
            with torch.set_grad_enabled(torch.is_grad_enabled() and not frozen):
                pooled = torch.cat(
                    [
                        self.cnn(imagenet_normalize(chunk.expand(-1, 3, -1, -1))).mean(dim=3)  # grey → RGB
                        for chunk in frames.split(self.config.vgg_batch)
                    ]
                )  # (12N, 512, H/16): VGG's maps, mean-pooled over time a chunk at a time
        else:
            pooled = self.cnn(frames).mean(dim=3)  # (12N, C', H', W') → (12N, C', H')
        # temporal mean pooling, above: over each map's columns (time), one value per row (joints)
        pooled = pooled.reshape(N, _CLIPS, _FRAMES, -1)  # (N, 3, 4, C' * H')
        return pooled.transpose(1, 2).reshape(N, _FRAMES, -1)  # (N, 4, 3 * C' * H')

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        vectors = self.features(clips)  # (N, 4, D)
        if self.name == "mtln":
            return torch.stack([head(vectors[:, k]) for k, head in enumerate(self.heads)], dim=1)  # (N, 4, C)
        if self.name == "concat":
            return self.head(vectors.flatten(1))  # (N, 4D) → (N, C)
        pooled = vectors.amax(dim=1) if self.config.pool == "max" else vectors.mean(dim=1)  # (N, D)
        return self.head(pooled)

    def loss(self, outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy; for ``mtln`` the sum of the four tasks' (each a batch mean)."""
        if self.name == "mtln":
            N, K, C = outputs.shape
            per_task = F.cross_entropy(outputs.reshape(N * K, C), labels.repeat_interleave(K), reduction="none")
            return per_task.view(N, K).mean(dim=0).sum()
        return F.cross_entropy(outputs, labels)

    def predict_proba(self, outputs: torch.Tensor) -> torch.Tensor:
        """Softmax; for ``mtln`` the mean of the four tasks' softmax scores."""
        if self.name == "mtln":
            return outputs.softmax(dim=-1).mean(dim=1)
        return outputs.softmax(dim=-1)


# -- Deep LSTM (NTU RGB+D's baseline) -------------------------------------------------------


@dataclass
class LSTMConfig:
    """The Deep LSTM baseline."""

    hidden: int = 100
    """Units of each LSTM layer."""
    layers: int = 2
    """Stacked LSTM layers (NTU RGB+D's deep LSTM has two)."""
    readout: Literal["last", "mean"] = "last"
    """Classify from the last step's output, or from the mean over all steps."""
    dropout: float = 0.0
    """Dropout between LSTM layers and before the classifier."""

    def __post_init__(self) -> None:
        if self.readout not in ("last", "mean"):
            raise MarionnetteError(f"LSTM readout {self.readout!r} is unknown: use 'last' or 'mean'")


class DeepLSTM(nn.Module):
    """Stacked LSTMs over the 75 coordinates of each frame, then a linear classifier.

    Input: ``(N, T, 75)`` (:meth:`prepare`); output: logits ``(N, C)``.
    """

    def __init__(self, num_classes: int, config: LSTMConfig | None = None):
        super().__init__()
        self.name, self.num_classes = "lstm", num_classes
        self.config = config = config or LSTMConfig()
        inputs = len(NTU_25) * 3
        dropout = config.dropout if config.layers > 1 else 0.0  # torch warns on dropout with one layer
        self.lstm = nn.LSTM(inputs, config.hidden, num_layers=config.layers, batch_first=True, dropout=dropout)
        self.dropout = nn.Dropout(config.dropout)
        self.fc = nn.Linear(config.hidden, num_classes)

    def prepare(self, windows: torch.Tensor) -> torch.Tensor:
        """``(N, T, 25, 3)`` → ``(N, T, 75)``, centred on the first frame's ``spine_mid``."""
        return _centred(_windows(windows)).flatten(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        steps, _ = self.lstm(x)  # (N, T, hidden)
        out = steps[:, -1] if self.config.readout == "last" else steps.mean(dim=1)  # (N, hidden)
        return self.fc(self.dropout(out))  # (N, C)

    def loss(self, outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(outputs, labels)

    def predict_proba(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.softmax(dim=-1)


# -- ST-GCN (Yan et al.) --------------------------------------------------------------------


@dataclass
class STGCNConfig:
    """A small ST-GCN (the paper's has nine blocks of 64-256 channels)."""

    channels: tuple[int, ...] = (32, 32, 64, 64, 128)
    """Output channels of each block."""
    strides: tuple[int, ...] = (1, 2, 1, 2, 1)
    """Temporal stride of each block (2 halves the frames). Halving early keeps a batch of
    32 windows of 64 frames at 0.25 s forward and backward on two CPU cores (0.5 s when the
    halvings come later)."""
    temporal_kernel: int = 9
    """Frames each temporal convolution spans (odd)."""
    partition: Literal["spatial", "uniform"] = "spatial"
    """``"spatial"``: three adjacency matrices (the joint itself, neighbours nearer the
    centre, neighbours farther); ``"uniform"``: one, every neighbour and the joint alike."""
    edge_importance: bool = True
    """Learn a weight for each edge of each block's graph (ST-GCN's edge importance)."""
    dropout: float = 0.0
    """Dropout after each temporal convolution."""

    def __post_init__(self) -> None:
        if len(self.channels) != len(self.strides):
            raise MarionnetteError(
                f"ST-GCN has {len(self.channels)} channel counts but {len(self.strides)} strides: give one per block"
            )
        if self.temporal_kernel % 2 == 0:
            raise MarionnetteError(f"ST-GCN temporal_kernel {self.temporal_kernel} is even: use an odd one, e.g. 9")
        if self.partition not in ("spatial", "uniform"):
            raise MarionnetteError(f"ST-GCN partition {self.partition!r} is unknown: use 'spatial' or 'uniform'")


GRAPH_CENTER = NTUJoint.SPINE_SHOULDER
"""The spatial partition's centre: ``spine_shoulder``, as PySKL's NTU layout (index 21, 1-based)."""


def ntu_graph(partition: Literal["spatial", "uniform"] = "spatial") -> np.ndarray:
    """NTU_25's normalised adjacency: ``(K, 25, 25)`` float32, ``K`` = 3 (spatial) or 1 (uniform).

    ``A`` is NTU_25's bones both ways plus self-loops, normalised as ST-GCN does, ``A D^-1``
    (each column divided by its node's degree), so ``x @ A[k]`` averages over neighbours. The
    spatial partition splits each column ``i`` (the node aggregated into) by the hop
    distance to :data:`GRAPH_CENTER`: the joint itself (``k = 0``, with neighbours as far
    from the centre as it is), neighbours nearer the centre (``k = 1``), and farther
    (``k = 2``). ``A[k][j, i]`` weighs joint ``j``'s features in joint ``i``'s sum.
    """
    V = len(NTU_25)
    adjacency = np.eye(V)
    for parent, child in NTU_25.bones:
        adjacency[parent, child] = adjacency[child, parent] = 1
    normalised = adjacency / adjacency.sum(axis=0, keepdims=True)  # A D^-1 (A is symmetric)
    if partition == "uniform":
        return normalised[None].astype(np.float32)
    hops = np.full(V, -1)  # hop distance from the centre, breadth first
    hops[GRAPH_CENTER], frontier, d = 0, [int(GRAPH_CENTER)], 0
    while frontier:
        d += 1
        frontier = [j for i in frontier for j in np.flatnonzero(adjacency[i]) if hops[j] < 0]
        hops[frontier] = d
    same = hops[:, None] == hops[None, :]  # [j, i]: j as far from the centre as i
    nearer = hops[:, None] < hops[None, :]  # [j, i]: j nearer the centre than i
    parts = [np.where(same, normalised, 0), np.where(nearer, normalised, 0), np.where(~same & ~nearer, normalised, 0)]
    return np.stack(parts).astype(np.float32)


class _STGCNBlock(nn.Module):
    """Spatial graph convolution, then temporal convolution, plus a residual; ``(N, C, T, V)``."""

    def __init__(self, c_in: int, c_out: int, K: int, kernel: int, stride: int, dropout: float, residual: bool):
        super().__init__()
        self.K = K
        self.gcn = nn.Conv2d(c_in, c_out * K, kernel_size=1)  # one 1x1 conv per partition
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(c_out),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, (kernel, 1), (stride, 1), ((kernel - 1) // 2, 0)),
            nn.BatchNorm2d(c_out),
            nn.Dropout(dropout),
        )
        if not residual:
            self.residual = None
        elif c_in == c_out and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(nn.Conv2d(c_in, c_out, 1, (stride, 1)), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
        N, _, T, V = x.shape  # (N, C_in, T, V)
        y = self.gcn(x).view(N, self.K, -1, T, V)  # (N, K, C_out, T, V)
        y = y.permute(0, 2, 3, 1, 4).reshape(N, -1, T, self.K * V)  # (N, C_out, T, K*V)
        y = y @ A.reshape(self.K * V, V)  # (N, C_out, T, V): summed over partitions and neighbours
        y = self.tcn(y)  # (N, C_out, T / stride, V)
        return F.relu(y if self.residual is None else y + self.residual(x))


class STGCN(nn.Module):
    """ST-GCN on NTU_25 (Yan et al.), small by default.

    Input: ``(N, 3, T, 25, M)`` (:meth:`prepare` gives ``M = 1``); output: logits ``(N, C)``.
    """

    def __init__(self, num_classes: int, config: STGCNConfig | None = None):
        super().__init__()
        self.name, self.num_classes = "stgcn", num_classes
        self.config = config = config or STGCNConfig()
        self.register_buffer("A", torch.from_numpy(ntu_graph(config.partition)))  # (K, V, V)
        K, V = self.A.shape[:2]
        self.data_bn = nn.BatchNorm1d(3 * V)  # each joint's each coordinate on its own
        blocks, c_in = [], 3
        for i, (c_out, stride) in enumerate(zip(config.channels, config.strides, strict=True)):
            blocks.append(
                _STGCNBlock(c_in, c_out, K, config.temporal_kernel, stride, config.dropout, residual=i > 0)
            )  # the first block has no residual, as in ST-GCN
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        self.importance = nn.ParameterList(
            nn.Parameter(torch.ones(K, V, V), requires_grad=config.edge_importance) for _ in blocks
        )
        self.fc = nn.Linear(c_in, num_classes)

    def prepare(self, windows: torch.Tensor) -> torch.Tensor:
        """``(N, T, 25, 3)`` → ``(N, 3, T, 25, 1)``, centred on the first frame's ``spine_mid``."""
        return _centred(_windows(windows)).permute(0, 3, 1, 2).unsqueeze(-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        N, C, T, V, M = x.shape
        x = x.permute(0, 4, 3, 1, 2).reshape(N * M, V * C, T)  # (NM, V*C, T)
        x = self.data_bn(x)
        x = x.view(N * M, V, C, T).permute(0, 2, 3, 1)  # (NM, C, T, V)
        for block, importance in zip(self.blocks, self.importance, strict=True):
            x = block(x, self.A * importance)
        x = x.mean(dim=(2, 3)).view(N, M, -1).mean(dim=1)  # global average pool, then over people: (N, C')
        return self.fc(x)  # (N, num_classes)

    def loss(self, outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(outputs, labels)

    def predict_proba(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.softmax(dim=-1)


# -- the factory ----------------------------------------------------------------------------

ModelConfig = ClipModelConfig | LSTMConfig | STGCNConfig


def default_config(name: str) -> ModelConfig:
    """The default config of the model ``name`` (a fresh one)."""
    _check_name(name)
    return ClipModelConfig() if name in CLIP_HEADS else LSTMConfig() if name == "lstm" else STGCNConfig()


def build_model(name: str, num_classes: int, config: ModelConfig | None = None) -> nn.Module:
    """The model ``name`` (one of :data:`MODEL_NAMES`) for ``num_classes`` classes.

    :param config: its config: :class:`ClipModelConfig` for ``mtln | concat | pooling``,
        :class:`LSTMConfig` for ``lstm``, :class:`STGCNConfig` for ``stgcn``; ``None``
        for the defaults.
    :returns: an ``nn.Module`` that is an :class:`ActionModel`.
    :raises MarionnetteError: an unknown name, a config of another model, fewer than two
        classes, or (``cnn="vgg"``, ``features="imagenet"``) no cached VGG19 file.
    """
    _check_name(name)
    if num_classes < 2:
        raise MarionnetteError(f"an action model needs at least 2 classes, not {num_classes}")
    config = default_config(name) if config is None else config
    expected = type(default_config(name))
    if not isinstance(config, expected):
        raise MarionnetteError(
            f"model {name!r} takes a {expected.__name__}, not a {type(config).__name__}: pass {expected.__name__}(...)"
        )
    if name in CLIP_HEADS:
        return ClipModel(name, num_classes, config)
    return DeepLSTM(num_classes, config) if name == "lstm" else STGCN(num_classes, config)


def _check_name(name: str) -> None:
    if name not in MODEL_NAMES:
        raise MarionnetteError(f"unknown action model {name!r}: use one of {', '.join(MODEL_NAMES)}")


def load_model_state(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Load ``state`` (a ``state_dict``) into ``model``, or say in one line why it does not fit.

    :param source: what ``state`` came from (a file's path), for the message.
    :raises CheckpointError: the weights are for another number of classes, or another
        model or config (keys missing, unexpected, or of other shapes).
    """
    ours = model.state_dict()
    missing = [k for k in ours if k not in state]
    unexpected = [k for k in state if k not in ours]
    reshaped = [k for k in ours if k in state and tuple(state[k].shape) != tuple(ours[k].shape)]
    if not (missing or unexpected or reshaped):
        model.load_state_dict(state)
        return
    name, classes = getattr(model, "name", type(model).__name__), getattr(model, "num_classes", None)
    outputs = [n for n, m in model.named_modules() if isinstance(m, nn.Linear) and m.out_features == classes]
    theirs = {int(state[f"{n}.weight"].shape[0]) for n in outputs if f"{n}.weight" in state}
    if not (missing or unexpected) and theirs and classes not in theirs:
        raise CheckpointError(
            f"{source} holds a {name} model for {theirs.pop()} classes, this one has {classes}: build it with "
            "the checkpoint's num_classes (the run's config) or train a new one"
        )
    what = (
        f"{len(missing)} weights missing (e.g. {missing[0]})" if missing
        else f"{len(unexpected)} unexpected (e.g. {unexpected[0]})" if unexpected
        else f"{len(reshaped)} of other shapes (e.g. {reshaped[0]}: {tuple(state[reshaped[0]].shape)} "
        f"for {tuple(ours[reshaped[0]].shape)})"
    )  # fmt: skip
    raise CheckpointError(
        f"{source} holds weights of another model or config than this {name} ({what}): "
        "build the model with the run's own name and config"
    )
