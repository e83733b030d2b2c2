"""Pictures for docs/: each arcade game as render() shows it, beside what the agent sees.

    .venv/bin/python scripts/figures_arcade.py [--out docs/img]

For every game: a grid of 4 games after 60 random steps (RGB, ``render()``) and the same
first game's 84×84 grey observation frames (``obs_type="pixels"``), side by side.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import numpy as np
import torch
from PIL import Image

import marionnette  # noqa: F401
from marionnette.envs.arcade import GAMES


def game_figure(game: str, steps: int = 60) -> np.ndarray:
    envs = gym.make_vec(
        f"marionnette/{game}-v0", num_envs=4, vectorization_mode="vector_entry_point",
        obs_type="pixels", render_mode="rgb_array",
    )  # fmt: skip
    obs, _ = envs.reset(seed=0)
    gen = torch.Generator().manual_seed(0)
    fire = torch.ones(4, dtype=torch.int64)  # FIRE (or UP) first, so that every game is under way
    for t in range(steps):
        action = fire if t < 2 else torch.randint(0, envs.single_action_space.n, (4,), generator=gen)
        obs, *_ = envs.step(action)
    grid = envs.render()  # (H, W, 3)
    frames = obs[0].numpy()  # (4, 84, 84): what the agent sees, oldest first
    strip = np.vstack([np.pad(f, 2, constant_values=255) for f in frames])  # (4 * 88, 88)
    scale = grid.shape[0] / strip.shape[0]
    strip = np.asarray(Image.fromarray(strip).resize((int(strip.shape[1] * scale), grid.shape[0]), Image.NEAREST))
    return np.hstack([grid, np.full((grid.shape[0], 8, 3), 255, np.uint8), np.repeat(strip[..., None], 3, axis=2)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for game in GAMES:
        path = args.out / f"arcade_{game.lower()}.png"
        Image.fromarray(game_figure(game)).save(path)
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
