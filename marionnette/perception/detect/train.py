"""Training the detector on COCO-format data, in the run directory every trainer writes.

::

    runs/detect__yolo__<seed>__<time>/
      config.yaml        the data, the network, the training settings, the class names
      checkpoints/       step_<step>.pt every ``checkpoint_every`` epochs (network + optimizer)
      model.pt           the final weights
      progress.csv       one row an epoch: the three loss terms, val mAP@0.5 and mAP@0.5:0.95, lr, seconds
      tb/                TensorBoard scalars

The loss is YOLOv8's (:mod:`~.assign`). The optimizer is AdamW, as Ultralytics' ``optimizer=auto``
picks for runs under 10 000 batches (SGD, momentum 0.937, lr 0.01 beyond): β = (0.937, 0.999),
``lr`` 0.002, weight decay 5e-4 on the convolutions' weights only (none on BatchNorm and biases,
Ultralytics' three groups), a linear warm-up over ``warmup_epochs`` then a linear decay to
``final_lr x lr``, set every batch from the batch's index (so a resumed run keeps the schedule).

An *epoch* is one pass over the training images in an order drawn from ``(seed, epoch)``;
the last batch may be short. Every image is letterboxed to ``size`` and then augmented, its
draws from ``(seed, batch, position)``, so batch ``k`` is the same picture whether the run
was cut or not and ``resume`` ends where an uninterrupted run ends. The augmentations are
Ultralytics' defaults, made milder where noted, done by torchvision (``transforms.v2``, boxes
moved with the pixels): a random scale in ``1 ± scale`` (0.3; Ultralytics 0.5) and
translation ``± translate`` of the side (0.1), a horizontal flip half the time, and a jitter
of hue (± 0.015 of the wheel), saturation (x 1 ± 0.7) and brightness (x 1 ± 0.4). Boxes cut
by the frame are clipped; one left under 2 pixels or under 20% of its area is dropped.
Mosaic is left out (it pays on COCO-sized runs of hundreds of epochs, not on short ones).

Each epoch ends with COCOeval's mAP on the validation file (:mod:`~.metrics`) when one is given.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import nn
from torchvision import tv_tensors
from torchvision.transforms.v2 import functional as TF

from marionnette.errors import MarionnetteError
from marionnette.nets import training as nets
from marionnette.perception.detect.assign import detection_loss, pad_targets
from marionnette.perception.detect.boxes import PAD, image_tensor, letterbox
from marionnette.perception.detect.coco import CocoDataset, read_coco
from marionnette.perception.detect.metrics import coco_map
from marionnette.perception.detect.model import MULTIPLE, Detector, DetectorConfig
from marionnette.runs import Run

TASK = "detect"
MODEL = "yolo"
EXT = "pt"
_MIN_SIDE = 2.0  # pixels: a box narrower after augmentation is dropped
_MIN_VISIBLE = 0.2  # of a box's area: one cut by the frame to less is dropped


@dataclass
class DetectTrainConfig:
    """How a detector is trained (written to config.yaml under ``train``)."""

    train: str = ""
    """COCO json of the training images."""
    val: str | None = None
    """COCO json of the validation images (mAP each epoch); None: no validation."""
    train_images: str | None = None
    """Folder the training ``file_name`` s are relative to; None: the json's folder."""
    val_images: str | None = None
    """Folder the validation ``file_name`` s are relative to; None: the json's folder."""
    size: int = 320
    """Side of the network's square input (a multiple of 32); images are letterboxed to it."""
    epochs: int = 50
    batch_size: int = 16
    lr: float = 0.002
    """AdamW's peak learning rate (Ultralytics' auto choice for short runs)."""
    final_lr: float = 0.01
    """The last batch's learning rate, as a fraction of ``lr`` (Ultralytics' lrf)."""
    warmup_epochs: float = 3.0
    """Epochs of linear warm-up from 0."""
    weight_decay: float = 5e-4
    flip: float = 0.5
    """Probability of a horizontal flip."""
    hue: float = 0.015
    """Hue shift, at most this fraction of the colour wheel."""
    saturation: float = 0.7
    brightness: float = 0.4
    scale: float = 0.3
    """Random zoom in 1 ± scale."""
    translate: float = 0.1
    """Random shift, at most this fraction of the side."""
    seed: int = 0
    checkpoint_every: int = 1
    """Epochs between checkpoints."""
    net: DetectorConfig = field(default_factory=DetectorConfig)
    """The network; its ``classes`` come from the data and its ``size`` from ``size`` (computed in runtime)."""

    def __post_init__(self) -> None:
        if isinstance(self.net, dict):  # read back from config.yaml
            self.net = DetectorConfig(**self.net)
        if not self.train:
            raise MarionnetteError("no training data: pass the COCO json of the training images")
        if self.size % MULTIPLE or self.size < MULTIPLE:
            raise MarionnetteError(f"size {self.size}: give a multiple of {MULTIPLE} (320, 416, 640, ...)")
        self.net = replace(self.net, size=self.size)
        for name in ("epochs", "batch_size", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least 1")
        if self.lr <= 0 or not 0 < self.final_lr <= 1:
            raise MarionnetteError(f"lr {self.lr}, final_lr {self.final_lr}: give lr > 0 and final_lr in (0, 1]")
        for name, top in (("flip", 1.0), ("hue", 0.5), ("saturation", 1.0), ("brightness", 1.0), ("scale", 0.9),
                          ("translate", 0.5)):  # fmt: skip
            if not 0 <= getattr(self, name) <= top:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give a value in [0, {top}]")


class Batch(NamedTuple):
    """A batch for the network, letterboxed (and augmented)."""

    images: torch.Tensor  # (B, 3, S, S) uint8
    boxes: list[torch.Tensor]  # per image (N_i, 4) float32 xyxy pixels
    labels: list[torch.Tensor]  # per image (N_i,) int64


def augment(image: torch.Tensor, boxes: torch.Tensor, labels: torch.Tensor, rng: np.random.Generator,
            config: DetectTrainConfig) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:  # fmt: skip
    """One letterboxed ``image (3, S, S)`` uint8 with its ``boxes (N, 4)`` and ``labels (N,)``, randomly moved and
    recoloured (the draws from ``rng``, always the same number of them)."""
    S = image.shape[-1]
    zoom = 1 + rng.uniform(-config.scale, config.scale)
    shift = (rng.uniform(-config.translate, config.translate, 2) * S).round().tolist()
    flip = rng.random() < config.flip
    hue, sat, val = rng.uniform(-1, 1, 3)
    b = tv_tensors.BoundingBoxes(boxes, format="XYXY", canvas_size=(S, S))
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])  # (N,) before
    if config.scale or config.translate:  # (an operation turned off is skipped; its draws were made all the same)
        image = TF.affine(image, angle=0.0, translate=shift, scale=zoom, shear=[0.0, 0.0], fill=PAD)
        b = TF.affine(b, angle=0.0, translate=shift, scale=zoom, shear=[0.0, 0.0])  # -> clamped to the frame
    if flip:
        image, b = TF.horizontal_flip(image), TF.horizontal_flip(b)
    if config.hue:
        image = TF.adjust_hue(image, hue * config.hue)
    if config.saturation:
        image = TF.adjust_saturation(image, 1 + sat * config.saturation)
    if config.brightness:
        image = TF.adjust_brightness(image, 1 + val * config.brightness)
    boxes = b.as_subclass(torch.Tensor)
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    keep = (w > _MIN_SIDE) & (h > _MIN_SIDE) & (w * h > _MIN_VISIBLE * area * zoom**2)
    return image, boxes[keep], labels[keep]


class TrainBatches:
    """The training batches of a run: batch ``k`` is a function of ``(seed, k)`` alone."""

    def __init__(self, data: CocoDataset, config: DetectTrainConfig):
        self.data, self.config = data, config
        self.steps_per_epoch = math.ceil(len(data) / config.batch_size)

    def batch(self, k: int, augmented: bool = True) -> Batch:
        cfg = self.config
        epoch, j = divmod(k, self.steps_per_epoch)
        order = np.random.default_rng([cfg.seed, epoch]).permutation(len(self.data))
        images, boxes, labels = [], [], []
        for position, i in enumerate(order[j * cfg.batch_size : (j + 1) * cfg.batch_size]):
            sample = self.data[int(i)]
            image, b, _ = letterbox(image_tensor(sample.image), cfg.size, torch.from_numpy(sample.boxes))
            c = torch.from_numpy(sample.classes)
            if augmented:
                image, b, c = augment(image, b, c, np.random.default_rng([cfg.seed, k, position]), cfg)
            images.append(image)
            boxes.append(b)
            labels.append(c)
        return Batch(torch.stack(images), boxes, labels)


def _optimizer(net: nn.Module, config: DetectTrainConfig) -> torch.optim.Optimizer:
    decay, no_decay = [], []
    for module in net.modules():
        for name, p in module.named_parameters(recurse=False):
            (decay if name == "weight" and isinstance(module, nn.Conv2d) else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.lr, betas=(0.937, 0.999))


def learning_rate(config: DetectTrainConfig, k: int, total: int, steps_per_epoch: int) -> float:
    """Batch ``k``'s learning rate: linear warm-up, then linear decay to ``final_lr x lr`` at the last batch."""
    warmup = max(1, round(config.warmup_epochs * steps_per_epoch))
    decay = (1 - k / total) * (1 - config.final_lr) + config.final_lr
    return config.lr * min(1.0, (k + 1) / warmup) * decay


def train(
    config: DetectTrainConfig | None = None,
    *,
    device: str = "auto",
    runs_dir: str | os.PathLike = "runs",
    resume: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Train a detector; or, with ``resume``, continue that run. ``progress(step, steps)`` after each batch.
    Returns the run."""
    if resume is not None:
        run, saved = nets.reopen(resume, TASK)
        config = DetectTrainConfig(**saved["train"])
    if config is None:
        raise MarionnetteError("no training config: give a DetectTrainConfig with the training COCO json")
    dev = nets.pick_device(device)
    data = read_coco(config.train, config.train_images)  # a bad file fails here, before any run exists
    val = read_coco(config.val, config.val_images) if config.val else None
    if val is not None and val.names != data.names:
        raise MarionnetteError(
            f"{config.val} has classes {list(val.names)} but {config.train} has {list(data.names)}: "
            "give both files the same categories"
        )
    config = replace(config, net=replace(config.net, classes=len(data.names)))
    if resume is None:
        files = ("train", "val", "train_images", "val_images")
        config = replace(config, **{name: _absolute(getattr(config, name)) for name in files})
        run = Run.create(runs_dir, TASK, MODEL, config.seed)
        run.write_config({"task": TASK, "model": MODEL, "names": list(data.names), "train": asdict(config)})
    # TRY NOT TO MODIFY: seeding (the network's initial weights; the batches draw from (seed, k))
    torch.manual_seed(config.seed)
    net = Detector(config.net, data.names).to(dev)
    optimizer = _optimizer(net, config)
    batches = TrainBatches(data, config)
    steps = batches.steps_per_epoch
    total = config.epochs * steps
    start = 0
    if resume is not None:

        def restore(payload: dict) -> None:
            nets.load_state(net, payload["model"], "the checkpoint")
            optimizer.load_state_dict(payload["optimizer"])

        start = nets.resume_from(run, restore, dev, what="detect checkpoint")
    with nets.EpochLog(run, TASK, resumed=start if resume is not None else None) as epochs:
        for epoch in range(start // steps, config.epochs):
            began = time.perf_counter()
            summed = torch.zeros(3, device=dev)  # box, cls, dfl
            net.train()
            for k in range(epoch * steps, (epoch + 1) * steps):
                lr = learning_rate(config, k, total, steps)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                batch = batches.batch(k)
                images = batch.images.to(dev, torch.float32) / 255  # (B, 3, S, S)
                losses = detection_loss(net, net(images), pad_targets(batch.boxes, batch.labels, dev))
                optimizer.zero_grad(set_to_none=True)
                losses.total.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), 10.0)  # Ultralytics' clip: a bad batch cannot blow up
                optimizer.step()
                summed += torch.stack([losses.box, losses.cls, losses.dfl]).detach()
                if progress is not None:
                    progress(k + 1, total)
            step = (epoch + 1) * steps
            box, cls, dfl = (summed / steps).tolist()
            row = {"epoch": epoch + 1, "loss": box + cls + dfl, "box": box, "cls": cls, "dfl": dfl}
            if val is not None:
                score = coco_map(net.eval(), val)
                row.update(map50=score.map50, map50_95=score.map50_95)
            row.update(lr=lr, seconds=time.perf_counter() - began)
            epochs.write(step, row)
            if (epoch + 1) % config.checkpoint_every == 0 or epoch + 1 == config.epochs:
                payload = {"model": net.state_dict(), "optimizer": optimizer.state_dict(), "step": step}
                nets.save_weights(run.checkpoint_path(step, EXT), payload)
    nets.save_weights(run.model_path(EXT), {"model": net.state_dict(), "step": total})
    return run


def _absolute(path: str | None) -> str | None:
    return None if path is None else str(Path(path).resolve())


def load(run: str | os.PathLike, device: str = "cpu") -> Detector:
    """The detector a run wrote (``model.pt``, or its newest checkpoint), in eval mode on ``device``, with its
    ``config`` and class ``names``."""
    found = Run.open(run)
    saved = found.read_config()
    if saved.get("task") != TASK:
        raise MarionnetteError(f"{found.path} is not a detect run: pass a folder `marionnette detect train` wrote")
    dev = nets.pick_device(device)
    net = Detector(DetectorConfig(**saved["train"]["net"]), saved["names"]).to(dev)
    path = nets.final_weights(found, EXT)
    nets.load_state(net, nets.read_weights(path, dev, what="detect checkpoint")["model"], str(path))
    return net.eval()


__all__ = ["TASK", "Batch", "DetectTrainConfig", "TrainBatches", "augment", "learning_rate", "load", "train"]
