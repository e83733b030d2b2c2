"""Stylised video: a webcam or a video file through a trained fast network, into an MP4.

Frames are read with imageio's ffmpeg plugin (imageio-ffmpeg ships the ffmpeg binary):
a video file as it is, a webcam as ffmpeg's ``<video0>`` device (Video4Linux on Linux; on
other systems ffmpeg names cameras its own way). Each frame is painted by
:func:`~.fast.stylize_frames` and handed to :func:`marionnette.runs.write_video` as it
comes, so memory stays flat however long the video. Nothing is shown in a window.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.generation.style.fast import stylize_frames
from marionnette.generation.style.transformer import TransformerNet
from marionnette.runs import write_video

DEFAULT_FPS = 30.0  # when a source does not say its rate (a webcam)
MACROBLOCK = (
    16  # libx264's block: imageio would rescale a frame of other sides, so frames are painted at multiples of it
)


class Frames(NamedTuple):
    """A source's frames, ``(H, W, 3)`` uint8 as they are read, and its frame rate."""

    frames: Iterator[np.ndarray]
    fps: float


def open_frames(source: str | os.PathLike, max_frames: int | None = None) -> Frames:
    """The frames of ``source``: ``webcam`` / ``webcam:N`` (camera N) or a video file."""
    import imageio.v2 as imageio

    text = str(source)
    if text == "webcam" or text.startswith("webcam:"):
        index = text.partition(":")[2] or "0"
        if not index.isdigit():
            raise MarionnetteError(f"source {text!r}: write webcam or webcam:N with N a camera number, e.g. webcam:1")
        uri, what, fix = f"<video{index}>", f"camera {index}", "try another webcam:N, or pass a video file"
    else:
        if not Path(text).is_file():
            raise MarionnetteError(f"video {text!r} does not exist: pass a video file, or --source webcam")
        uri, what, fix = text, text, "pass a video file ffmpeg reads (MP4, AVI, MKV, ...)"
    try:
        reader = imageio.get_reader(uri, format="FFMPEG")
        fps = float(reader.get_meta_data().get("fps") or DEFAULT_FPS)
    except (OSError, RuntimeError, ValueError, IndexError) as e:
        # imageio-ffmpeg raises OSError/RuntimeError when ffmpeg cannot open or decode the
        # input, ValueError/IndexError on a file it cannot find a stream in.
        reason = (str(e).splitlines() or [""])[0][:120] or type(e).__name__
        raise MarionnetteError(f"cannot read video from {what} ({reason}): {fix}") from e

    def frames() -> Iterator[np.ndarray]:
        try:
            for n, frame in enumerate(reader):
                if max_frames is not None and n >= max_frames:
                    break
                yield np.asarray(frame)[..., :3]
        finally:
            reader.close()

    return Frames(frames(), fps)


class VideoResult(NamedTuple):
    """What :func:`stylize_video` wrote: the MP4, how many frames, and the painting rate."""

    path: Path
    frames: int
    rate: float  # frames painted a second, reading and encoding included


def stylize_video(net: TransformerNet, frames: Frames, out: str | os.PathLike, size: int | None = None) -> VideoResult:
    """Paint ``frames`` (see :func:`open_frames`) with ``net`` at ``size`` (the longer side;
    None: the source's; sides rounded to multiples of 16) into the MP4 ``out``, at the
    source's frame rate."""
    if Path(out).suffix.lower() != ".mp4":
        raise MarionnetteError(f"--out {out}: a stylised video is written as MP4; name it .mp4")
    count = 0
    started = time.perf_counter()

    def counted() -> Iterator[np.ndarray]:
        nonlocal count
        for frame in stylize_frames(net, frames.frames, size, MACROBLOCK):
            count += 1
            yield frame

    path = write_video(out, counted(), frames.fps)
    if count == 0:
        Path(path).unlink(missing_ok=True)
        raise MarionnetteError("the source gave no frames: pass a video with at least one")
    return VideoResult(path, count, count / max(time.perf_counter() - started, 1e-9))


__all__ = ["Frames", "VideoResult", "open_frames", "stylize_video"]
