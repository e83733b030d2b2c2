"""Motion transfer: a source's motion painted as the target person (Everybody Dance Now), frame by frame.

The pipeline of ``marionnette transfer run``, beside the puppet's::

    source ─▶ 2-D pose ─▶ into the target's frame ─▶ pose normalisation ─▶ stick figure ─▶ G ─▶ view
    (video, webcam,  (MediaPipe, or     (scaled to its height,   (ankle line and scale,  (the run's     (source | figure
     virtual:CLIP,    the motion's       centred)                 Chan et al. §3.3)        size)          | result)
     .bvh, .npz)      exact projection)

Where the poses come from
    A *recording* (a video file, a folder of one video's frames, ``webcam``) goes through
    MediaPipe Pose (:class:`~marionnette.perception.pose.PoseCapture`, tracking the person
    first found), its 33 image landmarks mapped to the model's skeleton (the canonical 16:
    :func:`~marionnette.motion.find_mapping`). A *motion* (``virtual:CLIP`` for a built-in
    clip, a ``.bvh`` or a canonical ``.npz``) is retargeted onto the character
    (:func:`~marionnette.envs.character.reference.reference_qpos`), performed by it in its
    default look (another person than the target's dressed one) and filmed by the target
    video's fixed camera (:func:`marionnette.datasets.dancer.dancer_model` with
    ``dressed=False``); its poses are the exact projections of its joints, at the target
    video's frame rate.

Normalisation needs the whole source
    The paper's normalisation compares the ends of the two videos' ankle ranges
    (:mod:`marionnette.generation.transfer.normalize`), so every pose is read before the
    first frame is painted: a file is read twice (poses, then the images for the view, one
    at a time); a webcam's frames are kept, at the view's size, for the second pass
    (``--max-frames`` bounds them). The target's ends, measured on the training frames of
    its video, are in the run's config.yaml (``target``): the run paints without the video.

Frames with no person
    A frame where pose capture found nobody (or only someone else) is a *gap*: each joint
    is interpolated linearly in time between the frames either side that show it (held at
    the ends), the frame is painted from that pose and flagged: :attr:`TransferRun.filled`
    lists it and its source panel says so. Only a source with nobody in any frame fails.

Bad input gives one line: a model trained on a skeleton the source cannot be mapped to, a
source with no person, an older run (no ``target`` in its config.yaml) whose target video is
gone, an unwritable output.

With a face GAN in the run, each frame's face is corrected at the crop its normalised pose
places (:mod:`marionnette.generation.transfer.face`).
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
from marionnette.motion import CANONICAL, MEDIAPIPE_33, Skeleton, find_mapping
from marionnette.motion.skeleton import BUILTIN_SKELETONS

VIEW_HEIGHT = 256
"""Each panel of the side-by-side view is this many pixels high."""
_FLAG = (255, 80, 80)  # the colour of the "no person" mark


@dataclass
class TransferConfig:
    """Settings of :func:`run`."""

    panel: int = VIEW_HEIGHT
    """Height of each of the view's three panels (source, figure, result), pixels."""
    source_size: int = 256
    """A motion source is filmed in squares of this many pixels."""
    normalize: bool = True
    """Global pose normalisation into the target's frame; off: the source's poses are only
    scaled to the target frame's height and centred."""
    keep_person: bool = True
    """A recording: keep to the person first found (``CaptureConfig.keep_person``)."""
    verbose: bool = False
    """Let MediaPipe's native log lines reach stderr."""


@dataclass
class SourcePoses:
    """A source's 2-D poses in its own images, before anything is filled or moved."""

    name: str
    points: np.ndarray  # (T, J, 2) float32 pixels, x right, y down; NaN where a joint (or the person) was lost
    found: np.ndarray  # (T,) bool: the person was found
    size: tuple[int, int]  # (H, W) of the source's images
    fps: float
    skeleton: Skeleton


@dataclass(frozen=True)
class TransferRun:
    """What :func:`run` did."""

    source: str
    frames: int
    filled: np.ndarray  # (F,) indices of the frames with no person, painted from an interpolated pose
    points: np.ndarray  # (T, J, 2) the poses painted: filled, in the target's frame, normalised
    seconds: float  # wall clock of the painting loop (figure, generator, view, encoding), not the capture
    paint_seconds: float  # of which drawing the figures and running the generator
    video: Path | None

    @property
    def rate(self) -> float:
        """Frames per second through the whole painting loop."""
        return self.frames / self.seconds if self.seconds > 0 else float("inf")

    @property
    def paint_rate(self) -> float:
        """Frames per second of figure + generator alone."""
        return self.frames / self.paint_seconds if self.paint_seconds > 0 else float("inf")


# -- sources -------------------------------------------------------------------------------


def is_motion(spec: str) -> bool:
    """Whether ``spec`` names a motion (``virtual[:CLIP]``, a ``.bvh`` or ``.npz``) rather than a recording."""
    return spec == "virtual" or spec.startswith("virtual:") or Path(spec).suffix.lower() in (".bvh", ".npz")


def motion_source(
    spec: str, fps: float, size: int = 256, max_frames: int | None = None
) -> tuple[SourcePoses, np.ndarray]:
    """``(poses, frames (T, size, size, 3))``: a motion performed by the character in its
    default look, filmed by the target video's camera, with its joints' exact projections."""
    from marionnette.body import Character
    from marionnette.datasets.dancer import DancerConfig, dancer_model, film
    from marionnette.envs.character.reference import reference_qpos

    clip = (spec.partition(":")[2] or "wave") if spec == "virtual" or spec.startswith("virtual:") else spec
    character = Character()
    name, qpos = reference_qpos(clip, fps, character)
    qpos = qpos[:max_frames].copy()
    qpos[:, :2] -= qpos[:, :2].mean(axis=0)  # on the stage's centre, where the target's camera looks
    frames, points = film(dancer_model(DancerConfig(), dressed=False), qpos, size)
    poses = SourcePoses(name, points, np.ones(len(points), bool), (size, size), float(fps), CANONICAL)
    return poses, frames


def captured_source(
    spec: str, skeleton: Skeleton, config: TransferConfig, max_frames: int | None = None
) -> tuple[SourcePoses, list, list[np.ndarray] | None]:
    """``(poses, captures, panels)``: a recording through MediaPipe Pose, its landmarks on
    ``skeleton``. ``panels`` are the frames (at the view's height) when the source cannot be
    read again (a webcam), else None."""
    from marionnette.perception.pose import CaptureConfig, PoseCapture, letterbox, open_source

    source = open_source(spec, video_frames=True)
    mapping = find_mapping(MEDIAPIPE_33, skeleton)
    keep = spec.startswith("webcam")
    captures, panels = [], [] if keep else None
    with PoseCapture(CaptureConfig(keep_person=config.keep_person, verbose=config.verbose)) as pose:
        for t, image in itertools.islice(source, max_frames):
            captures.append(pose.process(image, t))
            if panels is not None:
                h, w = image.shape[:2]
                panels.append(letterbox(image, (config.panel, round(w * config.panel / h))))
    if not captures:
        raise MarionnetteError(f"source {spec!r} gave no frames")
    pixels = np.stack([c.pixels for c in captures])  # (T, 33, 2)
    visibility = np.stack([c.visibility for c in captures])
    points, _ = mapping.apply(pixels, visibility)  # NaN where the person was not found
    found = np.array([c.found for c in captures])
    fps = float(getattr(source, "fps", 30.0))
    return SourcePoses(spec, points, found, captures[0].image_size, fps, skeleton), captures, panels


def captured_target(
    spec: str, size: int = 128, held_out: float = 0.2, config: TransferConfig | None = None,
    max_frames: int | None = None,
):  # fmt: skip
    """A user's own video of the target person as a :class:`~marionnette.generation.transfer.data.TargetVideo`.

    Each frame through MediaPipe Pose (the person first found kept), its landmarks on the
    canonical skeleton; the frame and its pose centre-cropped to a square and scaled to
    ``size``. Frames where nobody was found are dropped, and the video is cut into pieces
    there (no temporal pair spans a gap); the last ``held_out`` of the frames, one piece of
    motion apart from the rest, is held out, as EDN scores on the end of the target video.
    """
    from marionnette.generation.transfer.data import TargetVideo
    from marionnette.perception.pose import letterbox, open_source

    if spec.startswith("webcam"):
        raise MarionnetteError("a target video is trained on at length: record it to a file first, then pass the file")
    if not 0 < held_out < 1:
        raise MarionnetteError(f"held_out {held_out}: give the fraction of the video to hold out, in (0, 1)")
    poses, _, _ = captured_source(spec, CANONICAL, config or TransferConfig(), max_frames)
    kept = np.flatnonzero(poses.found)
    if len(kept) < 10:
        raise MarionnetteError(f"{spec}: a person was found in {len(kept)} of its {len(poses.found)} frames; a target "
                               "video needs one whole person, facing the camera, in most frames")  # fmt: skip
    H, W = poses.size
    side = min(H, W)
    top, left = (H - side) // 2, (W - side) // 2
    frames = []
    for t, (_, image) in enumerate(itertools.islice(open_source(spec, video_frames=True), len(poses.found))):
        if poses.found[t]:
            frames.append(letterbox(image[top : top + side, left : left + side], (size, size)))
    points = (poses.points[kept] - np.array([left, top])) * (size / side)
    piece = np.cumsum(np.r_[0, np.diff(kept) > 1])  # a new piece after every dropped frame
    cut = int(round(len(kept) * (1 - held_out)))
    piece[cut:] = piece[cut - 1] + 1 + piece[cut:] - piece[cut]  # the held-out end starts a piece of its own
    return TargetVideo(np.stack(frames), points.astype(np.float32), np.arange(len(kept)) >= cut, piece, "canonical",
                       poses.fps)  # fmt: skip


# -- poses into the target's frame --------------------------------------------------------


def fill_gaps(points: np.ndarray, name: str = "the source") -> np.ndarray:
    """``(T, J, 2)`` with every NaN joint interpolated linearly in time between the frames
    that show it (held before the first and after the last)."""
    points = np.asarray(points, np.float64)
    seen = np.isfinite(points).all(axis=-1)  # (T, J)
    if not seen.any():
        raise MarionnetteError(f"no person was found in any of the {len(points)} frames of {name}: "
                               "film one whole person, facing the camera")  # fmt: skip
    out = points.copy()
    frames = np.arange(len(points))
    for j in range(points.shape[1]):
        known = seen[:, j]
        if not known.any():
            continue  # never seen: stays lost (the figure leaves it out)
        if not known.all():
            for axis in range(2):
                out[~known, j, axis] = np.interp(frames[~known], frames[known], points[known, j, axis])
    return out


def into_frame(points: np.ndarray, source: tuple[int, int], target: tuple[int, int]) -> np.ndarray:
    """``(T, J, 2)`` source pixels scaled (aspect kept) to the target's height and centred
    across its width: the source image letterboxed into the target's frame."""
    scale = target[0] / source[0]
    shift = (target[1] - source[1] * scale) / 2
    return points * scale + np.array([shift, 0.0])


def check_skeleton(model_skeleton: str, motion: bool) -> Skeleton:
    """The skeleton a source must give for a model trained on ``model_skeleton``; one line when it cannot."""
    found = next((s for s in BUILTIN_SKELETONS if s.name == model_skeleton), None)
    if found not in (CANONICAL, MEDIAPIPE_33):
        raise MarionnetteError(f"the model was trained on {model_skeleton!r} poses, which no source gives: "
                               "train it on a target video with canonical or mediapipe_33 poses")  # fmt: skip
    if motion and found is not CANONICAL:
        raise MarionnetteError(
            f"the model was trained on {model_skeleton} poses and a motion source (virtual:, .bvh, .npz) gives the "
            "canonical 16 joints: use a video source, or train on a target video with canonical poses"
        )
    return found


# -- the view -----------------------------------------------------------------------------


def _to_height(image: np.ndarray, height: int, smooth: bool) -> np.ndarray:
    from PIL import Image

    h, w = image.shape[:2]
    if h == height:
        return image
    resample = Image.Resampling.BILINEAR if smooth else Image.Resampling.NEAREST
    return np.asarray(Image.fromarray(image).resize((round(w * height / h), height), resample))


def _flag(image: np.ndarray, text: str) -> np.ndarray:
    from marionnette.perception.pose.backend import import_cv2

    cv2 = import_cv2()
    marked = image.copy()
    scale = max(0.4, image.shape[0] / 480)
    at = (round(8 * scale), round(28 * scale))
    cv2.putText(marked, text, at, cv2.FONT_HERSHEY_SIMPLEX, scale, _FLAG, max(1, round(2 * scale)), cv2.LINE_AA)
    return marked


def compose(source: np.ndarray, figure: np.ndarray, result: np.ndarray, height: int, filled: bool) -> np.ndarray:
    """The view: source | stick figure | result, each ``height`` high, width padded to 16 (H.264)."""
    left = _to_height(source, height, smooth=True)
    if filled:
        left = _flag(left, "no person: pose filled")
    parts = [left, _to_height(figure, height, smooth=False), _to_height(result, height, smooth=True)]
    view = np.concatenate(parts, axis=1)
    pad = (-view.shape[1]) % 16
    return np.pad(view, ((0, 0), (0, pad), (0, 0))) if pad else view


# -- the whole run ------------------------------------------------------------------------


def target_video(trained):
    """The run's target video, for a run older than config.yaml's ``target`` (which holds what is read of it)."""
    from marionnette.generation.transfer.data import TargetVideo

    path = Path(trained.config.video)
    if not path.is_file():
        raise MarionnetteError(
            f"{path}: the target video this run was trained on is gone and its config.yaml (an older run's) does not "
            "say where the target's feet stand; put the video back there, or pass --no-normalize"
        )
    return TargetVideo.load(path)


def target_points(trained) -> np.ndarray:
    """The training frames' poses of the run's target video (what the target's ankle ends are read from)."""
    video = target_video(trained)
    return video.points[~video.held_out]


def run(
    run_dir: str | os.PathLike,
    source: str,
    out: str | os.PathLike | None = None,
    *,
    config: TransferConfig | None = None,
    max_frames: int | None = None,
    device: str = "cpu",
) -> TransferRun:
    """Paint ``source``'s motion as the target of the transfer run ``run_dir``; the view to ``out`` (MP4).

    :param source: ``virtual[:CLIP]``, a ``.bvh`` or ``.npz`` motion, a video file, a
        folder of one video's frames, ``webcam`` or ``webcam:N``.
    :param max_frames: at most this many frames of the source.
    :raises MarionnetteError: see the module docstring; nothing is written then.
    """
    from marionnette.generation.transfer.figure import draw_figure
    from marionnette.generation.transfer.normalize import FootStats, PoseNormalizer, foot_stats
    from marionnette.generation.transfer.paint import Painter
    from marionnette.generation.transfer.train import load
    from marionnette.perception.pose import draw_pose, open_source
    from marionnette.runs import write_video

    config = config or TransferConfig()
    trained = load(run_dir, device)
    size = tuple(trained.size)
    motion = is_motion(source)
    skeleton = check_skeleton(trained.skeleton, motion)
    captures = panels = None
    if motion:
        fps = float(trained.target["fps"]) if trained.target else target_video(trained).fps
        poses, films = motion_source(source, fps, config.source_size, max_frames)
    else:
        poses, captures, panels = captured_source(source, skeleton, config, max_frames)
    points = into_frame(fill_gaps(poses.points, repr(source)), poses.size, size)
    if config.normalize:
        target = FootStats(**trained.target["feet"]) if trained.target else foot_stats(target_points(trained), skeleton)
        points = PoseNormalizer(skeleton, foot_stats(points, skeleton), target)(points)
    filled = np.flatnonzero(~poses.found)

    def source_images() -> Iterator[np.ndarray]:
        if motion:
            yield from films
        elif panels is not None:
            yield from panels
        else:  # a file: read again, one frame at a time
            for _, image in itertools.islice(open_source(source, video_frames=True), len(poses.points)):
                yield image

    painter = Painter(trained)
    faces = trained.face_corners(points)  # (T, 2) crop corners, None without a face GAN
    painting = [0.0]

    def views() -> Iterator[np.ndarray]:
        for t, image in enumerate(source_images()):
            began = time.perf_counter()
            figure = draw_figure(points[t], skeleton, size)
            result = (painter(figure, t == 0, None if faces is None else faces[t]) * 255).round().astype(np.uint8)
            painting[0] += time.perf_counter() - began
            shown = draw_pose(image, captures[t]) if captures is not None and poses.found[t] else image
            yield compose(shown, figure, result, config.panel, filled=not poses.found[t])

    began = time.perf_counter()
    written = None
    if out is None:
        for _ in views():
            pass
    else:
        try:
            written = write_video(out, views(), poses.fps)
        except OSError as e:
            raise MarionnetteError(f"{out}: the video could not be written ({type(e).__name__}); "
                                   "check the disk space and that the folder is writable") from e  # fmt: skip
    seconds = time.perf_counter() - began
    return TransferRun(source, len(points), filled, points.astype(np.float32), seconds, painting[0], written)


__all__ = [
    "VIEW_HEIGHT",
    "SourcePoses",
    "TransferConfig",
    "TransferRun",
    "captured_source",
    "captured_target",
    "check_skeleton",
    "compose",
    "fill_gaps",
    "into_frame",
    "is_motion",
    "motion_source",
    "run",
    "target_points",
    "target_video",
]
