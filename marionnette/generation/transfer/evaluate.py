"""Scoring a trained generator on held-out frames of its target, beside a nearest-neighbour baseline.

The held-out frames show motion the generator never trained on. Each is generated from its
stick figure, in order within its piece of video: with temporal smoothing, frame ``t`` is
conditioned on the figure and the generated image of ``t - 1``, as when it paints a video.
Scores, means over the held-out frames, RGB in ``[0, 1]``:

- PSNR and SSIM against the true frame (``skimage.metrics``), and L1;
- the same for the *nearest-neighbour baseline*: the training frame whose pose is closest
  (mean joint distance in pixels over the joints both poses show), what a lookup of the
  training video would give;
- the same PSNR on the *person* alone: the box around the true pose's joints, grown by a
  tenth of its height on each side. Over a whole frame of static background a lookup scores
  well even in the wrong pose (a small person, and the background copied exactly); on the
  person it has to have the pose;
- temporal stability: the mean absolute difference between consecutive generated frames,
  beside the true video's own (flicker shows as a larger number than the truth's).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch

from marionnette.generation.transfer.data import TargetVideo
from marionnette.generation.transfer.paint import Painter, to_image
from marionnette.generation.transfer.train import Trained, figures


class TransferScores(NamedTuple):
    psnr: float
    ssim: float
    l1: float
    nearest_psnr: float
    nearest_ssim: float
    nearest_l1: float
    person_psnr: float
    """PSNR on the box around the person (the true pose's)."""
    nearest_person_psnr: float
    flicker: float
    """Mean |frame_t - frame_{t-1}| of the generated held-out video."""
    true_flicker: float
    """The same of the true held-out video."""
    frames: int


def generate(trained: Trained, figs: torch.Tensor, piece: np.ndarray, points: np.ndarray | None = None) -> np.ndarray:
    """Frames ``(T, H, W, 3)`` float in ``[0, 1]`` from figures ``(T, 3, H, W)`` in ``[-1, 1]``, in order;
    a frame's predecessor is the one before it in the same ``piece`` (:class:`~.paint.Painter`). The
    face GAN, when the run has one, is applied where ``points (T, J, 2)`` place the head."""
    painter = Painter(trained)
    first = np.r_[True, piece[1:] != piece[:-1]]
    at = trained.face_corners(points) if points is not None else None
    return np.stack([to_image(painter.paint(figs[t : t + 1], bool(first[t]), None if at is None else at[t])[0])
                     for t in range(len(figs))])  # fmt: skip


def nearest_frames(video: TargetVideo, queries: np.ndarray) -> np.ndarray:
    """Index ``(Q,)`` of the training frame whose pose is nearest each pose of ``queries (Q, J, 2)``."""
    train = np.flatnonzero(~video.held_out)
    bank = video.points[train]  # (N, J, 2)
    d = np.linalg.norm(queries[:, None] - bank[None], axis=-1)  # (Q, N, J), NaN where a joint is not seen
    return train[np.nanmean(d, axis=-1).argmin(axis=1)]


def _scores(made: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    psnr = np.mean([peak_signal_noise_ratio(t, m, data_range=1.0) for m, t in zip(made, truth, strict=True)])
    ssim = np.mean([structural_similarity(t, m, data_range=1.0, channel_axis=-1)
                    for m, t in zip(made, truth, strict=True)])  # fmt: skip
    return float(psnr), float(ssim), float(np.abs(made - truth).mean())


def person_boxes(points: np.ndarray, size: tuple[int, int], margin: float = 0.1) -> np.ndarray:
    """``(T, 4)`` int ``(y0, y1, x0, x1)``: each pose's joints' box ``(T, J, 2)``, grown by ``margin`` of its height."""
    H, W = size
    lo, hi = np.nanmin(points, axis=1), np.nanmax(points, axis=1)  # (T, 2) as (x, y)
    grow = margin * (hi[:, 1] - lo[:, 1])[:, None]
    lo, hi = np.floor(lo - grow), np.ceil(hi + grow) + 1
    x0, y0 = np.clip(lo, 0, [W - 1, H - 1]).astype(int).T
    x1, y1 = np.clip(hi, 1, [W, H]).astype(int).T
    return np.stack([y0, y1, x0, x1], axis=1)


def _person_psnr(made: np.ndarray, truth: np.ndarray, boxes: np.ndarray) -> float:
    from skimage.metrics import peak_signal_noise_ratio

    return float(np.mean([peak_signal_noise_ratio(t[y0:y1, x0:x1], m[y0:y1, x0:x1], data_range=1.0)
                          for m, t, (y0, y1, x0, x1) in zip(made, truth, boxes, strict=True)]))  # fmt: skip


def _flicker(video: np.ndarray, piece: np.ndarray) -> float:
    same = piece[1:] == piece[:-1]
    return float(np.abs(np.diff(video, axis=0))[same].mean()) if same.any() else 0.0


def evaluate(trained: Trained, video: TargetVideo) -> TransferScores:
    """:class:`TransferScores` of ``trained`` on ``video``'s held-out frames."""
    held = np.flatnonzero(video.held_out)
    truth = video.frames[held].astype(np.float64) / 255.0
    made = generate(trained, figures(video)[held], video.piece[held], video.points[held]).astype(np.float64)
    nearest = video.frames[nearest_frames(video, video.points[held])].astype(np.float64) / 255.0
    ours, lookup = _scores(made, truth), _scores(nearest, truth)
    boxes = person_boxes(video.points[held], video.size)
    person = _person_psnr(made, truth, boxes), _person_psnr(nearest, truth, boxes)
    piece = video.piece[held]
    return TransferScores(*ours, *lookup, *person, _flicker(made, piece), _flicker(truth, piece), len(held))


__all__ = ["TransferScores", "evaluate", "generate", "nearest_frames", "person_boxes"]
