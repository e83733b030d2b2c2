"""A picture for docs/: MuJoCo's render of the avatar beside the sketch avatar, three poses.

    .venv/bin/python scripts/sketch_avatar.py [--out docs/img/sketch_avatar.png]

Each row is one pose filmed by the puppet's ``front`` camera at the avatar panel's size
(360x480): left MuJoCo's renderer (``marionnette.body.BodyCamera``, shadows off, as the
puppet renders it), right the sketch (``marionnette.body.sketch.SketchCamera``: the
character's capsules and spheres drawn with OpenCV). Under each, the OpenGL renderer MuJoCo
used, the time one frame took (median of 20) on this machine, and the IoU of the two
silhouettes (MuJoCo's segmentation against the sketch's).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

import marionnette  # noqa: F401  (headless OpenGL)
from marionnette.body import BodyCamera, Character, clip_qpos
from marionnette.body.sketch import SketchCamera, opengl_renderer

POSES = (("standing", None, 0), ("wave, 1.33 s", "wave", 40), ("squat, 1 s", "squat", 30))  # frames at 30 FPS
WIDTH, HEIGHT = 360, 480  # the puppet's avatar panel
CAPTION = 22  # pixels of text under each image


def milliseconds(camera, data, repeats: int = 20) -> float:
    camera.render(data)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        camera.render(data)
        times.append(time.perf_counter() - started)
    return 1000 * float(np.median(times))


def silhouette(camera, model, data) -> np.ndarray:
    geoms = camera.segmentation(data)
    return (geoms >= 0) & (model.geom_bodyid[np.maximum(geoms, 0)] > 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img/sketch_avatar.png"))
    args = parser.parse_args()
    import mujoco  # after marionnette, which picks MuJoCo's OpenGL backend (MUJOCO_GL) first

    character = Character()
    model = character.model
    data = mujoco.MjData(model)
    sheet = Image.new("RGB", (2 * WIDTH, len(POSES) * (HEIGHT + CAPTION)), "white")
    draw = ImageDraw.Draw(sheet)
    renderer = (opengl_renderer() or "OpenGL").split(" (")[0]  # e.g. llvmpipe: Mesa's software rasteriser
    with BodyCamera(model, "front", WIDTH, HEIGHT) as body, SketchCamera(model, "front", WIDTH, HEIGHT) as sketch:
        for row, (name, clip, frame) in enumerate(POSES):
            data.qpos[:] = (
                character.standing_qpos if clip is None else clip_qpos(clip, fps=30, character=character)[frame]
            )
            mujoco.mj_forward(model, data)
            a, b = silhouette(body, model, data), silhouette(sketch, model, data)
            overlap = (a & b).sum() / (a | b).sum()
            top = row * (HEIGHT + CAPTION)
            for column, (camera, label) in enumerate(((body, f"MuJoCo ({renderer})"), (sketch, "sketch (OpenCV)"))):
                sheet.paste(Image.fromarray(camera.render(data)), (column * WIDTH, top))
                text = f"{name}: {label}, {milliseconds(camera, data):.1f} ms"
                if column:
                    text += f", IoU {overlap:.2f}"
                draw.text((column * WIDTH + 8, top + HEIGHT + 5), text, fill=(0, 0, 0))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
