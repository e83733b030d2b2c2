"""Frame sources: where the images that pose capture reads come from.

A source is anything with an ``fps`` and an ``__iter__`` yielding :class:`Frame`\\ s,
``(timestamp_s, image)`` with ``image`` an RGB ``(H, W, 3)`` uint8 array: the
:class:`FrameSource` protocol. A source may also say ``still_images = True``: its images
are unrelated photos, not the frames of one stream, so pose capture detects afresh in each
and nothing (a filter's state, a previous pose) carries from one to the next
(:func:`holds_still_images`). The built-in ones:

====================  ==========================================  ========================  ==============
source                timestamps                                  spec for open_source      still images
====================  ==========================================  ========================  ==============
:class:`Webcam`       seconds since the first frame (wall clock)  ``webcam``, ``webcam:1``  no
:class:`VideoFile`    ``i / fps`` (the container's frame rate)    ``clip.mp4``              no
:class:`ImageFolder`  ``i / fps`` (``fps`` given, 30 by default)  ``photos/``               yes, by default
:class:`Frames`       ``i / fps``                                 (built in code)           if told
====================  ==========================================  ========================  ==============

A folder's images may differ in size. As still images each keeps its own size (the
puppet's view letterboxes them, :func:`letterbox`); as the frames of one video
(``ImageFolder(path, still_images=False)``, ``open_source(path, video_frames=True)``) every
image is letterboxed to the first one's size, since tracking follows a person across one
image geometry.

:class:`Frames` wraps any iterable of images, which is how another layer plugs in a
renderer, e.g. the MuJoCo character's virtual camera: ``Frames(render() for _ in
range(n), fps=30)``. :func:`open_source` turns a command-line spec into a source.

A bad spec, a missing or unreadable file, an empty folder or a webcam that does not open
raise a one-line :class:`~marionnette.errors.MarionnetteError` when the source is made,
not halfway through a capture. OpenCV is imported on first use (``marionnette[pose]``).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple, Protocol, runtime_checkable

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.perception.pose.backend import import_cv2

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")  # what ImageFolder reads
DEFAULT_FPS = 30.0  # image folders, and videos whose container states no frame rate


class Frame(NamedTuple):
    """One image of a source and when it was taken."""

    timestamp: float  # seconds since the source's first frame
    image: np.ndarray  # (H, W, 3) uint8, RGB


@runtime_checkable
class FrameSource(Protocol):
    """What pose capture reads: an iterable of :class:`Frame` with a nominal frame rate.

    ``fps`` is the rate a :class:`~marionnette.motion.PoseSequence` made from the frames
    is stored at; timestamps may wander from ``i / fps`` (a webcam's do).
    """

    fps: float

    def __iter__(self) -> Iterator[Frame]: ...


def holds_still_images(source: object) -> bool:
    """Whether ``source`` says its images are unrelated photos (``still_images = True``);
    a source that does not say is a stream (a webcam, a video, a renderer)."""
    return bool(getattr(source, "still_images", False))


def letterbox(image: np.ndarray, size: tuple[int, int], fill: int = 0) -> np.ndarray:
    """``image`` scaled to fit inside ``size`` = (H, W), aspect kept, centred and padded with ``fill``.

    :param image: ``(h, w, 3)`` uint8.
    :returns: ``(H, W, 3)`` uint8; ``image`` itself when it is that size already.
    """
    H, W = int(size[0]), int(size[1])
    h, w = image.shape[:2]
    if (h, w) == (H, W):
        return image
    cv2 = import_cv2()
    scale = min(H / h, W / w)
    nh, nw = max(1, min(H, round(h * scale))), max(1, min(W, round(w * scale)))
    shrink = scale < 1
    scaled = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    top, left = (H - nh) // 2, (W - nw) // 2
    out = np.full((H, W, image.shape[2]), fill, dtype=image.dtype)  # (H, W, 3)
    out[top : top + nh, left : left + nw] = scaled
    return out


def _rgb(bgr: np.ndarray) -> np.ndarray:
    cv2 = import_cv2()
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)  # (H, W, 3) uint8, contiguous


class Webcam:
    """A camera through OpenCV, opened at once (so a missing one fails here).

    :param index: the camera's OpenCV index (``/dev/video<index>`` on Linux).
    :param width: requested frame width in pixels; the camera may pick another size,
        read back in :attr:`width`.
    :param height: requested frame height in pixels (:attr:`height` is what it gives).

    Iterating yields frames until the camera stops giving them; timestamps are seconds
    on the wall clock since the first frame. :meth:`close` (or ``with Webcam() as cam``)
    releases the device.
    """

    still_images = False  # a stream: pose capture tracks the person from frame to frame

    def __init__(self, index: int = 0, width: int = 640, height: int = 480) -> None:
        cv2 = import_cv2()
        self.index = int(index)
        self._cap = cv2.VideoCapture(self.index)
        if not self._cap.isOpened():
            self._cap.release()
            raise MarionnetteError(
                f"no webcam at index {self.index}: OpenCV could not open it; plug one in, close other programs "
                f"using it, or pick another index (webcam:N)"
            )
        self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        fps = self._cap.get(cv2.CAP_PROP_FPS)
        self.fps = float(fps) if np.isfinite(fps) and fps > 0 else DEFAULT_FPS

    def __repr__(self) -> str:
        return f"Webcam({self.index}, {self.width}x{self.height} at {self.fps:g} fps)"

    def __iter__(self) -> Iterator[Frame]:
        start = None
        while self._cap.isOpened():
            ok, bgr = self._cap.read()
            if not ok:
                if start is None:
                    raise MarionnetteError(
                        f"webcam {self.index} opened but gives no frames: is another program using it?"
                    )
                return
            now = time.monotonic()
            start = now if start is None else start
            yield Frame(now - start, _rgb(bgr))

    def close(self) -> None:
        self._cap.release()

    def __enter__(self) -> Webcam:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class VideoFile:
    """The frames of a video file (anything OpenCV's FFmpeg reads: MP4, AVI, MKV, ...).

    :param path: the video. It is opened and its first frame decoded here, so a missing,
        truncated or non-video file raises at once.

    Frame ``i`` has timestamp ``i / fps`` with ``fps`` the container's frame rate (30
    when it states none). :attr:`frame_count` is the container's count, which some
    formats only estimate; iterating yields every frame that decodes. Each iteration
    reads the file again from the start.
    """

    still_images = False  # a stream: pose capture tracks the person from frame to frame

    def __init__(self, path: str | os.PathLike) -> None:
        cv2 = import_cv2()
        self.path = Path(path)
        if not self.path.is_file():
            raise MarionnetteError(f"{self.path}: no such video file; give the path of a video (e.g. clip.mp4)")
        cap = cv2.VideoCapture(str(self.path))
        try:
            ok, bgr = cap.read() if cap.isOpened() else (False, None)
            if not ok:
                raise MarionnetteError(
                    f"{self.path}: not a readable video (OpenCV decoded no frame); "
                    f"check that the file is whole and in a format FFmpeg reads (MP4/H.264 always works)"
                )
            fps = cap.get(cv2.CAP_PROP_FPS)
            self.fps = float(fps) if np.isfinite(fps) and fps > 0 else DEFAULT_FPS
            self.frame_count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
            self.height, self.width = bgr.shape[:2]
        finally:
            cap.release()

    def __repr__(self) -> str:
        return f"VideoFile({str(self.path)!r}, {self.width}x{self.height} at {self.fps:g} fps)"

    def __iter__(self) -> Iterator[Frame]:
        cap = import_cv2().VideoCapture(str(self.path))
        try:
            i = 0
            while True:
                ok, bgr = cap.read()
                if not ok:
                    return
                yield Frame(i / self.fps, _rgb(bgr))
                i += 1
        finally:
            cap.release()


def _natural_key(path: Path) -> list[int | str]:
    """``frame2.png`` before ``frame10.png``: digit runs compare as numbers."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


class ImageFolder:
    """The images in a folder, in natural name order (``2.png`` before ``10.png``).

    :param path: the folder; files with a suffix in :data:`IMAGE_SUFFIXES` are read, any
        other file is ignored. A missing folder or one with no image raises here.
    :param fps: the rate the images were taken at: frame ``i`` has timestamp ``i / fps``.
    :param still_images: ``True`` (the default): unrelated photos, each captured on its
        own and yielded at its own size. ``False``: the frames of one video, tracked from
        one to the next and letterboxed (:func:`letterbox`) to the first image's size.

    Images may differ in size. One that does not decode raises a one-line error naming it
    when it is reached.
    """

    def __init__(self, path: str | os.PathLike, fps: float = DEFAULT_FPS, still_images: bool = True) -> None:
        self.path = Path(path)
        if not self.path.is_dir():
            raise MarionnetteError(f"{self.path}: no such folder; give a folder of images (.png, .jpg, ...)")
        self.files = sorted(
            (p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()), key=_natural_key
        )
        if not self.files:
            raise MarionnetteError(
                f"{self.path}: no images in this folder; put frames there as {', '.join(IMAGE_SUFFIXES)} files"
            )
        fps = float(fps)
        if not np.isfinite(fps) or fps <= 0:
            raise MarionnetteError(f"ImageFolder fps is {fps!r}: give the positive rate the images were taken at")
        self.fps = fps
        self.still_images = bool(still_images)

    def __repr__(self) -> str:
        kind = "still images" if self.still_images else "video frames"
        return f"ImageFolder({str(self.path)!r}, {len(self.files)} {kind} at {self.fps:g} fps)"

    def __len__(self) -> int:
        return len(self.files)

    def __iter__(self) -> Iterator[Frame]:
        cv2 = import_cv2()
        size = None  # (H, W) of the first image: video frames are letterboxed to it
        for i, file in enumerate(self.files):
            bgr = cv2.imread(str(file), cv2.IMREAD_COLOR)  # (H, W, 3) BGR; grey and RGBA come out as 3 channels
            if bgr is None:
                raise MarionnetteError(f"{file}: not a readable image; remove it from {self.path} or re-export it")
            image = _rgb(bgr)
            if not self.still_images:
                size = image.shape[:2] if size is None else size
                image = letterbox(image, size)
            yield Frame(i / self.fps, image)


class Frames:
    """Any iterable of RGB images as a source, frame ``i`` at ``i / fps``.

    :param images: ``(H, W, 3)`` uint8 RGB arrays (a list, or a generator that renders
        them, such as the body's virtual camera). A generator can be iterated only once.
    :param fps: the rate the images stand for.
    :param still_images: the images are unrelated photos, not a stream (see the module docstring).
    """

    def __init__(self, images: Iterable[np.ndarray], fps: float = DEFAULT_FPS, still_images: bool = False) -> None:
        fps = float(fps)
        if not np.isfinite(fps) or fps <= 0:
            raise MarionnetteError(f"Frames fps is {fps!r}: give the positive rate the images stand for")
        self.images, self.fps, self.still_images = images, fps, bool(still_images)

    def __repr__(self) -> str:
        return f"Frames(at {self.fps:g} fps)"

    def __iter__(self) -> Iterator[Frame]:
        for i, image in enumerate(self.images):
            yield Frame(i / self.fps, image)


def open_source(spec: str | os.PathLike, video_frames: bool = False) -> FrameSource:
    """The source a command-line spec names.

    ``"webcam"`` is camera 0 and ``"webcam:N"`` camera ``N`` (:class:`Webcam`); a folder
    is an :class:`ImageFolder` at 30 fps, of still images unless ``video_frames`` (the
    frames of one video, tracked); any other path a :class:`VideoFile`.
    """
    text = os.fspath(spec)
    if text == "webcam" or text.startswith("webcam:"):
        index = text.partition(":")[2] or "0"
        if not index.isdigit():
            raise MarionnetteError(f"source {text!r}: a webcam index is a number, e.g. webcam:1")
        return Webcam(int(index))
    path = Path(text)
    if path.is_dir():
        return ImageFolder(path, still_images=not video_frames)
    if not path.exists():
        raise MarionnetteError(
            f"source {text!r}: no such file or folder; give a video file, a folder of images, webcam or webcam:N"
        )
    return VideoFile(path)
