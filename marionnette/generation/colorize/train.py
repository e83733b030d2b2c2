"""Training the colorizer (Zhang et al., ECCV 2016), in the run directory every trainer writes.

::

    runs/colorize__<head>__<seed>__<time>/
      config.yaml        the pictures, the crop size, the network, the loss, the training settings
      checkpoints/       step_<step>.pt every ``checkpoint_every`` epochs (network + optimizer)
      model.pt           the final weights (bin centres and rebalancing weights among its buffers)
      progress.csv       one row an epoch: the loss, seconds
      tb/                TensorBoard scalars

``head="classes"`` is the paper's: the network's logits at 1/4 scale against the soft-encoded
true ab (:func:`~.bins.soft_encode`, 5 neighbours, sigma 5), each pixel's cross-entropy
weighted by the rebalancing weight of its bin (:func:`~.bins.rebalance_weights`, λ =
``rebalance``; 1 turns it off), the prior counted once on ``prior_batches`` batches of the
same pictures before training. ``head="regression"`` is its L2 baseline on ab. Adam at
``lr``. An *epoch* is ``steps_per_epoch`` batches. Weights are written atomically and read
with ``torch.load(weights_only=True)``; ``resume`` continues from the newest checkpoint that
reads and ends where an uninterrupted run ends (batch ``k`` is drawn from ``(seed, k)``).
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from marionnette.errors import MarionnetteError
from marionnette.generation.colorize.bins import LAMBDA, rebalance_weights, smoothed_prior, soft_encode
from marionnette.generation.colorize.data import COLOUR_PHOTOS, LabCrops
from marionnette.generation.colorize.model import MULTIPLE, ColorNet, ColorNetConfig
from marionnette.generation.images import SKIMAGE_PREFIX
from marionnette.nets import training as nets
from marionnette.runs import Run

TASK = "colorize"
EXT = "pt"
_SCALE = 4  # the network's output is at 1/4 of the input


@dataclass
class ColorizeTrainConfig:
    """How a colorizer is trained (written to config.yaml under ``train``)."""

    images: tuple[str, ...] = COLOUR_PHOTOS
    """Image files, folders of them, or ``skimage:NAME``."""
    size: int = 64
    """Side of the square training crops (a multiple of 8)."""
    epochs: int = 4
    steps_per_epoch: int = 250
    batch_size: int = 16
    lr: float = 1e-3
    rebalance: float = LAMBDA
    """λ of the class rebalancing (the paper: 0.5); 1 gives every bin the same weight."""
    prior_batches: int = 32
    """Batches the bins' prior is counted on."""
    seed: int = 0
    checkpoint_every: int = 1
    net: ColorNetConfig = field(default_factory=ColorNetConfig)

    def __post_init__(self) -> None:
        if isinstance(self.net, dict):  # read back from config.yaml
            self.net = ColorNetConfig(**self.net)
        if isinstance(self.images, (str, os.PathLike)):
            self.images = (self.images,)
        self.images = tuple(str(i) for i in self.images)
        if self.size % MULTIPLE or self.size < 2 * MULTIPLE:
            raise MarionnetteError(
                f"size {self.size}: the crops need a multiple of {MULTIPLE}, at least {2 * MULTIPLE}"
            )
        for name in ("epochs", "steps_per_epoch", "batch_size", "checkpoint_every", "prior_batches"):
            if getattr(self, name) < 1:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least 1")
        if self.lr <= 0:
            raise MarionnetteError(f"lr is {self.lr}: give a positive learning rate")
        if not 0 < self.rebalance <= 1:
            raise MarionnetteError(f"rebalance {self.rebalance}: give λ in (0, 1] (1: no rebalancing)")


def _source(text: str) -> str:
    return text if text.startswith(SKIMAGE_PREFIX) else str(Path(text).resolve())


def loss(net: ColorNet, output: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """The training loss of ``output = net(L)`` against the true ``ab (N, 2, H, W)``."""
    small = F.avg_pool2d(ab, _SCALE)  # (N, 2, H/4, W/4): the truth at the output's scale
    if net.config.head == "regression":
        return F.mse_loss(net.ab(output), small) / 100.0**2  # in (ab / 100)^2, near 1 at the start
    target = soft_encode(small, net.centres)  # (N, Q, h, w)
    weight = net.weights[target.argmax(dim=1)]  # (N, h, w): the rebalancing weight of each pixel's bin
    return -(weight * (target * F.log_softmax(output, dim=1)).sum(dim=1)).mean()


def train(
    config: ColorizeTrainConfig | None = None,
    *,
    device: str = "auto",
    runs_dir: str | os.PathLike = "runs",
    resume: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Train a colorizer; or, with ``resume``, continue that run. ``progress(step, steps)``
    after each batch. Returns the run."""
    if resume is not None:
        run, saved = nets.reopen(resume, TASK)
        config = ColorizeTrainConfig(**saved["train"])
    config = config or ColorizeTrainConfig()
    dev = nets.pick_device(device)
    crops = LabCrops(config.images, config.size, config.seed)  # a picture that does not read fails here, no run yet
    torch.manual_seed(config.seed)
    net = ColorNet(config.net).to(dev)
    if config.net.head == "classes":
        counts = crops.ab_counts(net.centres.cpu(), config.prior_batches, config.batch_size)
        prior = smoothed_prior(counts, net.centres.cpu().numpy())
        net.weights.copy_(torch.from_numpy(rebalance_weights(prior, config.rebalance)))
    if resume is None:
        config = dataclasses.replace(config, images=tuple(_source(i) for i in config.images))
        run = Run.create(runs_dir, TASK, config.net.head, config.seed)
        run.write_config({"task": TASK, "model": config.net.head, "train": asdict(config)})
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr)
    start = 0
    if resume is not None:

        def restore(payload: dict) -> None:
            nets.load_state(net, payload["model"], "the checkpoint")
            optimizer.load_state_dict(payload["optimizer"])

        start = nets.resume_from(run, restore, dev, what="colorize checkpoint")
    total = config.epochs * config.steps_per_epoch
    with nets.EpochLog(run, TASK, resumed=start if resume is not None else None) as epochs:
        for epoch in range(start // config.steps_per_epoch, config.epochs):
            began = time.perf_counter()
            summed = torch.zeros((), device=dev)
            net.train()
            for k in range(epoch * config.steps_per_epoch, (epoch + 1) * config.steps_per_epoch):
                L, ab = (t.to(dev) for t in crops.batch(k, config.batch_size))  # (B, 1, S, S), (B, 2, S, S)
                value = loss(net, net(L), ab)
                optimizer.zero_grad(set_to_none=True)
                value.backward()
                optimizer.step()
                summed += value.detach()
                if progress is not None:
                    progress(k + 1, total)
            step = (epoch + 1) * config.steps_per_epoch
            epochs.write(step, {"epoch": epoch + 1, "loss": float(summed) / config.steps_per_epoch,
                                "seconds": time.perf_counter() - began})  # fmt: skip
            if (epoch + 1) % config.checkpoint_every == 0 or epoch + 1 == config.epochs:
                payload = {"model": net.state_dict(), "optimizer": optimizer.state_dict(), "step": step}
                nets.save_weights(run.checkpoint_path(step, EXT), payload)
    nets.save_weights(run.model_path(EXT), {"model": net.state_dict(), "step": total})
    return run


def load(run: str | os.PathLike, device: str = "cpu") -> ColorNet:
    """The colorizer a run wrote (``model.pt``, or its newest checkpoint), in eval mode on ``device``."""
    found = Run.open(run)
    saved = found.read_config()
    if saved.get("task") != TASK:
        raise MarionnetteError(f"{found.path} is not a colorize run: pass a folder `marionnette colorize train` wrote")
    dev = nets.pick_device(device)
    net = ColorNet(ColorNetConfig(**saved["train"].get("net", {}))).to(dev)
    path = nets.final_weights(found, EXT)
    nets.load_state(net, nets.read_weights(path, dev, what="colorize checkpoint")["model"], str(path))
    return net.eval()


__all__ = ["TASK", "ColorizeTrainConfig", "load", "loss", "train"]
