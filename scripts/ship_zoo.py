"""Put trained runs into the zoo (marionnette/agents/trained/), each with the score it earns.

    .venv/bin/python scripts/ship_zoo.py NAME=RUN [NAME=RUN ...] [--dtype NAME=float16]

NAME is one of the recipes below (td, pong, breakout, walk, wave); RUN the run directory its
recipe trained. Each is exported through its family (no pickle), then played as its card's
metric says (:func:`marionnette.pipelines.zoo.measure`), and the card records what it measured.
"""

from __future__ import annotations

import argparse
import time

import torch

from marionnette.agents import zoo
from marionnette.pipelines import zoo as zoo_jobs

# name -> (metric, dtype, the command that trained it, one line for the list)
RECIPES = {
    "td": ("certified", "float32", "marionnette train marionnette/TicTacToe-v0 --algo td --seed 0",
           "tic-tac-toe, TD(0) afterstate values"),
    "pong": ("score_difference", "float32",
             "marionnette train marionnette/Pong-v0 --algo ppo_native --seed 0 --device cpu",
             "Pong against the computer, native PPO on the state"),
    "breakout": ("points", "float16",
                 "OMP_NUM_THREADS=1 marionnette train marionnette/Breakout-v0 --algo ppo_native --seed 0 --device cpu",
                 "Breakout from pixels, native PPO (Nature CNN)"),
    "walk": ("metres", "float16",
             "OMP_NUM_THREADS=1 marionnette train marionnette/CharacterImitate-v0 --algo ppo --seed 0 --device cpu "
             "--steps 7000000 --set env_kwargs.clip=walk --set env_kwargs.loop=true --set n_envs=8 "
             "--set batch_size=512 --set n_epochs=5 --set learning_rate=0.0001",
             "the character walking: imitation of the looping walk clip, 7M steps"),
    "wave": ("mpjpe_cm", "float16",
             "OMP_NUM_THREADS=1 marionnette train marionnette/CharacterImitate-v0 --algo ppo --seed 0 --device cpu",
             "the character imitating the wave clip, 400k steps"),
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="NAME=RUN")
    args = parser.parse_args()
    torch.set_num_threads(1)  # seeded play repeats exactly with the thread count the tests use
    for pair in args.runs:
        name, run = pair.split("=", 1)
        metric, dtype, recipe, summary = RECIPES[name]
        zoo_jobs.ship(run, name, metric=metric, value=float("nan"), recipe=recipe, summary=summary, dtype=dtype)
        began = time.perf_counter()
        value = zoo_jobs.measure(zoo.entry(name))
        path = zoo_jobs.ship(run, name, metric=metric, value=value, recipe=recipe, summary=summary, dtype=dtype)
        size = zoo.entry(name).size
        print(f"zoo:{name}: {metric} {value:.4g} (measured in {time.perf_counter() - began:.1f} s), "
              f"{size / 1e6:.2f} MB → {path}")  # fmt: skip


if __name__ == "__main__":
    main()
