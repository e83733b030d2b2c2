"""Pose capture: MediaPipe Pose (BlazePose) on RGB images, one :class:`Capture` per image.

:class:`PoseCapture` runs MediaPipe's legacy ``solutions.pose`` at
``model_complexity=1`` (the one model its wheel ships; see
:mod:`~marionnette.perception.pose.backend`). It finds at most one person per image.

Coordinates of a :class:`Capture`
    ``pixels``  ``(33, 2)`` image landmarks in pixels: x to the image's right, y down,
    ``(0, 0)`` the top-left corner of the image, ``(W, H)`` the bottom-right one.
    Landmarks may lie outside the image (MediaPipe guesses joints it cannot see).

    ``world``  ``(33, 3)`` metres in marionnette's motion frame, origin at the hip centre:
    y up, the person's own left along +x, their forward along +z. MediaPipe's world
    landmarks have the same origin but x to the image's right, y down and z away from the
    camera; for a person facing the camera (their forward is towards it, their left is on
    the image's right) that frame turned half a turn about x is ours::

        motion = (x_mp, -y_mp, -z_mp)        # WORLD_FROM_MEDIAPIPE, a rotation (det +1)

    ``visibility``  ``(33,)`` in ``[0, 1]``: MediaPipe's estimate that the landmark is in
    the image and not hidden. It becomes the :class:`~marionnette.motion.PoseSequence`'s
    confidence.

A frame with no person gives ``found=False``, NaN positions and visibility 0, never an
exception. :func:`to_sequence` stacks captures into a ``PoseSequence`` on
:data:`~marionnette.motion.MEDIAPIPE_33` (``.to(CANONICAL)`` maps it onto the canonical
body); :func:`draw_pose` draws a capture over its image (the puppet view).

Tracking (``static_image_mode=False``, for webcams and videos) runs the person detector
only until it finds someone and then follows them from frame to frame with the landmark
model alone, which is faster and steadier; independent photos want
``static_image_mode=True``, which detects afresh in every image.

Keeping the person (``CaptureConfig.keep_person``, streams only)
    MediaPipe follows one person, and when it loses them (they leave, someone walks in
    front) its detector picks whoever scores best: in a street, a passer-by. Each person
    found is told from the person followed by their torso in the image (the shoulders' and
    hips' midpoints give a centre and a length, steady whatever the arms do), against the
    followed person's as last seen. Someone else's centre is more than ``max_jump`` torso
    lengths away (per frame since the followed person was seen, at most
    :data:`MAX_REACH`), or their torso is 1.5 times as long or short, or they are nearer
    the last someone else seen. The image is then searched again by a second MediaPipe
    Pose in still-image mode, everything but a window around the followed person's last
    place blanked; if they are not there the frame counts as no person (``found=False``,
    ``other_person=True``). After ``forget_after`` seconds without them, the next person
    found is followed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.motion import MEDIAPIPE_33, MediaPipeJoint, PoseSequence
from marionnette.perception.pose.backend import MODEL_COMPLEXITY, import_cv2, import_mediapipe
from marionnette.perception.pose.quiet import quiet_stderr

J = len(MEDIAPIPE_33)  # 33 landmarks
WORLD_FROM_MEDIAPIPE = np.diag([1.0, -1.0, -1.0])  # (3, 3): MediaPipe world axes -> motion axes (y up, +z forward)

POSE_CONNECTIONS: frozenset[tuple[MediaPipeJoint, MediaPipeJoint]] = frozenset(
    (MediaPipeJoint[a], MediaPipeJoint[b])
    for a, b in (
        ("NOSE", "LEFT_EYE_INNER"),
        ("LEFT_EYE_INNER", "LEFT_EYE"),
        ("LEFT_EYE", "LEFT_EYE_OUTER"),
        ("LEFT_EYE_OUTER", "LEFT_EAR"),
        ("NOSE", "RIGHT_EYE_INNER"),
        ("RIGHT_EYE_INNER", "RIGHT_EYE"),
        ("RIGHT_EYE", "RIGHT_EYE_OUTER"),
        ("RIGHT_EYE_OUTER", "RIGHT_EAR"),
        ("MOUTH_LEFT", "MOUTH_RIGHT"),
        ("LEFT_SHOULDER", "RIGHT_SHOULDER"),
        ("LEFT_SHOULDER", "LEFT_ELBOW"),
        ("LEFT_ELBOW", "LEFT_WRIST"),
        ("LEFT_WRIST", "LEFT_PINKY"),
        ("LEFT_WRIST", "LEFT_INDEX"),
        ("LEFT_WRIST", "LEFT_THUMB"),
        ("LEFT_PINKY", "LEFT_INDEX"),
        ("RIGHT_SHOULDER", "RIGHT_ELBOW"),
        ("RIGHT_ELBOW", "RIGHT_WRIST"),
        ("RIGHT_WRIST", "RIGHT_PINKY"),
        ("RIGHT_WRIST", "RIGHT_INDEX"),
        ("RIGHT_WRIST", "RIGHT_THUMB"),
        ("RIGHT_PINKY", "RIGHT_INDEX"),
        ("LEFT_SHOULDER", "LEFT_HIP"),
        ("RIGHT_SHOULDER", "RIGHT_HIP"),
        ("LEFT_HIP", "RIGHT_HIP"),
        ("LEFT_HIP", "LEFT_KNEE"),
        ("LEFT_KNEE", "LEFT_ANKLE"),
        ("LEFT_ANKLE", "LEFT_HEEL"),
        ("LEFT_ANKLE", "LEFT_FOOT_INDEX"),
        ("LEFT_HEEL", "LEFT_FOOT_INDEX"),
        ("RIGHT_HIP", "RIGHT_KNEE"),
        ("RIGHT_KNEE", "RIGHT_ANKLE"),
        ("RIGHT_ANKLE", "RIGHT_HEEL"),
        ("RIGHT_ANKLE", "RIGHT_FOOT_INDEX"),
        ("RIGHT_HEEL", "RIGHT_FOOT_INDEX"),
    )
)
"""The 35 lines MediaPipe draws between landmarks (its ``POSE_CONNECTIONS``, as joints)."""

# Keeping the person followed (see the module docstring).
MAX_REACH = 2.0  # torso lengths: the farthest a person may turn up from where they were last seen
_MAX_GROWTH = 1.5  # a torso 1.5 times as long (or short) as a frame before is someone else's
_SEARCH_ABOVE, _SEARCH_BELOW, _SEARCH_SIDE = 2.5, 3.5, 3.0  # torso lengths of the window searched about its centre
_TORSO_INDEX = np.array(
    [MediaPipeJoint[f"{side}_{part}"] for part in ("SHOULDER", "HIP") for side in ("LEFT", "RIGHT")]
)

# Overlay colours, RGB: the person's left in orange, their right in blue, the middle in white.
LEFT_COLOUR = (255, 140, 0)
RIGHT_COLOUR = (0, 170, 255)
MIDDLE_COLOUR = (235, 235, 235)


@dataclass(frozen=True, eq=False)
class Capture:
    """What pose capture saw in one image; coordinates in this module's docstring."""

    timestamp: float  # seconds, the source frame's
    found: bool  # whether a person was found; if not, positions are NaN and visibility 0
    pixels: np.ndarray  # (33, 2) float32 image landmarks, pixels (x right, y down)
    visibility: np.ndarray  # (33,) float32 in [0, 1]
    world: np.ndarray  # (33, 3) float32 metres, motion frame (y up, person's left +x, forward +z), hip-centred
    image_size: tuple[int, int]  # (H, W) of the image it came from
    other_person: bool = False  # found=False because the one person found was not the one followed

    @classmethod
    def missing(cls, timestamp: float, image_size: tuple[int, int], other_person: bool = False) -> Capture:
        """The capture of an image with no person in it (or, ``other_person``, none but someone else)."""
        return cls(
            timestamp=float(timestamp),
            found=False,
            pixels=np.full((J, 2), np.nan, dtype=np.float32),
            visibility=np.zeros(J, dtype=np.float32),
            world=np.full((J, 3), np.nan, dtype=np.float32),
            image_size=image_size,
            other_person=other_person,
        )


class Torso(NamedTuple):
    """Where a person's torso is in the image: what tells one person from another."""

    centre: np.ndarray  # (2,) pixels, the mean of both shoulders and both hips
    length: float  # pixels from the shoulders' midpoint to the hips' midpoint

    @classmethod
    def of(cls, capture: Capture) -> Torso | None:
        """The torso of a found capture; ``None`` for none (or a torso of no length)."""
        if not capture.found:
            return None
        points = capture.pixels[_TORSO_INDEX]  # (4, 2): left and right shoulder, left and right hip
        if not np.isfinite(points).all():
            return None
        shoulders, hips = points[0] + points[1], points[2] + points[3]  # (2,) twice the midpoints
        length = 0.5 * math.hypot(*(shoulders - hips).tolist())
        return cls((shoulders + hips).astype(np.float64) / 4, length) if length > 0 else None


@dataclass
class CaptureConfig:
    """Settings of :class:`PoseCapture` (MediaPipe Pose's own, with its defaults)."""

    static_image_mode: bool = False
    """False for streams (webcam, video): detect once, then track from frame to frame.
    True for independent images: detect in every image."""
    min_detection_confidence: float = 0.5
    """The person detector's score, in [0, 1], above which a person counts as found."""
    min_tracking_confidence: float = 0.5
    """The landmark model's score, in [0, 1], below which tracking is lost and the next
    frame runs the detector again (streams only)."""
    smooth_landmarks: bool = True
    """MediaPipe's own filtering of landmarks across frames (streams only); our One-Euro
    filter (:mod:`~marionnette.perception.pose.filters`) can smooth further."""
    keep_person: bool = True
    """Streams only: keep to the person first found; someone else found instead counts as
    no person (the module docstring says how one is told from the other)."""
    max_jump: float = 0.5
    """Torso lengths the person followed may move in the image from one frame to the next
    (0.5: 25 cm a frame, 7 m/s at 30 fps), at most :data:`MAX_REACH` after frames without them."""
    forget_after: float | None = 3.0
    """Seconds without the person followed after which the next person found is followed
    instead; ``None`` waits for them for ever."""
    verbose: bool = False
    """Let MediaPipe's native log lines (TensorFlow Lite, absl) reach stderr; by default
    they are kept off it (:mod:`~marionnette.perception.pose.quiet`)."""

    def __post_init__(self) -> None:
        for name in ("min_detection_confidence", "min_tracking_confidence"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise MarionnetteError(f"{name} is {value!r}: give a score between 0 and 1 (MediaPipe's default 0.5)")
        if not (math.isfinite(self.max_jump) and self.max_jump > 0):
            raise MarionnetteError(
                f"max_jump is {self.max_jump!r}: give the torso lengths a person moves in a frame (> 0)"
            )
        if self.forget_after is not None and not self.forget_after >= 0:
            raise MarionnetteError(f"forget_after is {self.forget_after!r}: give seconds >= 0, or None for ever")


class PoseCapture:
    """MediaPipe Pose on RGB images, one :class:`Capture` each.

    :param config: the settings (:class:`CaptureConfig`); the defaults track a stream.

    Raises :class:`~marionnette.errors.MarionnetteError` at construction when MediaPipe or
    its pose model files are missing. MediaPipe's native log lines are dropped unless
    ``config.verbose`` (:mod:`~marionnette.perception.pose.quiet`). Holds a MediaPipe graph
    (threads, model buffers): :meth:`close` it, or use ``with PoseCapture() as capture:``.
    """

    def __init__(self, config: CaptureConfig | None = None) -> None:
        self.config = CaptureConfig() if config is None else config
        self._pose = self._open(self.config.static_image_mode)
        self._search: Any = None  # still-image Pose searching around the person followed, opened when first needed
        self._followed: Torso | None = None  # the person followed, as last seen
        self._seen_at = -math.inf  # their timestamp then, seconds
        self._missed = 0  # frames since
        self._other: Torso | None = None  # the last person found who was someone else

    def _open(self, static_image_mode: bool) -> Any:
        """A MediaPipe ``solutions.pose.Pose`` with this capture's settings, its models loaded."""
        with self._native_log():
            mp = import_mediapipe()
            pose = mp.solutions.pose.Pose(
                static_image_mode=static_image_mode,
                model_complexity=MODEL_COMPLEXITY,
                smooth_landmarks=self.config.smooth_landmarks,
                enable_segmentation=False,
                min_detection_confidence=self.config.min_detection_confidence,
                min_tracking_confidence=self.config.min_tracking_confidence,
            )
            # The graph opens its models on worker threads after Pose() returns, and they log
            # as they do: wait for them here, inside the quiet block (mediapipe's own attribute).
            pose._graph.wait_until_idle()
        return pose

    def _native_log(self):
        """The block MediaPipe runs in: its native stderr lines dropped unless ``verbose``."""
        return quiet_stderr(not self.config.verbose)

    def process(self, image: np.ndarray, timestamp: float = 0.0) -> Capture:
        """Find the person in ``image``.

        :param image: ``(H, W, 3)`` uint8 RGB (what every :class:`~.sources.FrameSource`
            yields; convert OpenCV's BGR first).
        :param timestamp: seconds, copied into the capture. In tracking mode images must
            come in time order: MediaPipe's filters assume 30 fps between calls.
        :raises MarionnetteError: the image is not ``(H, W, 3)`` uint8.
        :returns: the :class:`Capture`; ``found=False`` when no person is in the image, or
            (``keep_person``) only someone other than the person followed.
        """
        if not isinstance(image, np.ndarray) or image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
            what = f"{image.dtype} {image.shape}" if isinstance(image, np.ndarray) else type(image).__name__
            raise MarionnetteError(f"pose capture takes an RGB image of shape (H, W, 3) uint8, got {what}")
        capture = self._run(self._pose, image, timestamp)
        if self.config.static_image_mode or not self.config.keep_person:
            return capture
        forget = self.config.forget_after
        if forget is not None and timestamp - self._seen_at > forget:
            self._followed = self._other = None  # gone too long: whoever comes next is followed
        torso = Torso.of(capture)
        if capture.found and not self._is_followed(torso):
            self._other = torso
            capture, torso = self._search_around(image, timestamp)  # someone else: are they still there?
        if capture.found:
            self._followed, self._seen_at, self._missed = torso, float(timestamp), 0
        else:
            self._missed += 1
        return capture

    def _run(self, pose: Any, image: np.ndarray, timestamp: float) -> Capture:
        """One MediaPipe call on ``image`` (H, W, 3) uint8."""
        H, W = image.shape[:2]
        with self._native_log():
            result = pose.process(np.ascontiguousarray(image))
        if result.pose_landmarks is None or result.pose_world_landmarks is None:
            return Capture.missing(timestamp, (H, W))
        landmarks = result.pose_landmarks.landmark  # normalised: x / W, y / H, z, visibility
        world = result.pose_world_landmarks.landmark  # metres, hip-centred, MediaPipe axes
        pixels = np.array([(p.x * W, p.y * H) for p in landmarks], dtype=np.float32)  # (33, 2)
        visibility = np.clip(np.array([p.visibility for p in landmarks], dtype=np.float32), 0.0, 1.0)  # (33,)
        world_mp = np.array([(p.x, p.y, p.z) for p in world], dtype=np.float64)  # (33, 3)
        return Capture(
            timestamp=float(timestamp),
            found=True,
            pixels=pixels,
            visibility=visibility,
            world=(world_mp @ WORLD_FROM_MEDIAPIPE.T).astype(np.float32),
            image_size=(H, W),
        )

    def _is_followed(self, torso: Torso | None) -> bool:
        """Whether the person of ``torso`` is the person followed (anyone is, before the first)."""
        if self._followed is None:
            return True
        if torso is None:
            return False
        last, other = self._followed, self._other
        reach = min(self.config.max_jump * (1 + self._missed), MAX_REACH)  # torso lengths
        away = math.hypot(*(torso.centre - last.centre).tolist()) / last.length  # torso lengths
        if away > reach or not 1 / _MAX_GROWTH <= torso.length / last.length <= _MAX_GROWTH:
            return False
        return other is None or math.hypot(*(torso.centre - other.centre).tolist()) / other.length >= away

    def _search_around(self, image: np.ndarray, timestamp: float) -> tuple[Capture, Torso | None]:
        """The person followed, searched for in a window around their last place (the rest of
        the image blanked, its size kept: MediaPipe's detector finds our character in 100%
        of such windows, in 49-80% of crops of them), and their torso; :meth:`Capture.missing`
        with ``other_person`` when they are not there."""
        H, W = image.shape[:2]
        (cx, cy), length = self._followed
        x0, x1 = max(0, round(cx - _SEARCH_SIDE * length)), min(W, round(cx + _SEARCH_SIDE * length))
        y0, y1 = max(0, round(cy - _SEARCH_ABOVE * length)), min(H, round(cy + _SEARCH_BELOW * length))
        if x1 > x0 and y1 > y0:
            window = np.empty_like(image)  # (H, W, 3)
            window[:] = image[::8, ::8].mean(axis=(0, 1)).astype(np.uint8)  # the image's mean colour
            window[y0:y1, x0:x1] = image[y0:y1, x0:x1]
            if self._search is None:
                self._search = self._open(static_image_mode=True)
            found = self._run(self._search, window, timestamp)
            torso = Torso.of(found)
            if found.found and self._is_followed(torso):
                return found, torso
        return Capture.missing(timestamp, (H, W), other_person=True), None

    def close(self) -> None:
        with self._native_log():
            self._pose.close()
            if self._search is not None:
                self._search.close()

    def __enter__(self) -> PoseCapture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def to_sequence(captures: Sequence[Capture], fps: float) -> PoseSequence:
    """Stack captures into a :class:`~marionnette.motion.PoseSequence` on ``MEDIAPIPE_33``.

    :param captures: in time order; capture ``t`` becomes frame ``t`` (at ``t / fps``,
        whatever its timestamp).
    :param fps: the source's frame rate (``source.fps``).

    Positions are the world landmarks (metres, y up, hip-centred); confidence is the
    visibility, 0 with NaN positions in frames where no person was found.
    """
    T = len(captures)
    positions = np.full((T, J, 3), np.nan, dtype=np.float32)  # (T, 33, 3)
    confidence = np.zeros((T, J), dtype=np.float32)  # (T, 33)
    for t, capture in enumerate(captures):
        if capture.found:
            positions[t], confidence[t] = capture.world, capture.visibility
    return PoseSequence(positions, fps, MEDIAPIPE_33, confidence)


def _side_colours() -> list[tuple[int, int, int]]:
    colours = [MIDDLE_COLOUR] * J
    for left, right in MEDIAPIPE_33.mirror:
        colours[left], colours[right] = LEFT_COLOUR, RIGHT_COLOUR
    return colours


def draw_pose(image: np.ndarray, capture: Capture, min_visibility: float = 0.5, thickness: int = 0) -> np.ndarray:
    """``image`` with ``capture``'s skeleton drawn over it (a copy; ``image`` is untouched).

    :param image: ``(H, W, 3)`` uint8, RGB (the colours assume RGB).
    :param capture: drawn in ``image``'s pixels, scaled if its ``image_size`` differs.
    :param min_visibility: landmarks less visible than this are not drawn, nor are lines
        touching them.
    :param thickness: line width in pixels; 0 picks one from the image size.

    Lines follow :data:`POSE_CONNECTIONS`: the person's left in orange, their right in
    blue, lines across the body in white. Nothing is drawn when ``capture.found`` is False.
    """
    cv2 = import_cv2()
    out = np.array(image, dtype=np.uint8, copy=True)  # (H, W, 3)
    if not capture.found:
        return out
    H, W = out.shape[:2]
    scale = np.array([W / capture.image_size[1], H / capture.image_size[0]])  # (2,) x, y
    points = capture.pixels * scale  # (33, 2)
    shown = (capture.visibility >= min_visibility) & np.isfinite(points).all(axis=1)  # (33,)
    thickness = thickness or max(1, round(min(H, W) / 240))
    colours = _side_colours()

    def at(j: int) -> tuple[int, int]:
        x, y = points[j]
        return int(round(float(x))), int(round(float(y)))

    for a, b in sorted(POSE_CONNECTIONS):
        if shown[a] and shown[b]:
            colour = colours[a] if colours[a] == colours[b] else MIDDLE_COLOUR
            cv2.line(out, at(a), at(b), colour, thickness, cv2.LINE_AA)
    radius = thickness + max(1, math.ceil(thickness / 2))
    for j in np.flatnonzero(shown):
        cv2.circle(out, at(int(j)), radius, colours[j], -1, cv2.LINE_AA)
    return out
