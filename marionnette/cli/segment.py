"""``marionnette segment``: a U-Net (Ronneberger et al., 2015) for pitch scenes: pitch, person, ball.

``segment train DATA`` (a scenes folder of ``marionnette data scenes``, or a segmentation
``.npz``) writes a run directory (:mod:`marionnette.perception.segment.train`); ``segment
eval RUN`` scores it on the held-out frames beside the classic baselines (HSV thresholds,
k-means on Lab); ``segment run RUN --source VIDEO|DIR|webcam --out out.mp4 [--masks DIR]``
paints its classes over a video (:mod:`marionnette.pipelines.segment`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from marionnette.cli.console import console, one_line_errors, training

app = typer.Typer(help="Segment pitch scenes with a U-Net (pitch, person, ball).", no_args_is_help=True)


@app.command("train")
@one_line_errors
def train_(
    data: Annotated[Optional[Path], typer.Argument(help="a scenes folder (images/, masks/) or an .npz")] = None,
    epochs: Annotated[int, typer.Option(help="epochs of --steps-per-epoch batches")] = 10,
    steps_per_epoch: Annotated[int, typer.Option(help="batches an epoch")] = 200,
    batch_size: Annotated[int, typer.Option(help="crops a batch")] = 8,
    crop: Annotated[int, typer.Option(help="side of the square training crops")] = 128,
    channels: Annotated[int, typer.Option(help="the U-Net's first width (the paper: 64)")] = 16,
    depth: Annotated[int, typer.Option(help="poolings of the contracting path (the paper: 4)")] = 3,
    class_weights: Annotated[str, typer.Option(help="sqrt, median (SegNet's) or none")] = "sqrt",
    lr: Annotated[float, typer.Option(help="Adam's learning rate")] = 1e-3,
    seed: Annotated[int, typer.Option(help="seeds the network and the batches")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    resume: Annotated[Optional[Path], typer.Option(help="continue this run from its newest checkpoint")] = None,
    runs_dir: Annotated[Path, typer.Option(help="where new runs go")] = Path("runs"),
) -> None:
    """Train a U-Net on DATA; writes runs/segment__unet__<seed>__<time>/."""
    from marionnette.errors import MarionnetteError
    from marionnette.perception.segment.data import read_data
    from marionnette.perception.segment.train import SegmentTrainConfig, train
    from marionnette.perception.segment.unet import UNetConfig

    config = None
    if resume is None:
        if data is None:
            raise MarionnetteError("give the DATA to learn (a scenes folder or a segmentation .npz), or --resume RUN")
        classes = read_data(data).classes  # bad data fails before a run exists
        config = SegmentTrainConfig(data=str(Path(data).resolve()), epochs=epochs, steps_per_epoch=steps_per_epoch,
                                    batch_size=batch_size, crop=crop, lr=lr, class_weights=class_weights, seed=seed,
                                    net=UNetConfig(classes=tuple(classes), channels=channels, depth=depth))  # fmt: skip
    started = time.perf_counter()
    with training(f"U-Net on {data or resume}", "segment", unit="batches") as update:
        run = train(config, device=device, runs_dir=runs_dir, resume=resume, progress=update)
    console.print(f"trained in {time.perf_counter() - started:.1f}s → [bold]{run.path}[/]", soft_wrap=True)
    console.print(f"next: marionnette segment eval {run.path}", soft_wrap=True)


@app.command("eval")
@one_line_errors
def eval_(
    run: Annotated[Path, typer.Argument(help="a segment run directory")],
    data: Annotated[Optional[Path], typer.Option(help="the data to score on (default: the run's own)")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Per-class and mean IoU of RUN on the held-out frames, beside HSV thresholds and k-means on Lab."""
    from marionnette.perception.segment.baseline import HSVBaseline, KMeansBaseline
    from marionnette.perception.segment.data import read_data
    from marionnette.perception.segment.evaluate import evaluate
    from marionnette.perception.segment.train import SegmentTrainConfig, load
    from marionnette.runs import Run

    net = load(run, device)
    path = data or SegmentTrainConfig(**Run.open(run).read_config()["train"]).data
    frames = read_data(path)
    rows = [("U-Net", evaluate(net, frames)), ("HSV thresholds", evaluate(HSVBaseline(), frames)),
            ("k-means on Lab", evaluate(KMeansBaseline().fit(frames), frames))]  # fmt: skip
    names = rows[0][1].per_class
    console.print(f"{int(frames.held_out.sum())} held-out frames of {path}: IoU " + ", ".join(names), highlight=False)
    for name, scores in rows:
        per = "  ".join(f"{scores.per_class[c]:.3f}" for c in names)
        console.print(f"  {name:15s} mean {scores.mean:.3f}   {per}", highlight=False)


@app.command("run")
@one_line_errors
def run_(
    run: Annotated[Path, typer.Argument(help="a segment run directory")],
    source: Annotated[str, typer.Option(help="a video file, a folder of one video's frames, webcam or webcam:N")],
    out: Annotated[Optional[Path], typer.Option(help="the painted video (.mp4)")] = None,
    masks: Annotated[Optional[Path], typer.Option(help="a folder for each frame's class map (PNG)")] = None,
    max_frames: Annotated[Optional[int], typer.Option(help="at most this many frames")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Paint RUN's classes over SOURCE, frame by frame."""
    from marionnette.pipelines.segment import run as segment

    done = segment(run, source, out, masks=masks, max_frames=max_frames, device=device)
    shares = ", ".join(f"{name} {100 * f:.1f}%" for name, f in done.fractions.items())
    console.print(f"{done.frames} frames at {done.rate:.1f} frames/s ({shares})"
                  + (f" → [bold]{done.video}[/]" if done.video else ""), soft_wrap=True, highlight=False)  # fmt: skip


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="segment")
