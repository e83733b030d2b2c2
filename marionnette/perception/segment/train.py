"""Training the U-Net segmenter, in the run directory every trainer writes.

::

    runs/segment__unet__<seed>__<time>/
      config.yaml        the data, the network (with the class names), the loss, the training settings
      checkpoints/       step_<step>.pt every ``checkpoint_every`` epochs (network + optimizer)
      model.pt           the final weights
      progress.csv       one row an epoch: the loss, held-out mean IoU and each class's IoU, seconds
      tb/                TensorBoard scalars

The loss is the per-pixel cross-entropy weighted per class, plus ``dice`` times the soft
Dice loss (1 - the mean over classes of 2|P∩T| / (|P| + |T|), on the softmax; Milletari et
al., V-Net, 3DV 2016). The ball covers about one pixel in a thousand: unweighted, the
cross-entropy is lowest when the network never says ball. ``class_weights="median"`` is
SegNet's *median frequency balancing* (Eigen and Fergus, ICCV 2015): class ``c`` weighs
``median(f) / f_c``, ``f`` the classes' pixel shares in the training masks (a class with no
pixel weighs 0). On the scenes' shares (92% pitch, 7% people, 0.3% ball) that makes a ball
pixel weigh 290 pitch pixels, and the network, paid that much for a ball, paints balls on
the grass and swings from epoch to epoch; ``"sqrt"`` (the default) takes the square root of
those weights (17 pitch pixels), which on the test scenes gave a held-out mean IoU of 0.72
and 0.79 after 200 steps (seeds 0, 1) where ``"median"`` gave 0.52 and 0.59; ``"none"``
weighs all alike (after 240 steps the ball was never said: IoU 0). Dice, a ratio per class, gives the ball's
few pixels the say of the pitch's many.

Adam at ``lr``; an *epoch* is ``steps_per_epoch`` batches of ``batch_size`` random
``crop`` x ``crop`` crops of the training frames (:func:`~.data.crop_batch`: flips, colour
jitter; batch ``k`` from ``(seed, k)``). After each epoch the network segments
``eval_frames`` held-out frames whole (:meth:`~.unet.UNet.predict`) and the row gets their
mean IoU and per-class IoU. Weights are written atomically and read with
``torch.load(weights_only=True)``; ``resume`` continues from the newest checkpoint that
reads and ends where an uninterrupted run ends.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from marionnette.errors import MarionnetteError
from marionnette.nets import training as nets
from marionnette.perception.segment.data import SegmentationData, crop_batch, read_data
from marionnette.perception.segment.evaluate import IoU, evaluate
from marionnette.perception.segment.unet import UNet, UNetConfig
from marionnette.runs import Run

TASK = "segment"
MODEL = "unet"
EXT = "pt"
CLASS_WEIGHTS = ("sqrt", "median", "none")


@dataclass
class SegmentTrainConfig:
    """How a segmenter is trained (written to config.yaml under ``train``)."""

    data: str = ""
    """A scenes folder (``images/``, ``masks/``) or a segmentation ``.npz``."""
    epochs: int = 10
    steps_per_epoch: int = 200
    batch_size: int = 8
    crop: int = 128
    """Side of the square training crops (a multiple of ``2 ** net.depth``)."""
    lr: float = 1e-3
    class_weights: str = "sqrt"
    """``sqrt`` (the square root of ``median``), ``median`` (SegNet's median frequency balancing) or ``none``."""
    dice: float = 1.0
    """Weight of the soft Dice loss beside the cross-entropy (0: cross-entropy alone)."""
    flip: bool = True
    """Flip crops left-right at random."""
    jitter: float = 0.2
    """Brightness, contrast and saturation scaled by up to this fraction."""
    eval_frames: int = 64
    """Held-out frames segmented after each epoch (evenly spaced; all when fewer)."""
    seed: int = 0
    checkpoint_every: int = 1
    net: UNetConfig = field(default_factory=UNetConfig)

    def __post_init__(self) -> None:
        if isinstance(self.net, dict):  # read back from config.yaml
            self.net = UNetConfig(**self.net)
        self.data = str(self.data)
        for name in ("epochs", "steps_per_epoch", "batch_size", "checkpoint_every", "eval_frames"):
            if getattr(self, name) < 1:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least 1")
        m = self.net.multiple
        if self.crop % m or self.crop < m:
            raise MarionnetteError(f"crop {self.crop}: the U-Net of depth {self.net.depth} needs a multiple of {m}")
        if self.lr <= 0:
            raise MarionnetteError(f"lr is {self.lr}: give a positive learning rate")
        if self.class_weights not in CLASS_WEIGHTS:
            raise MarionnetteError(f"class_weights {self.class_weights!r}: use {' or '.join(CLASS_WEIGHTS)}")
        if self.dice < 0 or not 0 <= self.jitter < 1:
            raise MarionnetteError(f"dice {self.dice}, jitter {self.jitter}: give dice >= 0 and jitter in [0, 1)")


def class_weights(data: SegmentationData, how: str = "sqrt") -> np.ndarray:
    """``(C,)`` float32 weights of the cross-entropy from the training frames' pixel shares."""
    if how == "none":
        return np.ones(len(data.classes), np.float32)
    share = data.subset(held_out=False).frequencies()
    present = share > 0
    weights = np.zeros_like(share)
    weights[present] = np.median(share[present]) / share[present]
    return (np.sqrt(weights) if how == "sqrt" else weights).astype(np.float32)


def loss(logits: torch.Tensor, masks: torch.Tensor, weights: torch.Tensor, dice: float) -> torch.Tensor:
    """Weighted cross-entropy + ``dice`` x soft Dice of ``logits (B, C, H, W)`` against ``masks (B, H, W)``."""
    value = F.cross_entropy(logits, masks, weight=weights)
    if dice:
        probs = logits.softmax(dim=1)  # (B, C, H, W)
        truth = F.one_hot(masks, logits.shape[1]).permute(0, 3, 1, 2).to(probs.dtype)  # (B, C, H, W)
        overlap = (probs * truth).sum(dim=(0, 2, 3))  # (C,)
        sizes = probs.sum(dim=(0, 2, 3)) + truth.sum(dim=(0, 2, 3))  # (C,)
        value = value + dice * (1 - ((2 * overlap + 1) / (sizes + 1)).mean())  # +1: a class absent from both scores 1
    return value


def _row(epoch: int, value: float, scores: IoU, seconds: float) -> dict[str, float | int]:
    row: dict[str, float | int] = {"epoch": epoch, "loss": value, "miou": scores.mean}
    row.update({f"iou_{name}": v for name, v in scores.per_class.items()})
    return {**row, "seconds": seconds}


def train(
    config: SegmentTrainConfig | None = None,
    *,
    device: str = "auto",
    runs_dir: str | os.PathLike = "runs",
    resume: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Train a U-Net on ``config.data``; or, with ``resume``, continue that run.
    ``progress(step, steps)`` after each batch. Returns the run."""
    if resume is not None:
        run, saved = nets.reopen(resume, TASK)
        config = SegmentTrainConfig(**saved["train"])
    config = config or SegmentTrainConfig()
    if not config.data:
        raise MarionnetteError("no data: pass a scenes folder (marionnette data scenes --out DIR) or a .npz")
    dev = nets.pick_device(device)
    data = read_data(config.data)  # bad data fails here, before a run exists
    if config.net.classes != data.classes:  # the network predicts the data's classes
        config = dataclasses.replace(config, net=dataclasses.replace(config.net, classes=data.classes))
    train_part = data.subset(held_out=False)
    if len(train_part) == 0 or not data.held_out.any():
        raise MarionnetteError(f"{config.data}: give training frames and held-out frames (a held-out sequence)")
    if config.crop > min(data.size):
        raise MarionnetteError(f"crop {config.crop}: the frames are {data.size[1]}x{data.size[0]}; give a smaller crop")
    weights = torch.from_numpy(class_weights(data, config.class_weights)).to(dev)
    torch.manual_seed(config.seed)
    net = UNet(config.net).to(dev)
    if resume is None:
        config = dataclasses.replace(config, data=str(Path(config.data).resolve()))
        run = Run.create(runs_dir, TASK, MODEL, config.seed)
        run.write_config({"task": TASK, "model": MODEL, "train": asdict(config),
                          "class_weights": [float(w) for w in weights.cpu()]})  # fmt: skip
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr)
    start = 0
    if resume is not None:

        def restore(payload: dict) -> None:
            nets.load_state(net, payload["model"], "the checkpoint")
            optimizer.load_state_dict(payload["optimizer"])

        start = nets.resume_from(run, restore, dev, what="segment checkpoint")
    total = config.epochs * config.steps_per_epoch
    with nets.EpochLog(run, TASK, resumed=start if resume is not None else None) as epochs:
        for epoch in range(start // config.steps_per_epoch, config.epochs):
            began = time.perf_counter()
            summed = torch.zeros((), device=dev)
            net.train()
            for k in range(epoch * config.steps_per_epoch, (epoch + 1) * config.steps_per_epoch):
                batch = crop_batch(train_part, k, config.batch_size, config.crop, config.seed, config.flip,
                                   config.jitter)  # fmt: skip
                images = torch.from_numpy(batch.images).to(dev)  # (B, 3, S, S)
                masks = torch.from_numpy(batch.masks).to(dev)  # (B, S, S)
                value = loss(net(images), masks, weights, config.dice)
                optimizer.zero_grad(set_to_none=True)
                value.backward()
                optimizer.step()
                summed += value.detach()
                if progress is not None:
                    progress(k + 1, total)
            step = (epoch + 1) * config.steps_per_epoch
            scores = evaluate(net, data, config.eval_frames)
            epochs.write(step, _row(epoch + 1, float(summed) / config.steps_per_epoch, scores,
                                    time.perf_counter() - began))  # fmt: skip
            if (epoch + 1) % config.checkpoint_every == 0 or epoch + 1 == config.epochs:
                payload = {"model": net.state_dict(), "optimizer": optimizer.state_dict(), "step": step}
                nets.save_weights(run.checkpoint_path(step, EXT), payload)
    nets.save_weights(run.model_path(EXT), {"model": net.state_dict(), "step": total})
    return run


def load(run: str | os.PathLike, device: str = "cpu") -> UNet:
    """The U-Net a run wrote (``model.pt``, or its newest checkpoint), in eval mode on ``device``;
    its class names are ``net.config.classes``."""
    found = Run.open(run)
    saved = found.read_config()
    if saved.get("task") != TASK:
        raise MarionnetteError(f"{found.path} is not a segment run: pass a folder `marionnette segment train` wrote")
    dev = nets.pick_device(device)
    try:
        config = UNetConfig(**saved["train"].get("net", {}))
    except TypeError as e:  # a key this UNetConfig does not know
        raise MarionnetteError(f"{found.config_path}: the net settings do not read ({e}); train again") from e
    net = UNet(config).to(dev)
    path = nets.final_weights(found, EXT)
    nets.load_state(net, nets.read_weights(path, dev, what="segment checkpoint")["model"], str(path))
    return net.eval()


__all__ = ["CLASS_WEIGHTS", "MODEL", "TASK", "SegmentTrainConfig", "class_weights", "load", "loss", "train"]
