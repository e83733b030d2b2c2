"""``marionnette puppet``: drive the character with a body in front of a camera.

The pipeline (source → MediaPipe → One-Euro → IK → avatar) is
:mod:`marionnette.pipelines.puppet`; this command parses its options, runs it and prints
what it made: the overlay-beside-avatar video (live in a window where there is a display,
else an MP4) and the captured motion as a canonical PoseSequence ``.npz`` and BVH.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from marionnette.cli.console import console, one_line_errors
from marionnette.errors import MarionnetteError


@one_line_errors
def puppet(
    source: Annotated[
        str, typer.Option(help="webcam, webcam:N, a video file, a folder of images, or virtual[:CLIP]")
    ] = "webcam",
    out: Annotated[Optional[Path], typer.Option(help="write the overlay-beside-avatar video here (MP4)")] = None,
    bvh: Annotated[Optional[Path], typer.Option(help="save the captured motion as BVH")] = None,
    npz: Annotated[Optional[Path], typer.Option(help="save the captured motion as a PoseSequence .npz")] = None,
    window: Annotated[
        Optional[bool],
        typer.Option("--window/--no-window", help="show a live window (default: when there is a display)"),
    ] = None,
    filter_: Annotated[bool, typer.Option("--filter/--no-filter", help="One-Euro filtering")] = True,
    max_frames: Annotated[Optional[int], typer.Option(help="stop after this many frames")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="show MediaPipe's own log lines on stderr")] = False,
) -> None:
    """Drive the character with your body: camera image and skeleton beside the avatar."""  # fmt: skip
    from marionnette.motion import save_bvh
    from marionnette.pipelines.puppet import PuppetConfig, has_display, run

    if window is None:
        window = has_display() and out is None
    if not window and out is None:
        out = Path("puppet.mp4")
    done = run(source, PuppetConfig(filter=filter_, verbose=verbose), out=out, window=window, max_frames=max_frames)
    if not done.frames:
        raise MarionnetteError(f"source {source!r} gave no frames")
    console.print(f"{len(done.frames)} frames at {done.rate:.1f} FPS; a person in {done.found} of them")
    if done.video is not None:
        console.print(f"video: [bold]{done.video}[/]", soft_wrap=True)
    seq = done.sequence()
    if npz is not None:
        console.print(f"motion: [bold]{seq.save(npz)}[/]", soft_wrap=True)
    if bvh is not None:
        console.print(f"BVH: [bold]{save_bvh(seq.fill_gaps(), bvh)}[/]", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(puppet)
