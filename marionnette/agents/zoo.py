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

:func:`measure` plays an entry the way its card says and returns the score, so a test (and
``marionnette zoo --check``) can see that the shipped file still earns what it claims.
"""

from __future__ import annotations

import difflib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_open
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


def ship(run: str | os.PathLike, name: str, *, metric: str, value: float, recipe: str, summary: str = "",
         dtype: str = "float32", home: Path = HOME) -> Path:  # fmt: skip
    """Copy the trained run ``run`` into the zoo as ``name``: its config, its policy exported
    through its family (in ``dtype``), and a card recording ``metric`` = ``value``."""
    from marionnette import agents

    if metric not in METRICS:
        raise MarionnetteError(f"metric {metric!r}: use one of {', '.join(METRICS)}")
    source = Run.open(run)
    config = agents.run_config(source.path)
    family = agents.family(str(config["algo"]))
    dest = home / name
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.iterdir():
        old.unlink()
    shutil.copyfile(source.config_path, dest / "config.yaml")
    family.export(agents.policy_path(source, family.CHECKPOINT_EXT), dest / f"model.{family.ZOO_EXT}", config, dtype)
    card = {"metric": metric, "value": round(float(value), 4), "measured": METRICS[metric], "recipe": recipe,
            "summary": summary, "dtype": dtype}  # fmt: skip
    with atomic_open(dest / CARD, "w") as f:
        yaml.safe_dump(card, f, sort_keys=False, width=1000)
    return dest


def measure(e: Entry) -> float:
    """Play ``e`` as its card's metric says and return the score (seeded: the same every run)."""
    from marionnette import agents

    policy = agents.load(PREFIX + e.name)
    env_kwargs = dict(e.config["hyperparams"].get("env_kwargs") or {})
    if e.metric == "certified":
        from marionnette.agents.evaluate import certify

        cert = certify(policy)
        return float(cert.optimal == cert.checked)
    if e.metric in ("score_difference", "points"):
        n, seed = (16, 100) if e.metric == "score_difference" else (32, 10_000)
        return float(greedy_games(policy, e.env_id, {**env_kwargs, "terminal_on_life_loss": False}, n, seed).mean())
    if e.metric == "metres":
        return walk_metres(policy, e.env_id, env_kwargs)
    if e.metric == "mpjpe_cm":
        import gymnasium as gym

        from marionnette.envs.character.imitate import episode_mpjpe

        env = gym.make(e.env_id, **env_kwargs)
        try:
            return 100 * float(np.mean([episode_mpjpe(env, policy.predict, frame=k) for k in (0, 60, 120)]))
        finally:
            env.close()
    raise MarionnetteError(f"zoo:{e.name}: its card's metric {e.metric!r} is not one of {', '.join(METRICS)}")


def greedy_games(policy, env_id: str, env_kwargs: dict, n: int, seed: int):
    """``n`` whole games of a torch-batched arcade game at once, greedy; each game's return ``(n,)``."""
    import gymnasium as gym
    import torch

    kwargs = {k: v for k, v in env_kwargs.items() if k != "terminal_on_life_loss" or "Breakout" in env_id}
    envs = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    obs, _ = envs.reset(seed=seed)
    total, finished = torch.zeros(n), torch.zeros(n, dtype=torch.bool)
    while not finished.all():
        with torch.no_grad():
            logits, _ = policy.model(obs)
        obs, reward, terminated, truncated, _ = envs.step(logits.argmax(-1))
        total += reward.cpu() * ~finished
        finished |= (terminated | truncated).cpu()
    envs.close()
    return total


def walk_metres(policy, env_id: str, env_kwargs: dict, seconds: float = 20.0) -> float:
    """Metres forward the character goes in ``seconds`` from the clip's first frame, greedy, the
    pose and root errors not ending the episode (only a fall does)."""
    from marionnette.envs import make

    env = make(env_id, **{**env_kwargs, "max_mpjpe": np.inf, "max_root_distance": np.inf})
    try:
        obs, info = env.reset(seed=100, options={"frame": 0})
        start = info["x_position"]
        steps = round(seconds / getattr(env.unwrapped, "dt", 0.02))  # 50 steps a second
        for _ in range(steps):
            obs, _, terminated, truncated, info = env.step(policy.predict(obs))
            if terminated or truncated:
                break
        return float(info["x_position"] - start)
    finally:
        env.close()
