"""The character's speed, ours beside Gymnasium's Humanoid-v5, in one run.

    .venv/bin/python scripts/bench_character.py

Env steps/s: one env, random actions from a fixed list, resets included, no rendering:
``marionnette/CharacterWalk-v0`` (26 motors, 4 physics steps of 5 ms a step) beside
Gymnasium's ``Humanoid-v5`` (17 motors, 5 physics steps of 3 ms), the locomotion task its
users know. Render: ms per RGB frame from the body's cameras through ``mujoco.Renderer``,
``fast`` (shadows, reflections and skybox off: live views, datasets) and ``full`` (figures),
beside Humanoid-v5's own ``render()``.
"""

from __future__ import annotations

import os
import platform
import sys
import time

if sys.platform == "linux" and not os.environ.get("DISPLAY"):
    os.environ.setdefault("MUJOCO_GL", "egl")  # before mujoco is imported: it picks its backend then

import gymnasium as gym  # noqa: E402
import mujoco  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

import marionnette  # noqa: F401, E402  (registers our ids)
from marionnette.body import BodyCamera, Character  # noqa: E402

SIZES = ((320, 240), (640, 480))


def steps_per_second(env_id: str, seconds: float = 5.0) -> float:
    env = gym.make(env_id)
    env.reset(seed=0)
    env.action_space.seed(0)
    actions = [env.action_space.sample() for _ in range(256)]
    for i in range(50):  # warm-up
        env.step(actions[i])
    steps, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        _, _, terminated, truncated, _ = env.step(actions[steps % 256])
        steps += 1
        if terminated or truncated:
            env.reset()
    return steps / (time.perf_counter() - started)


def ms_per_frame(render, frames: int = 30) -> float:
    render()  # warm-up: the first frame builds the GL context and uploads the meshes
    started = time.perf_counter()
    for _ in range(frames):
        render()
    return 1000 * (time.perf_counter() - started) / frames


def main() -> None:
    console = Console()
    cpu = platform.processor() or platform.machine()
    console.print(
        f"machine: {cpu}, {os.cpu_count()} cores, mujoco {mujoco.__version__}, MUJOCO_GL={os.environ.get('MUJOCO_GL')}"
    )

    # Ours render first: closing a Gymnasium MuJoCo env terminates GLFW, after which (mujoco 4.0,
    # Mesa) no new EGL context opens in this process.
    table = Table("renderer", *(f"{w}×{h}" for w, h in SIZES), title="ms per RGB frame")
    character = Character()
    data = mujoco.MjData(character.model)
    mujoco.mj_forward(character.model, data)
    for camera in ("track", "front"):
        for fast in (True, False):
            cells = []
            for w, h in SIZES:
                with BodyCamera(character.model, camera, w, h, fast=fast) as cam:
                    cells.append(f"{ms_per_frame(lambda cam=cam: cam.render(data)):.1f}")
            table.add_row(f"BodyCamera {camera!r} ({'fast' if fast else 'full'})", *cells)
    cells, alive = [], []  # not closed (see above) until the process ends
    for w, h in SIZES:
        env = gym.make("Humanoid-v5", render_mode="rgb_array", width=w, height=h)
        env.reset(seed=0)
        cells.append(f"{ms_per_frame(env.render):.1f}")
        alive.append(env)
    table.add_row("Humanoid-v5 render() (Gymnasium's defaults)", *cells)
    console.print(table)

    table = Table("env", "steps/s", "vs Humanoid-v5", title="env steps/s (one env, random actions)")
    reference = steps_per_second("Humanoid-v5")
    ours = steps_per_second("marionnette/CharacterWalk-v0")
    table.add_row("Gymnasium Humanoid-v5", f"{reference:,.0f}", "1.00×")
    table.add_row("marionnette/CharacterWalk-v0", f"{ours:,.0f}", f"{ours / reference:.2f}×")
    console.print(table)


if __name__ == "__main__":
    main()
