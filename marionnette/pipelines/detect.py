"""``detect run`` and ``track``: a detector over a video, its boxes drawn; and the tracker on them.

::

    source ─▶ frame ─▶ detector (letterboxed, NMS) ─▶ boxes, scores, classes ─┬▶ drawn ─▶ MP4
    (video, folder, webcam)  (a detect run, or its .onnx)                       ├▶ COCO results json (detect run)
                                                         ByteTrack / SORT ◀─────┘
                                                         (+ re-id embeddings) ─▶ ids drawn, MOTChallenge txt (track)

The detector is a run directory of ``detect train`` (torch) or the ``.onnx`` file ``detect
export`` wrote (onnxruntime); both predict on frames of any size, boxes in the frame's own
pixels. ``track`` feeds the tracker every box above ``low_thresh`` (ByteTrack needs the
low-score ones for its second association), the people only when the detector knows a
``person`` class; with a re-identification run its embeddings of the boxes go along.
Boxes are drawn with Pillow: a colour per class, or per track id when tracking.
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

PALETTE = np.array([(230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200), (245, 130, 48), (145, 30, 180),
                    (70, 240, 240), (240, 50, 230), (210, 245, 60), (250, 190, 212), (0, 128, 128), (170, 110, 40)],
                   np.uint8)  # fmt: skip


# A small detector shipped with the package (YOLOv8-p2 layout at width 0.125, float16): trained on the
# default pitch scenes' pitch-00..05 by scripts/ship_detector.py's recipe; what `make demo` tracks with.
PITCH_DETECTOR = Path(__file__).resolve().parent.parent / "perception" / "detect" / "pitch"


def open_detector(spec: str | os.PathLike, device: str = "cpu"):
    """A detect run directory (torch) or an exported ``.onnx`` (onnxruntime), ready to ``predict``."""
    path = Path(spec)
    if path.suffix.lower() == ".onnx":
        from marionnette.perception.detect.export import OnnxDetector

        return OnnxDetector(path)
    from marionnette.perception.detect.train import load

    return load(path, device)


def draw_boxes(image: np.ndarray, boxes: np.ndarray, labels: list[str], colours: np.ndarray) -> np.ndarray:
    """``image (H, W, 3)`` uint8 with each box ``(N, 4)`` xyxy outlined in its colour ``(N, 3)`` and labelled."""
    from PIL import Image, ImageDraw

    canvas = Image.fromarray(np.ascontiguousarray(image))
    draw = ImageDraw.Draw(canvas)
    width = max(1, round(min(image.shape[:2]) / 160))
    for box, label, colour in zip(boxes, labels, colours, strict=True):
        x0, y0, x1, y1 = (float(v) for v in box)
        draw.rectangle((x0, y0, x1, y1), outline=tuple(int(c) for c in colour), width=width)
        if label:
            left, top, right, bottom = draw.textbbox((x0, y0), label)
            draw.rectangle((x0, y0 - (bottom - top) - 2, x0 + right - left + 2, y0), fill=tuple(int(c) for c in colour))
            draw.text((x0 + 1, y0 - (bottom - top) - 2), label, fill=(0, 0, 0))
    return np.asarray(canvas)


@dataclass(frozen=True)
class DetectRun:
    """What :func:`detect` or :func:`track` did."""

    source: str
    frames: int
    boxes: int  # boxes drawn over all frames
    seconds: float  # the whole loop: read, detect (and track), draw, encode
    model_seconds: float  # of which the detector (and the tracker, and the embedder)
    video: Path | None
    rows: np.ndarray | None = None  # (M, 10) MOTChallenge rows, for track

    @property
    def rate(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("inf")

    @property
    def model_rate(self) -> float:
        return self.frames / self.model_seconds if self.model_seconds > 0 else float("inf")


def _frames(source: str, max_frames: int | None) -> tuple[Iterator[np.ndarray], float]:
    from marionnette.perception.pose import open_source

    stream = open_source(source, video_frames=True)
    return (image for _, image in itertools.islice(stream, max_frames)), float(getattr(stream, "fps", 30.0))


def _encode(out, views: Iterator[np.ndarray], fps: float) -> Path | None:
    from marionnette.runs import write_video

    if out is None:
        for _ in views:
            pass
        return None
    try:
        return write_video(out, views, fps)
    except OSError as e:
        raise MarionnetteError(f"{out}: the video could not be written ({type(e).__name__}); "
                               "check the disk space and that the folder is writable") from e  # fmt: skip


def detect(
    detector: str | os.PathLike,
    source: str,
    out: str | os.PathLike | None = None,
    *,
    coco: str | os.PathLike | None = None,
    conf: float = 0.25,
    max_frames: int | None = None,
    device: str = "cpu",
) -> DetectRun:
    """Boxes found in every frame of ``source``, drawn to ``out`` (MP4); COCO-format results to ``coco``."""
    import json

    from marionnette.files import atomic_write_text

    net = open_detector(detector, device)
    names = list(net.names)
    frames, stream_fps = _frames(source, max_frames)
    results: list[dict] = []
    counts, timing = [0, 0], [0.0]

    def views() -> Iterator[np.ndarray]:
        for t, image in enumerate(frames):
            began = time.perf_counter()
            found = net.predict([image], conf=conf)[0]
            timing[0] += time.perf_counter() - began
            boxes, scores, classes = (x.cpu().numpy() for x in found)
            counts[0], counts[1] = t + 1, counts[1] + len(boxes)
            for b, s, c in zip(boxes, scores, classes, strict=True):
                results.append({"image_id": t + 1, "category_id": int(c) + 1, "category": names[int(c)],
                                "bbox": [round(float(v), 2) for v in (b[0], b[1], b[2] - b[0], b[3] - b[1])],
                                "score": round(float(s), 4)})  # fmt: skip
            labels = [f"{names[int(c)]} {s:.2f}" for c, s in zip(classes, scores, strict=True)]
            yield draw_boxes(image, boxes, labels, PALETTE[classes % len(PALETTE)])

    began = time.perf_counter()
    written = _encode(out, views(), stream_fps)
    if not counts[0]:
        raise MarionnetteError(f"source {source!r} gave no frames")
    if coco is not None:
        atomic_write_text(coco, json.dumps(results))
    return DetectRun(source, counts[0], counts[1], time.perf_counter() - began, timing[0], written)


def track(
    detector: str | os.PathLike,
    source: str,
    out: str | os.PathLike | None = None,
    *,
    mot: str | os.PathLike | None = None,
    reid: str | os.PathLike | None = None,
    mode: str = "byte",
    classes: tuple[str, ...] | None = None,
    max_frames: int | None = None,
    fps: float | None = None,
    device: str = "cpu",
) -> DetectRun:
    """Tracks of ``source``'s objects (ids drawn to ``out``, MOTChallenge rows to ``mot``).

    :param reid: a re-identification run (``reid`` of :mod:`~marionnette.perception.detect.reid`):
        its embeddings of the boxes go to the tracker (BoT-SORT's appearance cost, lost tracks re-found).
    :param classes: the classes tracked (default: ``person`` when the detector knows it, else all).
    :param fps: the frames' rate (default: the video's own; a folder of frames 30): scales the
        time a lost track waits, and the output video's rate.
    """
    from marionnette.perception.detect.mot import write_mot
    from marionnette.perception.detect.track import ByteTracker, TrackerConfig

    net = open_detector(detector, device)
    names = list(net.names)
    wanted = classes or (("person",) if "person" in names else tuple(names))
    unknown = [c for c in wanted if c not in names]
    if unknown:
        raise MarionnetteError(f"classes {unknown}: the detector knows {names}")
    keep = np.array([n in wanted for n in names])
    embedder = None
    if reid is not None:
        from marionnette.perception.detect.reid import load as load_reid

        embedder = load_reid(reid, device)
    frames, stream_fps = _frames(source, max_frames)
    stream_fps = float(fps) if fps else stream_fps
    # ByteTrack's buffer is 30 frames at 30 fps: one second, whatever the video's rate
    config = TrackerConfig(mode=mode, appearance=reid is not None, frame_rate=stream_fps)
    tracker = ByteTracker(config)
    rows: list[np.ndarray] = []
    counts, timing = [0, 0], [0.0]

    def views() -> Iterator[np.ndarray]:
        for t, image in enumerate(frames):
            began = time.perf_counter()
            found = net.predict([image], conf=config.low_thresh)[0]
            boxes, scores, cls = (x.cpu().numpy() for x in found)
            mine = keep[cls]
            boxes, scores = boxes[mine].astype(np.float64), scores[mine].astype(np.float64)
            embeddings = embedder.embed(image, boxes) if embedder is not None and len(boxes) else None
            if embedder is not None and embeddings is None:
                embeddings = np.zeros((0, embedder.config.dim), np.float32)
            active = tracker.update(boxes, scores, embeddings)  # (M, 6): id, x1, y1, x2, y2, score
            timing[0] += time.perf_counter() - began
            counts[0], counts[1] = t + 1, counts[1] + len(active)
            ids = active[:, 0].astype(int)
            xyxy = active[:, 1:5]
            rows.extend(np.array([t + 1, i, x0, y0, x1 - x0, y1 - y0, s, -1, -1, -1])
                        for i, (x0, y0, x1, y1), s in zip(ids, xyxy, active[:, 5], strict=True))  # fmt: skip
            yield draw_boxes(image, xyxy, [f"{i}" for i in ids], PALETTE[ids % len(PALETTE)])

    began = time.perf_counter()
    written = _encode(out, views(), stream_fps)
    if not counts[0]:
        raise MarionnetteError(f"source {source!r} gave no frames")
    table = np.array(rows, np.float64).reshape(-1, 10)
    if mot is not None:
        write_mot(mot, table)
    return DetectRun(source, counts[0], counts[1], time.perf_counter() - began, timing[0], written, table)


__all__ = ["PALETTE", "DetectRun", "detect", "draw_boxes", "open_detector", "track"]


def scene_crops(folder: str | os.PathLike, held_out: bool = False, size: tuple[int, int] = (64, 32)):
    """The re-identification crop set of a scenes folder's people: each player of each training
    sequence (``held_out=False``; the tracker's held-out ones stay unseen) an identity, a crop
    ``size = (h, w)`` of each frame they are seen in (:func:`~marionnette.perception.detect.reid.crops_from_tracks`)."""
    from marionnette.datasets.scenes import PERSON, load_scenes
    from marionnette.perception.detect.reid import crops_from_tracks

    scenes = load_scenes(folder)
    frames, boxes, ids, sequences = [], [], [], []
    for s, sequence in enumerate(scenes.sequences):
        if sequence.held_out != held_out:
            continue
        for frame in sequence.frames():
            person = frame.classes == PERSON
            frames.append(frame.image)
            boxes.append(frame.boxes[person])
            ids.append(frame.track_ids[person])
            sequences.append(s)
    if not frames:
        raise MarionnetteError(f"{folder} has no {'held-out' if held_out else 'training'} sequences to cut crops from")
    return crops_from_tracks(frames, boxes, ids, sequences, size=size)
