"""docs/img/transfer_*: a motion the target never performed, painted as the target; the ablation's frames.

    .venv/bin/python scripts/figures_transfer.py --runs-dir /tmp/abl/runs [--target /tmp/abl/target64.npz]
        [--source virtual:wave] [--frames 150] [--panel 192] [--out docs/img]

Reads the three runs ``scripts/ablation_transfer.py`` trains (pix2pixhd, edn, edn+face) and writes:

- ``transfer_wave.mp4``: ``transfer run`` of the ``edn+face`` run on ``--source``: the source
  (the character in its own look, performing a clip held out of the target video), the
  normalised stick figure, the target painted in that pose;
- ``transfer_wave_grid.png``: four frames of that video, one above the other;
- ``transfer_ablation.png``: held-out frames of the target, one a row: the stick figure, the
  true frame, the nearest training pose's frame, and each run's (pixels enlarged 3x).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import imageio.v2 as imageio  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from ablation_transfer import MODELS, find  # noqa: E402

from marionnette.generation.transfer.data import TargetVideo  # noqa: E402
from marionnette.generation.transfer.evaluate import generate, nearest_frames  # noqa: E402
from marionnette.generation.transfer.figure import draw_figures  # noqa: E402
from marionnette.generation.transfer.train import figures, load  # noqa: E402
from marionnette.pipelines.transfer import TransferConfig  # noqa: E402
from marionnette.pipelines.transfer import run as transfer_run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs-dir", type=Path, required=True)
    parser.add_argument("--target", type=Path, default=None, help="default: the edn run's own target video")
    parser.add_argument("--source", default="virtual:wave")
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--panel", type=int, default=192)
    parser.add_argument("--rows", type=int, default=4)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    os.environ.setdefault("MUJOCO_GL", "egl")
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)
    runs = {m: find(args.runs_dir, m) for m in MODELS}
    trained = {m: load(r) for m, r in runs.items()}

    video_path = args.out / "transfer_wave.mp4"
    done = transfer_run(runs["edn+face"], args.source, video_path, config=TransferConfig(panel=args.panel),
                        max_frames=args.frames)  # fmt: skip
    print(f"{video_path}: {done.frames} frames, {done.rate:.1f} frames/s")
    reader = imageio.get_reader(video_path)
    frames = [frame for frame in reader]  # noqa: C416 (list(reader) runs out of memory on imageio's reader)
    reader.close()
    picked = np.linspace(len(frames) * 0.15, len(frames) - 1, args.rows).round().astype(int)
    grid = np.concatenate([frames[i] for i in picked], axis=0)
    imageio.imwrite(args.out / "transfer_wave_grid.png", grid)
    print(f"{args.out / 'transfer_wave_grid.png'}: frames {picked.tolist()}")

    video = TargetVideo.load(args.target or trained["edn"].config.video)
    held = np.flatnonzero(video.held_out)
    made = {m: generate(t, figures(video)[held], video.piece[held], video.points[held]) for m, t in trained.items()}
    shown = np.linspace(0, len(held) - 1, args.rows + 2)[1:-1].round().astype(int)  # into the held-out clip
    nearest = video.frames[nearest_frames(video, video.points[held[shown]])]
    sticks = draw_figures(video.points[held[shown]], video.skeleton_spec, video.size)
    columns = [("stick figure", sticks), ("true frame", video.frames[held[shown]]),
               ("nearest training pose", nearest)] + [(m, made[m][shown]) for m in MODELS]  # fmt: skip
    fig, axes = plt.subplots(len(shown), len(columns), figsize=(1.6 * len(columns), 1.6 * len(shown)))
    for c, (title, images) in enumerate(columns):
        for r in range(len(shown)):
            ax = axes[r, c]
            ax.imshow(np.asarray(images[r]), interpolation="nearest")
            ax.set_xticks([]), ax.set_yticks([])
            if r == 0:
                ax.set_title(title, fontsize=8)
    fig.suptitle("held-out frames of the target (motion never trained on)", fontsize=9)
    fig.tight_layout()
    fig.savefig(args.out / "transfer_ablation.png", dpi=110)
    print(f"{args.out / 'transfer_ablation.png'}: held-out frames {held[shown].tolist()}")


if __name__ == "__main__":
    main()
