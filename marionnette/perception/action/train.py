"""Training and evaluating a skeleton action recognizer, in the run directory every trainer writes.

::

    runs/action__<model>__<seed>__<time>/
      config.yaml        the data, the model, its config, the training settings, the classes
      checkpoints/       step_<epoch>.pt every ``checkpoint_every`` epochs (model + optimizer)
      model.pt           the final weights
      progress.csv       one row an epoch: loss, train and test accuracy, seconds
      tb/                TensorBoard scalars

Checkpoints and ``model.pt`` are plain ``state_dict`` s and numbers, written atomically and
read with ``torch.load(weights_only=True)``. ``resume`` continues from the newest
checkpoint that reads (a cut one is skipped, with a warning), and a resumed run draws
what an uninterrupted one would: every epoch's shuffling and crops come from
``(seed, epoch)``, and a checkpoint keeps torch's CPU generator (dropout) as it stood. On a
GPU, CUDA's own generator is not kept: a resumed GPU run draws its dropout anew.

Windows
    A model reads fixed-length windows ``(N, window, 25, 3)``: each sequence's valid frames
    (``length``) resampled to ``window`` frames by linear interpolation, as Ke et al.
    resize their clips and PySKL samples a fixed number of frames. In training each
    sequence is first cropped to a random 80-100% of its length (PySKL's
    ``UniformSampleFrames`` plays the same role); at test the whole sequence is used.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.nets import training as nets
from marionnette.perception.action.data import SPLITS, ActionData
from marionnette.perception.action.models import MODEL_NAMES, build_model, default_config, load_model_state
from marionnette.runs import Run

log = logging.getLogger(__name__)

TASK = "action"
EXT = "pt"
_CROP = 0.8  # training crops keep at least this fraction of a sequence


@dataclass
class ActionTrainConfig:
    """How a recognizer is trained (written to config.yaml under ``train``)."""

    model: str = "mtln"
    split: str = "cs"  # the protocol whose training half trains and whose test half is scored
    window: int = 64  # frames a sequence is resampled to
    epochs: int = 30
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = 1e-4
    seed: int = 0
    checkpoint_every: int = 5  # epochs
    classes: list[int] | None = None  # train on these classes only (indices of the data's); None: all
    model_config: dict[str, Any] = field(default_factory=dict)  # overrides of the model's config dataclass

    def __post_init__(self) -> None:
        if self.model not in MODEL_NAMES:
            raise MarionnetteError(f"unknown action model {self.model!r}: use one of {', '.join(MODEL_NAMES)}")
        if self.split not in SPLITS:
            raise MarionnetteError(f"unknown split {self.split!r}: use cs (cross-subject) or cv (cross-view)")
        for name in ("window", "epochs", "batch_size", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least 1")


def resample(sequence: np.ndarray, window: int, start: float = 0.0, stop: float = 1.0) -> np.ndarray:
    """``(L, V, 3)`` -> ``(window, V, 3)``: the part ``[start, stop]`` (fractions of the
    sequence) at ``window`` evenly spaced times, linearly interpolated."""
    L = len(sequence)
    if L < 2:
        raise MarionnetteError(f"a sequence of {L} frame(s): an action needs at least 2")
    times = np.linspace(start * (L - 1), stop * (L - 1), window)  # (window,)
    low = np.floor(times).astype(int)
    high = np.minimum(low + 1, L - 1)
    w = (times - low)[:, None, None]
    return (1 - w) * sequence[low] + w * sequence[high]


def windows(data: ActionData, index: np.ndarray, window: int, rng: np.random.Generator | None = None) -> np.ndarray:
    """``(len(index), window, 25, 3)`` float32 windows of the sequences at ``index``; with
    ``rng``, each a random crop of 80-100% of its sequence (training), else the whole."""
    out = np.empty((len(index), window, 25, 3), np.float32)
    for k, i in enumerate(index):
        start, stop = 0.0, 1.0
        if rng is not None:
            keep = rng.uniform(_CROP, 1.0)
            start = rng.uniform(0.0, 1.0 - keep)
            stop = start + keep
        out[k] = resample(data.sequence(i), window, start, stop)
    return out


class Split(NamedTuple):
    """The sequences a run trains and tests on, their labels renumbered over the run's classes."""

    train: np.ndarray  # indices into the data
    test: np.ndarray
    labels: np.ndarray  # (N,) int64: the run's class index of every sequence of the data (-1: not used)
    classes: tuple[str, ...]


def split_for(data: ActionData, protocol: str, classes: list[int] | None) -> Split:
    """The run's halves of ``data`` under ``protocol``, keeping only ``classes`` (all when None)."""
    chosen = list(range(len(data.classes))) if classes is None else list(classes)
    bad = [c for c in chosen if not 0 <= c < len(data.classes)]
    if bad or len(set(chosen)) < 2:
        raise MarionnetteError(
            f"classes {classes}: give at least two distinct indices in 0..{len(data.classes) - 1} "
            f"({', '.join(data.classes)})"
        )
    labels = np.full(len(data.classes), -1, np.int64)
    labels[chosen] = np.arange(len(chosen))
    per_sequence = labels[data.label]
    train, test = data.split(protocol)
    train, test = train[per_sequence[train] >= 0], test[per_sequence[test] >= 0]
    if not len(train) or not len(test):
        raise MarionnetteError(
            f"the {protocol} split of this data leaves {len(train)} training and {len(test)} test sequences: "
            "make the data with more subjects or views"
        )
    return Split(train, test, per_sequence, tuple(data.classes[c] for c in chosen))


def read_weights(path: str | os.PathLike, device: torch.device | str = "cpu") -> dict[str, Any]:
    """A checkpoint or ``model.pt`` of an action run, read without unpickling."""
    return nets.read_weights(path, device, what="action checkpoint")


def _model_config(name: str, overrides: dict[str, Any]):
    config = default_config(name)
    known = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise MarionnetteError(
            f"model {name!r} has no setting {', '.join(unknown)}: its settings are {', '.join(sorted(known))}"
        )
    return dataclasses.replace(config, **overrides)


def train(
    data: str | os.PathLike | None = None,
    config: ActionTrainConfig | None = None,
    *,
    device: str = "auto",
    runs_dir: str | os.PathLike = "runs",
    resume: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Train a recognizer on the dataset at ``data`` (a folder or ``actions.npz``); or,
    with ``resume``, continue that run (its config.yaml says the data and settings).
    ``progress(epoch, epochs)`` after each epoch. Returns the run."""
    if resume is not None:
        run = Run.open(resume)
        saved = run.read_config()
        if saved.get("task") != TASK:
            raise MarionnetteError(f"{run.path} is not an action run (task {saved.get('task')!r}): resume it its way")
        config = ActionTrainConfig(**saved["train"])
        data = saved["data"]
        run.remove_partial_files()
    elif data is None:
        raise MarionnetteError("give the dataset to train on (a folder made by `marionnette data actions`)")
    config = ActionTrainConfig() if config is None else config
    dataset = ActionData.load(data)
    split = split_for(dataset, config.split, config.classes)
    model_config = _model_config(config.model, config.model_config)
    dev = nets.pick_device(device)
    torch.manual_seed(config.seed)
    model = build_model(config.model, len(split.classes), model_config).to(dev)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=config.lr, weight_decay=config.weight_decay
    )
    start = 0
    if resume is None:
        run = Run.create(runs_dir, TASK, config.model, config.seed)
        run.write_config({
            "task": TASK,
            "data": str(Path(data).resolve()),
            "model": config.model,
            "classes": list(split.classes),
            "train": asdict(config),
            "model_config": asdict(model_config),
        })  # fmt: skip
    else:

        def restore(payload: dict) -> None:
            load_model_state(model, payload["model"], "the checkpoint")
            optimizer.load_state_dict(payload["optimizer"])
            torch.set_rng_state(payload["torch_rng"])  # dropout draws on as it would have

        start = nets.resume_from(run, restore, dev, what="action checkpoint")
    epochs = nets.EpochLog(run, TASK, resumed=start if resume is not None else None)
    test_x = torch.from_numpy(windows(dataset, split.test, config.window))
    test_y = torch.from_numpy(split.labels[split.test])
    train_y_all = torch.from_numpy(split.labels)
    try:
        for epoch in range(start, config.epochs):
            began = time.perf_counter()
            rng = np.random.default_rng([config.seed, epoch])  # the same draws whether resumed or not
            order = split.train[rng.permutation(len(split.train))]
            x = torch.from_numpy(windows(dataset, order, config.window, rng))
            y = train_y_all[order]
            model.train()
            total, correct, seen = 0.0, 0, 0
            for b in range(0, len(order), config.batch_size):
                xb, yb = x[b : b + config.batch_size], y[b : b + config.batch_size]
                outputs = model(model.prepare(xb).to(dev))
                loss = model.loss(outputs, yb.to(dev))
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(yb)
                correct += int((model.predict_proba(outputs.detach()).argmax(1).cpu() == yb).sum())
                seen += len(yb)
            test_acc = float((predict(model, test_x, dev).argmax(1) == test_y).float().mean())
            row = {
                "epoch": epoch + 1,
                "loss": total / seen,
                "train_accuracy": correct / seen,
                "test_accuracy": test_acc,
                "seconds": time.perf_counter() - began,
            }
            epochs.write(epoch + 1, row)
            if (epoch + 1) % config.checkpoint_every == 0 or epoch + 1 == config.epochs:
                nets.save_weights(run.checkpoint_path(epoch + 1, EXT),
                      {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch + 1,
                       "torch_rng": torch.get_rng_state()})  # fmt: skip
            if progress is not None:
                progress(epoch + 1, config.epochs)
    finally:
        epochs.close()
    nets.save_weights(run.model_path(EXT), {"model": model.state_dict(), "epoch": config.epochs})
    return run


@torch.no_grad()
def predict(model: torch.nn.Module, x: torch.Tensor, device: torch.device, batch: int = 256) -> torch.Tensor:
    """``(N, C)`` class probabilities of windows ``x (N, T, 25, 3)`` (on the CPU)."""
    model.eval()
    out = [model.predict_proba(model(model.prepare(x[b : b + batch]).to(device))).cpu()
           for b in range(0, len(x), batch)]  # fmt: skip
    return torch.cat(out)


class Recognizer(NamedTuple):
    """A trained recognizer: its model, its classes and its window."""

    model: torch.nn.Module
    classes: tuple[str, ...]
    window: int
    device: torch.device
    config: dict[str, Any]

    def probabilities(self, sequences: np.ndarray) -> np.ndarray:
        """``(N, C)`` for ``(N, T, 25, 3)`` sequences (or ``(C,)`` for one ``(T, 25, 3)``),
        each resampled to the model's window."""
        one = np.asarray(sequences).ndim == 3
        batch = np.asarray(sequences, np.float32)[None] if one else np.asarray(sequences, np.float32)
        if batch.ndim != 4 or batch.shape[2:] != (25, 3):
            raise MarionnetteError(
                f"sequences of shape {np.shape(sequences)}: give (T, 25, 3) or (N, T, 25, 3) NTU_25 positions"
            )
        x = torch.from_numpy(np.stack([resample(s, self.window) for s in batch]).astype(np.float32))
        p = predict(self.model, x, self.device).numpy()
        return p[0] if one else p


def load(run: str | os.PathLike, device: str = "cpu") -> Recognizer:
    """The recognizer a finished action run wrote (``model.pt``, or its newest checkpoint)."""
    found = Run.open(run)
    config = found.read_config()
    if config.get("task") != TASK:
        raise MarionnetteError(f"{found.path} is not an action run: pass a folder `marionnette action train` wrote")
    dev = nets.pick_device(device)
    model_config = _model_config(config["model"], config.get("model_config", {}))
    model = build_model(config["model"], len(config["classes"]), model_config).to(dev)
    path = found.model_path(EXT)
    if not path.is_file():
        latest = found.latest_checkpoint()
        if latest is None:
            raise CheckpointError(f"{found.path} has no model.pt and no checkpoint yet: let it train an epoch")
        path = latest.path
    load_model_state(model, read_weights(path, dev)["model"], str(path))
    model.eval()
    return Recognizer(model, tuple(config["classes"]), int(config["train"]["window"]), dev, config)


class Evaluation(NamedTuple):
    """Accuracy and confusion of a recognizer on one half of a split."""

    accuracy: float
    confusion: np.ndarray  # (C, C) counts: row the true class, column the predicted one
    classes: tuple[str, ...]
    split: str
    count: int


def evaluate(run: str | os.PathLike, split: str | None = None, data: str | os.PathLike | None = None,
             device: str = "cpu") -> Evaluation:  # fmt: skip
    """Score the run's recognizer on the test half of ``split`` (the run's own by default)
    of ``data`` (the run's own dataset by default)."""
    recognizer = load(run, device)
    config = recognizer.config
    split = config["train"]["split"] if split is None else split
    dataset = ActionData.load(config["data"] if data is None else data)
    chosen = [dataset.classes.index(c) for c in recognizer.classes if c in dataset.classes]
    if len(chosen) != len(recognizer.classes):
        missing = [c for c in recognizer.classes if c not in dataset.classes]
        raise MarionnetteError(f"the data lacks the run's classes {', '.join(missing)}: pass the data it trained on")
    halves = split_for(dataset, split, chosen)
    x = torch.from_numpy(windows(dataset, halves.test, recognizer.window))
    predicted = predict(recognizer.model, x, recognizer.device).argmax(1).numpy()
    truth = halves.labels[halves.test]
    C = len(recognizer.classes)
    confusion = np.zeros((C, C), np.int64)
    np.add.at(confusion, (truth, predicted), 1)
    return Evaluation(float((predicted == truth).mean()), confusion, recognizer.classes, split, len(truth))


__all__ = ["ActionTrainConfig", "Evaluation", "Recognizer", "evaluate", "load", "resample", "train", "windows"]
