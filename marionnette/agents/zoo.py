"""The zoo: trained agents shipped inside the package, ``zoo:NAME`` wherever a run directory goes.

    marionnette zoo                                    # the list: score, size, recipe
    marionnette watch zoo:walk                         # the gait, to an MP4
    marionnette eval zoo:pong
    marionnette play marionnette/TicTacToe-v0 --against zoo:td
    agents.load("zoo:walk").predict(obs)

An entry is a folder ``marionnette/agents/trained/NAME/`` that reads as a run directory:

- ``config.yaml``: the config.yaml of the run that trained it (env id, algorithm, seed,
  hyperparameters, the command), so ``eval`` and ``watch`` play it as that run;
- ``model.<ZOO_EXT>``: its policy in a file that loads without unpickling (the family's
  ``export``: an ``.npz`` read with ``allow_pickle=False``, or tensors read with
  ``torch.load(weights_only=True)``); an SB3 policy's weights and VecNormalize statistics are
  arrays, loaded into a freshly built policy;
- ``card.yaml``: the recorded score (``metric``, ``value``, how it is measured), the recipe.

:func:`marionnette.pipelines.zoo.measure` plays an entry the way its card says and returns the
score, so a test (and ``marionnette zoo --check``) can see that the shipped file still earns what
it claims; :func:`marionnette.pipelines.zoo.ship` adds a trained run. This module is the catalogue
alone: :func:`marionnette.agents.load` reads it, so it imports nothing of ``agents``.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from marionnette.errors import MarionnetteError
from marionnette.runs import Run

PREFIX = "zoo:"
HOME = Path(__file__).parent / "trained"
CARD = "card.yaml"

# How each metric is measured (the card's ``metric``), and the unit a table shows.
METRICS = {
    "certified": "optimal moves in every reachable position (the minimax oracle)",
    "score_difference": "mean score difference of 16 greedy whole games, seeds 100-115",
    "points": "mean points of 32 greedy whole games (5 balls), seeds 10000-10031",
    "metres": "metres forward in 20 s, greedy, from the clip's first frame, only a fall ending it",
    "mpjpe_cm": "mean per-joint position error (cm) of whole plays from frames 0, 60 and 120",
}


@dataclass(frozen=True)
class Entry:
    name: str
    path: Path
    env_id: str
    algo: str
    metric: str
    value: float
    recipe: str
    summary: str

    @property
    def size(self) -> int:
        """Bytes of the entry's files."""
        return sum(p.stat().st_size for p in self.path.iterdir() if p.is_file())

    @property
    def config(self) -> dict[str, Any]:
        return Run(self.path).read_config()


def names() -> list[str]:
    return sorted(p.name for p in HOME.iterdir() if (p / CARD).is_file()) if HOME.is_dir() else []


def entry(name: str) -> Entry:
    """The zoo entry ``name`` (``walk``, or ``zoo:walk``); an unknown one names the closest."""
    name = name.removeprefix(PREFIX)
    known = names()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.4)
        hint = f"did you mean zoo:{close[0]}?" if close else f"the zoo holds {', '.join(known) or 'nothing'}"
        raise MarionnetteError(f"zoo:{name}: no such agent in the zoo; {hint} (`marionnette zoo` lists them)")
    path = HOME / name
    card = yaml.safe_load((path / CARD).read_text())
    config = Run(path).read_config()
    return Entry(name, path, config["env_id"], config["algo"], card["metric"], float(card["value"]),
                 card["recipe"], card.get("summary", ""))  # fmt: skip


def entries() -> list[Entry]:
    return [entry(n) for n in names()]


def is_zoo(ref: str | os.PathLike) -> bool:
    return str(ref).startswith(PREFIX)


def resolve(ref: str | os.PathLike) -> Path:
    """``zoo:NAME`` → the entry's folder; anything else is a run directory's path, as given."""
    return entry(str(ref)).path if is_zoo(ref) else Path(ref)
