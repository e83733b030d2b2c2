"""Pictures for docs/: the walking character's learning curve, a frame grid and an MP4 of it.

    .venv/bin/python scripts/figures_character.py RUN [--out docs/img]

RUN is a CharacterWalk-v0 run directory (its newest checkpoint, or its final model, plays),
or a CharacterImitate-v0 run on the looping ``walk`` clip (the gait recipe): its figures are
``character_gait_*``, played from the clip's first frame with only a fall ending the
episode (the early terminations on pose error are for training).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import gymnasium as gym
import numpy as np
from PIL import Image, ImageDraw

import marionnette  # noqa: F401  (headless OpenGL)
from marionnette import agents
from marionnette.agents.evaluate import play_episode
from marionnette.envs import make
from marionnette.runs import Run, read_progress, write_video

WALK = "marionnette/CharacterWalk-v0"
IMITATE = "marionnette/CharacterImitate-v0"


def curve(run: Run, size=(720, 300)) -> Image.Image:
    """Mean episode return (blue) and length (grey) against steps, from progress.csv."""
    rows = [r for r in read_progress(run.progress_path) if r.get("rollout/ep_rew_mean")]
    steps = np.array([float(r["step"]) for r in rows])
    series = [("mean return", [float(r["rollout/ep_rew_mean"]) for r in rows], (40, 90, 200)),
              ("mean length (steps)", [float(r["rollout/ep_len_mean"]) for r in rows], (130, 130, 130))]  # fmt: skip
    w, h = size
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    left, right, top, bottom = 60, w - 20, 20, h - 40
    draw.rectangle([left, top, right, bottom], outline=(0, 0, 0))
    for k, (name, values, colour) in enumerate(series):
        values = np.array(values)
        top_value = values.max() * 1.05
        xs = left + (steps / steps.max()) * (right - left)
        ys = bottom - values / top_value * (bottom - top)
        draw.line(list(zip(xs.tolist(), ys.tolist(), strict=True)), fill=colour, width=2)
        draw.text((left + 8, top + 6 + 14 * k), f"{name} (max {values.max():.0f})", fill=colour)
    draw.text((left, bottom + 8), "0", fill=(0, 0, 0))
    draw.text((right - 80, bottom + 8), f"{steps.max() / 1e6:.1f}M steps", fill=(0, 0, 0))
    return image


def grid(frames: list[np.ndarray], count: int = 8, columns: int = 4) -> Image.Image:
    picked = [frames[round(i)] for i in np.linspace(0, len(frames) - 1, count)]
    h, w = picked[0].shape[:2]
    sheet = Image.new("RGB", (columns * w, -(-count // columns) * h), "white")
    for i, frame in enumerate(picked):
        sheet.paste(Image.fromarray(frame), ((i % columns) * w, (i // columns) * h))
    return sheet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    parser.add_argument("--seed", type=int, default=100)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    run = Run.open(args.run)
    config = run.read_config()
    imitating = config["env_id"] == IMITATE
    name = "character_gait" if imitating else "character_walk"
    curve(run).save(args.out / f"{name}_curve.png")

    policy = agents.load(args.run)
    size = {"render_mode": "rgb_array", "width": 512, "height": 384}  # multiples of 16: H.264 without padding
    if imitating:
        kwargs = {**config["hyperparams"].get("env_kwargs", {}), "camera": "track", **size}
        env = make(IMITATE, max_mpjpe=np.inf, max_root_distance=np.inf, **kwargs)  # only a fall ends it
        env = ResetAt(env, frame=0)
    else:
        env = make(WALK, **size)
    frames: list[np.ndarray] = []
    episode = play_episode(policy, env, seed=args.seed, frames=frames)
    env.close()
    print(f"episode: {episode.length} steps, {episode.forward:.2f} m forward, return {episode.ret:.0f}")
    grid(frames).save(args.out / f"{name}_grid.png")
    write_video(args.out / f"{name}.mp4", frames, fps=50)


class ResetAt(gym.Wrapper):
    """Every reset starts the clip at ``frame`` (not a random one)."""

    def __init__(self, env: gym.Env, frame: int):
        super().__init__(env)
        self.frame = frame

    def reset(self, *, seed=None, options=None):
        return self.env.reset(seed=seed, options={**(options or {}), "frame": self.frame})


if __name__ == "__main__":
    main()
