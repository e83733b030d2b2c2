"""Agents: train a policy into a run directory, and load it back.

| algorithm   | family                   | for                                        |
|-------------|--------------------------|--------------------------------------------|
| `td`        | tabular (ours)           | tic-tac-toe: TD(0) afterstate values       |
| `qlearning` | tabular (ours)           | tic-tac-toe: Q-learning                    |
| `dqn`       | stable-baselines3        | any discrete-action env                    |
| `ppo`       | stable-baselines3        | any env                                    |
| `ppo_mask`  | sb3-contrib MaskablePPO  | envs with action masks                     |
| `ppo_native`| ours, on the env device  | the torch-batched arcade games             |

``train`` writes ``runs/<env>__<algo>__<seed>__<time>/`` (see :mod:`marionnette.runs`);
``load(RUN)`` returns its policy with ``predict(obs, action_mask=None, deterministic=True)``.
torch and stable-baselines3 load only when an SB3 algorithm is used.
"""

from __future__ import annotations

import difflib
import importlib
import logging
import os
import shlex
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from marionnette.agents.family import AlgorithmFamily, ProgressFn
from marionnette.agents.hyperparams import apply_overrides, load_hyperparams
from marionnette.agents.policy import Policy
from marionnette.envs import check_env_id
from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.runs import Checkpoint, Run

logger = logging.getLogger(__name__)

ALGOS: dict[str, str] = {  # algorithm -> the module that trains and loads it
    "td": "marionnette.agents.tabular",
    "qlearning": "marionnette.agents.tabular",
    "dqn": "marionnette.agents.sb3",
    "ppo": "marionnette.agents.sb3",
    "ppo_mask": "marionnette.agents.sb3",
    "ppo_native": "marionnette.agents.native_ppo",
}

# What config.yaml must hold for a run to be trained, resumed or loaded back.
CONFIG_KEYS = ("env_id", "algo", "seed", "hyperparams")

__all__ = ["ALGOS", "AlgorithmFamily", "Policy", "family", "hyperparam_keys", "load", "resolve_device", "train"]


def canonical_algo(algo: str) -> str:
    """``ppo-native`` and ``ppo_native`` are the same algorithm."""
    return algo.replace("-", "_")


def _family(algo: str) -> AlgorithmFamily:
    """The module behind ``algo``, which satisfies :class:`AlgorithmFamily` (tests check it)."""
    algo = canonical_algo(algo)
    if algo not in ALGOS:
        close = difflib.get_close_matches(algo, list(ALGOS), n=2)
        hint = f"did you mean {', '.join(close)}?" if close else f"use one of {', '.join(ALGOS)}"
        raise MarionnetteError(f"unknown algorithm {algo!r}: {hint}")
    return cast(AlgorithmFamily, importlib.import_module(ALGOS[algo]))


def family(algo: str) -> AlgorithmFamily:
    """The family module that trains, loads and exports ``algo`` (an unknown one is one line)."""
    return _family(algo)


def hyperparam_keys(algo: str) -> set[str]:
    """The keys ``algo`` accepts in its YAML entry and in ``--set`` (an unknown algorithm is one line)."""
    return _family(algo).hyperparam_keys(canonical_algo(algo))


def resolve_device(device: str) -> str:
    """``auto`` → ``cuda`` when a GPU is there, else ``cpu``; ``cuda`` without one is an error."""
    if device not in ("auto", "cpu", "cuda"):
        raise MarionnetteError(f"--device {device!r}: use auto, cpu or cuda")
    if device == "cpu":
        return device
    import torch

    if torch.cuda.is_available():
        return "cuda"
    if device == "cuda":
        raise MarionnetteError("--device cuda: no CUDA GPU is visible here; use --device cpu")
    return "cpu"


def train(
    env_id: str | None = None,
    algo: str | None = None,
    *,
    steps: int | None = None,
    seed: int = 0,
    device: str = "auto",
    overrides: Sequence[str] = (),
    runs_dir: str | os.PathLike = "runs",
    resume: str | os.PathLike | None = None,
    progress: ProgressFn | None = None,
) -> Run:
    """Train ``algo`` on ``env_id`` (or resume the run at ``resume``) and return the run.

    A new run whose training raises before its first checkpoint (its env cannot be made, say)
    leaves no run directory behind; a resumed run, or one with a checkpoint, is never removed.

    :param env_id: a Gymnasium id, e.g. ``"marionnette/TicTacToe-v0"``.
    :param algo: a key of :data:`ALGOS`.
    :param steps: environment steps in all (overrides the YAML's ``n_timesteps``).
    :param seed: seeds the agent and the environments.
    :param device: ``auto``, ``cpu`` or ``cuda``.
    :param overrides: ``key=value`` strings applied over the shipped hyperparameters.
    :param runs_dir: where new run directories go.
    :param resume: a run directory; training continues from its newest checkpoint that
        reads (:func:`newest_readable_checkpoint`) up to its total (or ``steps``), with the
        hyperparameters it started with.
    :param progress: called with ``(done, total)`` steps as training goes.
    """
    device = resolve_device(device)
    here = _join_ranks(algo, resume, device)  # under torchrun: this process's rank; else None
    main = here is None or here.main  # the one process that writes the run directory
    resume_from: Checkpoint | None = None  # where a resumed run continues from
    if resume is not None:
        run = Run.open(resume)
        if main:
            run.remove_partial_files()
        if here is not None:
            from marionnette.nets.distributed import barrier

            barrier(here)
        config = _read_config(run, CONFIG_KEYS)
        for name, given in (("environment", env_id), ("algorithm", algo)):
            key = "env_id" if name == "environment" else "algo"
            if given is not None and given != config.get(key):
                raise MarionnetteError(
                    f"--resume {run.path}: that run trains {name} {config.get(key)!r}, not {given!r}; "
                    "leave it out or start a new run"
                )
        if overrides:
            raise MarionnetteError("--set cannot change a resumed run; start a new run to change hyperparameters")
        family = _family(str(config["algo"]))
        resume_from = newest_readable_checkpoint(run, family, str(config["algo"]))
        if steps is not None:
            config["hyperparams"]["n_timesteps"] = int(steps)
            if main:
                run.write_config(config)
    else:
        if env_id is None or algo is None:
            raise MarionnetteError("give an environment id and --algo (or --resume RUN)")
        env_id = check_env_id(env_id)
        algo = canonical_algo(algo)
        family = _family(algo)
        hyperparams = apply_overrides(load_hyperparams(algo, env_id), overrides, family.hyperparam_keys(algo))
        if steps is not None:
            hyperparams["n_timesteps"] = int(steps)
        config = {
            "env_id": env_id,
            "algo": algo,
            "seed": seed,
            "hyperparams": hyperparams,
            "marionnette_version": _version(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": shlex.join(sys.argv),
        }
        if main:
            run = Run.create(runs_dir, env_id, algo, seed)
            if here is not None:
                config["world_size"] = here.size
            run.write_config(config)
        if here is not None:  # the other ranks learn rank 0's run directory
            from marionnette.nets.distributed import broadcast_text

            run = Run.open(broadcast_text(str(run.path) if main else None, here))
    try:
        family.learn(run, config, device=device, resume_from=resume_from, progress=progress)
    except Exception:
        if resume is None and main:
            _remove_if_unstarted(run, family.CHECKPOINT_EXT)
        raise
    if here is not None:
        from marionnette.nets.distributed import finish

        finish(here)
    return run


DATA_PARALLEL = ("ppo_native",)  # the algorithms that train as torchrun's ranks


def _join_ranks(algo: str | None, resume: str | os.PathLike | None, device: str):
    """Under torchrun (``WORLD_SIZE`` > 1): join the process group and return this rank's
    :class:`~marionnette.nets.distributed.World`; one process: None (torch not imported here)."""
    if int(os.environ.get("WORLD_SIZE", "1") or 1) <= 1:
        return None
    if algo is None and resume is not None:
        algo = str(Run.open(resume).read_config().get("algo"))
    if canonical_algo(str(algo)) not in DATA_PARALLEL:
        raise MarionnetteError(f"{algo} trains in one process (SB3's and the tabular learners are not data-parallel); "
                               f"run it without torchrun or --nproc, or use {', '.join(DATA_PARALLEL)}")  # fmt: skip
    from marionnette.nets.distributed import init

    return init(device)


def _remove_if_unstarted(run: Run, ext: str) -> None:
    """Remove the run directory this call created when ``learn`` failed before its first
    checkpoint (a clip that cannot be read, a setting the algorithm refuses): a run with
    nothing to resume from is no run. One with a checkpoint or a model stays, to resume."""
    if run.checkpoints() or run.model_path(ext).exists():
        return
    try:
        shutil.rmtree(run.path)
    except OSError as e:  # the error that stopped training matters more than this one
        logger.warning("could not remove the unstarted run directory %s: %s", run.path, e)
        return
    logger.info("removed %s: training stopped before its first checkpoint", run.path)


def newest_readable_checkpoint(run: Run, family: AlgorithmFamily, algo: str) -> Checkpoint | None:
    """The newest checkpoint of ``run`` that ``family.load`` reads; None when it has none.

    Newer ones that do not read (a disk filled mid-write, a copy cut short) are skipped and
    left where they are, with one warning on this module's logger naming each and why.
    When checkpoints exist but none reads, :class:`CheckpointError` names them all.
    """
    found = run.checkpoints()
    skipped: list[CheckpointError] = []
    for checkpoint in reversed(found):
        try:
            family.load(checkpoint.path, algo, device="cpu")
        except CheckpointError as e:
            skipped.append(e)
            continue
        if skipped:
            reasons = "; ".join(_first_line(e) for e in skipped)
            logger.warning(
                "resuming from %s, the newest checkpoint that reads: skipped %s", checkpoint.path.name, reasons
            )
        return checkpoint
    if not found:
        return None
    names = ", ".join(c.path.name for c in found)
    raise CheckpointError(
        f"--resume {run.path}: none of its checkpoints reads ({names}; the newest: {_first_line(skipped[0])}); "
        "start a new run, or copy a whole checkpoint back from where it came from"
    ) from skipped[0]


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__


def _version() -> str:
    from marionnette import __version__

    return __version__


def policy_path(run: Run, ext: str) -> Path:
    """The final model if training finished, else the newest checkpoint."""
    final = run.model_path(ext)
    if final.exists():
        return final
    latest = run.latest_checkpoint()
    if latest is None:
        raise MarionnetteError(
            f"run {run.path} has no model and no checkpoint yet: resume it with `marionnette train --resume {run.path}`"
        )
    return latest.path


def _read_config(run: Run, keys: Sequence[str]) -> dict[str, Any]:
    """``run``'s config.yaml, checked to hold ``keys`` (``hyperparams`` a mapping)."""
    config = run.read_config()
    missing = [key for key in keys if config.get(key) is None]
    if missing:
        raise MarionnetteError(
            f"{run.config_path} has no {' or '.join(repr(k) for k in missing)}, which `marionnette train` "
            "writes there: put back what the run was trained with, or start a new run"
        )
    if "hyperparams" in keys and not isinstance(config["hyperparams"], dict):
        raise MarionnetteError(f"{run.config_path}: 'hyperparams' is not a mapping of settings")
    return config


def load(run: str | os.PathLike, device: str = "cpu") -> Policy:
    """The policy of the run directory ``run`` (or of the zoo's ``zoo:NAME``), whatever algorithm trained it."""
    from marionnette.agents import zoo

    if zoo.is_zoo(run):
        entry = zoo.entry(str(run))
        family = _family(entry.algo)
        return family.load(entry.path / f"model.{family.ZOO_EXT}", entry.algo, device=resolve_device(device))
    run_ = Run.open(run)
    algo = str(_read_config(run_, ("algo",))["algo"])
    family = _family(algo)
    return family.load(policy_path(run_, family.CHECKPOINT_EXT), algo, device=resolve_device(device))


def run_config(run: str | os.PathLike) -> dict[str, Any]:
    """The config.yaml of the run directory ``run`` (or ``zoo:NAME``), with what eval and watch read checked."""
    from marionnette.agents import zoo

    return _read_config(Run.open(zoo.resolve(run)), ("env_id", "algo", "hyperparams"))
