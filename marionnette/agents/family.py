"""The declared interface of an algorithm family: what a module listed in
:data:`marionnette.agents.ALGOS` provides.

A family is a module (``tabular``, ``sb3``, ``native_ppo``) that satisfies
:class:`AlgorithmFamily` (PEP 544: a module may implement a protocol, its functions
standing for the methods). :func:`marionnette.agents.train` and :func:`~marionnette.agents.load`
call nothing else of it (and :mod:`marionnette.agents.zoo` ``export``), so a new family is a new module
with these six names.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from marionnette.agents.policy import Policy
from marionnette.runs import Checkpoint, Run

ProgressFn = Callable[[int, int], None]  # (steps done, steps in all)


@runtime_checkable
class AlgorithmFamily(Protocol):
    """One family of algorithms behind ``--algo``."""

    CHECKPOINT_EXT: str
    """The extension of its checkpoint and model files (``zip``, ``pt``, ``npz``)."""

    def hyperparam_keys(self, algo: str) -> set[str]:
        """The keys ``algo`` accepts in its YAML entry and in ``--set``."""
        ...

    def learn(
        self,
        run: Run,
        config: dict[str, Any],
        *,
        device: str,
        resume_from: Checkpoint | None = None,
        progress: ProgressFn | None = None,
    ) -> None:
        """Train the run described by ``config`` (the run's config.yaml) on ``device``
        (``cpu`` or ``cuda``, already resolved), writing checkpoints, progress.csv and
        TensorBoard into ``run``; continue from ``resume_from`` when given (the caller has
        checked that it reads). Returns once ``run.model_path(CHECKPOINT_EXT)`` is written."""
        ...

    ZOO_EXT: str
    """The extension of the file :meth:`export` writes for the zoo (arrays or tensors only)."""

    def export(self, path: Path, dest: Path, config: dict[str, Any], dtype: str = "float32") -> None:
        """Write the policy in ``path`` (a model or checkpoint of the run ``config`` describes)
        to ``dest`` in a form :meth:`load` reads without unpickling: what the zoo ships.
        ``dtype`` (``float32`` or ``float16``) is for the weights, where there are weights."""
        ...

    def load(self, path: Path, algo: str, device: str = "cpu") -> Policy:
        """The policy in the checkpoint or model file ``path``.

        :raises marionnette.errors.CheckpointError: ``path`` is not a whole file of this
            family (cut short, foreign, another algorithm's), with the cause chained.
        """
        ...
