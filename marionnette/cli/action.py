"""``marionnette action``: train and score skeleton action recognizers.

``action train DATA --model mtln|concat|pooling|lstm|stgcn`` writes a run directory
(:mod:`marionnette.perception.action.train`); ``action eval RUN`` prints its accuracy and
confusion matrix on a split's test half and draws the matrix beside the run
(``confusion_<split>.png``); ``action recognize RUN --source ...`` labels a camera or a
video live (:mod:`marionnette.pipelines.recognize`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from marionnette.cli.console import console, key_values, one_line_errors, training

app = typer.Typer(help="Train and score skeleton action recognizers.", no_args_is_help=True)


@app.command("train")
@one_line_errors
def train_(
    data: Annotated[
        Optional[Path], typer.Argument(help="a folder made by `marionnette data actions` (or data ntu)")
    ] = None,
    model: Annotated[str, typer.Option(help="mtln, concat, pooling, lstm or stgcn")] = "mtln",
    epochs: Annotated[int, typer.Option(help="passes over the training half")] = 30,
    split: Annotated[str, typer.Option(help="cs (cross-subject) or cv (cross-view)")] = "cs",
    window: Annotated[int, typer.Option(help="frames each sequence is resampled to")] = 64,
    batch_size: Annotated[int, typer.Option(help="sequences a step")] = 32,
    lr: Annotated[float, typer.Option(help="AdamW learning rate")] = 1e-3,
    seed: Annotated[int, typer.Option(help="seeds the model and every epoch's draws")] = 0,
    classes: Annotated[Optional[str], typer.Option(help="train on these class indices only, e.g. 0,1,2")] = None,
    set_: Annotated[
        Optional[list[str]], typer.Option("--set", help="a model setting: key=value (cnn=scratch, features=random)")
    ] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    resume: Annotated[Optional[Path], typer.Option(help="continue this run from its newest checkpoint")] = None,
    runs_dir: Annotated[Path, typer.Option(help="where new runs go")] = Path("runs"),
) -> None:
    """Train a recognizer; writes runs/action__<model>__<seed>__<time>/."""
    from marionnette.perception.action.train import ActionTrainConfig, train

    config = None
    if resume is None:
        chosen = None if classes is None else [int(c) for c in classes.split(",") if c.strip()]
        settings = key_values(set_ or [], "cnn=scratch")
        config = ActionTrainConfig(model=model, epochs=epochs, split=split, window=window, batch_size=batch_size,
                                   lr=lr, seed=seed, classes=chosen, model_config=settings)  # fmt: skip
    started = time.perf_counter()
    with training(f"{model if resume is None else 'resume'} on {data or resume}", "action") as update:
        run = train(data, config, device=device, runs_dir=runs_dir, resume=resume, progress=update)
    console.print(f"trained in {time.perf_counter() - started:.1f}s → [bold]{run.path}[/]", soft_wrap=True)
    console.print(f"next: marionnette action eval {run.path}", soft_wrap=True)


@app.command("eval")
@one_line_errors
def eval_(
    run: Annotated[Path, typer.Argument(help="an action run directory")],
    split: Annotated[Optional[str], typer.Option(help="cs or cv (default: the run's own)")] = None,
    data: Annotated[Optional[Path], typer.Option(help="score on this dataset (default: the run's own)")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Print a recognizer's accuracy and confusion matrix on a split's test half, and draw it."""
    from marionnette.perception.action.plots import confusion_figure
    from marionnette.perception.action.train import evaluate

    result = evaluate(run, split, data, device)
    table = Table("true \\ predicted", *map(str, range(len(result.classes))), title=f"{run.name}: {result.split} test")
    for k, (name, row) in enumerate(zip(result.classes, result.confusion, strict=True)):
        table.add_row(f"{k} {name}", *[str(v) if v else "·" for v in row])
    console.print(table)
    picture = confusion_figure(result, Path(run) / f"confusion_{result.split}.png")
    console.print(
        f"accuracy [bold]{100 * result.accuracy:.1f}%[/] on {result.count} sequences ({result.split} test) → {picture}",
        soft_wrap=True,
    )


@app.command()
@one_line_errors
def recognize(
    run: Annotated[Path, typer.Argument(help="an action run directory")],
    source: Annotated[
        str, typer.Option(help="webcam, webcam:N, a video file, a folder of a video's frames, or virtual[:CLIP]")
    ] = "webcam",
    out: Annotated[Optional[Path], typer.Option(help="write the labelled video here (MP4)")] = None,
    window: Annotated[float, typer.Option(help="seconds of motion classified at once")] = 3.0,
    max_frames: Annotated[Optional[int], typer.Option(help="stop after this many frames")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="show MediaPipe's own log lines")] = False,
) -> None:
    """Say what the person in front of the camera does: the label and its probability over the video."""
    from marionnette.pipelines.puppet import has_display
    from marionnette.pipelines.recognize import RecognizeConfig
    from marionnette.pipelines.recognize import recognize as run_recognize

    if out is None and not has_display():
        out = Path(run) / "videos" / f"recognize_{Path(source).stem or 'webcam'}.mp4"
        console.print(f"no display: writing {out}", soft_wrap=True, highlight=False)
    result = run_recognize(run, source, RecognizeConfig(window=window, verbose=verbose), out=out,
                           max_frames=max_frames)  # fmt: skip
    labels = [frame.label for frame in result.labels if frame.label is not None]
    counts = {name: labels.count(name) for name in dict.fromkeys(labels)}
    said = ", ".join(f"{name} ({n})" for name, n in sorted(counts.items(), key=lambda kv: -kv[1])) or "nothing yet"
    console.print(f"{len(result.labels)} frames at {result.rate:.1f} FPS; labels over the frames: {said}",
                  highlight=False, soft_wrap=True)  # fmt: skip
    if result.video is not None:
        console.print(f"video → [bold]{result.video}[/]", soft_wrap=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="action")
