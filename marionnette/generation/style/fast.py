"""Training the fast style network (Johnson et al., ECCV 2016), in the run directory every trainer writes.

::

    runs/style__fast__<seed>__<time>/
      config.yaml        the style, the content photographs, the network, the loss, the training settings
      style.png          the style image as the run read it (resized): what it trains on and resumes on
      checkpoints/       step_<step>.pt every ``checkpoint_every`` epochs (network + optimizer)
      model.pt           the final weights
      progress.csv       one row an epoch: the loss and its content and style terms, seconds
      tb/                TensorBoard scalars

The network (:mod:`~.transformer`) learns to minimise, over random crops of the content
photographs (:mod:`~.content`), the perceptual loss Gatys' optimisation minimises for one
image (:mod:`~.losses`: content ``relu4_2``, style Grams of ``relu1_1 ... relu5_1``),
with Adam at 1e-3 as pytorch/examples does. An *epoch* is ``steps_per_epoch`` batches (the
crops never run out). Checkpoints and ``model.pt`` are plain state dicts and numbers,
written atomically and read with ``torch.load(weights_only=True)``. ``resume`` continues
from the newest checkpoint that reads (a cut one is skipped, with a warning) and ends
where an uninterrupted run ends: batch ``k`` is drawn from ``(seed, k)``, the style image
is the run's own ``style.png``, and nothing in the network draws random numbers.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from marionnette.errors import MarionnetteError
from marionnette.generation.images import (
    SKIMAGE_PREFIX,
    load_image,
    read_image,
    resize,
    save_image,
    to_image,
    to_tensor,
    to_uint8,
)
from marionnette.generation.style.content import CONTENT_PHOTOS, ContentCrops
from marionnette.generation.style.losses import Perceptual, PerceptualConfig, Targets
from marionnette.generation.style.transformer import MULTIPLE, TransformerConfig, TransformerNet
from marionnette.nets import training as nets
from marionnette.runs import Run

TASK = "style"
MODEL = "fast"
EXT = "pt"
STYLE_FILE = "style.png"


@dataclass
class FastTrainConfig:
    """How a fast style network is trained (written to config.yaml under ``train``)."""

    style: str
    """The style image: a path or ``skimage:NAME``."""
    size: int = 256
    """Side of the square training crops (a multiple of 4)."""
    style_size: int | None = None
    """Longer side the style image is resized to; None: ``size`` (computed in runtime)."""
    epochs: int = 2
    steps_per_epoch: int = 500
    batch_size: int = 4
    lr: float = 1e-3
    seed: int = 0
    """Seeds the network's initialisation and every batch's crops."""
    checkpoint_every: int = 1
    """Epochs between checkpoints (the last epoch always writes one)."""
    content: tuple[str, ...] = CONTENT_PHOTOS
    """The photographs the crops come from: paths or ``skimage:NAME``."""
    net: TransformerConfig = field(default_factory=TransformerConfig)
    loss: PerceptualConfig = field(default_factory=PerceptualConfig)

    def __post_init__(self) -> None:
        if isinstance(self.net, dict):  # read back from config.yaml
            self.net = TransformerConfig(**self.net)
        if isinstance(self.loss, dict):
            self.loss = PerceptualConfig(**self.loss)
        self.content = tuple(str(c) for c in self.content)
        self.style = str(self.style)
        if self.size % MULTIPLE or self.size < 16:
            raise MarionnetteError(f"size {self.size}: the training crops need a multiple of {MULTIPLE}, at least 16")
        if self.style_size is None:
            self.style_size = self.size
        for name in ("epochs", "steps_per_epoch", "batch_size", "checkpoint_every", "style_size"):
            if getattr(self, name) < 1:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least 1")
        if self.lr <= 0:
            raise MarionnetteError(f"lr is {self.lr}: give a positive learning rate")


def _source(text: str) -> str:
    """A style or content source as the run records it: a resolved path, or the ``skimage:`` name."""
    return text if text.startswith(SKIMAGE_PREFIX) else str(Path(text).resolve())


def read_weights(path: str | os.PathLike, device: torch.device | str = "cpu") -> dict[str, Any]:
    """A checkpoint or ``model.pt`` of a style run, read without unpickling."""
    return nets.read_weights(path, device, what="style checkpoint")


def train(
    config: FastTrainConfig | None = None,
    *,
    device: str = "auto",
    runs_dir: str | os.PathLike = "runs",
    resume: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Train a fast style network on ``config.style``; or, with ``resume``, continue that run
    (its config.yaml and style.png say what it trains on). ``progress(step, steps)`` after
    each batch. Returns the run."""
    if resume is not None:
        run, saved = nets.reopen(resume, TASK)
        config = FastTrainConfig(**saved["train"])
    elif config is None:
        raise MarionnetteError("give the style image to train on (a path or skimage:NAME)")
    dev = nets.pick_device(device)
    # Everything that can fail on bad input (a missing ImageNet file, a photograph that does
    # not read) is done before the run directory exists: bad input leaves no run behind.
    perceptual = Perceptual(config.loss).to(dev)
    crops = ContentCrops(config.content, config.size, config.seed)
    if resume is None:
        style = load_image(config.style, config.style_size)
        config = dataclasses.replace(config, style=_source(config.style),
                                     content=tuple(_source(c) for c in config.content))  # fmt: skip
        run = Run.create(runs_dir, TASK, MODEL, config.seed)
        save_image(run.path / STYLE_FILE, style)
        run.write_config({"task": TASK, "model": MODEL, "train": asdict(config)})
    # Both a new run and a resumed one read the style back from the PNG: the same 8-bit pixels.
    style = to_tensor(read_image(run.path / STYLE_FILE)).to(dev)
    grams = perceptual.targets(None, style).grams
    torch.manual_seed(config.seed)
    net = TransformerNet(config.net).to(dev)
    optimizer = torch.optim.Adam(net.parameters(), lr=config.lr)
    start = 0
    if resume is not None:

        def restore(payload: dict) -> None:
            nets.load_state(net, payload["model"], "the checkpoint")
            optimizer.load_state_dict(payload["optimizer"])

        start = nets.resume_from(run, restore, dev, what="style checkpoint")
    total = config.epochs * config.steps_per_epoch
    with nets.EpochLog(run, TASK, resumed=start if resume is not None else None) as epochs:
        for epoch in range(start // config.steps_per_epoch, config.epochs):
            began = time.perf_counter()
            sums = torch.zeros(3, device=dev)  # total, content, style over the epoch: summed on the device
            net.train()
            for k in range(epoch * config.steps_per_epoch, (epoch + 1) * config.steps_per_epoch):
                batch = crops.batch(k, config.batch_size).to(dev)  # (B, 3, size, size)
                with torch.no_grad():
                    content = {
                        layer: f for layer, f in perceptual(batch).items() if layer in config.loss.content_layers
                    }
                losses = perceptual.losses(net(batch), Targets(content, grams))
                optimizer.zero_grad(set_to_none=True)
                losses.total.backward()
                optimizer.step()
                sums += torch.stack([losses.total, losses.content, losses.style]).detach()
                if progress is not None:
                    progress(k + 1, total)
            mean = (sums / config.steps_per_epoch).tolist()
            step = (epoch + 1) * config.steps_per_epoch
            epochs.write(step, {"epoch": epoch + 1, "loss": mean[0], "content": mean[1], "style": mean[2],
                                "seconds": time.perf_counter() - began})  # fmt: skip
            if (epoch + 1) % config.checkpoint_every == 0 or epoch + 1 == config.epochs:
                payload = {"model": net.state_dict(), "optimizer": optimizer.state_dict(), "step": step}
                nets.save_weights(run.checkpoint_path(step, EXT), payload)
    nets.save_weights(run.model_path(EXT), {"model": net.state_dict(), "step": total})
    return run


def load(run: str | os.PathLike, device: str = "cpu") -> TransformerNet:
    """The network a style run wrote (``model.pt``, or its newest checkpoint), in eval mode on ``device``."""
    found = Run.open(run)
    saved = found.read_config()
    if saved.get("task") != TASK or saved.get("model") != MODEL:
        raise MarionnetteError(f"{found.path} is not a fast style run: pass a folder `marionnette style train` wrote")
    dev = nets.pick_device(device)
    net = TransformerNet(TransformerConfig(**saved["train"].get("net", {}))).to(dev)
    path = nets.final_weights(found, EXT)
    nets.load_state(net, read_weights(path, dev)["model"], str(path))
    return net.eval()


@torch.no_grad()
def stylize(net: TransformerNet, images: torch.Tensor) -> torch.Tensor:
    """``(N, 3, H, W)`` RGB in ``[0, 1]`` through ``net`` (H, W multiples of 4, at least 8),
    clamped to ``[0, 1]``, on the network's device; same shape."""
    device = next(net.parameters()).device
    return net(images.to(device)).clamp_(0.0, 1.0)


def stylize_image(net: TransformerNet, image: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` float RGB → the same, stylised (its sides must suit the network)."""
    return to_image(stylize(net, to_tensor(image)))


def stylize_frames(net: TransformerNet, frames: Iterable[np.ndarray], size: int | None = None,
                   multiple: int = MULTIPLE) -> Iterator[np.ndarray]:  # fmt: skip
    """Stylise a video frame by frame: ``(H, W, 3)`` uint8 frames in, uint8 frames out, each
    first resized so its longer side is ``size`` (or kept) with sides rounded to multiples
    of ``multiple`` (of 4, which the network needs). Lazy: a frame is read, painted and
    handed on before the next is read."""
    if multiple % MULTIPLE:
        raise MarionnetteError(f"multiple {multiple}: the style network needs sides that are multiples of {MULTIPLE}")
    for frame in frames:
        image = np.asarray(frame, dtype=np.float32)[..., :3] / 255.0
        longer = max(image.shape[:2]) if size is None else size
        yield to_uint8(stylize_image(net, resize(image, longer, multiple)))


__all__ = ["FastTrainConfig", "load", "read_weights", "stylize", "stylize_frames", "stylize_image", "train"]
