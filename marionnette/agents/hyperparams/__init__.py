"""Hyperparameters: one YAML file per algorithm, keyed by env id (the RL Zoo's scheme).

The files sit beside this module, in the package they belong to; ``ppo_mask.yml``::

    marionnette/TicTacToe-v0:
      n_timesteps: 150000
      n_envs: 8
      env_kwargs: {opponent: minimax, opponent_epsilon: 0.5}
      learning_rate: 0.001

``--set key=value`` overrides one entry (``--set env_kwargs.opponent=random`` reaches
into a mapping); values are parsed as YAML, so ``--set policy_kwargs.net_arch=[64,64]``
gives a list. Keys are checked against what the algorithm accepts.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

import yaml

from marionnette.errors import MarionnetteError

NESTED_KEYS = ("env_kwargs", "policy_kwargs")  # mappings that `--set a.b=v` may reach into


def hyperparams_file(algo: str) -> str:
    return f"marionnette/agents/hyperparams/{algo}.yml"


def load_hyperparams(algo: str, env_id: str) -> dict[str, Any]:
    """The shipped hyperparameters of ``algo`` for ``env_id`` (a fresh, mutable copy)."""
    text = resources.files(__name__).joinpath(f"{algo}.yml").read_text()
    table = yaml.safe_load(text) or {}
    if env_id not in table:
        known = ", ".join(sorted(table)) or "none"
        raise MarionnetteError(
            f"{hyperparams_file(algo)} has no entry for {env_id!r} (it covers: {known}); "
            f"add one, or pick an algorithm that does"
        )
    return copy.deepcopy(table[env_id])


def apply_overrides(hyperparams: dict[str, Any], overrides: Sequence[str], allowed: Iterable[str]) -> dict[str, Any]:
    """Apply ``key=value`` strings; an unknown key or a malformed one raises one line."""
    allowed = sorted(set(allowed))
    result = copy.deepcopy(hyperparams)
    for item in overrides:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise MarionnetteError(f"--set {item!r}: write it as key=value, e.g. --set n_envs=4")
        head, _, tail = key.partition(".")
        if head not in allowed:
            close = difflib.get_close_matches(head, allowed, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"known keys: {', '.join(allowed)}"
            raise MarionnetteError(f"--set {item!r}: unknown hyperparameter {head!r}; {hint}")
        value = _parse_value(raw)
        if tail:
            if head not in NESTED_KEYS:
                raise MarionnetteError(
                    f"--set {item!r}: {head!r} is not a mapping; only {', '.join(NESTED_KEYS)} take a.b=value"
                )
            result.setdefault(head, {})[tail] = value
        else:
            result[head] = value
    return result


def _parse_value(raw: str) -> Any:
    """YAML, plus the floats YAML 1.1 reads as strings (``3e-4`` has no dot)."""
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except yaml.YAMLError:
        return raw
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value
