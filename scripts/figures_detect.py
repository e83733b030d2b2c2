"""docs/img/detect_track.mp4, detect_track_grid.png, segment_grid.png: detector, tracker and U-Net on the pitch.

On one held-out sequence of a scenes folder (``marionnette data scenes``; ``--sequence``,
default the first held out) the trained detector's boxes go to the tracker
(:func:`marionnette.pipelines.detect.track`: ByteTrack, or SORT with ``--tracker sort``,
with a re-identification run's embeddings when ``--reid`` is given), people only, as
``marionnette track`` does. The tracks are scored against the sequence's ground truth
(people's rows of ``mot/<seq>/gt/gt.txt``: MOTA, IDF1, HOTA, ID switches) and drawn:

- ``detect_track.mp4``: every frame, enlarged ``--scale`` times, each track's box in its
  id's colour with the id above it;
- ``detect_track_grid.png``: four of those frames, evenly spaced, in a row, the scores in
  the title;
- ``segment_grid.png``: ``--shown`` held-out frames, one a row: the frame, the true class
  map, the U-Net's (``--segmenter``, left out when not given) and the HSV baseline's
  (:class:`~marionnette.perception.segment.baseline.HSVBaseline`), each painted over the
  frame (people orange, the ball magenta), with the held-out IoUs of each in the titles.

    .venv/bin/python scripts/figures_detect.py --scenes /tmp/w/scenes --detector runs/detect__yolo__0__...
        [--segmenter runs/segment__unet__0__...] [--reid runs/reid__embedder__0__...] [--sequence pitch-06]
        [--tracker byte] [--scale 2] [--shown 3] [--threads 1] [--device cpu] [--out docs/img]

One torch thread by default (docs/BENCHMARKS.md: two threads on two shared cores wait on
each other).
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
from PIL import Image  # noqa: E402

from marionnette.datasets.scenes import PERSON, load_scenes  # noqa: E402
from marionnette.perception.detect.mot import mot_scores, read_mot  # noqa: E402
from marionnette.perception.segment.baseline import HSVBaseline  # noqa: E402
from marionnette.perception.segment.data import read_data  # noqa: E402
from marionnette.perception.segment.evaluate import evaluate, paint  # noqa: E402
from marionnette.pipelines.detect import PALETTE, draw_boxes, track  # noqa: E402
from marionnette.runs import write_video  # noqa: E402

GRID_FRAMES = 4


def _enlarge(image: np.ndarray, scale: int) -> np.ndarray:
    if scale == 1:
        return image
    h, w = image.shape[:2]
    return np.asarray(Image.fromarray(image).resize((w * scale, h * scale), Image.Resampling.BILINEAR))


def drawn_frames(images: np.ndarray, rows: np.ndarray, scale: int) -> list[np.ndarray]:
    """Each frame ``(H, W, 3)`` enlarged ``scale`` times with its tracks (MOT rows ``(M, 10)``) drawn."""
    out = []
    for t, image in enumerate(images):
        r = rows[rows[:, 0] == t + 1]
        ids = r[:, 1].astype(int)
        boxes = np.concatenate([r[:, 2:4], r[:, 2:4] + r[:, 4:6]], axis=1) * scale
        out.append(draw_boxes(_enlarge(image, scale), boxes, [str(i) for i in ids], PALETTE[ids % len(PALETTE)]))
    return out


def track_figures(args, out: Path) -> str:
    """Track ``args.sequence`` with the detector; write the MP4 and the grid; returns the scores' line."""
    scenes = Path(args.scenes)
    sequence = next(q for q in load_scenes(scenes).sequences if q.name == args.sequence)
    began = time.perf_counter()
    result = track(args.detector, str(scenes / "images" / args.sequence), None, reid=args.reid, mode=args.tracker,
                   fps=sequence.fps, device=args.device)  # fmt: skip
    seconds = time.perf_counter() - began
    gt = read_mot(scenes / "mot" / args.sequence / "gt" / "gt.txt")
    s = mot_scores(gt[gt[:, 7] == PERSON], result.rows)  # the tracker follows people only
    hota = "n/a" if s.hota is None else f"{s.hota:.3f}"
    line = (f"{args.sequence}, {args.tracker}{' + re-id' if args.reid else ''}: MOTA {s.mota:.3f}, IDF1 {s.idf1:.3f}, "
            f"HOTA {hota}, ID switches {s.id_switches}")  # fmt: skip
    frames = drawn_frames(sequence.images, result.rows, args.scale)
    write_video(out / "detect_track.mp4", iter(frames), sequence.fps)
    shown = np.linspace(0, len(frames) - 1, GRID_FRAMES).round().astype(int)
    fig, axes = plt.subplots(1, GRID_FRAMES, figsize=(4 * GRID_FRAMES, 3.3))
    for ax, t in zip(axes, shown, strict=True):
        ax.imshow(frames[t])
        ax.set_title(f"frame {t + 1}", fontsize=10)
        ax.axis("off")
    fig.suptitle(f"detector + tracker on held-out {line}", fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    fig.savefig(out / "detect_track_grid.png", dpi=80)
    plt.close(fig)
    print(f"tracked {result.frames} frames in {seconds:.1f} s ({result.model_rate:.1f} frames/s detector + tracker)")
    return line


def segment_figure(args, out: Path) -> list[str]:
    """Held-out frames beside the true class map, the U-Net's and the HSV baseline's; returns the IoU lines."""
    data = read_data(args.scenes)
    held = data.subset(True)
    models = {}
    if args.segmenter:
        from marionnette.perception.segment.train import load

        models["U-Net"] = load(args.segmenter, args.device)
    models["HSV baseline"] = HSVBaseline()
    lines, titles = [], {}
    for name, model in models.items():
        iou = evaluate(model, data)
        per = ", ".join(f"{c} {v:.2f}" for c, v in iou.per_class.items())
        lines.append(f"{name}: mean IoU {iou.mean:.3f} ({per})")
        titles[name] = f"{name} (mean IoU {iou.mean:.2f})"
    index = np.linspace(0, len(held) - 1, args.shown + 2).round().astype(int)[1:-1]
    columns = 2 + len(models)
    fig, axes = plt.subplots(args.shown, columns, figsize=(3.4 * columns, 2.7 * args.shown), squeeze=False)
    for row, i in zip(axes, index, strict=True):
        image = held.images[i]
        panels = [("frame", image), ("truth", paint(image, held.masks[i], 0.7))]
        panels += [(titles[name], paint(image, model.predict(image), 0.7)) for name, model in models.items()]
        for ax, (title, picture) in zip(row, panels, strict=True):
            ax.imshow(picture)
            ax.set_title(title, fontsize=9)
            ax.axis("off")
    fig.suptitle("held-out frames: people orange, ball magenta", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    fig.savefig(out / "segment_grid.png", dpi=80)
    plt.close(fig)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", required=True, help="a scenes folder (marionnette data scenes)")
    parser.add_argument("--detector", required=True, help="a detect run directory or its .onnx")
    parser.add_argument("--segmenter", help="a segment run directory (the U-Net column)")
    parser.add_argument("--reid", help="a reid run directory: appearance for the tracker")
    parser.add_argument("--sequence", help="the held-out sequence tracked (default: the first held out)")
    parser.add_argument("--tracker", default="byte", choices=("byte", "sort"))
    parser.add_argument("--scale", type=int, default=2, help="the video's frames enlarged this many times")
    parser.add_argument("--shown", type=int, default=3, help="held-out frames in segment_grid.png")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--out", default="docs/img")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.sequence is None:
        args.sequence = next(q.name for q in load_scenes(args.scenes).sequences if q.held_out)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(track_figures(args, out))
    for line in segment_figure(args, out):
        print(line)
    for name in ("detect_track.mp4", "detect_track_grid.png", "segment_grid.png"):
        print(f"wrote {out / name} ({(out / name).stat().st_size / 1e3:.0f} kB)")


if __name__ == "__main__":
    main()
