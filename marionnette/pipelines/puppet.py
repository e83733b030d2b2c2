"""The puppet: drive the character with a body in front of a camera, frame by frame.

The motion spine, joined here (perception and body never import each other)::

    source ─▶ MediaPipe Pose ─▶ MediaPipe-33 → canonical ─▶ One-Euro ─▶ IK (mink) ─▶ avatar
    (webcam, video,          (world landmarks, metres)    (filter)     (retarget)   (render or sketch)
     images, virtual)

:class:`Puppet` is the pipeline, one frame at a time (``puppet.step(t, image)``) or over a
source (``puppet.stream(source)``). Each :class:`PuppetFrame` holds the canonical joints
as captured, the avatar's ``qpos`` and, when rendering, the view: the camera image with the
captured skeleton drawn over it beside the avatar. A frame with no person (or, in a
stream, only someone other than the person followed: ``CaptureConfig.keep_person``)
holds the avatar's last pose (stands, among still images) and is marked by confidence 0.

The avatar: MuJoCo's renderer or the sketch
    :attr:`PuppetConfig.avatar` picks who draws the avatar: MuJoCo's renderer
    (:class:`~marionnette.body.BodyCamera`) or the sketch
    (:class:`~marionnette.body.sketch.SketchCamera`: the character's capsules and spheres
    projected and filled with OpenCV, ~1 ms a frame). Software OpenGL (Mesa's llvmpipe, on
    a machine without a GPU) takes 14-30 ms a frame at any size, which more than doubled the
    loop's cost (``scripts/bench_pose.py``); ``auto``, the default, asks the OpenGL context
    for its renderer and takes the sketch where it is a software one
    (:func:`~marionnette.body.sketch.open_avatar`).

Streams and still images
    A stream (webcam, video, the frames of one video in a folder) is tracked: MediaPipe
    follows the person, the One-Euro filter and the retargeter carry from frame to frame,
    the first frame calibrates the lean (:attr:`PuppetConfig.calibrate`) and the avatar
    may travel with its supporting foot (:attr:`PuppetConfig.travel`). Still images
    (a folder of unrelated photos, by default) are each taken on their own: MediaPipe's
    still-image mode, no filter, the retargeter reset per image, no calibration, no travel.
    :attr:`PuppetConfig.static_images` picks one; by default the source says
    (:func:`~marionnette.perception.pose.holds_still_images`).

What the avatar does with hip-centred landmarks
    MediaPipe's world landmarks put the hips' midpoint at the origin in every frame: no
    height above the floor, no travel. The retargeter grounds each frame (its lowest ankle
    at the character's standing ankle height, ``Retargeter(ground=True)``), so the avatar
    stands on the floor but walks on the spot. :attr:`PuppetConfig.travel` reads the
    travel off the feet instead: the avatar's supporting foot (the lower ankle, blended
    over :data:`SUPPORT_BLEND`) stays where it is on the floor and carries the root, as
    the travelling clips of :mod:`marionnette.body.clips` are carried. It is off by
    default because MediaPipe's depth is weak: measured on the character's renders of the
    ``walk`` clip (2.2 s, 2.15 m forward), the carry recovers 1.06 m seen from the side
    (the ``track`` camera) but 0.18 m seen from the front, while 6 s of motion on the spot
    (``wave``, ``squat``, ``march``, ``reach``) end 3-14 cm from where they started seen
    from the front (up to 23 cm on the way), 8-11 cm seen from the side (up to 34 cm).

:func:`run` is ``marionnette puppet``: the view live in a window and/or streamed into an
MP4 (one frame in memory at a time, every view one size: a camera image of another size is
letterboxed into the first one's panel), the motion kept: :meth:`PuppetRun.motion` is the
avatar's (its forward kinematics: grounded, on the character's skeleton, travelling with
``travel``), :meth:`PuppetRun.captured` the capture's (hip-centred, as MediaPipe gave it). A failure
anywhere in the loop closes MediaPipe, the renderer and the video writer before it goes on
(no partial MP4 is left).
"""

from __future__ import annotations

import contextlib
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
from marionnette.body.sketch import SketchCamera, check_avatar, open_avatar
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, MEDIAPIPE_33, CanonicalJoint, PoseSequence, find_mapping
from marionnette.motion.geometry import kabsch, rotate_about_x
from marionnette.perception.pose import (
    Capture,
    CaptureConfig,
    FrameSource,
    OneEuro,
    PoseCapture,
    draw_pose,
    holds_still_images,
    letterbox,
    open_source,
)
from marionnette.perception.pose.backend import import_cv2
from marionnette.runs import write_video

WINDOW_TITLE = "marionnette puppet (Esc to stop)"
_ESC = 27  # cv2.waitKey's code for the Escape key
SUPPORT_BLEND = 0.005  # metres of ankle height over which the support moves from one foot to the other
_ANKLES = (CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE)


@dataclass
class PuppetConfig:
    """Settings of :class:`Puppet`."""

    filter: bool = True
    """One-Euro filtering of the canonical joints before retargeting (streams only)."""
    static_images: bool | None = None
    """``True``: each frame is a photo of its own (MediaPipe's static_image_mode, no filter,
    no calibration, no travel, the retargeter reset per image). ``False``: a stream, tracked.
    ``None``: as the source says (:func:`run`, :func:`~marionnette.pipelines.capture.capture`;
    a folder of images is still images unless opened as video frames); a :class:`Puppet`
    made directly takes ``None`` for a stream."""
    avatar_camera: str = "front"
    """The body camera that films the avatar: ``front`` faces it like a mirror image of the webcam."""
    ground: bool = True
    """Keep the avatar's feet on the floor, frame by frame (captured world landmarks are hip-centred)."""
    travel: bool = False
    """Carry the avatar across the floor with its supporting foot (streams only): the
    capture is hip-centred, so the travel is read off the feet. Half a walk's travel seen
    from the side, a tenth seen from the front, some drift on the spot (the module
    docstring has the numbers)."""
    calibrate: bool = True
    """Take the first frame with a person as a neutral stance (standing straight, facing the
    camera) and remove the forward/backward lean MediaPipe reads into it from every frame
    (streams only). On the character's own renders MediaPipe tilts an upright body by ~14
    degrees (head forward, feet back), whatever the camera's height or pitch; a VTuber
    tracker's calibration pose does the same job."""
    keep_person: bool = True
    """Keep to the person first found in a stream; frames showing only someone else count
    as no person (``CaptureConfig.keep_person``)."""
    avatar_size: tuple[int, int] = (480, 360)
    """(height, width) of the avatar panel; the camera image is scaled to the same height."""
    avatar: str = "auto"
    """Who draws the avatar (:data:`~marionnette.body.sketch.AVATARS`): ``mujoco`` (MuJoCo's
    renderer), ``sketch`` (OpenCV from the character's geometry, no OpenGL) or ``auto``:
    MuJoCo's where a GPU renders, else the sketch (the module docstring says why)."""
    verbose: bool = False
    """Let MediaPipe's native log lines (TensorFlow Lite, absl) reach stderr; kept off it by default."""

    def __post_init__(self) -> None:
        check_avatar(self.avatar)  # an unknown avatar is one line, before anything opens


@dataclass
class PuppetFrame:
    """One frame through the pipeline."""

    timestamp: float  # seconds, the source frame's
    found: bool  # the person was found; if not, confidence is 0 and the avatar held its pose (stood, in a still)
    positions: np.ndarray  # (16, 3) canonical, metres, y up, hip-centred as captured (filtered when filtering)
    confidence: np.ndarray  # (16,)
    qpos: np.ndarray  # (nq,) the avatar's pose
    view: np.ndarray | None  # (H, W_image + W_avatar, 3): overlay beside avatar (None when not rendering)
    other_person: bool = False  # not found because only someone else was (CaptureConfig.keep_person)


class Puppet:
    """The pipeline, one frame at a time: ``puppet.step(t, image) -> PuppetFrame``.

    :param config: the settings (:class:`PuppetConfig`).
    :param fps: the source's frame rate (the One-Euro filter's nominal rate).
    :param render: render the avatar and compose the view; ``False`` for motion only.

    Holds MediaPipe's graph and a renderer: :meth:`close` it, or use ``with Puppet() as puppet:``.
    :attr:`avatar` says who draws the avatar (``mujoco`` or ``sketch``; ``None`` when not rendering).
    """

    def __init__(self, config: PuppetConfig | None = None, fps: float = 30.0, render: bool = True):
        self.config = config or PuppetConfig()
        self.still = bool(self.config.static_images)  # None: a stream
        self.character = Character()
        self.data = mujoco.MjData(self.character.model)
        self.mapping = find_mapping(MEDIAPIPE_33, CANONICAL)
        self.filter = OneEuro(len(CANONICAL.joints), fps) if self.config.filter and not self.still else None
        self.retargeter = Retargeter(self.character, ground=self.config.ground)
        h, w = self.config.avatar_size
        self.camera: BodyCamera | SketchCamera | None = None
        if render:
            self.camera = open_avatar(self.character.model, self.config.avatar, self.config.avatar_camera, w, h)
        self.avatar = None if self.camera is None else "sketch" if isinstance(self.camera, SketchCamera) else "mujoco"
        self.qpos = self.character.standing_qpos.copy()
        self.standing = self.character.forward_kinematics(self.qpos).positions[0]  # (16, 3)
        calibrate = self.config.calibrate and not self.still
        self.pitch: float | None = None if calibrate else 0.0  # radians, about +x (the left)
        self.travel = self.config.travel and not self.still
        self.carried = np.zeros(2)  # MuJoCo (x forward, y left) metres the supporting foot has carried the root
        self._ankle_ids = self.character.body_ids[list(_ANKLES)]  # (2,)
        self._feet: tuple[np.ndarray, np.ndarray] | None = None  # last frame's ankles (2, 2) and their support (2,)
        self._panel: tuple[int, int] | None = None  # (H, W) of the camera panel of the view: the first one's
        capture = CaptureConfig(
            static_image_mode=self.still, keep_person=self.config.keep_person, verbose=self.config.verbose
        )
        try:
            self.capture = PoseCapture(capture)
        except BaseException:  # no MediaPipe: the renderer opened above is not left behind
            if self.camera is not None:
                self.camera.close()
            raise

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
        if capture.found:
            if self.still:
                self.retargeter.reset()  # unrelated images: no previous pose to start from
            qpos = self.retargeter.solve_frame(positions, confidence)
            self.qpos = self._carry(qpos) if self.travel else qpos
        elif self.still:  # a photo with nobody: the avatar stands (it has no last pose to hold)
            self.qpos = self.character.standing_qpos.copy()
        view = None
        if self.camera is not None:
            self.data.qpos[:] = self.qpos
            mujoco.mj_forward(self.character.model, self.data)  # bodies and the cameras that follow them
            avatar = self.camera.render(self.data)
            left = draw_pose(image, capture) if capture.found else _no_person(image, capture)
            if self._panel is None:
                h = avatar.shape[0]
                self._panel = (h, round(image.shape[1] * h / image.shape[0]))
            view = side_by_side(letterbox(left, self._panel), avatar)
        return PuppetFrame(
            timestamp, capture.found, positions, confidence, self.qpos.copy(), view, capture.other_person
        )

    def _carry(self, qpos: np.ndarray) -> np.ndarray:
        """``qpos`` (hip-centred, grounded) moved across the floor by the supporting foot: the
        ankles' horizontal move since the last frame, weighted by their support, is undone."""
        self.data.qpos[:] = qpos
        mujoco.mj_kinematics(self.character.model, self.data)
        ankles = self.data.xpos[self._ankle_ids]  # (2, 3) MuJoCo: x forward, y left, z up
        rise = np.clip((ankles[1, 2] - ankles[0, 2]) / SUPPORT_BLEND, -50.0, 50.0)  # the right foot over the left
        left = 1.0 / (1.0 + np.exp(-rise))  # the left foot's share of the support: 1/2 when level
        support = np.array([left, 1.0 - left])  # (2,)
        if self._feet is not None:
            last, last_support = self._feet
            share = (support + last_support) / 2  # (2,) over the frame's interval
            self.carried = self.carried - (share[:, None] * (ankles[:, :2] - last)).sum(axis=0)
        self._feet = (ankles[:, :2].copy(), support)
        qpos = qpos.copy()
        qpos[self.character.root_position_qpos] += [*self.carried, 0.0]
        return qpos

    def stream(
        self, frames: Iterable[tuple[float, np.ndarray]], max_frames: int | None = None
    ) -> Iterator[PuppetFrame]:
        """:meth:`step` over ``(timestamp, image)`` pairs (a source), lazily; at most ``max_frames``
        (the source is not read past them)."""
        for t, image in itertools.islice(frames, max_frames):
            yield self.step(t, image)

    def close(self) -> None:
        try:
            self.capture.close()
        finally:
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
    width = w + right.shape[1]
    view = np.zeros((h, width + (-width) % 16, *right.shape[2:]), np.result_type(left, right))  # one copy, padded
    view[:, :w] = left
    view[:, w:width] = right
    return view


def _no_person(image: np.ndarray, capture: Capture) -> np.ndarray:
    cv2 = import_cv2()
    marked = image.copy()
    text = "someone else" if capture.other_person else "no person"
    scale = max(0.5, min(image.shape[:2]) / 480)
    at = (round(12 * scale), round(36 * scale))
    cv2.putText(marked, text, at, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 80, 80), round(2 * scale), cv2.LINE_AA)
    return marked


def virtual_source(spec: str, fps: float = 30.0) -> VirtualCamera:
    """``virtual`` or ``virtual:CLIP``: the character itself, filmed by its front camera while it
    plays one of the project's clips (``marionnette.body.clips``; ``wave`` by default)."""
    name = spec.partition(":")[2] or "wave"
    character = Character()
    return VirtualCamera(character, clip_qpos(name, fps=fps), fps=fps, camera="front")


def open_any_source(spec: str, video_frames: bool = False) -> FrameSource:
    """:func:`~marionnette.perception.pose.open_source`'s specs (a folder as still images
    unless ``video_frames``), and ``virtual[:CLIP]`` (:func:`virtual_source`)."""
    if spec == "virtual" or spec.startswith("virtual:"):
        return virtual_source(spec)
    return open_source(spec, video_frames=video_frames)


def for_source(config: PuppetConfig | None, source: object) -> PuppetConfig:
    """``config`` with ``static_images`` decided: as given, else as ``source`` says."""
    config = PuppetConfig() if config is None else config
    if config.static_images is None:
        config = replace(config, static_images=holds_still_images(source))
    return config


def sequence_of(frames: Sequence[PuppetFrame], fps: float) -> PoseSequence:
    """The frames' capture as a canonical :class:`~marionnette.motion.PoseSequence`
    (hip-centred, as MediaPipe gave it, filtered when filtering): frame ``t`` is
    ``frames[t]``; a joint with confidence 0 is NaN there."""
    J = len(CANONICAL)
    positions = np.array([f.positions for f in frames], np.float32).reshape(-1, J, 3)  # (T, 16, 3)
    confidence = np.array([f.confidence for f in frames], np.float32).reshape(-1, J)  # (T, 16)
    positions = np.where(confidence[..., None] > 0, positions, np.nan).astype(np.float32)
    return PoseSequence(positions=positions, confidence=confidence, fps=fps, skeleton=CANONICAL)


def motion_of(frames: Sequence[PuppetFrame], character: Character, fps: float) -> PoseSequence:
    """The avatar's motion in the frames: the forward kinematics of their ``qpos`` (the
    character's skeleton, grounded; travelling with ``PuppetConfig.travel``), a canonical
    :class:`~marionnette.motion.PoseSequence`. Every position is where the avatar was; a
    frame where it held its pose (no person) has confidence 0."""
    J = len(CANONICAL)
    qpos = np.array([f.qpos for f in frames], np.float64).reshape(-1, character.model.nq)  # (T, nq)
    seq = character.forward_kinematics(qpos, fps=fps)
    found = np.array([f.found for f in frames], bool)  # (T,)
    confidence = np.repeat(found[:, None], J, axis=1).astype(np.float32)  # (T, 16)
    return PoseSequence(positions=seq.positions, fps=fps, skeleton=CANONICAL, confidence=confidence)


@dataclass(frozen=True)
class PuppetRun:
    """What :func:`run` did."""

    frames: list[PuppetFrame]  # every frame that went through, views dropped
    fps: float  # the source's frame rate
    seconds: float  # wall-clock time of the loop (capture, retarget, render, show, encode), not the set-up
    video: Path | None  # the MP4 written, if any
    character: Character  # the body the avatar was
    avatar: str | None = None  # who drew it: mujoco or sketch (Puppet.avatar)

    @property
    def found(self) -> int:
        """How many frames had the person in them."""
        return sum(f.found for f in self.frames)

    @property
    def other_person(self) -> int:
        """How many frames showed only someone other than the person followed."""
        return sum(f.other_person for f in self.frames)

    @property
    def rate(self) -> float:
        """Frames per second through the whole loop."""
        return len(self.frames) / self.seconds if self.seconds > 0 else float("inf")

    def motion(self) -> PoseSequence:
        """The avatar's motion (:func:`motion_of`): what ``--npz`` and ``--bvh`` save."""
        return motion_of(self.frames, self.character, self.fps)

    def captured(self) -> PoseSequence:
        """The capture (:func:`sequence_of`): hip-centred, what ``--capture-npz`` saves."""
        return sequence_of(self.frames, self.fps)


def has_display() -> bool:
    """Whether a window can open: an X11 or Wayland display is set."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def show(view: np.ndarray, title: str = WINDOW_TITLE) -> bool:
    """Show an RGB ``view`` in the live window; ``False`` once Esc is pressed."""
    cv2 = import_cv2()
    cv2.imshow(title, view[..., ::-1])
    return cv2.waitKey(1) != _ESC


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else "no message"


class _Loop:
    """The frames of one :func:`run` through the pipeline, as views: what it kept and how
    long it took, and whether a failure came from inside (the source, the pipeline)."""

    def __init__(self, puppet: Puppet, frames: Iterable, max_frames: int | None, window: bool):
        self.puppet, self.frames, self.max_frames, self.window = puppet, frames, max_frames, window
        self.kept: list[PuppetFrame] = []
        self.seconds = 0.0
        self.failed = False

    def views(self) -> Iterator[np.ndarray]:
        started = time.perf_counter()
        try:
            for frame in self.puppet.stream(self.frames, self.max_frames):
                self.kept.append(replace(frame, view=None))
                if self.window and not show(frame.view):
                    break
                yield frame.view
        except Exception:
            self.failed = True
            raise
        self.seconds = time.perf_counter() - started


def run(
    source: str | os.PathLike | FrameSource,
    config: PuppetConfig | None = None,
    *,
    out: str | os.PathLike | None = None,
    window: bool = False,
    max_frames: int | None = None,
    video_frames: bool = False,
) -> PuppetRun:
    """The puppet over a whole source: each view shown in a window and/or written to ``out``.

    :param source: a spec for :func:`open_any_source` (``webcam``, a video, a folder,
        ``virtual:wave``) or a source.
    :param config: the settings; ``static_images=None`` (the default) follows the source.
    :param out: an MP4 to stream the views into (frame by frame: a long video never sits
        in memory); ``None`` writes none.
    :param window: show the views live; Esc stops the run.
    :param max_frames: stop after this many frames.
    :param video_frames: a folder given as a spec holds the frames of one video (tracked),
        not still images.
    :raises MarionnetteError: a bad source, or the video could not be written. Whatever
        fails, MediaPipe, the renderer and the writer are closed first and no partial MP4
        is left.
    :returns: the :class:`PuppetRun`; its frames keep the motion, not the images.
    """
    if isinstance(source, str | os.PathLike):
        frames = open_any_source(os.fspath(source), video_frames=video_frames)
    else:
        frames = source
    fps = float(getattr(frames, "fps", 30.0))
    with Puppet(for_source(config, frames), fps=fps) as puppet:
        loop = _Loop(puppet, frames, max_frames, window)
        with contextlib.closing(loop.views()) as views:  # closed here on any failure, never at exit
            if out is None:
                for _ in views:
                    pass
            else:
                try:
                    out = write_video(out, views, fps)
                except OSError as e:
                    if loop.failed:
                        raise
                    raise MarionnetteError(
                        f"{out}: the video could not be written ({type(e).__name__}: {_first_line(e)}); "
                        f"check the disk space and that the folder is writable"
                    ) from e
    video = None if out is None else Path(out)
    return PuppetRun(loop.kept, fps, loop.seconds, video, puppet.character, puppet.avatar)
