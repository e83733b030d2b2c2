"""The puppet: drive the character with a body in front of a camera, frame by frame.

The motion spine, joined here (perception and body never import each other)::

    source ─▶ MediaPipe Pose ─▶ MediaPipe-33 → canonical ─▶ One-Euro ─▶ IK (mink) ─▶ body camera
    (webcam, video,          (world landmarks, metres)    (filter)     (retarget)   (render)
     images, virtual)

:class:`Puppet` is the pipeline, one frame at a time (``puppet.step(t, image)``) or over a
source (``puppet.stream(source)``). Each :class:`PuppetFrame` holds the canonical joints,
the avatar's ``qpos`` and, when rendering, the view: the camera image with the captured
skeleton drawn over it beside the avatar. A frame with no person holds the avatar's last
pose and is marked by confidence 0. :func:`run` is ``marionnette puppet``: the view live
in a window and/or streamed into an MP4 (one frame in memory at a time), the motion kept
(:meth:`PuppetRun.sequence`, a canonical :class:`~marionnette.motion.PoseSequence`).
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import mujoco
import numpy as np

from marionnette.body import BodyCamera, Character, Retargeter, VirtualCamera
from marionnette.body.clips import clip_qpos
from marionnette.motion import CANONICAL, MEDIAPIPE_33, PoseSequence, find_mapping
from marionnette.motion.geometry import kabsch, rotate_about_x
from marionnette.perception.pose import CaptureConfig, FrameSource, OneEuro, PoseCapture, draw_pose, open_source
from marionnette.perception.pose.backend import import_cv2
from marionnette.runs import write_video

WINDOW_TITLE = "marionnette puppet (Esc to stop)"
_ESC = 27  # cv2.waitKey's code for the Escape key


@dataclass
class PuppetConfig:
    """Settings of :class:`Puppet`."""

    filter: bool = True
    """One-Euro filtering of the canonical joints before retargeting."""
    static_images: bool = False
    """Capture each frame on its own (MediaPipe's static_image_mode): for unrelated images."""
    avatar_camera: str = "front"
    """The body camera that films the avatar: ``front`` faces it like a mirror image of the webcam."""
    ground: bool = True
    """Keep the avatar's feet on the floor (captured world landmarks are hip-centred)."""
    calibrate: bool = True
    """Take the first frame with a person as a neutral stance (standing straight, facing the
    camera) and remove the forward/backward lean MediaPipe reads into it from every frame.
    On the character's own renders MediaPipe tilts an upright body by ~14 degrees (head
    forward, feet back), whatever the camera's height or pitch; a VTuber tracker's
    calibration pose does the same job."""
    avatar_size: tuple[int, int] = (480, 360)
    """(height, width) of the avatar panel; the camera image is scaled to the same height."""
    verbose: bool = False
    """Let MediaPipe's native log lines (TensorFlow Lite, absl) reach stderr; kept off it by default."""


@dataclass
class PuppetFrame:
    """One frame through the pipeline."""

    timestamp: float  # seconds, the source frame's
    found: bool  # a person was found; if not, confidence is 0 and the avatar held its pose
    positions: np.ndarray  # (16, 3) canonical, metres, y up (filtered when the filter is on)
    confidence: np.ndarray  # (16,)
    qpos: np.ndarray  # (nq,) the avatar's pose
    view: np.ndarray | None  # (H, W_image + W_avatar, 3): overlay beside avatar (None when not rendering)


class Puppet:
    """The pipeline, one frame at a time: ``puppet.step(t, image) -> PuppetFrame``.

    :param config: the settings (:class:`PuppetConfig`).
    :param fps: the source's frame rate (the One-Euro filter's nominal rate).
    :param render: render the avatar and compose the view; ``False`` for motion only.

    Holds MediaPipe's graph and a renderer: :meth:`close` it, or use ``with Puppet() as puppet:``.
    """

    def __init__(self, config: PuppetConfig | None = None, fps: float = 30.0, render: bool = True):
        self.config = config or PuppetConfig()
        self.character = Character()
        self.data = mujoco.MjData(self.character.model)
        capture = CaptureConfig(static_image_mode=self.config.static_images, verbose=self.config.verbose)
        self.capture = PoseCapture(capture)
        self.mapping = find_mapping(MEDIAPIPE_33, CANONICAL)
        self.filter = OneEuro(len(CANONICAL.joints), fps) if self.config.filter else None
        self.retargeter = Retargeter(self.character, ground=self.config.ground)
        h, w = self.config.avatar_size
        self.camera = BodyCamera(self.character.model, self.config.avatar_camera, w, h) if render else None
        self.qpos = self.character.standing_qpos.copy()
        self.standing = self.character.forward_kinematics(self.qpos).positions[0]  # (16, 3)
        self.pitch: float | None = None if self.config.calibrate else 0.0  # radians, about +x (the left)

    def step(self, timestamp: float, image: np.ndarray) -> PuppetFrame:
        """Capture, filter and retarget one RGB ``image`` (H, W, 3) uint8; render when rendering."""
        capture = self.capture.process(image, timestamp)
        positions, confidence = self.mapping.apply(capture.world[None], capture.visibility[None])
        positions, confidence = positions[0], confidence[0]  # (16, 3), (16,)
        if capture.found and self.pitch is None:
            self.pitch = lean(positions, confidence, self.standing)
        if self.pitch:
            positions = rotate_about_x(positions, -self.pitch)
        if self.filter is not None:
            positions = self.filter(positions, timestamp, confidence)
        if capture.found:  # no person: the avatar holds its last pose
            if self.config.static_images:
                self.retargeter.reset()  # unrelated images: no previous pose to start from
            self.qpos = self.retargeter.solve_frame(positions, confidence)
        view = None
        if self.camera is not None:
            self.data.qpos[:] = self.qpos
            mujoco.mj_forward(self.character.model, self.data)  # bodies and the cameras that follow them
            avatar = self.camera.render(self.data)
            view = side_by_side(draw_pose(image, capture) if capture.found else _no_person(image), avatar)
        return PuppetFrame(timestamp, capture.found, positions, confidence, self.qpos.copy(), view)

    def stream(
        self, frames: Iterable[tuple[float, np.ndarray]], max_frames: int | None = None
    ) -> Iterator[PuppetFrame]:
        """:meth:`step` over ``(timestamp, image)`` pairs (a source), lazily; at most ``max_frames``
        (the source is not read past them)."""
        for t, image in itertools.islice(frames, max_frames):
            yield self.step(t, image)

    def close(self) -> None:
        self.capture.close()
        if self.camera is not None:
            self.camera.close()

    def __enter__(self) -> Puppet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def lean(positions: np.ndarray, confidence: np.ndarray, upright: np.ndarray) -> float:
    """The pitch (radians, about +x) that best turns ``upright`` (16, 3) into ``positions``,
    both about their pelvis: Kabsch in the y-z plane (:func:`~marionnette.motion.geometry.kabsch`)."""
    seen = (confidence > 0.5) & np.isfinite(positions).all(axis=1)  # (16,)
    if not seen[0]:  # no pelvis to turn about
        return 0.0
    p = (positions - positions[0])[seen][:, 1:]  # (n, 2): y, z
    u = (upright - upright[0])[seen][:, 1:]
    rotation = kabsch(u, p).rotation  # (2, 2): [[cos, -sin], [sin, cos]]
    return float(np.arctan2(rotation[1, 0], rotation[0, 0]))


def side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left`` scaled to ``right``'s height, then both side by side (widths rounded to 16 for H.264)."""
    cv2 = import_cv2()
    h = right.shape[0]
    w = round(left.shape[1] * h / left.shape[0])
    left = cv2.resize(left, (w, h), interpolation=cv2.INTER_AREA) if left.shape[0] != h else left
    view = np.concatenate([left, right], axis=1)
    pad = (-view.shape[1]) % 16
    return np.pad(view, ((0, 0), (0, pad), (0, 0))) if pad else view


def _no_person(image: np.ndarray) -> np.ndarray:
    cv2 = import_cv2()
    marked = image.copy()
    cv2.putText(marked, "no person", (12, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 80, 80), 2, cv2.LINE_AA)
    return marked


def virtual_source(spec: str, fps: float = 30.0) -> VirtualCamera:
    """``virtual`` or ``virtual:CLIP``: the character itself, filmed by its front camera while it
    plays one of the project's clips (``marionnette.body.clips``; ``wave`` by default)."""
    name = spec.partition(":")[2] or "wave"
    character = Character()
    return VirtualCamera(character, clip_qpos(name, fps=fps), fps=fps, camera="front")


def open_any_source(spec: str) -> FrameSource:
    """:func:`~marionnette.perception.pose.open_source`'s specs, and ``virtual[:CLIP]`` (:func:`virtual_source`)."""
    if spec == "virtual" or spec.startswith("virtual:"):
        return virtual_source(spec)
    return open_source(spec)


def sequence_of(frames: Sequence[PuppetFrame], fps: float) -> PoseSequence:
    """The frames' motion as a canonical :class:`~marionnette.motion.PoseSequence`: frame ``t``
    is ``frames[t]``; a joint with confidence 0 is NaN there."""
    J = len(CANONICAL)
    positions = np.array([f.positions for f in frames], np.float32).reshape(-1, J, 3)  # (T, 16, 3)
    confidence = np.array([f.confidence for f in frames], np.float32).reshape(-1, J)  # (T, 16)
    positions = np.where(confidence[..., None] > 0, positions, np.nan).astype(np.float32)
    return PoseSequence(positions=positions, confidence=confidence, fps=fps, skeleton=CANONICAL)


@dataclass(frozen=True)
class PuppetRun:
    """What :func:`run` did."""

    frames: list[PuppetFrame]  # every frame that went through, views dropped
    fps: float  # the source's frame rate
    seconds: float  # wall-clock time of the loop (capture, retarget, render, show, encode), not the set-up
    video: Path | None  # the MP4 written, if any

    @property
    def found(self) -> int:
        """How many frames had a person in them."""
        return sum(f.found for f in self.frames)

    @property
    def rate(self) -> float:
        """Frames per second through the whole loop."""
        return len(self.frames) / self.seconds if self.seconds > 0 else float("inf")

    def sequence(self) -> PoseSequence:
        """The captured motion (:func:`sequence_of`)."""
        return sequence_of(self.frames, self.fps)


def has_display() -> bool:
    """Whether a window can open: an X11 or Wayland display is set."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def show(view: np.ndarray, title: str = WINDOW_TITLE) -> bool:
    """Show an RGB ``view`` in the live window; ``False`` once Esc is pressed."""
    cv2 = import_cv2()
    cv2.imshow(title, view[..., ::-1])
    return cv2.waitKey(1) != _ESC


def run(
    source: str | os.PathLike | FrameSource,
    config: PuppetConfig | None = None,
    *,
    out: str | os.PathLike | None = None,
    window: bool = False,
    max_frames: int | None = None,
) -> PuppetRun:
    """The puppet over a whole source: each view shown in a window and/or written to ``out``.

    :param source: a spec for :func:`open_any_source` (``webcam``, a video, a folder,
        ``virtual:wave``) or a source.
    :param out: an MP4 to stream the views into (frame by frame: a long video never sits
        in memory); ``None`` writes none.
    :param window: show the views live; Esc stops the run.
    :param max_frames: stop after this many frames.
    :returns: the :class:`PuppetRun`; its frames keep the motion, not the images.
    """
    frames = open_any_source(os.fspath(source)) if isinstance(source, str | os.PathLike) else source
    fps = float(getattr(frames, "fps", 30.0))
    kept: list[PuppetFrame] = []
    seconds = 0.0

    def views() -> Iterator[np.ndarray]:
        nonlocal seconds
        with Puppet(config, fps=fps) as pipeline:
            started = time.perf_counter()
            for frame in pipeline.stream(frames, max_frames):
                kept.append(replace(frame, view=None))
                if window and not show(frame.view):
                    break
                yield frame.view
            seconds = time.perf_counter() - started

    if out is not None:
        out = write_video(out, views(), fps)
    else:
        for _ in views():
            pass
    return PuppetRun(kept, fps, seconds, None if out is None else Path(out))
