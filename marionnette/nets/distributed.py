"""Data-parallel training: one process a device (or a share of the CPU), gradients averaged.

marionnette runs under torchrun as it is: ``torchrun --nproc_per_node=N -m marionnette
train …`` (or ``marionnette train … --nproc N``, which starts torchrun for you, :func:`launch`)
starts N copies of the same command, each with ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and
the rendezvous address in its environment. :func:`init` joins them in one process group
(gloo on the CPU, NCCL on GPUs, as PyTorch advises), after which:

- every rank builds the same network from the same seed, and
  ``torch.nn.parallel.DistributedDataParallel`` averages the gradients in ``backward``
  (CleanRL's ``ppo_atari_multigpu.py`` all-reduces them by hand; DDP does the same with
  its buckets overlapping the backward pass);
- each rank takes its own slice of the work (:func:`share`: the environments, or the
  data), so N ranks together do what one process does with the whole batch;
- rank 0 alone writes the run directory (:attr:`World.main`); the others learn its path
  from it (:func:`broadcast_text`); checkpoints hold one copy of the weights and the
  optimizer, which any world size resumes.

One process (no ``WORLD_SIZE``, or 1) is the world of size 1: nothing here then touches
torch.distributed, and training is what it always was.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist

from marionnette.errors import MarionnetteError


@dataclass(frozen=True)
class World:
    """Where this process stands among the ranks torchrun started."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0  # its number on this machine: which GPU it takes

    @property
    def main(self) -> bool:
        """Rank 0, the one that writes the run directory."""
        return self.rank == 0


def world() -> World:
    """This process's :class:`World`, from the variables torchrun sets (size 1 without them)."""
    try:
        return World(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                     int(os.environ.get("LOCAL_RANK", 0)))  # fmt: skip
    except ValueError as e:
        raise MarionnetteError(f"RANK, WORLD_SIZE or LOCAL_RANK is not a number ({e}): start ranks with "
                               "torchrun") from e  # fmt: skip


def init(device: str) -> World:
    """Join the process group torchrun set up (once; a no-op for one process); ``device`` is
    ``cpu`` or ``cuda``: gloo or NCCL, and with CUDA this rank's GPU made current."""
    here = world()
    if here.size == 1 or dist.is_initialized():
        return here
    if device.startswith("cuda"):
        if here.local_rank >= torch.cuda.device_count():
            raise MarionnetteError(f"rank {here.rank} wants GPU {here.local_rank} of {torch.cuda.device_count()}: "
                                   "start at most one process a GPU (--nproc)")  # fmt: skip
        torch.cuda.set_device(here.local_rank)
    dist.init_process_group("nccl" if device.startswith("cuda") else "gloo")
    return here


def device_of(device: str, here: World) -> torch.device:
    """The torch device of this rank: its own GPU under CUDA, else the CPU."""
    if device.startswith("cuda") and here.size > 1:
        return torch.device(f"cuda:{here.local_rank}")
    return torch.device(device)


def share(total: int, here: World, what: str) -> int:
    """This rank's part of ``total`` (environments, samples): ``total / size``, which must be whole."""
    if total % here.size:
        raise MarionnetteError(f"{what}={total} does not split over {here.size} processes: give a multiple of "
                               f"{here.size} (--set {what}=...) or another --nproc")  # fmt: skip
    return total // here.size


def all_sum(tensor: torch.Tensor, here: World) -> torch.Tensor:
    """``tensor`` summed over the ranks, in place (itself with one rank)."""
    if here.size > 1:
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
    return tensor


def broadcast_text(text: str | None, here: World) -> str:
    """Rank 0's ``text`` on every rank (a run directory's path), as bytes in a tensor (no pickling)."""
    if here.size == 1:
        return str(text)
    device = torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")
    data = (text or "").encode() if here.main else b""
    length = torch.tensor([len(data)], dtype=torch.int64, device=device)
    dist.broadcast(length, 0)
    buffer = torch.zeros(int(length.item()), dtype=torch.uint8, device=device)
    if here.main:
        buffer.copy_(torch.frombuffer(bytearray(data), dtype=torch.uint8))
    dist.broadcast(buffer, 0)
    return bytes(buffer.cpu().tolist()).decode()


def barrier(here: World) -> None:
    if here.size > 1:
        dist.barrier()


def finish(here: World) -> None:
    """Leave the process group (at the end of a training)."""
    if here.size > 1 and dist.is_initialized():
        # DDP's reducer holds the group; left to the interpreter's teardown, gloo's worker
        # threads die unjoined now and then ("terminate called without an active exception")
        gc.collect()
        dist.barrier()
        dist.destroy_process_group()


def check_nproc(nproc: int, device: str) -> None:
    """One line when ``nproc`` processes cannot each have a device: a GPU each, or a CPU core each."""
    if nproc < 1:
        raise MarionnetteError(f"--nproc {nproc}: give at least 1")
    if device.startswith("cuda"):
        have, what = torch.cuda.device_count(), "CUDA GPUs"
    else:
        have, what = os.cpu_count() or 1, "CPU cores"
    if nproc > have:
        raise MarionnetteError(f"--nproc {nproc}: this machine has {have} {what}; give --nproc {have} or fewer "
                               "(more ranks than devices only wait on each other)")  # fmt: skip


def launch(args: Sequence[str], nproc: int, device: str) -> int:
    """Run ``marionnette ARGS`` as ``nproc`` ranks under torchrun on this machine (``--standalone``:
    its own rendezvous on a free port); returns torchrun's exit code."""
    check_nproc(nproc, device)
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
               "-m", "marionnette", *args]  # fmt: skip
    env = dict(os.environ)
    # torchrun gives each rank one thread unless told; a rank a core is what 2 processes on 2 cores want
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    return subprocess.call(command, env=env)


__all__ = [
    "World",
    "all_sum",
    "barrier",
    "broadcast_text",
    "check_nproc",
    "device_of",
    "finish",
    "init",
    "launch",
    "share",
    "world",
]
