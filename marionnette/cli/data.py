"""``marionnette data``: make the datasets the learners read.

``data actions`` performs and films the skeleton action dataset
(:mod:`marionnette.datasets.actions`); ``data ntu`` turns a folder of NTU RGB+D
``.skeleton`` files into the same layout. Either writes ``DIR/actions.npz``
(:class:`marionnette.perception.action.data.ActionData`) and, with ``--pyskl``, the
PySKL / MMAction2 annotation pickle beside it. ``data frames`` renders the games or the
character into a folder of PNGs (:mod:`marionnette.datasets.frames`), the images the
generation layer reads. ``data scenes`` films players and a ball on a pitch with a moving
camera (:mod:`marionnette.datasets.scenes`): COCO, MOTChallenge and mask files for the
detector, the tracker and segmentation.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from marionnette.cli.console import console, one_line_errors, progress_bar

app = typer.Typer(help="Make the datasets the learners read.", no_args_is_help=True)


def _written(data, out: Path, pyskl: bool, started: float) -> None:
    path = data.save(out / "actions.npz")
    console.print(f"{data} → [bold]{path}[/] in {time.perf_counter() - started:.1f}s", soft_wrap=True)
    if pyskl:
        console.print(f"PySKL / MMAction2 annotations → [bold]{data.to_pyskl(out / 'pyskl.pkl')}[/]", soft_wrap=True)


@app.command()
@one_line_errors
def actions(
    out: Annotated[Path, typer.Option(help="the folder to write actions.npz into")],
    subjects: Annotated[int, typer.Option(help="performers (half train in the cross-subject split)")] = 20,
    views: Annotated[int, typer.Option(help="cameras filming each performance, 1-3 (views 2 and 3 train in cv)")] = 3,
    replications: Annotated[int, typer.Option(help="performances of each action by each subject")] = 2,
    seed: Annotated[int, typer.Option(help="the same seed makes the same data")] = 0,
    pyskl: Annotated[bool, typer.Option("--pyskl", help="also write pyskl.pkl (PySKL / MMAction2 layout)")] = False,
) -> None:
    """Perform and film the skeleton action dataset (14 classes, NTU RGB+D's layout and splits)."""
    from marionnette.datasets.actions import ActionConfig, make_actions

    config = ActionConfig(subjects=subjects, views=views, replications=replications, seed=seed)
    started = time.perf_counter()
    with progress_bar("performing", unit="performances") as update:
        data = make_actions(config, progress=update)
    _written(data, out, pyskl, started)


@app.command()
@one_line_errors
def ntu(
    source: Annotated[Path, typer.Argument(help="a folder of NTU RGB+D .skeleton files")],
    out: Annotated[Path, typer.Option(help="the folder to write actions.npz into")],
    pyskl: Annotated[bool, typer.Option("--pyskl", help="also write pyskl.pkl (PySKL / MMAction2 layout)")] = False,
) -> None:
    """Read a folder of NTU RGB+D .skeleton files into actions.npz (NTU-60's classes and splits)."""
    from marionnette.errors import MarionnetteError
    from marionnette.perception.action.data import from_ntu

    if not source.is_dir():
        raise MarionnetteError(f"{source}: no such folder; pass the folder holding NTU's .skeleton files")
    files = sorted(source.glob("*.skeleton"))
    if not files:
        raise MarionnetteError(f"{source} holds no .skeleton file: pass the folder NTU RGB+D's archive unpacks to")
    started = time.perf_counter()
    with progress_bar("reading", unit="files") as update:
        data = from_ntu(files, progress=update)
    skipped = int(data.meta.get("skipped", 0))
    if skipped:
        console.print(f"skipped {skipped} unreadable file(s) of {len(files)}", highlight=False)
    _written(data, out, pyskl, started)


@app.command()
@one_line_errors
def frames(
    source: Annotated[str, typer.Argument(help="arcade, arcade:breakout|pong|freeway|asterix, or character")],
    out: Annotated[Path, typer.Option(help="the folder to write frame_00000.png ... and frames.yaml into")],
    count: Annotated[int, typer.Option(help="frames to render")] = 1000,
    size: Annotated[int, typer.Option(help="pixels a side (square frames)")] = 64,
    seed: Annotated[int, typer.Option(help="the same seed makes the same frames")] = 0,
) -> None:
    """Render frames of the arcade games or the character into a folder of PNGs (reused when it already holds them)."""
    from marionnette.datasets.frames import write_frames

    started = time.perf_counter()
    path = write_frames(out, source, count, size, seed)
    console.print(
        f"{count} frames of {source}, {size}x{size} → [bold]{path}[/] in {time.perf_counter() - started:.1f}s",
        soft_wrap=True,
    )


@app.command()
@one_line_errors
def dancer(
    out: Annotated[Path, typer.Option(help="the target video to write (.npz), what `transfer train` reads")] = Path(
        "target.npz"
    ),
    size: Annotated[int, typer.Option(help="pixels a side")] = 128,
    repeats: Annotated[int, typer.Option(help="performances of each clip")] = 4,
    seed: Annotated[int, typer.Option(help="seeds every performance's tempo, amplitude, facing and place")] = 0,
) -> None:
    """The character dressed as a target person (Everybody Dance Now's target video): its
    performances from a fixed camera, with their exact 2-D poses; the wave held out."""
    from marionnette.datasets.dancer import DancerConfig, make_dancer

    started = time.perf_counter()
    data = make_dancer(DancerConfig(size=size, repeats=repeats, seed=seed))
    path = data.target_video().save(out)
    console.print(f"{data!r} in {time.perf_counter() - started:.1f}s → [bold]{path}[/]", soft_wrap=True,
                  highlight=False)  # fmt: skip


@app.command()
@one_line_errors
def scenes(
    out: Annotated[Path, typer.Option(help="the folder to write images/, masks/, train.json, val.json, mot/ into")],
    sequences: Annotated[int, typer.Option(help="sequences of play (the last --held-out go to val.json)")] = 8,
    frames: Annotated[int, typer.Option(help="frames per sequence")] = 60,
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT pixels")] = "320x240",
    characters: Annotated[
        str, typer.Option(help="players a sequence: N, or LOW-HIGH drawn per sequence (1 to 6)")
    ] = "3-6",
    held_out: Annotated[int, typer.Option(help="sequences kept for val.json")] = 2,
    fps: Annotated[float, typer.Option(help="frames per second")] = 15.0,
    seed: Annotated[int, typer.Option(help="the same seed makes the same scenes")] = 0,
) -> None:
    """Players and a ball on a pitch filmed by a moving camera, with exact boxes, track ids and
    masks: COCO detection files, MOTChallenge ground truth, class and instance maps."""
    from marionnette.datasets.scenes import ScenesConfig, make_scenes
    from marionnette.errors import MarionnetteError

    try:
        width, height = (int(v) for v in size.lower().split("x"))
        low, _, high = characters.partition("-")
        players = (int(low), int(high or low))
    except ValueError as e:
        raise MarionnetteError(
            f"--size {size!r} --characters {characters!r}: give the size as WIDTHxHEIGHT (320x240) "
            "and the players as N or LOW-HIGH (3-6)"
        ) from e
    config = ScenesConfig(sequences=sequences, frames=frames, size=(width, height), characters=players,
                          held_out=held_out, fps=fps, seed=seed)  # fmt: skip
    started = time.perf_counter()
    with progress_bar("filming", unit="sequences") as update:
        made = make_scenes(config, progress=update)
    path = made.save(out)
    console.print(f"{made!r} in {time.perf_counter() - started:.1f}s → [bold]{path}[/]", soft_wrap=True,
                  highlight=False)  # fmt: skip


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="data")
