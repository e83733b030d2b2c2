"""docs/img/colorize.png and the colorization table: Zhang et al.'s classifier beside its L2 baseline.

For each data set (``--data``: ``photos``, scikit-image's colour photographs with
``chelsea`` held out; ``arcade``, frames the project renders of its four games, held-out
frames from another seed), three colorizers are trained with the same seed, crops and
steps: the rebalanced classifier (λ = 0.5, the paper's), the plain classifier (λ = 1) and the
L2 regression on ab. Each is scored on the held-out pictures (PSNR and SSIM in RGB, mean
chroma), beside the grey baseline (ab = 0). The figure shows, per held-out picture, its
lightness, the regression, the rebalanced classifier and the truth.

    .venv/bin/python scripts/figures_colorize.py [--data photos arcade] [--steps 1500]
        [--channels 16] [--size 48 (photos' crops)] [--batch-size 8] [--threads 1] [--out docs/img]

One torch thread by default (see docs/BENCHMARKS.md: two threads on two shared cores wait
on each other).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from marionnette.datasets.frames import write_frames  # noqa: E402
from marionnette.generation.colorize import (  # noqa: E402
    COLOUR_PHOTOS,
    HELD_OUT_PHOTOS,
    ColorizeTrainConfig,
    ColorNetConfig,
    colorize_image,
    evaluate,
    grey_baseline,
    load,
    score,
    train,
)
from marionnette.generation.images import (
    image_sources,  # noqa: E402
    load_image,  # noqa: E402
)

MODELS = (  # (name, head, λ)
    ("classes, rebalanced (λ 0.5)", "classes", 0.5),
    ("classes, plain (λ 1)", "classes", 1.0),
    ("L2 regression", "regression", 0.5),
)
SHOWN = 3  # held-out pictures a data set shows in the figure


FRAME_SIZE = 64  # rendered frames: trained on whole frames, so that they are seen at the scale they are scored at


def data_sets(name: str, work: Path) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """Training sources and held-out pictures of ``name``."""
    if name == "photos":
        return COLOUR_PHOTOS, [load_image(s, 128) for s in HELD_OUT_PHOTOS]
    train_dir = write_frames(work / f"{name}-train", name, 256, FRAME_SIZE, seed=0)
    test_dir = write_frames(work / f"{name}-test", name, 32, FRAME_SIZE, seed=1)
    return (str(train_dir),), [load_image(s) for s in image_sources([test_dir])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", nargs="+", default=["photos", "arcade"])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--size", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    rows = []  # per shown picture: (lightness, regression, rebalanced, truth)
    print("| data | colorizer | PSNR dB | SSIM | mean chroma (truth) | train s |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in args.data:
            sources, truths = data_sets(name, work)
            grey = score([grey_baseline(t) for t in truths], truths)
            print(f"| {name} ({len(truths)} held out) | grey (ab = 0) | {grey.psnr:.2f} | {grey.ssim:.3f} | "
                  f"{grey.chroma:.1f} ({grey.true_chroma:.1f}) | |", flush=True)  # fmt: skip
            painted = {}
            for label, head, lam in MODELS:
                began = time.perf_counter()
                size = args.size if name == "photos" else FRAME_SIZE
                config = ColorizeTrainConfig(images=sources, size=size, epochs=1, steps_per_epoch=args.steps,
                                             batch_size=args.batch_size, rebalance=lam,
                                             net=ColorNetConfig(channels=args.channels, head=head))  # fmt: skip
                net = load(train(config, device="cpu", runs_dir=work / "runs").path)
                seconds = time.perf_counter() - began
                s = evaluate(net, truths)
                print(f"| {name} | {label} | {s.psnr:.2f} | {s.ssim:.3f} | {s.chroma:.1f} ({s.true_chroma:.1f}) | "
                      f"{seconds:.0f} |", flush=True)  # fmt: skip
                painted[head, lam] = [colorize_image(net, t) for t in truths[:SHOWN]]
            for i, truth in enumerate(truths[:SHOWN]):
                rows.append((grey_baseline(truth), painted["regression", 0.5][i], painted["classes", 0.5][i], truth))
    titles = ("lightness (input)", "L2 regression", "classes, rebalanced", "truth")
    fig, axes = plt.subplots(len(rows), 4, figsize=(8, 2.1 * len(rows)), squeeze=False)
    for r, row in enumerate(rows):
        for c, image in enumerate(row):
            axes[r, c].imshow(image, interpolation="nearest")
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
            if r == 0:
                axes[r, c].set_title(titles[c], fontsize=9)
    fig.suptitle(f"Colorization on held-out pictures ({args.steps} batches, {args.channels}-channel network)",
                 fontsize=10)  # fmt: skip
    fig.tight_layout()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "colorize.png"
    fig.savefig(path, dpi=110)
    print(f"→ {path}")


if __name__ == "__main__":
    main()
