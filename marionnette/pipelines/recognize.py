"""Live action recognition: a camera, MediaPipe, a sliding window, a recognizer, the label drawn.

::

    source ─▶ MediaPipe Pose ─▶ MediaPipe-33 → canonical ─▶ Kinect's 25 joints ─▶ window ─▶ recognizer
    (webcam, video,          (world landmarks,          (ntu_from_canonical,      (the last   (a run of
     images, virtual)         metres, hip-centred)       the toes from the feet)   seconds)    action train)

:func:`recognize` runs a source through it and writes the camera image with the skeleton,
the label and its probability over it, live in a window and/or to an MP4. Every
``stride`` frames the last ``window`` seconds of the person's frames (frames without them
are left out) are resampled to the recognizer's own window and classified; the label holds
until the next prediction. Nothing is said before ``min_seconds`` of the person.

The capture's frame is turned into the one the recognizer was trained in: MediaPipe's
world landmarks (the motion frame: the person's left on +x, y up, +z towards the camera)
turned half a turn about y are Kinect's (x to the sensor's left, y up, z away from it).
Where the body stands does not matter: the models centre each window or read it relative
to its own joints.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, MEDIAPIPE_33, MediaPipeJoint, find_mapping, ntu_from_canonical
from marionnette.perception.pose import CaptureConfig, FrameSource, PoseCapture, draw_pose
from marionnette.perception.pose.backend import import_cv2
from marionnette.pipelines.puppet import has_display, open_any_source, show
from marionnette.runs import write_video

KINECT_FROM_MOTION = np.diag([-1.0, 1.0, -1.0])  # (3, 3) half a turn about y
WINDOW_TITLE = "marionnette action recognize (Esc to stop)"
_TOES = (MediaPipeJoint.LEFT_FOOT_INDEX, MediaPipeJoint.RIGHT_FOOT_INDEX)


@dataclass
class RecognizeConfig:
    """Settings of :func:`recognize`."""

    window: float = 3.0  # seconds of the person classified at once (the dataset's actions last 1.5-3.5 s)
    stride: int = 5  # frames between two predictions
    min_seconds: float = 1.0  # of the person before the first prediction
    verbose: bool = False  # let MediaPipe's native log lines through


@dataclass(frozen=True)
class Label:
    """One frame's recognition."""

    timestamp: float
    found: bool  # the person was in the frame
    label: str | None  # the class held at this frame (None before the first prediction)
    probability: float  # of that class


@dataclass(frozen=True)
class Recognition:
    """What :func:`recognize` did."""

    labels: list[Label]  # one a frame
    classes: tuple[str, ...]
    probabilities: np.ndarray  # (P, C) every prediction made, in order
    seconds: float  # wall-clock of the loop
    video: Path | None

    @property
    def rate(self) -> float:
        """Frames per second through the whole loop (capture, recognize, draw, encode)."""
        return len(self.labels) / self.seconds if self.seconds > 0 else float("inf")

    @property
    def last(self) -> str | None:
        """The label of the last prediction."""
        return next((frame.label for frame in reversed(self.labels) if frame.label is not None), None)


def kinect_joints(world: np.ndarray, visibility: np.ndarray) -> np.ndarray:
    """``(25, 3)`` Kinect-frame NTU_25 joints of one capture's ``world (33, 3)`` landmarks."""
    mapping = find_mapping(MEDIAPIPE_33, CANONICAL)
    canonical, _ = mapping.apply(world[None], visibility[None])  # (1, 16, 3)
    toes = world[list(_TOES)][None]  # (1, 2, 3)
    return (ntu_from_canonical(canonical, toes)[0] @ KINECT_FROM_MOTION).astype(np.float32)


def _draw(image: np.ndarray, text: str) -> np.ndarray:
    cv2 = import_cv2()
    scale = max(0.6, min(image.shape[:2]) / 400)
    at = (round(12 * scale), round(34 * scale))
    thick = round(2 * scale)
    cv2.putText(image, text, at, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 3, cv2.LINE_AA)
    cv2.putText(image, text, at, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 230, 80), thick, cv2.LINE_AA)
    return image


class _Loop:
    def __init__(self, recognizer, frames, config: RecognizeConfig, max_frames: int | None, window: bool):
        self.recognizer, self.frames, self.config = recognizer, frames, config
        self.max_frames, self.window = max_frames, window
        self.fps = float(getattr(frames, "fps", 30.0))
        self.labels: list[Label] = []
        self.predictions: list[np.ndarray] = []
        self.seconds = 0.0
        self.failed = False

    def views(self) -> Iterator[np.ndarray]:
        config = self.config
        held = collections.deque(maxlen=max(2, round(config.window * self.fps)))  # (25, 3) Kinect frames
        label, probability = None, 0.0
        started = time.perf_counter()
        capture = PoseCapture(CaptureConfig(verbose=config.verbose))
        try:
            for k, (t, image) in enumerate(itertools.islice(self.frames, self.max_frames)):
                found = capture.process(image, t)
                if found.found:
                    held.append(kinect_joints(found.world, found.visibility))
                if found.found and len(held) >= config.min_seconds * self.fps and k % config.stride == 0:
                    p = self.recognizer.probabilities(np.stack(held))  # (C,)
                    self.predictions.append(p)
                    best = int(p.argmax())
                    label, probability = self.recognizer.classes[best], float(p[best])
                self.labels.append(Label(t, found.found, label, probability))
                view = draw_pose(image, found) if found.found else image.copy()
                text = "no person" if not found.found else "..." if label is None else f"{label} {probability:.0%}"
                view = _draw(view, text)
                if self.window and not show(view, WINDOW_TITLE):
                    break
                yield view
        except Exception:
            self.failed = True
            raise
        finally:
            capture.close()
            self.seconds = time.perf_counter() - started


def recognize(
    run: str | os.PathLike,
    source: str | os.PathLike | FrameSource,
    config: RecognizeConfig | None = None,
    *,
    out: str | os.PathLike | None = None,
    window: bool | None = None,
    max_frames: int | None = None,
    device: str = "cpu",
) -> Recognition:
    """Recognize what the person in ``source`` does, with the recognizer of ``run``.

    :param run: a run directory of ``marionnette action train``.
    :param source: ``webcam``, a video, a folder of a video's frames, ``virtual[:CLIP]``, or a source.
    :param out: an MP4 the labelled frames stream into.
    :param window: show them live (Esc stops); ``None``: when there is a display and no ``out``.
    :raises MarionnetteError: a bad run or source; MediaPipe and the writer are closed first.
    """
    from marionnette.perception.action.train import load

    config = RecognizeConfig() if config is None else config
    recognizer = load(run, device)
    frames = open_any_source(os.fspath(source), video_frames=True) if isinstance(source, str | os.PathLike) else source
    window = (out is None and has_display()) if window is None else window
    loop = _Loop(recognizer, frames, config, max_frames, window)
    with contextlib.closing(loop.views()) as views:
        if out is None:
            for _ in views:
                pass
        else:
            try:
                out = write_video(out, views, loop.fps)
            except OSError as e:
                if loop.failed:
                    raise
                raise MarionnetteError(f"{out}: the video could not be written ({type(e).__name__}); "
                                       "check the disk space and that the folder is writable") from e  # fmt: skip
    probabilities = np.array(loop.predictions).reshape(-1, len(recognizer.classes))
    if not loop.labels:
        raise MarionnetteError(f"source {source!s} gave no frames")
    return Recognition(loop.labels, recognizer.classes, probabilities, loop.seconds, None if out is None else Path(out))


__all__ = ["KINECT_FROM_MOTION", "Label", "Recognition", "RecognizeConfig", "kinect_joints", "recognize"]
