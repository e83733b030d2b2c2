"""The zoo's two jobs beyond its catalogue (:mod:`marionnette.agents.zoo`): put a trained run
into it (:func:`ship`, by ``scripts/ship_zoo.py``) and replay an entry as its card says
(:func:`measure`, by ``tests/agents/test_zoo.py`` and ``marionnette zoo --check``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import yaml

from marionnette import agents
from marionnette.agents.zoo import CARD, HOME, METRICS, PREFIX, Entry
from marionnette.errors import MarionnetteError
from marionnette.files import atomic_open
from marionnette.runs import Run


def ship(run: str | os.PathLike, name: str, *, metric: str, value: float, recipe: str, summary: str = "",
         dtype: str = "float32", home: Path = HOME) -> Path:  # fmt: skip
    """Copy the trained run ``run`` into the zoo as ``name``: its config, its policy exported
    through its family (in ``dtype``), and a card recording ``metric`` = ``value``."""
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
    policy = agents.load(PREFIX + e.name)
    env_kwargs = dict(e.config["hyperparams"].get("env_kwargs") or {})
    if e.metric == "certified":
        from marionnette.agents.evaluate import certify

        cert = certify(policy)
        return float(cert.optimal == cert.checked)
    if e.metric in ("score_difference", "points"):
        n, seed = (16, 100) if e.metric == "score_difference" else (32, 10_000)
        whole = {"terminal_on_life_loss": False} if e.metric == "points" else {}  # Breakout: 5 balls a game
        return float(greedy_games(policy, e.env_id, {**env_kwargs, **whole}, n, seed).mean())
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

    envs = gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **env_kwargs)
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
