"""What every supervised trainer shares: the device, weight files, resuming, the epoch log.

The action recognizer, the autoencoders, the style network, the GAN and the detector each
write the run directory of :mod:`marionnette.runs`; these are the parts of it that need
torch, done once:

- :func:`pick_device`: ``--device auto|cpu|cuda``, with one line when CUDA is asked for
  and absent;
- :func:`save_weights` / :func:`read_weights`: ``torch.save`` to a temporary name renamed
  into place, and ``torch.load(weights_only=True)`` (state dicts, tensors and numbers only:
  nothing is unpickled), a cut or foreign file a :class:`~marionnette.errors.CheckpointError`
  with its cause chained;
- :func:`reopen`: the run ``--resume`` names, checked to be this trainer's, cut files gone;
- :func:`resume_from`: the newest checkpoint of a run that reads and fits, newer ones that
  do not named in a warning and skipped;
- :func:`load_state`: a state dict into a network, one that does not fit a
  :class:`~marionnette.errors.CheckpointError`; :func:`final_weights`: ``model.pt``, or the
  newest checkpoint of a run still training;
- :class:`EpochLog`: one ``progress.csv`` row and the TensorBoard scalars per epoch.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.files import atomic_path
from marionnette.runs import ProgressLog, Run

log = logging.getLogger(__name__)


def pick_device(device: str) -> torch.device:
    """``auto`` (CUDA when torch sees a GPU), ``cpu`` or ``cuda``."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda"):
        raise MarionnetteError(f"device {device!r}: use auto, cpu or cuda")
    if device == "cuda" and not torch.cuda.is_available():
        raise MarionnetteError("device cuda: torch sees no CUDA GPU here; use --device cpu or auto")
    return torch.device(device)


def save_weights(path: str | os.PathLike, payload: Mapping[str, Any]) -> Path:
    """``torch.save(payload)`` at ``path``, atomically (the old file stays whole until the new one is)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save(dict(payload), tmp)
    return path


def read_weights(
    path: str | os.PathLike, device: torch.device | str = "cpu", what: str = "checkpoint", key: str | None = "model"
) -> dict:
    """What :func:`save_weights` wrote, read with ``weights_only=True``; ``what`` names the
    kind of file in the messages (``"action checkpoint"``); ``key`` must be in it."""
    path = Path(path)
    try:
        payload = torch.load(path, map_location=device, weights_only=True)
    except torch.OutOfMemoryError:
        raise  # a whole file on a full device: not the file's fault
    except (RuntimeError, OSError, EOFError, pickle.UnpicklingError, UnicodeDecodeError, IndexError, KeyError) as e:
        # What torch.load raises, measured on cut and bit-flipped checkpoints: RuntimeError
        # from its zip reader ("failed finding central directory"), OSError (EINVAL) from the
        # same on a cut past the header, EOFError on an empty file, UnpicklingError for a file
        # that is not a zip or whose pickle holds more than tensors (weights_only), and
        # UnicodeDecodeError for a damaged string in it; random bytes read as a legacy pickle
        # can stop torch's weights-only unpickler with IndexError ("pop from empty list") or KeyError.
        reason = (str(e).splitlines() or [""])[0][:120] or "no message"
        raise CheckpointError(
            f"{path} is not a readable {what} ({type(e).__name__}: {reason}): it is cut short or another "
            "program's; resume from an earlier checkpoint of the run, or train again"
        ) from e
    if not isinstance(payload, dict) or (key is not None and key not in payload):
        raise CheckpointError(f"{path} holds no model weights: pass a {what} marionnette wrote")
    return payload


def reopen(resume: str | os.PathLike, task: str) -> tuple[Run, dict[str, Any]]:
    """The run at ``resume`` and its config.yaml, for a trainer of ``task``; partial files left by a kill removed."""
    run = Run.open(resume)
    saved = run.read_config()
    if saved.get("task") != task:
        raise MarionnetteError(f"{run.path} is not a {task} run (task {saved.get('task')!r}): resume it its way")
    run.remove_partial_files()
    return run, saved


def load_state(net: torch.nn.Module, state: Mapping[str, Any], where: str) -> None:
    """``net.load_state_dict(state)``; a state of other keys or shapes (another config) is one CheckpointError line."""
    try:
        net.load_state_dict(state)
    except RuntimeError as e:  # missing or unexpected keys, or tensors of another shape
        raise CheckpointError(
            f"{where} holds another network than its config.yaml describes ({str(e).splitlines()[0][:120]}): "
            "pass the run's own checkpoint"
        ) from e


def final_weights(run: Run, ext: str) -> Path:
    """``run``'s ``model.<ext>``, or its newest checkpoint while it has none yet."""
    path = run.model_path(ext)
    if path.is_file():
        return path
    latest = run.latest_checkpoint()
    if latest is None:
        raise CheckpointError(f"{run.path} has no {path.name} and no checkpoint yet: let it train an epoch")
    return latest.path


def resume_from(run: Run, restore: Callable[[dict], None], device: torch.device | str = "cpu",
                what: str = "checkpoint") -> int:  # fmt: skip
    """Restore the newest checkpoint of ``run`` that reads and fits (``restore(payload)``
    raising :class:`~marionnette.errors.CheckpointError` when it does not) and return its
    step; newer ones are skipped with a warning naming them. 0 when none does."""
    for checkpoint in reversed(run.checkpoints()):
        try:
            restore(read_weights(checkpoint.path, device, what))
        except CheckpointError as e:
            log.warning("skipping %s: %s", checkpoint.path.name, e)
            continue
        return checkpoint.step
    return 0


class EpochLog:
    """``progress.csv`` (one row an epoch; rows past ``resumed`` dropped) and TensorBoard
    scalars under ``tag/<name>``. Close it (or use it in a ``with``)."""

    def __init__(self, run: Run, tag: str, resumed: int | None = None):
        from torch.utils.tensorboard import SummaryWriter

        self.tag = tag
        self.progress = ProgressLog(run.progress_path, resume_step=resumed)
        self.tb = SummaryWriter(str(run.tensorboard_dir))

    def write(self, step: int, row: Mapping[str, float | int]) -> None:
        self.progress.append(step, dict(row))
        for key, value in row.items():
            if isinstance(value, float):
                self.tb.add_scalar(f"{self.tag}/{key}", value, step)

    def close(self) -> None:
        self.tb.close()

    def __enter__(self) -> EpochLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


__all__ = [
    "EpochLog",
    "final_weights",
    "load_state",
    "pick_device",
    "read_weights",
    "reopen",
    "resume_from",
    "save_weights",
]
