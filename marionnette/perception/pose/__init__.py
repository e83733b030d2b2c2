"""Pose capture: images in, :class:`~marionnette.motion.PoseSequence` out.

A source of frames (:mod:`~.sources`: webcam, video file, image folder, or any iterable of
images such as the body's virtual camera) feeds MediaPipe Pose (:mod:`~.capture`), whose
captures stack into a sequence on ``MEDIAPIPE_33`` that the One-Euro filter
(:mod:`~.filters`) smooths::

    from marionnette.perception.pose import PoseCapture, filter_sequence, open_source, to_sequence

    source = open_source("clip.mp4")
    with PoseCapture() as capture:
        captures = [capture.process(image, t) for t, image in source]
    seq = filter_sequence(to_sequence(captures, source.fps))   # metres, y up, hip-centred

A folder of unrelated photos is captured photo by photo
(``CaptureConfig(static_image_mode=holds_still_images(source))``); in a stream the capture
keeps to the person it first found (``CaptureConfig.keep_person``).

OpenCV, MediaPipe and the ``OneEuroFilter`` package (``marionnette[pose]``) are imported
on first use (:mod:`~.backend`), so importing this package costs only numpy and
:mod:`marionnette.motion` (numpy, scipy). MediaPipe's native log lines stay off stderr
unless ``CaptureConfig(verbose=True)`` (:mod:`~.quiet`).
"""

from marionnette.perception.pose.capture import (
    MAX_REACH,
    POSE_CONNECTIONS,
    WORLD_FROM_MEDIAPIPE,
    Capture,
    CaptureConfig,
    PoseCapture,
    Torso,
    draw_pose,
    to_sequence,
)
from marionnette.perception.pose.filters import OneEuro, OneEuroConfig, filter_sequence
from marionnette.perception.pose.quiet import quiet_stderr
from marionnette.perception.pose.sources import (
    Frame,
    Frames,
    FrameSource,
    ImageFolder,
    VideoFile,
    Webcam,
    holds_still_images,
    letterbox,
    open_source,
)

__all__ = [
    "MAX_REACH",
    "POSE_CONNECTIONS",
    "WORLD_FROM_MEDIAPIPE",
    "Capture",
    "CaptureConfig",
    "Frame",
    "FrameSource",
    "Frames",
    "ImageFolder",
    "OneEuro",
    "OneEuroConfig",
    "PoseCapture",
    "Torso",
    "VideoFile",
    "Webcam",
    "draw_pose",
    "filter_sequence",
    "holds_still_images",
    "letterbox",
    "open_source",
    "quiet_stderr",
    "to_sequence",
]
