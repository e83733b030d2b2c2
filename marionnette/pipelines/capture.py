"""A recording into motion: the puppet's pipeline without the avatar's render.

:func:`capture` runs a source (a video, a folder of images, a webcam) through MediaPipe,
the calibration and the One-Euro filter of :class:`~marionnette.pipelines.puppet.Puppet`
and returns the canonical :class:`~marionnette.motion.PoseSequence` it saw (what
``marionnette imitate VIDEO`` trains the character on, after
:meth:`~marionnette.motion.PoseSequence.fill_gaps`).
"""

from __future__ import annotations

import os

from marionnette.errors import MarionnetteError
from marionnette.motion import PoseSequence
from marionnette.perception.pose import FrameSource, open_source
from marionnette.pipelines.puppet import Puppet, PuppetConfig, for_source, sequence_of


def capture(
    source: str | os.PathLike | FrameSource, config: PuppetConfig | None = None, max_frames: int | None = None
) -> PoseSequence:
    """The canonical motion in ``source``, at its frame rate.

    :param source: a spec for :func:`~marionnette.perception.pose.open_source` (a video
        file, a folder of images, ``webcam``) or a source. A recording: a folder named by a
        spec holds the frames of one video (tracked, filtered); a source object that says
        ``still_images`` is captured image by image.
    :param config: the pipeline's settings (:class:`~marionnette.pipelines.puppet.PuppetConfig`).
    :param max_frames: capture at most this many frames.
    :raises MarionnetteError: the source gives no frames.
    :returns: frame ``t`` is the source's frame ``t``; a joint not seen there has
        confidence 0 and a NaN position.
    """
    frames = source if isinstance(source, FrameSource) else open_source(source, video_frames=True)
    with Puppet(for_source(config, frames), fps=frames.fps, render=False) as puppet:
        steps = list(puppet.stream(frames, max_frames))
    if not steps:
        raise MarionnetteError(f"source {str(source)!r} gave no frames")
    return sequence_of(steps, frames.fps)
