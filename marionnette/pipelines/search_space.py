"""Search spaces: what a sweep may change, one YAML file per algorithm, keyed by env id.

The shipped files sit under ``marionnette/agents/hyperparams/spaces/``, beside the
hyperparameters they vary (the RL Zoo's scheme); ``spaces/td.yml``::

    marionnette/TicTacToe-v0:
      learning_rate: loguniform(0.05, 1.0)
      epsilon: uniform(0.1, 1.0)
      log_every: 2000                # a plain value: the same in every trial

A value written as a distribution is sampled, one draw per trial; any other value is fixed
for the whole sweep, as ``--set key=value`` would set it. Keys are the algorithm's
hyperparameters (those ``--set`` accepts); ``env_kwargs.opponent_epsilon:``, or
``opponent_epsilon:`` indented under ``env_kwargs:``, reaches into a mapping (in a one-line
``{...}`` a distribution needs quotes, or its commas split the mapping). ``n_timesteps`` is the
sweep's budget (``--steps``), never sampled. ``--space FILE`` reads another file, keyed by
env id the same way or holding one space at its top level.

| written                 | Ray Tune                 | draws                                      |
|-------------------------|--------------------------|--------------------------------------------|
| ``uniform(a, b)``       | ``tune.uniform``         | a float in [a, b)                          |
| ``quniform(a, b, q)``   | ``tune.quniform``        | a multiple of q in [a, b]                  |
| ``loguniform(a, b)``    | ``tune.loguniform``      | a float in [a, b), uniform in log (a > 0)  |
| ``qloguniform(a, b, q)``| ``tune.qloguniform``     | the same, a multiple of q                  |
| ``randint(a, b)``       | ``tune.randint``         | an integer in [a, b): b is left out        |
| ``qrandint(a, b, q)``   | ``tune.qrandint``        | a multiple of q in [a, b]                  |
| ``lograndint(a, b)``    | ``tune.lograndint``      | an integer in [a, b), uniform in log       |
| ``choice(x, y, ...)``   | ``tune.choice``          | one of the values (numbers, words, lists)  |

The arguments are read as YAML values (``1e-5``, ``[64, 64]``, ``minimax``), never
evaluated as Python. This module knows nothing of Ray until :meth:`SearchSpace.to_tune`,
so a space is checked (and these tests run) without it.
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import yaml

from marionnette.agents.hyperparams import NESTED_KEYS
from marionnette.errors import MarionnetteError

SPACES_PACKAGE = "marionnette.agents.hyperparams"
BUDGET_KEY = "n_timesteps"  # the sweep's --steps: every trial gets the same budget


class Rule(NamedTuple):
    """How one distribution is written: its arguments, and which must be numbers or integers."""

    args: tuple[str, ...]  # the names of its arguments, for the messages
    kind: str  # "float", "int", "values"
    log: bool = False  # a log scale: the lower bound must be positive


DISTRIBUTIONS: dict[str, Rule] = {
    "uniform": Rule(("low", "high"), "float"),
    "quniform": Rule(("low", "high", "q"), "float"),
    "loguniform": Rule(("low", "high"), "float", log=True),
    "qloguniform": Rule(("low", "high", "q"), "float", log=True),
    "randint": Rule(("low", "high"), "int"),
    "qrandint": Rule(("low", "high", "q"), "int"),
    "lograndint": Rule(("low", "high"), "int", log=True),
    "choice": Rule(("value", "..."), "values"),
}
_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*$", re.DOTALL)  # name(args)
_LOOKS_LIKE_CALL = re.compile(r"^\s*[A-Za-z_]\w*\s*\(")  # the start of one, to catch a typo


@dataclass(frozen=True)
class Distribution:
    """One sampled hyperparameter: ``name(args)`` as written in the file."""

    name: str
    args: tuple[Any, ...]

    def __str__(self) -> str:
        return f"{self.name}({', '.join(_show(a) for a in self.args)})"

    def to_tune(self):
        """The :mod:`ray.tune` search domain (imports Ray)."""
        from ray import tune

        if self.name == "choice":
            return tune.choice(list(self.args))
        return getattr(tune, self.name)(*self.args)


@dataclass
class SearchSpace:
    """The sampled and the fixed hyperparameters of one sweep, keyed as ``--set`` keys them
    (``learning_rate``, ``env_kwargs.opponent_epsilon``)."""

    sampled: dict[str, Distribution] = field(default_factory=dict)
    fixed: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    """The file it was read from, for the messages."""

    def to_tune(self) -> dict[str, Any]:
        """``param_space`` for :class:`ray.tune.Tuner`: one domain per sampled key."""
        return {key: d.to_tune() for key, d in self.sampled.items()}

    def fixed_overrides(self) -> list[str]:
        """The fixed values as ``key=value`` strings for :func:`marionnette.agents.train`."""
        return [override(key, value) for key, value in self.fixed.items()]


def space_file(algo: str) -> str:
    return f"marionnette/agents/hyperparams/spaces/{algo}.yml"


def load_space(algo: str, env_id: str, allowed: Iterable[str], path: str | Path | None = None) -> SearchSpace:
    """The search space for ``algo`` on ``env_id``: the shipped one, or the file at ``path``.

    :param allowed: the algorithm's hyperparameter keys (``family.hyperparam_keys(algo)``).
    :raises MarionnetteError: no space for ``env_id``; an unknown key; a malformed
        distribution. One line naming the file, the key and the fix.
    """
    if path is None:
        source = space_file(algo)
        try:
            text = resources.files(SPACES_PACKAGE).joinpath("spaces", f"{algo}.yml").read_text()
        except FileNotFoundError as e:
            raise MarionnetteError(
                f"{algo} ships no search space ({source} does not exist); write one and pass it with --space FILE"
            ) from e
    else:
        source = str(path)
        try:
            text = Path(path).read_text()
        except OSError as e:
            raise MarionnetteError(f"--space {source}: cannot read it ({e.strerror}); pass a YAML file") from e
    try:
        table = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise MarionnetteError(
            f"{source} is not valid YAML{where} ({getattr(e, 'problem', e)}); fix that line "
            "(a distribution inside {...} needs quotes: its commas split the mapping)"
        ) from e
    if not isinstance(table, dict):
        raise MarionnetteError(f"{source} holds no mapping: write `{env_id}:` and the hyperparameters under it")
    allowed = sorted(set(allowed))
    if env_id in table:
        entry = table[env_id]
    elif path is not None and table and all(str(k).partition(".")[0] in allowed for k in table):
        entry = table  # a --space file may hold one space at its top level
    else:
        known = ", ".join(sorted(map(str, table))) or "none"
        raise MarionnetteError(f"{source} has no search space for {env_id!r} (it covers: {known}); add one")
    if not isinstance(entry, dict) or not entry:
        raise MarionnetteError(f"{source}: the entry for {env_id!r} is empty; list the hyperparameters to search")
    return parse_space(entry, allowed, source)


def parse_space(entry: dict[str, Any], allowed: Iterable[str], source: str = "the search space") -> SearchSpace:
    """:class:`SearchSpace` of one env's entry (``{key: value or "name(args)"}``)."""
    allowed = sorted(set(allowed))
    space = SearchSpace(source=source)
    for key, value in _flatten(entry):
        head, _, tail = key.partition(".")
        if head not in allowed:
            close = difflib.get_close_matches(head, allowed, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"known keys: {', '.join(allowed)}"
            raise MarionnetteError(f"{source}: {key!r} is not a hyperparameter of this algorithm; {hint}")
        if tail and head not in NESTED_KEYS:
            raise MarionnetteError(f"{source}: {key!r}: {head!r} is not a mapping; only {', '.join(NESTED_KEYS)} "
                                   "take a.b keys")  # fmt: skip
        if head == BUDGET_KEY:
            raise MarionnetteError(f"{source}: {key!r} is the sweep's budget, the same for every trial; "
                                   "remove it and give `marionnette sweep --steps N`")  # fmt: skip
        if isinstance(value, str) and _LOOKS_LIKE_CALL.match(value):
            space.sampled[key] = parse_distribution(value, where=f"{source}: {key}")
        else:
            space.fixed[key] = value
    if not space.sampled:
        raise MarionnetteError(f"{source}: nothing to search (every value is fixed); write one as a distribution, "
                               "e.g. learning_rate: loguniform(1e-5, 1e-3)")  # fmt: skip
    return space


def parse_distribution(text: str, where: str = "the search space") -> Distribution:
    """``"loguniform(1e-5, 1e-3)"`` → ``Distribution("loguniform", (1e-05, 0.001))``, checked."""
    written = " ".join(text.split())
    example = "e.g. loguniform(1e-5, 1e-3), randint(2, 9) or choice(4, 8)"
    m = _CALL.match(text)
    if m is None:
        raise MarionnetteError(f"{where}: {written!r} is not a distribution: write name(a, b), {example}")
    name, inner = m.group(1), m.group(2)
    if name not in DISTRIBUTIONS:
        close = difflib.get_close_matches(name, list(DISTRIBUTIONS), n=1)
        hint = f"did you mean {close[0]}?" if close else f"use one of {', '.join(DISTRIBUTIONS)}"
        raise MarionnetteError(f"{where}: {written!r}: unknown distribution {name!r}; {hint}")
    rule = DISTRIBUTIONS[name]
    usage = f"write {name}({', '.join(rule.args)})"
    try:
        args = yaml.safe_load(f"[{inner}]")  # a YAML flow sequence: values, never code
    except yaml.YAMLError as e:
        raise MarionnetteError(f"{where}: {written!r}: its arguments do not read ({usage})") from e
    args = [_number(a) for a in args]
    if rule.kind == "values":
        if not args:
            raise MarionnetteError(f"{where}: {written!r}: give at least one value, {usage}")
        return Distribution(name, tuple(args))
    if len(args) != len(rule.args):
        raise MarionnetteError(f"{where}: {written!r} takes {len(rule.args)} arguments, not {len(args)}: {usage}")
    numeric = (int,) if rule.kind == "int" else (int, float)
    if not all(isinstance(a, numeric) and not isinstance(a, bool) and math.isfinite(a) for a in args):
        what = "integers" if rule.kind == "int" else "numbers"
        raise MarionnetteError(f"{where}: {written!r}: its arguments must be {what} ({usage})")
    low, high = args[0], args[1]
    if not low < high:
        raise MarionnetteError(f"{where}: {written!r}: low must be below high ({usage})")
    if rule.log and low <= 0:
        raise MarionnetteError(f"{where}: {written!r}: a log scale needs low > 0 ({usage})")
    if len(args) == 3 and args[2] <= 0:
        raise MarionnetteError(f"{where}: {written!r}: the step q must be positive ({usage})")
    if rule.kind == "float":
        args = [float(a) for a in args]
    return Distribution(name, tuple(args))


def override(key: str, value: Any) -> str:
    """``key=value`` that :func:`marionnette.agents.hyperparams.apply_overrides` reads back as
    ``value`` exactly (floats in full: a rerun must be the same run)."""
    return f"{key}={_show(plain(value))}"


def plain(value: Any) -> Any:
    """``value`` with numpy scalars (what Tune samples) as Python numbers, tuples as lists."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _show(value: Any) -> str:
    """A value as YAML flow text, floats by ``repr`` (the shortest that reads back exactly)."""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n").removesuffix("\n...")


def _number(value: Any) -> Any:
    """YAML's values, with the floats YAML 1.1 reads as words (``1e-5``) made floats."""
    if isinstance(value, list):
        return [_number(v) for v in value]
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _flatten(entry: dict[str, Any]) -> list[tuple[str, Any]]:
    """``{env_kwargs: {a: 1}}`` → ``[("env_kwargs.a", 1)]``: the keys ``--set`` takes."""
    items = []
    for key, value in entry.items():
        key = str(key)
        if key in NESTED_KEYS and isinstance(value, dict):
            items.extend((f"{key}.{k}", copy.deepcopy(v)) for k, v in value.items())
        else:
            items.append((key, value))
    return items
