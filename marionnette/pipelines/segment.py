"""``marionnette segment run``: a trained U-Net over a video, its classes painted over each frame.

::

    source ─▶ frame (H, W, 3) uint8 ─▶ U-Net (padded to its multiple, cropped back) ─▶ class map (H, W)
    (video, folder, webcam)                                      ─▶ painted over the frame ─▶ MP4

The class map of every frame can be kept (``masks``: a folder of PNGs, one a frame, the
class index in each pixel, as the scenes dataset writes its ground truth), so a target video
for motion transfer or ``detect run --masks`` can take a segmentation made here.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from marionnette.errors import MarionnetteError


@dataclass(frozen=True)
class SegmentRun:
    """What :func:`run` did."""

    source: str
    frames: int
    fractions: dict[str, float]  # the share of the pixels given to each class, over the whole video
    seconds: float  # the whole loop: read, segment, paint, encode
    segment_seconds: float  # of which the network
    video: Path | None

    @property
    def rate(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")


def run(
    run_dir: str | os.PathLike,
    source: str,
    out: str | os.PathLike | None = None,
    *,
    masks: str | os.PathLike | None = None,
    max_frames: int | None = None,
    device: str = "cpu",
) -> SegmentRun:
    """Segment ``source`` with the U-Net of ``run_dir``; the painted video to ``out``, class maps to ``masks``."""
    from PIL import Image

    from marionnette.files import atomic_path
    from marionnette.perception.pose import open_source
    from marionnette.perception.segment.evaluate import paint
    from marionnette.perception.segment.train import load
    from marionnette.runs import write_video

    net = load(run_dir, device)
    names = tuple(net.config.classes)
    counts = np.zeros(len(names), np.int64)
    frames, segmenting = [0], [0.0]
    stream = open_source(source, video_frames=True)
    fps = float(getattr(stream, "fps", 30.0))
    if masks is not None:
        Path(masks).mkdir(parents=True, exist_ok=True)

    def views() -> Iterator[np.ndarray]:
        for _, image in itertools.islice(stream, max_frames):
            began = time.perf_counter()
            mask = net.predict(image)  # (H, W) uint8
            segmenting[0] += time.perf_counter() - began
            counts[:] += np.bincount(mask.ravel(), minlength=len(names))[: len(names)]
            if masks is not None:
                with atomic_path(Path(masks) / f"{frames[0]:06d}.png") as path:
                    Image.fromarray(mask).save(path, format="PNG")
            frames[0] += 1
            yield paint(image, mask)

    began = time.perf_counter()
    written = None
    if out is None:
        for _ in views():
            pass
    else:
        try:
            written = write_video(out, views(), fps)
        except OSError as e:
            raise MarionnetteError(f"{out}: the video could not be written ({type(e).__name__}); "
                                   "check the disk space and that the folder is writable") from e  # fmt: skip
    if not frames[0]:
        raise MarionnetteError(f"source {source!r} gave no frames")
    fractions = dict(zip(names, (counts / max(counts.sum(), 1)).tolist(), strict=True))
    return SegmentRun(source, frames[0], fractions, time.perf_counter() - began, segmenting[0], written)


__all__ = ["SegmentRun", "run"]
