"""Re-identification: an appearance embedding trained with FaceNet's triplet loss, for the tracker.

A tracker that loses a player behind another needs to know him again when he comes out:
:mod:`~.track` (``TrackerConfig(appearance=True, reid_lost=True)``) compares each box's
embedding with each track's by cosine distance. This module makes those embeddings: a
small CNN maps a person crop to a unit vector, and training pulls crops of one identity
together and pushes other identities away (Schroff, Kalenichenko, Philbin, "FaceNet: A
Unified Embedding for Face Recognition and Clustering", CVPR 2015).

The network (:class:`Embedder`)
    ``crop (N, 3, H, W)`` in [0, 1] -> ``stages`` of conv3x3-BN-ReLU, conv3x3-BN-ReLU,
    max-pool 2 -> average pool over each of ``parts`` horizontal bands (``parts=1``: global
    average pooling; 2 keeps "shirt above, trousers below", PCB's idea, Sun et al. 2018)
    -> linear -> ``f(x) (N, D)``, L2-normalised. :meth:`Embedder.embed` is what the
    tracker calls per frame: one ``(H, W, 3)`` uint8 image and its ``(N, 4)`` xyxy boxes,
    each box cropped and resized to ``crop`` in one ``torchvision.ops.roi_align`` call
    (bilinear, averaged over the pixels a bin covers), out ``(N, D)`` numpy.

The loss (:func:`triplet_loss`)
    Distances are FaceNet's squared Euclidean ``d(x, y) = ||f(x) - f(y)||^2`` (on unit
    vectors ``= 2 (1 - cos)``, twice the cosine distance, four times the tracker's cost).
    A triplet (anchor ``a``, positive ``p`` of its identity, negative ``n`` of another)
    costs ``max(0, d(a, p) - d(a, n) + alpha)``, margin ``alpha = 0.2`` (FaceNet's).

Mining (:func:`semi_hard_triplets`), in the batch, online
    Every ordered anchor-positive pair of the batch is used (FaceNet: "all anchor-positive
    pairs"); its negative is *semi-hard*, farther than the positive but within the margin,
    ``d(a, p) < d(a, n) < d(a, p) + alpha`` (strict), the nearest such one. When a pair has
    no semi-hard negative we take its hardest (nearest) negative: either a hard one
    (``d(a, n) <= d(a, p)``, loss above ``alpha``) or, when every negative is beyond the
    margin, one whose loss is 0. (TensorFlow Addons' ``triplet_semihard_loss`` falls back to
    the *farthest* of the hard negatives instead; FaceNet warns that the hardest ones alone
    collapse the embedding early, which the semi-hard ones, the usual case, prevent.)

The batch (Hermans, Beyer, Leibe, "In Defense of the Triplet Loss for Person
Re-Identification", 2017): ``P`` identities x ``K`` crops each, drawn at step ``k`` from
``numpy.random.default_rng((seed, k))`` (so ``resume`` ends where an uninterrupted run
would), each crop jittered (scale, position, aspect, mirror, brightness, contrast) by
resampling it with ``roi_align``. Adam.

The data (:class:`CropSet`, one ``.npz``, read without unpickling)
    ``crops (N, H, W, 3)`` uint8 RGB, ``identities (N,)`` int64 (unique across the file),
    ``sequences (N,)`` int64 (the video each crop comes from), ``frames (N,)`` int64 (its
    frame in that video); :func:`crops_from_tracks` cuts it from frames, ground-truth boxes
    and track ids. Whole identities are held out for evaluation (a fraction of them, or
    those of ``held_out_sequences``), so the scores are of people never trained on.

Evaluation (:func:`scores`, :func:`evaluate`) on the held-out identities
    rank-1 (each crop queries all the others; the nearest must be its identity; crops of
    its own identity within ``min_gap`` frames of it are left out, so the next frame of the
    same track does not win it), the verification ROC-AUC of same vs different pairs by
    cosine distance, the quantiles of both distance distributions, and the equal-error
    threshold; beside an untrained embedder (random weights) and a colour histogram
    (:func:`color_histograms`, the classic appearance descriptor). The tracker's
    ``appearance_thresh`` is on *half* the cosine distance: pass ``threshold / 2``.

The run directory::

    runs/reid__embedder__<seed>__<time>/
      config.yaml        the crop set, the network, the training settings
      checkpoints/       step_<step>.pt every ``checkpoint_every`` epochs (net, Adam)
      model.pt           the embedder's final weights
      progress.csv       one row an epoch: loss, semi-hard and active fractions, held-out rank-1 and AUC, seconds
      tb/                TensorBoard scalars
"""

from __future__ import annotations

import dataclasses
import os
import time
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path
from marionnette.nets import training as nets
from marionnette.runs import Run

TASK = "reid"
MODEL = "embedder"
EXT = "pt"
FORMAT = "marionnette-crops"
VERSION = 1
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # of the same / different distance distributions


# ----------------------------------------------------------------------------- the network


@dataclass
class EmbedderConfig:
    """The embedding network (config.yaml's ``train.net``)."""

    crop: tuple[int, int] = (64, 32)
    """``(H, W)`` pixels every box is resized to: 2:1, a standing person."""
    dim: int = 64
    """``D``, the embedding's length."""
    channels: tuple[int, ...] = (16, 32, 64, 128)
    """Output channels of each stage (two conv3x3-BN-ReLU and a 2x2 max-pool each)."""
    parts: int = 2
    """Horizontal bands average-pooled apart (1: global average pooling)."""

    def __post_init__(self) -> None:
        self.crop = tuple(int(v) for v in self.crop)
        self.channels = tuple(int(c) for c in self.channels)
        if len(self.crop) != 2 or min(self.crop) < 2 ** len(self.channels):
            raise MarionnetteError(f"crop {self.crop}: give (H, W), each side at least 2^stages = "
                                   f"{2 ** len(self.channels)}")  # fmt: skip
        if self.dim < 1 or not self.channels or min(self.channels) < 1:
            raise MarionnetteError(f"dim {self.dim}, channels {self.channels}: give positive sizes")
        if not 1 <= self.parts <= self.crop[0] // 2 ** len(self.channels):
            raise MarionnetteError(f"parts {self.parts}: give 1 to the {self.crop[0] // 2 ** len(self.channels)} "
                                   "rows the last stage leaves")  # fmt: skip


class Embedder(nn.Module):
    """Person crops ``(N, 3, H, W)`` in [0, 1] -> unit embeddings ``(N, D)`` (the module docstring)."""

    def __init__(self, config: EmbedderConfig | None = None):
        super().__init__()
        self.config = config = EmbedderConfig() if config is None else config
        layers, c_in = [], 3
        for c in config.channels:
            layers += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                       nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]  # fmt: skip
            c_in = c
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in * config.parts, config.dim)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        H, W = self.config.crop
        if crops.ndim != 4 or tuple(crops.shape[1:]) != (3, H, W) or not crops.is_floating_point():
            raise MarionnetteError(f"crops of shape {tuple(crops.shape)} ({crops.dtype}): give (N, 3, {H}, {W}) "
                                   "floats in [0, 1] (embed() crops and resizes boxes of an image)")  # fmt: skip
        x = self.features((crops - 0.5) / 0.25)  # (N, C, H / 2^s, W / 2^s)
        x = F.adaptive_avg_pool2d(x, (self.config.parts, 1)).flatten(1)  # (N, C * parts)
        return F.normalize(self.head(x), dim=1)  # (N, D), unit length

    @torch.no_grad()
    def embed(self, image: np.ndarray, boxes: np.ndarray, batch: int = 256) -> np.ndarray:
        """Embeddings ``(N, D)`` float32 of the ``(N, 4)`` xyxy pixel boxes of one ``(H, W, 3)`` uint8
        RGB image (eval mode; on the network's device): what ``ByteTracker.update`` takes."""
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise MarionnetteError(f"image of shape {image.shape} ({image.dtype}): give one (H, W, 3) uint8 RGB frame")
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4) if np.size(boxes) else np.zeros((0, 4), np.float32)
        if not np.isfinite(boxes).all():
            raise MarionnetteError("boxes hold NaN or infinite corners: give finite (N, 4) xyxy pixels")
        if not len(boxes):
            return np.zeros((0, self.config.dim), np.float32)
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        frame = torch.from_numpy(image).to(device).permute(2, 0, 1)[None].float().div(255)  # (1, 3, H, W)
        out = []
        for b in range(0, len(boxes), batch):
            rois = torch.from_numpy(boxes[b : b + batch]).to(device)
            out.append(self(resample(frame, rois, self.config.crop)).cpu())
        self.train(was_training)
        return torch.cat(out).numpy()


def resample(images: torch.Tensor, boxes: torch.Tensor, size: tuple[int, int], index: torch.Tensor | None = None):
    """``(N, 3, h, w)`` crops: box ``i`` ``(N, 4)`` xyxy of image ``index[i]`` (0 for all by default) of
    ``images (B, 3, H, W)``, resized to ``size = (h, w)`` (pixel ``j`` covers ``[j, j + 1)``)."""
    from torchvision.ops import roi_align

    index = torch.zeros(len(boxes), device=boxes.device) if index is None else index
    rois = torch.cat([index.to(boxes.dtype)[:, None], boxes], 1)  # (N, 5): image, x0, y0, x1, y1
    return roi_align(images, rois, output_size=size, spatial_scale=1.0, sampling_ratio=-1, aligned=True)


# ----------------------------------------------------------------------------- the loss


class Triplets(NamedTuple):
    """Indices into the batch, one triplet per ordered anchor-positive pair."""

    anchor: torch.Tensor  # (T,) int64
    positive: torch.Tensor  # (T,) int64
    negative: torch.Tensor  # (T,) int64


def _check_batch(embeddings: torch.Tensor, labels: torch.Tensor) -> None:
    if embeddings.ndim != 2 or labels.shape != (len(embeddings),):
        raise MarionnetteError(f"embeddings {tuple(embeddings.shape)} and labels {tuple(labels.shape)}: give (B, D) "
                               "and (B,)")  # fmt: skip
    _, counts = torch.unique(labels, return_counts=True)
    if len(counts) < 2:
        raise MarionnetteError("a batch of one identity has no negatives: give crops of two identities or more")
    if counts.max() < 2:
        raise MarionnetteError("no identity of the batch has two crops: give each identity K >= 2 crops")


def squared_distances(embeddings: torch.Tensor) -> torch.Tensor:
    """``(B, B)`` FaceNet's ``||f_i - f_j||^2`` of ``(B, D)`` embeddings."""
    return torch.cdist(embeddings, embeddings).pow(2)


@torch.no_grad()
def semi_hard_triplets(embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 0.2) -> Triplets:
    """For every ordered pair ``(a, p)``, ``a != p`` of one label, of ``(B, D)`` embeddings and ``(B,)``
    labels: the nearest negative with ``d(a, p) < d(a, n) < d(a, p) + margin``, or the nearest negative
    when none is (the module docstring). ``d`` is the squared Euclidean distance."""
    _check_batch(embeddings, labels)
    d = squared_distances(embeddings)  # (B, B)
    same = labels[:, None] == labels[None, :]  # (B, B)
    a, p = torch.nonzero(same & ~torch.eye(len(labels), dtype=torch.bool, device=labels.device), as_tuple=True)
    d_ap = d[a, p][:, None]  # (T, 1)
    d_an = d[a]  # (T, B)
    negative = ~same[a]  # (T, B)
    semi = negative & (d_an > d_ap) & (d_an < d_ap + margin)
    inf = torch.tensor(float("inf"), device=d.device)
    nearest_semi = torch.where(semi, d_an, inf).argmin(1)  # (T,)
    nearest = torch.where(negative, d_an, inf).argmin(1)  # (T,)
    return Triplets(a, p, torch.where(semi.any(1), nearest_semi, nearest))


class TripletLoss(NamedTuple):
    """The loss and what the log shows of its triplets."""

    loss: torch.Tensor  # () mean over the triplets
    semi_hard: torch.Tensor  # () fraction of triplets whose negative is semi-hard
    active: torch.Tensor  # () fraction with a positive loss
    d_ap: torch.Tensor  # () mean squared distance anchor-positive
    d_an: torch.Tensor  # () mean squared distance anchor-negative


def triplet_loss(embeddings: torch.Tensor, labels: torch.Tensor, margin: float = 0.2,
                 triplets: Triplets | None = None) -> TripletLoss:  # fmt: skip
    """FaceNet's ``mean max(0, d(a, p) - d(a, n) + margin)`` over the mined ``triplets`` (by default
    :func:`semi_hard_triplets` of ``(B, D)`` embeddings and ``(B,)`` labels), squared distances."""
    if triplets is None:
        triplets = semi_hard_triplets(embeddings, labels, margin)
    else:
        _check_batch(embeddings, labels)
    d = squared_distances(embeddings)  # (B, B)
    d_ap = d[triplets.anchor, triplets.positive]  # (T,)
    d_an = d[triplets.anchor, triplets.negative]  # (T,)
    losses = F.relu(d_ap - d_an + margin)  # (T,)
    with torch.no_grad():
        semi = ((d_an > d_ap) & (d_an < d_ap + margin)).float().mean()
    return TripletLoss(losses.mean(), semi, (losses > 0).float().mean(), d_ap.detach().mean(), d_an.detach().mean())


# ----------------------------------------------------------------------------- the data


@dataclass(frozen=True, eq=False)
class CropSet:
    """Identity-labelled person crops (the module docstring's format)."""

    crops: np.ndarray  # (N, H, W, 3) uint8 RGB
    identities: np.ndarray  # (N,) int64, unique across the set (not per sequence)
    sequences: np.ndarray  # (N,) int64
    frames: np.ndarray  # (N,) int64, the crop's frame in its sequence

    def __post_init__(self) -> None:
        crops = self.crops
        if crops.ndim != 4 or crops.shape[3] != 3 or crops.dtype != np.uint8:
            raise MarionnetteError(f"crops of shape {crops.shape} ({crops.dtype}): give (N, H, W, 3) uint8 RGB")
        for name in ("identities", "sequences", "frames"):
            value = getattr(self, name)
            if value.shape != (len(crops),) or not np.issubdtype(value.dtype, np.integer):
                raise MarionnetteError(f"crop set {name} of shape {value.shape} ({value.dtype}) for {len(crops)} "
                                       "crops: give one integer a crop")  # fmt: skip
            object.__setattr__(self, name, value.astype(np.int64))

    def __len__(self) -> int:
        return len(self.crops)

    def __repr__(self) -> str:
        h, w = self.crops.shape[1:3]
        return (f"CropSet({len(self)} crops of {h}x{w}, {len(np.unique(self.identities))} identities, "
                f"{len(np.unique(self.sequences))} sequences)")  # fmt: skip

    def subset(self, index: np.ndarray) -> CropSet:
        return CropSet(self.crops[index], self.identities[index], self.sequences[index], self.frames[index])

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``path`` (an ``.npz``) atomically; returns it."""
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, format=np.array(FORMAT), version=np.array(VERSION), crops=self.crops,
                                identities=self.identities, sequences=self.sequences, frames=self.frames)  # fmt: skip
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> CropSet:
        """Read what :meth:`save` wrote; one line naming the file and the fix on any problem."""
        path = Path(path)
        if not path.is_file():
            raise MarionnetteError(f"{path}: no such crop set; make one with crops_from_tracks(...).save(path)")
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as e:
            raise MarionnetteError(f"{path} is not a readable crop set ({type(e).__name__}): make it again") from e
        if str(data.get("format", "")) != FORMAT:
            raise MarionnetteError(f"{path} is no marionnette crop set (no format {FORMAT!r}): make one with "
                                   "crops_from_tracks")  # fmt: skip
        if int(data["version"]) > VERSION:
            raise MarionnetteError(f"{path} is crop set version {int(data['version'])}; this marionnette reads "
                                   f"{VERSION}")  # fmt: skip
        missing = [k for k in ("crops", "identities", "sequences", "frames") if k not in data]
        if missing:
            raise MarionnetteError(f"{path} lacks {', '.join(missing)}: make it again")
        return cls(data["crops"], data["identities"], data["sequences"], data["frames"])


def crops_from_tracks(
    frames: Iterable[np.ndarray],
    boxes: Iterable[np.ndarray],
    ids: Iterable[np.ndarray],
    sequences: Iterable[int] | None = None,
    size: tuple[int, int] = (64, 32),
    min_height: float = 12.0,
    min_crops: int = 2,
) -> CropSet:
    """A :class:`CropSet` of ground-truth tracks: per frame an ``(H, W, 3)`` uint8 image, its ``(N, 4)``
    xyxy boxes and ``(N,)`` track ids, and (optionally) its sequence number; each ``(sequence, track
    id)`` becomes one identity (numbered from 0), each box a ``size = (h, w)`` crop. Boxes lower than
    ``min_height`` pixels and tracks with fewer than ``min_crops`` crops are left out."""
    seq_iter = iter(sequences) if sequences is not None else None
    crops, keys, frame_of = [], [], []
    counter: dict[int, int] = {}
    for image, box, track in zip(frames, boxes, ids, strict=True):
        seq = int(next(seq_iter)) if seq_iter is not None else 0
        t = counter.get(seq, 0)
        counter[seq] = t + 1
        box = np.asarray(box, dtype=np.float32).reshape(-1, 4)
        track = np.asarray(track).reshape(-1)
        if len(track) != len(box):
            raise MarionnetteError(f"frame {t} of sequence {seq}: {len(box)} boxes and {len(track)} ids; give one "
                                   "id a box")  # fmt: skip
        keep = np.isfinite(box).all(1) & (box[:, 3] - box[:, 1] >= min_height) & (box[:, 2] > box[:, 0])
        if not keep.any():
            continue
        image = np.asarray(image)
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise MarionnetteError(f"frame {t} of sequence {seq} has shape {image.shape} ({image.dtype}): give "
                                   "(H, W, 3) uint8 RGB frames")  # fmt: skip
        frame = torch.from_numpy(image).permute(2, 0, 1)[None].float()  # (1, 3, H, W)
        cut = resample(frame, torch.from_numpy(box[keep]), size)  # (n, 3, h, w)
        crops.append(cut.round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy())
        keys += [(seq, int(i)) for i in track[keep]]
        frame_of += [t] * int(keep.sum())
    if not crops:
        return CropSet(np.zeros((0, *size, 3), np.uint8), *(np.zeros(0, np.int64) for _ in range(3)))
    pairs = np.array(keys, dtype=np.int64).reshape(-1, 2)  # (N, 2): sequence, track id
    _, identity, counts = np.unique(pairs, axis=0, return_inverse=True, return_counts=True)
    kept = counts[identity.reshape(-1)] >= min_crops
    _, identity = np.unique(identity.reshape(-1)[kept], return_inverse=True)  # renumbered 0..
    return CropSet(np.concatenate(crops)[kept], identity.reshape(-1), pairs[kept, 0],
                   np.array(frame_of, np.int64)[kept])  # fmt: skip


# ----------------------------------------------------------------------------- scores


def color_histograms(crops: np.ndarray, bins: int = 8, stripes: int = 1) -> np.ndarray:
    """``(N, stripes * bins^3)`` unit descriptors of ``(N, H, W, 3)`` uint8 crops: a joint RGB
    histogram (``bins`` a channel) of each of ``stripes`` horizontal bands, square-rooted (so a dot
    product is the Bhattacharyya coefficient) and scaled to unit length: the classic baseline."""
    crops = np.asarray(crops)
    if crops.ndim != 4 or crops.shape[3] != 3 or crops.dtype != np.uint8:
        raise MarionnetteError(f"crops of shape {crops.shape} ({crops.dtype}): give (N, H, W, 3) uint8 RGB")
    n, h = crops.shape[:2]
    q = (crops.astype(np.int64) * bins) >> 8  # (N, H, W, 3) in 0..bins-1
    code = (q[..., 0] * bins + q[..., 1]) * bins + q[..., 2]  # (N, H, W)
    band = np.minimum(np.arange(h) * stripes // h, stripes - 1)  # (H,) the stripe of each row
    code = code + (band[None, :, None] + stripes * np.arange(n)[:, None, None]) * bins**3
    counts = np.bincount(code.ravel(), minlength=n * stripes * bins**3).reshape(n, stripes, bins**3)
    hist = np.sqrt(counts / np.maximum(counts.sum(2, keepdims=True), 1))  # (N, stripes, bins^3), unit per stripe
    return (hist.reshape(n, -1) / np.sqrt(stripes)).astype(np.float32)


def roc_auc(higher: np.ndarray, lower: np.ndarray) -> float:
    """The ROC-AUC of telling ``higher`` scores from ``lower`` ones (``sklearn.metrics.roc_auc_score``)."""
    from sklearn.metrics import roc_auc_score

    labels = np.r_[np.ones(len(higher)), np.zeros(len(lower))]
    return float(roc_auc_score(labels, np.r_[higher, lower]))


class ReidScores(NamedTuple):
    """How well embeddings tell held-out identities apart (distances are cosine distances ``1 - cos``)."""

    rank1: float
    """Fraction of queries whose nearest other crop is of their identity."""
    auc: float
    """ROC-AUC of same-identity vs different-identity pairs by distance."""
    same: np.ndarray
    """``(5,)`` quantiles :data:`QUANTILES` of same-identity pair distances."""
    different: np.ndarray
    """``(5,)`` the same of different-identity pairs."""
    threshold: float
    """The equal-error distance: as many same pairs beyond it as different pairs within it."""
    equal_error: float
    """That error rate."""


def scores(embeddings: np.ndarray, identities: np.ndarray, sequences: np.ndarray | None = None,
           frames: np.ndarray | None = None, min_gap: int = 0) -> ReidScores:  # fmt: skip
    """:class:`ReidScores` of unit ``(N, D)`` embeddings of ``(N,)`` identities; pairs of one identity
    fewer than ``min_gap`` frames apart (same sequence) count neither in rank-1 nor in the pairs."""
    e = np.asarray(embeddings, dtype=np.float64)
    ids = np.asarray(identities)
    n = len(ids)
    if e.shape[0] != n or e.ndim != 2 or n < 2 or len(np.unique(ids)) < 2:
        raise MarionnetteError(f"embeddings {e.shape} of {n} identities: give (N, D) for N >= 2 crops of two "
                               "identities or more")  # fmt: skip
    seqs = np.zeros(n, np.int64) if sequences is None else np.asarray(sequences)
    when = np.zeros(n, np.int64) if frames is None else np.asarray(frames)
    dist = 1.0 - e @ e.T  # (N, N) cosine distance
    same = ids[:, None] == ids[None, :]
    near = same & (seqs[:, None] == seqs[None, :]) & (np.abs(when[:, None] - when[None, :]) < min_gap)
    excluded = near | np.eye(n, dtype=bool)
    usable = (same & ~excluded).any(1)  # queries with a positive left in the gallery
    if not usable.any():
        raise MarionnetteError(f"no identity has two crops {min_gap} frames apart or more: lower min_gap")
    ranked = np.where(excluded, np.inf, dist)[usable]  # (Q, N)
    rank1 = float(same[usable, ranked.argmin(1)].mean())
    upper = np.triu(~excluded, 1)
    d_same, d_diff = dist[upper & same], dist[upper & ~same]
    auc = roc_auc(d_diff, d_same)
    # equal error: the distance where the fraction of same pairs beyond = of different pairs within
    grid = np.sort(np.r_[d_same, d_diff])
    miss = 1.0 - np.searchsorted(np.sort(d_same), grid, side="right") / len(d_same)
    false = np.searchsorted(np.sort(d_diff), grid, side="right") / len(d_diff)
    k = int(np.argmin(np.abs(miss - false)))
    return ReidScores(rank1, auc, np.quantile(d_same, QUANTILES), np.quantile(d_diff, QUANTILES), float(grid[k]),
                      float((miss[k] + false[k]) / 2))  # fmt: skip


# ----------------------------------------------------------------------------- training


@dataclass
class ReidTrainConfig:
    """How the embedder is trained (config.yaml's ``train``)."""

    data: str
    """The :class:`CropSet` ``.npz``."""
    epochs: int = 10
    steps_per_epoch: int = 100
    identities_per_batch: int = 8
    """``P``: identities in a batch."""
    crops_per_identity: int = 4
    """``K``: crops of each (drawn with replacement from an identity with fewer)."""
    margin: float = 0.2
    """FaceNet's ``alpha``, in squared Euclidean distance (0.1 in cosine distance)."""
    lr: float = 1e-3
    weight_decay: float = 0.0
    augment: bool = True
    """Jitter each crop: scale, position, aspect, mirror, brightness, contrast."""
    held_out: float = 0.25
    """Fraction of identities held out for evaluation (drawn from ``seed``)."""
    held_out_sequences: tuple[int, ...] = ()
    """Hold out the identities of these sequences instead (a fraction of 0 is then allowed)."""
    eval_crops: int = 1000
    """Held-out crops scored each epoch (evenly spaced), at most."""
    min_gap: int = 10
    """Frames between a query and the crops of its own identity it may be matched with."""
    seed: int = 0
    checkpoint_every: int = 1
    net: EmbedderConfig = field(default_factory=EmbedderConfig)

    def __post_init__(self) -> None:
        if isinstance(self.net, dict):
            self.net = EmbedderConfig(**self.net)
        self.data = str(self.data)
        self.held_out_sequences = tuple(int(s) for s in self.held_out_sequences)
        for name in ("epochs", "steps_per_epoch", "checkpoint_every", "eval_crops"):
            if getattr(self, name) < 1:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least 1")
        if self.identities_per_batch < 2 or self.crops_per_identity < 2:
            raise MarionnetteError(f"P={self.identities_per_batch} identities x K={self.crops_per_identity} crops: "
                                   "the triplet loss needs P >= 2 and K >= 2")  # fmt: skip
        if self.margin <= 0 or not 0.0 <= self.held_out < 1.0:
            raise MarionnetteError(f"margin {self.margin}, held_out {self.held_out}: give margin > 0 and "
                                   "0 <= held_out < 1")  # fmt: skip


class Split(NamedTuple):
    """Crop indices of the training and the held-out identities."""

    train: np.ndarray
    test: np.ndarray


def split_identities(data: CropSet, config: ReidTrainConfig) -> Split:
    """Whole identities held out: those of ``held_out_sequences``, else a ``held_out`` fraction drawn from ``seed``."""
    ids = np.unique(data.identities)
    if config.held_out_sequences:
        held = np.unique(data.identities[np.isin(data.sequences, config.held_out_sequences)])
    else:
        count = int(round(config.held_out * len(ids)))
        held = np.random.default_rng([config.seed, 1]).permutation(ids)[:count]
    test = np.isin(data.identities, held)
    return Split(np.flatnonzero(~test), np.flatnonzero(test))


def _groups(data: CropSet, index: np.ndarray, where: str) -> list[np.ndarray]:
    """The crop indices of each identity among ``index``; one with a single crop is bad input."""
    ids, inverse, counts = np.unique(data.identities[index], return_inverse=True, return_counts=True)
    if len(ids) and counts.min() < 2:
        raise MarionnetteError(f"{where}: identity {int(ids[counts.argmin()])} has 1 crop; each needs 2 or more "
                               "(crops_from_tracks(min_crops=2) drops the others)")  # fmt: skip
    order = np.argsort(inverse, kind="stable")
    return np.split(index[order], np.cumsum(counts)[:-1])


def draw_batch(groups: list[np.ndarray], P: int, K: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``(P K,)`` crop indices and ``(P K,)`` labels: ``P`` identities, ``K`` crops each."""
    chosen = rng.choice(len(groups), P, replace=False)
    index = np.concatenate([rng.choice(groups[g], K, replace=len(groups[g]) < K) for g in chosen])
    return index, np.repeat(chosen, K)


def augment(crops: torch.Tensor, size: tuple[int, int], rng: np.random.Generator | None) -> torch.Tensor:
    """``(B, 3, h, w)`` in [0, 1] of ``(B, 3, H, W)`` uint8 crops: resized to ``size``, and with ``rng``
    jittered (a box 80-100% of the crop's height at an aspect within 15%, shifted, mirrored half the
    time, brightness x0.7-1.3, contrast x0.8-1.2)."""
    B, _, H, W = crops.shape
    x = crops.float().div(255)
    if rng is None:
        box = torch.tensor([[0.0, 0.0, W, H]]).expand(B, 4)
        return resample(x, box.to(x.device), size, torch.arange(B, device=x.device))
    s = rng.uniform(0.8, 1.0, B)
    h, w = s * H, np.minimum(s * W * rng.uniform(0.85, 1.15, B), W)
    y0, x0 = rng.uniform(0, 1, B) * (H - h), rng.uniform(0, 1, B) * (W - w)
    box = torch.from_numpy(np.stack([x0, y0, x0 + w, y0 + h], 1).astype(np.float32)).to(x.device)
    out = resample(x, box, size, torch.arange(B, device=x.device))  # (B, 3, h, w)
    flip = torch.from_numpy(rng.uniform(size=B) < 0.5).to(x.device)
    out = torch.where(flip[:, None, None, None], out.flip(3), out)
    gain = torch.from_numpy(rng.uniform(0.7, 1.3, (B, 1, 1, 1)).astype(np.float32)).to(x.device)
    contrast = torch.from_numpy(rng.uniform(0.8, 1.2, (B, 1, 1, 1)).astype(np.float32)).to(x.device)
    mean = out.mean((1, 2, 3), keepdim=True)
    return ((out - mean) * contrast + mean * gain).clamp(0, 1)


@torch.no_grad()
def embed_crops(net: Embedder, crops: np.ndarray, batch: int = 256) -> np.ndarray:
    """``(N, D)`` float32 of ``(N, H, W, 3)`` uint8 crops, each resized to the network's crop (eval mode)."""
    was_training = net.training
    net.eval()
    device = next(net.parameters()).device
    out = []
    for b in range(0, len(crops), batch):
        x = torch.from_numpy(np.ascontiguousarray(crops[b : b + batch])).to(device).permute(0, 3, 1, 2)
        out.append(net(augment(x, net.config.crop, None)).cpu())
    net.train(was_training)
    return torch.cat(out).numpy() if out else np.zeros((0, net.config.dim), np.float32)


def _eval_index(test: np.ndarray, count: int) -> np.ndarray:
    return test[np.linspace(0, len(test) - 1, min(count, len(test))).round().astype(int)] if len(test) else test


def train(
    config: ReidTrainConfig | None = None,
    *,
    device: str = "auto",
    runs_dir: str | os.PathLike = "runs",
    resume: str | os.PathLike | None = None,
    epochs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Train an embedder on the crop set ``config.data``; or, with ``resume``, continue that run (with
    ``epochs``: to that many). ``progress(step, steps)`` after each step. Returns the run."""
    if resume is not None:
        run, saved = nets.reopen(resume, TASK)
        config = ReidTrainConfig(**saved["train"])
        if epochs is not None and epochs != config.epochs:
            config = dataclasses.replace(config, epochs=epochs)
            saved["train"] = asdict(config)
            run.write_config(saved)
    elif config is None:
        raise MarionnetteError("give the crop set to learn from: a .npz of identity-labelled crops (CropSet)")
    dev = nets.pick_device(device)
    data = CropSet.load(config.data)  # bad input fails before any run exists
    split = split_identities(data, config)
    groups = _groups(data, split.train, config.data)
    P, K = config.identities_per_batch, config.crops_per_identity
    if len(groups) < P:
        raise MarionnetteError(f"{config.data}: {len(groups)} training identities for batches of P={P}: lower "
                               "identities_per_batch or hold out fewer")  # fmt: skip
    shown = _eval_index(split.test, config.eval_crops)
    if len(np.unique(data.identities[shown])) < 2:
        raise MarionnetteError(f"{config.data}: fewer than 2 held-out identities to evaluate on: raise held_out")
    if resume is None:
        config = dataclasses.replace(config, data=str(Path(config.data).resolve()))
        run = Run.create(runs_dir, TASK, MODEL, config.seed)
        run.write_config({"task": TASK, "model": MODEL, "train": asdict(config)})
    torch.manual_seed(config.seed)
    net = Embedder(config.net).to(dev)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    start = 0
    if resume is not None:

        def restore(payload: dict) -> None:
            nets.load_state(net, payload["model"], "the checkpoint")
            opt.load_state_dict(payload["optimizer"])

        start = nets.resume_from(run, restore, dev, what="reid checkpoint")
    crops = torch.from_numpy(data.crops).to(dev).permute(0, 3, 1, 2)  # (N, 3, H, W) uint8
    spe, total = config.steps_per_epoch, config.epochs * config.steps_per_epoch
    names = ("loss", "semi_hard", "active", "d_ap", "d_an")
    with nets.EpochLog(run, TASK, resumed=start if resume is not None else None) as log:
        for epoch in range(start // spe, config.epochs):
            began = time.perf_counter()
            sums = torch.zeros(len(names), device=dev)
            net.train()
            for k in range(epoch * spe, (epoch + 1) * spe):
                rng = np.random.default_rng([config.seed, k])
                index, labels = draw_batch(groups, P, K, rng)
                x = augment(crops[torch.from_numpy(index).to(dev)], config.net.crop, rng if config.augment else None)
                out = triplet_loss(net(x), torch.from_numpy(labels).to(dev), config.margin)
                opt.zero_grad(set_to_none=True)
                out.loss.backward()
                opt.step()
                sums += torch.stack([v.detach() for v in out])
                if progress is not None:
                    progress(k + 1, total)
            step = (epoch + 1) * spe
            held = scores(embed_crops(net, data.crops[shown]), data.identities[shown], data.sequences[shown],
                          data.frames[shown], config.min_gap)  # fmt: skip
            row = dict(zip(names, (sums / spe).tolist(), strict=True))
            log.write(step, {"epoch": epoch + 1, **row, "rank1": held.rank1, "auc": held.auc,
                             "threshold": held.threshold, "seconds": time.perf_counter() - began})  # fmt: skip
            if (epoch + 1) % config.checkpoint_every == 0 or epoch + 1 == config.epochs:
                payload = {"model": net.state_dict(), "optimizer": opt.state_dict(), "step": step}
                nets.save_weights(run.checkpoint_path(step, EXT), payload)
    nets.save_weights(run.model_path(EXT), {"model": net.state_dict(), "step": total})
    return run


def load(run: str | os.PathLike, device: str = "cpu") -> Embedder:
    """The embedder a reid run wrote (``model.pt``, or its newest checkpoint's), in eval mode."""
    found = Run.open(run)
    saved = found.read_config()
    if saved.get("task") != TASK:
        raise MarionnetteError(f"{found.path} is not a reid run (task {saved.get('task')!r}): pass a folder "
                               "reid.train wrote")  # fmt: skip
    config = ReidTrainConfig(**saved["train"])
    dev = nets.pick_device(device)
    net = Embedder(config.net).to(dev)
    path = nets.final_weights(found, EXT)
    nets.load_state(net, nets.read_weights(path, dev, what="reid model")["model"], str(path))
    return net.eval()


def evaluate(run: str | os.PathLike, data: str | os.PathLike | None = None, device: str = "cpu",
             bins: int = 8) -> dict[str, ReidScores]:  # fmt: skip
    """:class:`ReidScores` on the run's held-out identities (or on all of ``data``, another crop set)
    of ``"trained"`` (the run's embedder), ``"random"`` (the same network untrained, the run's seed)
    and ``"histogram"`` (:func:`color_histograms` with ``bins``)."""
    net = load(run, device)
    config = ReidTrainConfig(**Run.open(run).read_config()["train"])
    crops = CropSet.load(config.data if data is None else data)
    index = split_identities(crops, config).test if data is None else np.arange(len(crops))
    held = crops.subset(index)
    torch.manual_seed(config.seed)
    untrained = Embedder(config.net).to(net.head.weight.device)
    args = (held.identities, held.sequences, held.frames, config.min_gap)
    return {"trained": scores(embed_crops(net, held.crops), *args),
            "random": scores(embed_crops(untrained, held.crops), *args),
            "histogram": scores(color_histograms(held.crops, bins), *args)}  # fmt: skip


__all__ = [
    "QUANTILES",
    "TASK",
    "CropSet",
    "Embedder",
    "EmbedderConfig",
    "ReidScores",
    "ReidTrainConfig",
    "Split",
    "TripletLoss",
    "Triplets",
    "color_histograms",
    "crops_from_tracks",
    "draw_batch",
    "embed_crops",
    "evaluate",
    "load",
    "resample",
    "roc_auc",
    "scores",
    "semi_hard_triplets",
    "split_identities",
    "train",
    "triplet_loss",
]
