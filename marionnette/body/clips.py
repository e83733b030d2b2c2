"""The character's own reference clips: short keyframed motions made on its joints.

Motion imitation needs reference clips that the body can actually perform, and tests need
them offline. These are made on the character itself, so their joint angles are known
exactly (no retargeting) and always inside the joint limits:

=========  =========  ==============================================================
name       seconds    motion
=========  =========  ==============================================================
``wave``   3.6        the right arm rises to the side, the forearm waves three times
                      across the frontal plane, the arm comes back down
``squat``  3.0        a squat to a pelvis height of about 0.6 m, heels down, trunk
                      leaning forward and arms reaching forward for balance, and back up
``march``  3.2        marching in place: the weight shifts over one foot, the other knee
                      rises to hip height with the opposite arm swinging forward, then
                      the other side
``reach``  3.2        the right arm reaches forward and up, the trunk turning with it,
                      then the left arm
``walk``   1.1        one stride of walking forward at about 1.1 m/s: each leg's hip,
                      knee and ankle follow the sagittal angles of an adult's gait
                      (after Winter's gait tables, simplified), the left half a cycle
                      behind the right, the arms swinging against the legs
=========  =========  ==============================================================

How a clip is made
    Each clip is a list of keyframes (time, hinge angles in degrees; hinges not named are
    0, the standing pose). Angles between two keyframes follow a half cosine, so each
    keyframe is passed with zero velocity and the motion is smooth; keyframes inside the
    limits give frames inside the limits. Every clip starts and ends in the standing pose,
    so a clip is one period of a cycle: ``seconds`` longer than the clip plays it again.

    The root (free joint) is never keyframed: it is placed on every frame by forward
    kinematics so that the feet stay on the floor. The pelvis stays upright (identity
    orientation); its height puts the lowest ankle at the standing ankle height (0.105 m,
    the feet 1 cm above the floor as in the zero pose), and it slides horizontally so that
    the supporting ankle keeps its standing place (both ankles' mean when they are level,
    the lower one when a foot is lifted, blended over ``_SUPPORT_BLEND`` of height).

Travelling clips (``walk``)
    A stride is a cycle that does not start standing: its first and last keyframes are the
    same pose, angles follow a periodic cubic spline through the keyframes (smooth across
    the loop too, where half cosines would stop every joint at every keyframe), and the
    root is *carried*: each frame it moves so that the supporting ankle stays where it is
    on the floor, so the body travels as the legs swing. ``seconds`` longer than a stride
    keeps walking; :func:`stride` is how far one stride carries the root.

Shapes: :func:`clip_qpos` gives ``(T, nq)`` qpos of the :class:`~marionnette.body.Character`
(frame ``k`` at ``k / fps`` seconds), :func:`clip` the same motion as a canonical
:class:`~marionnette.motion.PoseSequence` (its forward kinematics).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.interpolate import CubicSpline

from marionnette.body.character import Character
from marionnette.errors import MarionnetteError
from marionnette.motion import CanonicalJoint, PoseSequence

_SUPPORT_BLEND = 0.0005  # metres of ankle height over which support moves from one foot to the other
_ANKLES = (CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE)


class Keyframe(NamedTuple):
    """A pose at a time of a clip."""

    time: float  # seconds from the clip's start
    pose: tuple[tuple[str, float], ...]  # (hinge name, degrees) pairs; hinges not named are 0


class ClipSpec(NamedTuple):
    """A built-in clip: a name, one line about it, its keyframes in time order."""

    name: str
    description: str
    keyframes: tuple[Keyframe, ...]  # the first at time 0, the last at the clip's duration
    travels: bool = False  # a locomotion cycle: spline angles, the root carried by the planted foot

    @property
    def duration(self) -> float:
        return self.keyframes[-1].time


def _pose(**degrees: float) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(degrees.items()))


def _both(**degrees: float) -> dict[str, float]:
    """The same angles on both sides: ``hip_flex=70`` -> left and right hip flexion 70."""
    return {f"{side}_{joint}": value for joint, value in degrees.items() for side in ("left", "right")}


_STAND = _pose()

# wave: the right upper arm a little above horizontal out to the side (abduction 100),
# turned so that the elbow bends upwards (twist 90); the forearm swings between leaning
# out (elbow 45) and leaning over the head (elbow 105).
_ARM_UP = {"right_shoulder_abduct": 100.0, "right_shoulder_twist": 90.0}
_WAVE = ClipSpec(
    "wave",
    "right arm waves while standing",
    (
        Keyframe(0.0, _STAND),
        Keyframe(0.8, _pose(**_ARM_UP, right_elbow=75.0)),
        Keyframe(1.0, _pose(**_ARM_UP, right_elbow=45.0)),
        Keyframe(1.4, _pose(**_ARM_UP, right_elbow=105.0)),
        Keyframe(1.8, _pose(**_ARM_UP, right_elbow=45.0)),
        Keyframe(2.2, _pose(**_ARM_UP, right_elbow=105.0)),
        Keyframe(2.6, _pose(**_ARM_UP, right_elbow=45.0)),
        Keyframe(2.8, _pose(**_ARM_UP, right_elbow=75.0)),
        Keyframe(3.6, _STAND),
    ),
)

# squat: ankle flexion = hip - knee keeps the feet flat; the shins lean forward 28 degrees,
# the trunk 40 and the arms reach forward, so the centre of mass stays over the feet.
_LOW = _pose(**_both(hip_flex=72.0, knee=100.0, ankle_flex=-28.0, shoulder_flex=90.0), spine_flex=40.0)
_SQUAT = ClipSpec(
    "squat",
    "squat down, heels on the floor, arms forward, and stand up",
    (
        Keyframe(0.0, _STAND),
        Keyframe(0.3, _STAND),
        Keyframe(1.3, _LOW),
        Keyframe(1.7, _LOW),
        Keyframe(2.7, _STAND),
        Keyframe(3.0, _STAND),
    ),
)


def _march_side(stance: str) -> tuple[dict[str, float], dict[str, float]]:
    """(weight over the ``stance`` foot, the other knee up) for marching."""
    swing = "right" if stance == "left" else "left"
    # Both legs lean 6 degrees so that the pelvis moves 9 cm over the stance foot (feet flat).
    shift = {
        f"{stance}_hip_abduct": -6.0,
        f"{stance}_ankle_invert": 6.0,
        f"{swing}_hip_abduct": 6.0,
        f"{swing}_ankle_invert": -6.0,
    }
    up = {
        **shift,
        f"{swing}_hip_flex": 70.0,
        f"{swing}_knee": 80.0,
        f"{swing}_ankle_flex": 10.0,
        f"{stance}_shoulder_flex": 35.0,  # the arm opposite the raised knee swings forward
        f"{swing}_shoulder_flex": -25.0,
        "left_elbow": 30.0,
        "right_elbow": 30.0,
    }
    return shift, up


_LEFT_SHIFT, _RIGHT_KNEE_UP = _march_side("left")
_RIGHT_SHIFT, _LEFT_KNEE_UP = _march_side("right")
_MARCH = ClipSpec(
    "march",
    "march in place: weight over one foot, the other knee up, then the other side",
    (
        Keyframe(0.0, _STAND),
        Keyframe(0.5, _pose(**_LEFT_SHIFT)),
        Keyframe(0.9, _pose(**_RIGHT_KNEE_UP)),
        Keyframe(1.3, _pose(**_LEFT_SHIFT)),
        Keyframe(1.9, _pose(**_RIGHT_SHIFT)),
        Keyframe(2.3, _pose(**_LEFT_KNEE_UP)),
        Keyframe(2.7, _pose(**_RIGHT_SHIFT)),
        Keyframe(3.2, _STAND),
    ),
)

_REACH = ClipSpec(
    "reach",
    "reach forward and up with the right arm, then with the left",
    (
        Keyframe(0.0, _STAND),
        Keyframe(1.0, _pose(right_shoulder_flex=130.0, right_elbow=10.0, spine_twist=15.0, spine_flex=10.0)),
        Keyframe(1.6, _STAND),
        Keyframe(2.6, _pose(left_shoulder_flex=130.0, left_elbow=10.0, spine_twist=-15.0, spine_flex=10.0)),
        Keyframe(3.2, _STAND),
    ),
)

# walk: the right leg's sagittal angles (degrees) at each tenth of a stride from its heel
# strike (after Winter, "Biomechanics and Motor Control of Human Movement", adult gait at a
# natural cadence, rounded): the hip flexes 28 and extends 10, the knee takes the loading
# bend (15) and the swing bend (60), the ankle (+ toes down here) dorsiflexes through
# stance and pushes off at toe-off (60%). The left leg is half a stride behind; each arm
# swings with the opposite leg.
_STRIDE = 1.1  # seconds: about 109 steps a minute
_GAIT_HIP = (25.0, 22.0, 15.0, 6.0, -3.0, -10.0, -6.0, 12.0, 26.0, 28.0)
_GAIT_KNEE = (5.0, 15.0, 12.0, 6.0, 4.0, 8.0, 35.0, 60.0, 45.0, 15.0)
_GAIT_ANKLE = (0.0, 5.0, -2.0, -6.0, -10.0, -8.0, 12.0, 8.0, 0.0, -3.0)
_SWAY = 3.0  # degrees of hip ab/adduction that carry the pelvis over the stance foot


def _gait(k: int) -> tuple[tuple[str, float], ...]:
    """The walking pose at the ``k``-th tenth of a stride (``k`` mod 10)."""
    right, left = k % 10, (k + 5) % 10
    angles: dict[str, float] = {"left_elbow": 20.0, "right_elbow": 20.0}
    for side, i in (("right", right), ("left", left)):
        angles |= {
            f"{side}_hip_flex": _GAIT_HIP[i],
            f"{side}_knee": _GAIT_KNEE[i],
            f"{side}_ankle_flex": _GAIT_ANKLE[i],
        }
    # The pelvis sways over the stance foot (about 4 cm each way): both hips lean by the same
    # angle, toward the right foot as it takes the weight (its mid-stance is at 0.3), and
    # the ankles tilt back so that the feet stay flat.
    sway = _SWAY * np.cos(2 * np.pi * (k % 10 - 3) / 10)  # degrees, + toward the right foot
    angles |= {
        "left_hip_abduct": sway,
        "right_hip_abduct": -sway,
        "left_ankle_invert": -sway,
        "right_ankle_invert": sway,
    }
    # Each arm swings about 25 degrees peak to peak, forward as the opposite hip flexes.
    angles["right_shoulder_flex"] = 0.7 * (_GAIT_HIP[left] - 9.0)
    angles["left_shoulder_flex"] = 0.7 * (_GAIT_HIP[right] - 9.0)
    return _pose(**angles)


_WALK = ClipSpec(
    "walk",
    "walk forward: one stride, the left leg half a stride behind the right",
    tuple(Keyframe(round(k * _STRIDE / 10, 6), _gait(k)) for k in range(11)),
    travels=True,
)

SPECS: tuple[ClipSpec, ...] = (_WAVE, _SQUAT, _MARCH, _REACH, _WALK)
CLIPS: tuple[str, ...] = tuple(spec.name for spec in SPECS)
"""The built-in clips' names."""


def spec(name: str) -> ClipSpec:
    """The built-in clip ``name``; a one-line error listing them for any other name."""
    found = next((s for s in SPECS if s.name == name), None)
    if found is None:
        raise MarionnetteError(f"unknown clip {name!r}: the built-in clips are {', '.join(CLIPS)}")
    return found


def _hinge_angles(clip: ClipSpec, times: np.ndarray, character: Character) -> np.ndarray:
    """``(T, 26)`` radians at ``times`` (seconds within the clip), half-cosine between keyframes."""
    names = character.joint_names
    keys = np.zeros((len(clip.keyframes), len(names)))  # (K, 26) radians
    for k, frame in enumerate(clip.keyframes):
        for joint, degrees in frame.pose:
            if joint not in names:
                raise MarionnetteError(f"clip {clip.name!r} keyframes a hinge {joint!r} the character does not have")
            keys[k, names.index(joint)] = np.radians(degrees)
    key_times = np.array([frame.time for frame in clip.keyframes])  # (K,)
    if clip.travels:  # a cycle: smooth through every keyframe and across the loop
        return CubicSpline(key_times, keys, axis=0, bc_type="periodic")(times)
    segment = np.clip(np.searchsorted(key_times, times, side="right") - 1, 0, len(key_times) - 2)  # (T,)
    span = key_times[segment + 1] - key_times[segment]
    s = np.clip((times - key_times[segment]) / span, 0.0, 1.0)  # (T,) progress through the segment
    w = (0.5 - 0.5 * np.cos(np.pi * s))[:, None]  # (T, 1) half cosine: zero velocity at keyframes
    return (1 - w) * keys[segment] + w * keys[segment + 1]


def _place_root(qpos: np.ndarray, character: Character, travels: bool = False) -> None:
    """Set the root of every frame of ``qpos (T, nq)`` in place so that the feet stay on
    the floor (see the module docstring); ``travels``: carried by the supporting foot."""
    standing = character.forward_kinematics(character.standing_qpos).positions[0]  # (16, 3) y up
    stand_ankles = standing[list(_ANKLES)].astype(np.float64)  # (2, 3)
    ankles = character.forward_kinematics(qpos).positions[:, list(_ANKLES)].astype(np.float64)  # (T, 2, 3)
    height = ankles[..., 1]  # (T, 2)
    # Support weight of the left foot: 1/2 when level, -> 1 as the right foot rises above it.
    left = 1.0 / (1.0 + np.exp(-np.clip((height[:, 1] - height[:, 0]) / _SUPPORT_BLEND, -50, 50)))  # (T,)
    weights = np.stack([left, 1.0 - left], axis=1)[..., None]  # (T, 2, 1)
    if travels:  # each frame undoes the supporting ankle's move relative to the pelvis
        support = (weights[1:] + weights[:-1]) / 2  # (T-1, 2, 1) over each frame's interval
        carried = -(np.diff(ankles, axis=0) * support).sum(axis=1)  # (T-1, 3)
        slide = np.concatenate([np.zeros((1, 3)), np.cumsum(carried, axis=0)])  # (T, 3)
    else:
        slide = ((stand_ankles - ankles) * weights).sum(axis=1)  # (T, 3) motion frame: x left, z forward
    lift = stand_ankles[0, 1] - height.min(axis=1)  # (T,) the lowest ankle to standing height
    # Motion (x left, y up, z forward) -> MuJoCo (x forward, y left, z up) root offsets.
    qpos[:, 0] = character.standing_qpos[0] + slide[:, 2]
    qpos[:, 1] = character.standing_qpos[1] + slide[:, 0]
    qpos[:, 2] = character.standing_qpos[2] + lift


def clip_qpos(
    name: str | ClipSpec, fps: float = 50.0, seconds: float | None = None, character: Character | None = None
) -> np.ndarray:
    """``(T, nq)`` qpos of the built-in clip ``name`` on the character, ``T = round(seconds * fps)``.

    :param name: one of :data:`CLIPS`, or a :class:`ClipSpec` of one's own (keyframes on the
        character's hinges, inside their limits: :mod:`marionnette.datasets.actions` makes
        its performances so).
    :param fps: frames per second; frame ``k`` is the pose at ``k / fps`` seconds.
    :param seconds: length; ``None`` is the clip's own (one performance, the frame at its
        end, equal to the first, left out), a longer one plays it again from the start.
    :param character: the body (a new :class:`Character` when ``None``).
    """
    found = name if isinstance(name, ClipSpec) else spec(name)
    fps = float(fps)
    if not np.isfinite(fps) or fps <= 0:
        raise MarionnetteError(f"clip fps is {fps!r}: give a positive number of frames per second")
    seconds = found.duration if seconds is None else float(seconds)
    frames = round(seconds * fps)
    if not np.isfinite(seconds) or frames < 2:
        raise MarionnetteError(f"clip of {seconds!r} s at {fps:g} fps has under 2 frames: ask for a longer clip")
    character = Character() if character is None else character
    times = np.arange(frames) / fps % found.duration  # (T,) seconds within the clip
    qpos = np.tile(character.standing_qpos, (frames, 1))  # (T, nq)
    qpos[:, character.hinge_qpos] = _hinge_angles(found, times, character)
    _place_root(qpos, character, found.travels)
    return qpos


def clip(
    name: str, fps: float = 50.0, seconds: float | None = None, character: Character | None = None
) -> PoseSequence:
    """The built-in clip ``name`` as a canonical :class:`PoseSequence` (forward kinematics of
    :func:`clip_qpos`, same arguments)."""
    character = Character() if character is None else character
    return character.forward_kinematics(clip_qpos(name, fps, seconds, character), fps=fps)


def stride(name: str, fps: float = 50.0, character: Character | None = None) -> np.ndarray:
    """``(2,)`` metres (MuJoCo x forward, y left) the root of clip ``name`` moves over one
    performance at ``fps``: from its first frame to the frame after its last, where the
    next performance starts. Zero for a clip that stays in place; ``walk`` travels."""
    found = spec(name)
    if not found.travels:
        return np.zeros(2)
    qpos = clip_qpos(name, fps, found.duration + 1 / float(fps), character)  # one frame more
    return qpos[-1, :2] - qpos[0, :2]


__all__ = ["CLIPS", "SPECS", "ClipSpec", "Keyframe", "clip", "clip_qpos", "spec", "stride"]
