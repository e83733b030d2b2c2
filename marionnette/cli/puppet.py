"""``marionnette puppet``: drive the character with a body in front of a camera.

The pipeline (source → MediaPipe → One-Euro → IK → avatar) is
:mod:`marionnette.pipelines.puppet`; this command parses its options, runs it and prints
what it made: the overlay-beside-avatar video (live in a window where there is a display,
else an MP4), the avatar's motion as a canonical PoseSequence ``.npz`` and BVH (grounded,
on the character's skeleton; travelling with ``--travel``) and, if asked, the capture
itself (hip-centred). ``--avatar`` picks who draws the avatar: MuJoCo's renderer, or the
sketch where OpenGL renders in software (no GPU), which keeps the loop near MediaPipe's own speed.
A folder of images is taken as unrelated photos unless ``--video-frames``.
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
    bvh: Annotated[Optional[Path], typer.Option(help="save the avatar's motion as BVH")] = None,
    npz: Annotated[Optional[Path], typer.Option(help="save the avatar's motion as a PoseSequence .npz")] = None,
    capture_npz: Annotated[
        Optional[Path],
        typer.Option(help="save the capture itself (hip-centred, as MediaPipe gave it) as a PoseSequence .npz"),
    ] = None,
    video_frames: Annotated[
        bool,
        typer.Option(
            "--video-frames", help="a folder --source holds the frames of one video: track them (default: photos)"
        ),
    ] = False,
    window: Annotated[
        Optional[bool],
        typer.Option("--window/--no-window", help="show a live window (default: when there is a display)"),
    ] = None,
    filter_: Annotated[bool, typer.Option("--filter/--no-filter", help="One-Euro filtering")] = True,
    travel: Annotated[
        bool,
        typer.Option(
            "--travel", help="carry the avatar with its supporting foot (the capture stands still; drifts a little)"
        ),
    ] = False,
    max_frames: Annotated[Optional[int], typer.Option(help="stop after this many frames")] = None,
    avatar: Annotated[
        str,
        typer.Option(
            help="who draws the avatar: auto (MuJoCo's renderer where a GPU renders, else the sketch), "
            "mujoco, or sketch (OpenCV from the character's geometry, no OpenGL)"
        ),
    ] = "auto",
    verbose: Annotated[bool, typer.Option("--verbose", help="show MediaPipe's own log lines on stderr")] = False,
) -> None:
    """Drive the character with your body: camera image and skeleton beside the avatar."""  # fmt: skip
    from marionnette.motion import save_bvh
    from marionnette.pipelines.puppet import PuppetConfig, has_display, run

    if window is None:
        window = has_display() and out is None
    if not window and out is None:
        out = Path("puppet.mp4")
    config = PuppetConfig(filter=filter_, travel=travel, verbose=verbose, avatar=avatar)
    done = run(source, config, out=out, window=window, max_frames=max_frames, video_frames=video_frames)
    if not done.frames:
        raise MarionnetteError(f"source {source!r} gave no frames")
    others = f" (someone else in {done.other_person})" if done.other_person else ""
    drawn = f" ({done.avatar} avatar)" if done.avatar else ""
    console.print(f"{len(done.frames)} frames at {done.rate:.1f} FPS{drawn}; a person in {done.found} of them{others}")
    if done.video is not None:
        console.print(f"video: [bold]{done.video}[/]", soft_wrap=True)
    motion = done.motion()
    if npz is not None:
        console.print(f"motion: [bold]{motion.save(npz)}[/]", soft_wrap=True)
    if capture_npz is not None:
        console.print(f"capture: [bold]{done.captured().save(capture_npz)}[/]", soft_wrap=True)
    if bvh is not None:
        if not done.found:
            raise MarionnetteError(f"--bvh {bvh}: nobody was found in {source}, so the avatar made no motion to write")
        console.print(f"BVH: [bold]{save_bvh(motion.fill_gaps(), bvh)}[/]", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command()(puppet)
