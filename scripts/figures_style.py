"""docs/img/style_grid.png and docs/img/texture_synthesis.png: style transfer and texture synthesis.

``style_grid.png``: scikit-image's photographs (rows) painted in the manner of its pictures
(columns) by Gatys' optimisation: L-BFGS from the content image, ``--steps`` evaluations at
``--size`` pixels, the loss on the seeded random VGG19 (``--features random`` by default, so that the
figure can be made on a machine without torchvision's ImageNet file).

``texture_synthesis.png``: each sample (a corner of a scikit-image picture, read at
``--sample`` pixels) beside Efros and Leung's synthesis and Gatys' Gram-only texture from
noise, both ``--texture`` pixels square, with each one's Gram distance to the sample
(under a random VGG of another seed) and that of uniform noise.

    .venv/bin/python scripts/figures_style.py [--size 96] [--steps 60] [--sample 40] [--texture 48]
        [--features random] [--style-weight W] [--threads 1] [--out docs/img]

One torch thread by default: on two cores shared with other work, two threads took over 10
minutes (they wait on each other at every layer) where one took 58 s.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from marionnette.generation.images import to_image, to_tensor  # noqa: E402
from marionnette.generation.style import (  # noqa: E402
    GatysConfig,
    Perceptual,
    PerceptualConfig,
    efros_leung,
    gatys_texture,
    gram_distance,
    load_image,
    resize,
    stylize,
)

CONTENTS = ("chelsea", "astronaut")
STYLES = ("immunohistochemistry", "colorwheel", "hubble_deep_field")
TEXTURES = (  # (picture, the corner it is cut from: rows, columns)
    ("immunohistochemistry", (slice(0, 160), slice(0, 160))),
    ("gravel", (slice(0, 128), slice(0, 128))),
    ("brick", (slice(0, 192), slice(0, 192))),
)


def style_grid(args: argparse.Namespace, perceptual: Perceptual) -> Path:
    styles = [load_image(f"skimage:{s}", args.size) for s in STYLES]
    contents = [load_image(f"skimage:{c}", args.size) for c in CONTENTS]
    fig, axes = plt.subplots(
        len(CONTENTS) + 1, len(STYLES) + 1, figsize=(2.2 * (len(STYLES) + 1), 2.0 * (len(CONTENTS) + 1))
    )
    for ax in axes.flat:
        ax.axis("off")
    for j, (name, style) in enumerate(zip(STYLES, styles, strict=True), start=1):
        axes[0, j].imshow(style)
        axes[0, j].set_title(name, fontsize=8)
    for i, (name, content) in enumerate(zip(CONTENTS, contents, strict=True), start=1):
        axes[i, 0].imshow(content)
        axes[i, 0].set_title(name, fontsize=8)
        for j, style in enumerate(styles, start=1):
            began = time.perf_counter()
            config = GatysConfig(steps=args.steps, loss=perceptual.config)
            result = stylize(to_tensor(content), to_tensor(style), config, perceptual=perceptual)
            print(f"{name} x {STYLES[j - 1]}: style loss {float(result.style[0]):.3g} -> {float(result.style[-1]):.3g} "
                  f"in {time.perf_counter() - began:.1f}s", flush=True)  # fmt: skip
            axes[i, j].imshow(to_image(result.image))
    fig.suptitle(f"Gatys et al., L-BFGS {args.steps} steps from the content, {args.size} px, "
                 f"{args.features} VGG19 features", fontsize=9)  # fmt: skip
    fig.tight_layout()
    path = args.out / "style_grid.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def texture_figure(args: argparse.Namespace, perceptual: Perceptual) -> Path:
    judge = Perceptual(PerceptualConfig(features=args.features, seed=perceptual.config.seed + 1))
    fig, axes = plt.subplots(len(TEXTURES), 3, figsize=(7.0, 2.5 * len(TEXTURES)))
    rng = np.random.default_rng(0)
    for row, (name, (rows, cols)) in zip(axes, TEXTURES, strict=True):
        sample = resize(load_image(f"skimage:{name}")[rows, cols], args.sample)
        began = time.perf_counter()
        grown = efros_leung(sample, args.texture, window=args.window, seed=0)
        el_seconds = time.perf_counter() - began
        began = time.perf_counter()
        optimised = gatys_texture(sample, args.texture, steps=args.steps, perceptual=perceptual, seed=0)
        gatys_seconds = time.perf_counter() - began
        noise = gram_distance(rng.random((args.texture, args.texture, 3)).astype(np.float32), sample, judge)
        el_distance, gatys_distance = gram_distance(grown, sample, judge), gram_distance(optimised, sample, judge)
        for ax, image, title in (
            (row[0], sample, f"{name} ({args.sample} px)\nuniform noise: {noise:.2g}"),
            (row[1], grown, f"Efros-Leung, window {args.window}\n{el_distance:.2g} ({el_seconds:.0f}s)"),
            (row[2], optimised, f"Gatys, {args.steps} steps\n{gatys_distance:.2g} ({gatys_seconds:.0f}s)"),
        ):
            ax.imshow(image, interpolation="nearest")
            ax.set_title(title, fontsize=8)
            ax.axis("off")
        print(f"{name}: Efros-Leung {el_seconds:.1f}s, Gatys {gatys_seconds:.1f}s", flush=True)
    fig.suptitle(
        "Texture synthesis; under each, the Gram distance to the sample (random VGG, another seed)", fontsize=9
    )
    fig.tight_layout()
    path = args.out / "texture_synthesis.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=96, help="longer side of the style transfer images")
    parser.add_argument("--steps", type=int, default=60, help="L-BFGS evaluations per image and per texture")
    parser.add_argument("--sample", type=int, default=40, help="side the texture samples are read at")
    parser.add_argument("--texture", type=int, default=48, help="side of the synthesised textures")
    parser.add_argument("--window", type=int, default=11, help="Efros-Leung's neighbourhood")
    parser.add_argument("--features", default="random", choices=("random", "imagenet"))
    parser.add_argument("--style-weight", type=float, default=None, help="default: the features' own")
    parser.add_argument("--threads", type=int, default=1, help="torch's CPU threads (0: torch's own)")
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    perceptual = Perceptual(PerceptualConfig(features=args.features, style_weight=args.style_weight))
    print(f"wrote {style_grid(args, perceptual)}")
    print(f"wrote {texture_figure(args, perceptual)}")
    print(f"{time.perf_counter() - started:.0f}s in all")


if __name__ == "__main__":
    main()
