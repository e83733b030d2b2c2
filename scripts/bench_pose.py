"""Pose capture speed at 640x480: bare MediaPipe, the capture pipeline, the whole puppet loop.

    .venv/bin/python scripts/bench_pose.py [--frames 150]

The frames are the character filmed by its own front camera (``marionnette.body.VirtualCamera``)
while it moves smoothly through random poses, rendered once beforehand so that every row
reads the same images:

- bare MediaPipe: ``PoseCapture.process`` (MediaPipe Pose, model_complexity=1, tracking mode);
- capture + filter + retarget: ``Puppet(render=False).step``: MediaPipe, MediaPipe-33 to
  canonical, One-Euro, IK with mink;
- whole puppet loop: the same plus the avatar rendered by the front camera (360x480, shadows
  off) and the overlay-beside-avatar frame composed (what the window shows; no encoding),
  once with MuJoCo's renderer (``avatar="mujoco"``: software OpenGL on a machine without a
  GPU) and once with the sketch (``avatar="sketch"``: OpenCV from the character's geometry).

Goals: >= 30 FPS on 2 cores and <= 10% overhead over bare MediaPipe (issue 6); the whole
loop with the sketch avatar at most 1.5x bare MediaPipe's time per frame, without a GPU (issue 18).
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import numpy as np
from rich.console import Console
from rich.table import Table

import marionnette  # noqa: F401  (headless OpenGL)
from marionnette.body import Character, VirtualCamera
from marionnette.perception.pose import PoseCapture
from marionnette.pipelines.puppet import Puppet, PuppetConfig

GOAL = 1.5  # the whole loop with the sketch avatar, in bare MediaPipe's times per frame (issue 18)


def motion(character: Character, frames: int, seed: int = 0) -> np.ndarray:
    """``(frames, nq)``: a smooth walk through random poses (each hinge within half its range)."""
    rng = np.random.default_rng(seed)
    low, high = character.hinge_range.T
    keys = np.clip(rng.uniform(low, high, (frames // 15 + 2, len(low))) * 0.5, low, high)
    t = np.linspace(0, len(keys) - 1.001, frames)
    i, w = t.astype(int), (1 - np.cos(np.pi * (t % 1))) / 2
    qpos = np.tile(character.standing_qpos, (frames, 1))
    qpos[:, character.hinge_qpos] = keys[i] + w[:, None] * (keys[i + 1] - keys[i])
    qpos[:5] = character.standing_qpos  # the calibration stance
    return qpos


def fps_of(step, frames: list[tuple[float, np.ndarray]]) -> tuple[float, float]:
    """(frames per second, median ms per frame) over ``frames`` after 5 warm-up frames."""
    for t, image in frames[:5]:
        step(t, image)
    times = []
    started = time.perf_counter()
    for t, image in frames[5:]:
        before = time.perf_counter()
        step(t, image)
        times.append(time.perf_counter() - before)
    return (len(frames) - 5) / (time.perf_counter() - started), 1000 * float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=150)
    args = parser.parse_args()
    console = Console()
    console.print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")

    character = Character()
    frames = list(VirtualCamera(character, motion(character, args.frames), fps=30, width=640, height=480))

    rows = []
    with PoseCapture() as capture:
        rows.append(
            ("bare MediaPipe (tracking, complexity 1)", *fps_of(lambda t, image: capture.process(image, t), frames))
        )
    with Puppet(PuppetConfig(), fps=30, render=False) as puppet:
        rows.append(("capture + One-Euro + retarget", *fps_of(puppet.step, frames)))
    with Puppet(PuppetConfig(avatar="mujoco"), fps=30, render=True) as puppet:
        rows.append(("whole puppet loop (+ MuJoCo avatar render, overlay)", *fps_of(puppet.step, frames)))
    with Puppet(PuppetConfig(avatar="sketch"), fps=30, render=True) as puppet:
        rows.append(("whole puppet loop, sketch avatar (+ overlay)", *fps_of(puppet.step, frames)))

    table = Table(
        "stage", "FPS", "median ms/frame", "overhead vs bare", "× bare's time", title="pose capture at 640×480"
    )
    bare = rows[0][1]
    for name, fps, ms in rows:
        table.add_row(name, f"{fps:.1f}", f"{ms:.1f}", f"{100 * (bare / fps - 1):+.0f}%", f"{bare / fps:.2f}×")
    console.print(table)
    ratio = bare / rows[-1][1]  # time per frame, in the same run: the machine's load hits both alike
    verdict = "[green]met[/]" if ratio <= GOAL else "[red]not met[/]"
    console.print(
        f"goal (issue 18): the sketch loop at most {GOAL}× bare MediaPipe's time per frame: {verdict} ({ratio:.2f}×)"
    )


if __name__ == "__main__":
    main()
