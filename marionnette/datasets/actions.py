"""A skeleton action dataset the character performs, filmed as Kinect would see it.

NTU RGB+D's protocol on a body we own, so that action recognition trains and tests
offline: performers (subjects) each do every action a few times (replications), three
cameras film each performance at once (views), and the joints are given as Kinect v2 gives
them (25 joints, metres, in each camera's frame), with its noise, its guessed joints and
sequences cut short. :func:`make_actions` returns an
:class:`~marionnette.perception.action.data.ActionData`, saved as one ``actions.npz``
(``marionnette data actions --out DIR``).

The actions (:data:`ACTIONS`, 14): keyframed on the character's hinges with
:mod:`marionnette.body.clips`' machinery (half-cosine keyframes, the root placed by the
feet), in pairs that are easy to confuse:

=============  ============================================================================
``wave``       the arm rises to the side, the forearm waves over the head
``reach``      the arm reaches forward and up, the trunk turning with it, and comes back
``march``      in place, knees to hip height, arms swinging
``walk``       two strides forward
``squat``      down to a pelvis height of ~0.6 m, arms forward, and up
``sit down``   down to a chair's height, trunk upright, and stays seated
``kick``       the leg chambers and kicks forward, toes pointed, arms out
``step``       the leg steps forward, the weight goes onto it, and it steps back
``clap``       both hands meet in front of the chest, four times
``punch``      guard up, then right, left, right punches
``bow``        the trunk bends forward from the hips, arms hanging, and rises
``pick up``    knees and trunk bend, the hand reaches the floor, rises holding it
``turn``       turns round (180 degrees, either way), stepping on the spot
``jump``       crouch, jump up (arms up, feet leave the floor), land, stand
=============  ============================================================================

What varies (all drawn from ``seed``)
    Per subject: bone lengths (height, and trunk, head, shoulder and hip widths, upper
    arms, forearms, thighs, shins, feet, each its own factor), speed, amplitude of the
    movements, handedness (a quarter are left-handed: one-sided actions are mirrored), and
    a style: a stance of their own (trunk lean, head tilt, arms held out, elbows and knees
    a little bent) added to every pose. Per performance: speed and amplitude again
    (smaller), the timing of every keyframe, where the subject stands and which way they
    face (30 degrees either side of view 1), and every hinge wandering slowly beside the
    action (``fidget``: idle arms, head and trunk). Per view: the camera's distance and
    height. Per sequence (Kinect's side): noise on every joint (``noise`` metres, twice
    that in depth) and a bias per joint, joints lost for a few frames (Kinect *infers*
    them: the last position held, with a centimetres-large error; score 0.5), hands and
    feet most often, in a side view the legs swapped for a stretch of 10-30 frames (Kinect
    mistakes one leg for the other when it sees the body from the side), and the start
    and end cut at random (up to ``cut`` of the length each).

The body's joints become Kinect's through
:func:`~marionnette.motion.ntu_from_canonical` (the 16 canonical joints and the toe bases,
the hands extending the forearm: the character has no fingers), the conversion live
recognition applies to a capture.

Cameras: view 1 faces the performer, views 2 and 3 stand 45 degrees to either side, as
NTU's three; the frame is Kinect's (x to the sensor's left, y up, z away from the
sensor). Splits: cross-subject trains on the odd-numbered subjects (half of them),
cross-view on views 2 and 3, as NTU's protocols do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np

from marionnette.body import Character
from marionnette.body.clips import ClipSpec, Keyframe, clip_qpos, spec
from marionnette.errors import MarionnetteError
from marionnette.motion import NTU_25, NTUJoint, ntu_from_canonical
from marionnette.motion.mapping import FootPoint
from marionnette.perception.action.data import ActionData, ntu_name

Pose = dict[str, float]  # hinge name -> degrees


class Action(NamedTuple):
    """One class: its keyframes (degrees on the character's hinges, right-sided where it
    has a side), and what the root does beyond what the feet say."""

    name: str
    keyframes: tuple[tuple[float, Pose], ...]  # (seconds, pose); the first at 0
    one_sided: bool = False  # mirrored for a left-handed subject
    travels: bool = False  # a locomotion cycle (walk): the root carried by the feet
    repeat: int = 1  # cycles performed (walk: two strides)
    turn: float = 0.0  # degrees the body turns about the vertical over the performance
    flight: tuple[float, float] | None = None  # seconds (from, to) the feet leave the floor


def _both(**degrees: float) -> Pose:
    return {f"{side}_{joint}": value for joint, value in degrees.items() for side in ("left", "right")}


def _from_clip(name: str) -> tuple[tuple[float, Pose], ...]:
    return tuple((key.time, dict(key.pose)) for key in spec(name).keyframes)


_GUARD = {**_both(shoulder_flex=45.0, elbow=110.0, shoulder_abduct=10.0)}
_CLAP_OPEN = _both(shoulder_flex=75.0, shoulder_abduct=35.0, elbow=70.0)
_CLAP_SHUT = _both(shoulder_flex=80.0, shoulder_abduct=-5.0, elbow=55.0)
_CROUCH = {**_both(hip_flex=55.0, knee=85.0, ankle_flex=-30.0, shoulder_flex=-35.0), "spine_flex": 25.0}
_UP = _both(ankle_flex=25.0, shoulder_flex=150.0)
_SEATED = {**_both(hip_flex=90.0, knee=90.0, shoulder_flex=10.0, elbow=40.0), "spine_flex": 5.0}
_LOWER = {"right_shoulder_flex": 70.0, "right_elbow": 5.0, "neck_flex": 20.0}
_PICK = {**_both(hip_flex=90.0, knee=80.0, ankle_flex=-15.0), "spine_flex": 55.0, **_LOWER}
_STEP_LEFT = {"left_hip_flex": 30.0, "left_knee": 45.0, "left_ankle_flex": 10.0}
_STEP_RIGHT = {"right_hip_flex": 30.0, "right_knee": 45.0, "right_ankle_flex": 10.0}

ACTIONS: tuple[Action, ...] = (
    Action("wave", _from_clip("wave"), one_sided=True),
    Action(
        "reach",
        (
            (0.0, {}),
            (0.9, {"right_shoulder_flex": 130.0, "right_elbow": 10.0, "spine_twist": 15.0, "spine_flex": 10.0}),
            (1.4, {"right_shoulder_flex": 135.0, "right_elbow": 5.0, "spine_twist": 15.0, "spine_flex": 12.0}),
            (2.3, {}),
        ),
        one_sided=True,
    ),
    Action("march", _from_clip("march")),
    Action("walk", _from_clip("walk"), travels=True, repeat=2),
    Action("squat", _from_clip("squat")),
    Action(
        "sit down",
        (
            (0.0, {}),
            (0.4, {}),
            (1.6, {**_both(hip_flex=95.0, knee=95.0, shoulder_flex=30.0), "spine_flex": 30.0}),
            (2.2, _SEATED),
            (3.0, _SEATED),
        ),
    ),
    Action(
        "kick",
        (
            (0.0, {}),
            (0.5, {"right_hip_flex": 45.0, "right_knee": 90.0, **_both(shoulder_abduct=20.0)}),
            (
                0.75,
                {"right_hip_flex": 80.0, "right_knee": 5.0, "right_ankle_flex": 30.0, **_both(shoulder_abduct=25.0)},
            ),  # fmt: skip
            (1.0, {"right_hip_flex": 45.0, "right_knee": 90.0, **_both(shoulder_abduct=20.0)}),
            (1.6, {}),
        ),
        one_sided=True,
    ),
    Action(
        "step",
        (
            (0.0, {}),
            (0.5, {"right_hip_flex": 30.0, "right_knee": 40.0}),
            (
                0.9,
                {
                    "right_hip_flex": 25.0,
                    "right_knee": 5.0,
                    "left_hip_flex": 8.0,
                    "left_knee": 20.0,
                    "left_ankle_flex": -12.0,
                },
            ),  # fmt: skip
            (
                1.5,
                {
                    "right_hip_flex": 25.0,
                    "right_knee": 8.0,
                    "left_hip_flex": 8.0,
                    "left_knee": 22.0,
                    "left_ankle_flex": -14.0,
                },
            ),  # fmt: skip
            (2.0, {"right_hip_flex": 30.0, "right_knee": 40.0}),
            (2.5, {}),
        ),
        one_sided=True,
    ),
    Action(
        "clap",
        (
            (0.0, {}),
            (0.5, _CLAP_OPEN),
            *((0.7 + 0.4 * k, _CLAP_SHUT) for k in range(4)),
            *((0.9 + 0.4 * k, _CLAP_OPEN) for k in range(3)),
            (2.3, {}),
        ),  # fmt: skip
    ),
    Action(
        "punch",
        (
            (0.0, {}),
            (0.5, _GUARD),
            (0.7, {**_GUARD, "right_shoulder_flex": 90.0, "right_elbow": 0.0, "spine_twist": -15.0}),
            (0.9, _GUARD),
            (1.1, {**_GUARD, "left_shoulder_flex": 90.0, "left_elbow": 0.0, "spine_twist": 15.0}),
            (1.3, _GUARD),
            (1.5, {**_GUARD, "right_shoulder_flex": 90.0, "right_elbow": 0.0, "spine_twist": -15.0}),
            (1.7, _GUARD),
            (2.3, {}),
        ),
    ),
    Action(
        "bow",
        (
            (0.0, {}),
            (1.0, {"spine_flex": 55.0, "neck_flex": 20.0, **_both(hip_flex=35.0, shoulder_flex=10.0)}),
            (1.5, {"spine_flex": 55.0, "neck_flex": 20.0, **_both(hip_flex=35.0, shoulder_flex=10.0)}),
            (2.5, {}),
        ),
    ),
    Action(
        "pick up",
        (
            (0.0, {}),
            (1.1, _PICK),
            (1.5, {**_PICK, "right_elbow": 20.0}),
            (2.6, {"right_shoulder_flex": 20.0, "right_elbow": 80.0}),
            (3.0, {"right_shoulder_flex": 15.0, "right_elbow": 85.0}),
        ),
        one_sided=True,
    ),
    Action(
        "turn",
        (
            (0.0, {}),
            (0.4, _STEP_LEFT),
            (0.8, {}),
            (1.2, _STEP_RIGHT),
            (1.6, {}),
            (2.0, _STEP_LEFT),
            (2.4, {}),
            (2.8, _STEP_RIGHT),
            (3.2, {}),
        ),  # fmt: skip
        turn=180.0,
    ),
    Action(
        "jump",
        ((0.0, {}), (0.5, _CROUCH), (0.75, _UP), (1.15, _UP), (1.4, _CROUCH), (2.0, {})),
        flight=(0.75, 1.15),
    ),
)
CLASSES: tuple[str, ...] = tuple(action.name for action in ACTIONS)
"""The classes' names, in label order."""

_G = 9.81  # m/s^2: a flight of t seconds rises g t^2 / 8
_VIEW_AZIMUTH = (0.0, -45.0, 45.0)  # degrees about the vertical, views 1, 2, 3 (NTU's three)
_SETUP = 1  # NTU's S: one setup


@dataclass(frozen=True)
class ActionConfig:
    """What :func:`make_actions` makes (the module's docstring says what each draws)."""

    subjects: int = 20
    views: int = 3
    replications: int = 2
    fps: float = 30.0
    seed: int = 0
    noise: float = 0.02  # metres: Kinect's joint noise, per coordinate (doubled in depth)
    bias: float = 0.01  # metres: a per-joint offset held over a sequence
    drop: float = 0.015  # per joint and frame: the chance a loss of tracking starts
    cut: float = 0.2  # up to this fraction of a sequence is cut from each end
    fidget: float = 8.0  # degrees: the slow wandering of every hinge beside the action's own motion
    swap: float = 0.3  # the chance that a side view swaps the legs for a stretch (Kinect's left/right confusion)
    left_handed: float = 0.25  # the fraction of left-handed subjects

    def __post_init__(self) -> None:
        if self.subjects < 2:
            raise MarionnetteError(f"subjects {self.subjects}: a cross-subject split needs at least 2")
        if not 1 <= self.views <= len(_VIEW_AZIMUTH):
            raise MarionnetteError(f"views {self.views}: give 1 to {len(_VIEW_AZIMUTH)} (NTU's three cameras)")
        if self.replications < 1:
            raise MarionnetteError(f"replications {self.replications}: give at least 1")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise MarionnetteError(f"fps {self.fps!r}: give a positive rate")
        for name in ("noise", "bias", "drop", "cut", "left_handed", "fidget", "swap"):
            value = getattr(self, name)
            if not (np.isfinite(value) and value >= 0):
                raise MarionnetteError(f"{name} {value!r}: give a number >= 0")
        if self.cut >= 0.5 or self.drop >= 1 or self.left_handed > 1 or self.swap > 1:
            raise MarionnetteError("cut must stay under 0.5, drop under 1, left_handed and swap at most 1")


@dataclass(frozen=True)
class Subject:
    """A performer: a body and a way of moving (drawn by :func:`draw_subject`)."""

    number: int  # 1-based, NTU's P
    bones: dict[str, float]  # bone group -> length factor (see _BONE_GROUPS)
    height: float  # overall scale
    speed: float
    amplitude: float
    left_handed: bool
    stance: dict[str, float]  # hinge -> degrees added to every pose


# Each NTU joint's bone (from its parent) belongs to a group whose length a subject scales.
_BONE_GROUPS: dict[str, tuple[NTUJoint, ...]] = {
    "trunk": (NTUJoint.SPINE_MID, NTUJoint.SPINE_SHOULDER),
    "head": (NTUJoint.NECK, NTUJoint.HEAD),
    "shoulders": (NTUJoint.SHOULDER_LEFT, NTUJoint.SHOULDER_RIGHT),
    "upper_arm": (NTUJoint.ELBOW_LEFT, NTUJoint.ELBOW_RIGHT),
    "forearm": (NTUJoint.WRIST_LEFT, NTUJoint.WRIST_RIGHT, NTUJoint.HAND_LEFT, NTUJoint.HAND_RIGHT,
                NTUJoint.HAND_TIP_LEFT, NTUJoint.HAND_TIP_RIGHT, NTUJoint.THUMB_LEFT, NTUJoint.THUMB_RIGHT),
    "hips": (NTUJoint.HIP_LEFT, NTUJoint.HIP_RIGHT),
    "thigh": (NTUJoint.KNEE_LEFT, NTUJoint.KNEE_RIGHT),
    "shin": (NTUJoint.ANKLE_LEFT, NTUJoint.ANKLE_RIGHT),
    "foot": (NTUJoint.FOOT_LEFT, NTUJoint.FOOT_RIGHT),
}  # fmt: skip
_LEFT_LEG = (NTUJoint.HIP_LEFT, NTUJoint.KNEE_LEFT, NTUJoint.ANKLE_LEFT, NTUJoint.FOOT_LEFT)
_RIGHT_LEG = (NTUJoint.HIP_RIGHT, NTUJoint.KNEE_RIGHT, NTUJoint.ANKLE_RIGHT, NTUJoint.FOOT_RIGHT)
_FEET = [NTUJoint.ANKLE_LEFT, NTUJoint.FOOT_LEFT, NTUJoint.ANKLE_RIGHT, NTUJoint.FOOT_RIGHT]
# Where tracking is lost most: Kinect loses hands and feet first (relative odds).
_DROP_ODDS = np.ones(len(NTUJoint))
_DROP_ODDS[[NTUJoint.HAND_LEFT, NTUJoint.HAND_RIGHT, NTUJoint.HAND_TIP_LEFT, NTUJoint.HAND_TIP_RIGHT,
            NTUJoint.THUMB_LEFT, NTUJoint.THUMB_RIGHT, NTUJoint.WRIST_LEFT, NTUJoint.WRIST_RIGHT,
            NTUJoint.FOOT_LEFT, NTUJoint.FOOT_RIGHT, NTUJoint.ANKLE_LEFT, NTUJoint.ANKLE_RIGHT]] = 3.0  # fmt: skip


def draw_subject(number: int, rng: np.random.Generator, config: ActionConfig) -> Subject:
    """Subject ``number``'s body and style, drawn from ``rng``."""
    stance = {
        "spine_flex": rng.normal(3.0, 4.0),
        "neck_flex": rng.normal(0.0, 6.0),
        "spine_side": rng.normal(0.0, 2.0),
        **_both(shoulder_abduct=rng.uniform(0.0, 12.0), elbow=rng.uniform(0.0, 20.0), knee=rng.uniform(0.0, 8.0)),
    }
    return Subject(
        number=number,
        bones={group: float(np.clip(rng.normal(1.0, 0.05), 0.88, 1.12)) for group in _BONE_GROUPS},
        height=float(np.clip(rng.normal(1.0, 0.07), 0.85, 1.15)),
        speed=float(rng.uniform(0.8, 1.25)),
        amplitude=float(rng.uniform(0.65, 1.15)),
        left_handed=bool(rng.random() < config.left_handed),
        stance={k: float(v) for k, v in stance.items()},
    )


def _mirror(pose: Pose) -> Pose:
    """The same pose on the other side: the character's hinge axes are mirrored left to
    right, so a side's angles carry over as they are; the trunk's and neck's twist and
    side bend change sign."""
    out: Pose = {}
    for joint, value in pose.items():
        if joint.startswith("left_"):
            out["right_" + joint[5:]] = value
        elif joint.startswith("right_"):
            out["left_" + joint[6:]] = value
        elif joint.endswith(("_twist", "_side")):
            out[joint] = -value
        else:
            out[joint] = value
    return out


def _performance_spec(
    action: Action, subject: Subject, rng: np.random.Generator, character: Character
) -> tuple[ClipSpec, float]:
    """``(the keyframes this performance plays, its time scale)``: the action's keyframes
    mirrored for a left-handed subject, amplified, timed and styled as the subject moves
    this time, clipped into the hinges' limits."""
    speed = subject.speed * rng.uniform(0.92, 1.08)
    amplitude = subject.amplitude * rng.uniform(0.9, 1.1)
    times = np.array([t for t, _ in action.keyframes]) / speed
    gaps = np.diff(times)
    inner = times[1:-1] + rng.uniform(-0.15, 0.15, len(times) - 2) * np.minimum(gaps[:-1], gaps[1:])
    if not action.travels:  # a cycle keeps its keys; the others shift theirs
        times[1:-1] = inner
    low, high = np.degrees(character.hinge_range.T)
    names = character.joint_names
    keys = []
    for time, pose in zip(times, (p for _, p in action.keyframes), strict=True):
        pose = _mirror(pose) if action.one_sided and subject.left_handed else pose
        angles = {joint: amplitude * value for joint, value in pose.items()}
        for joint, value in subject.stance.items():
            angles[joint] = angles.get(joint, 0.0) + value
        clipped = {j: float(np.clip(v, low[names.index(j)], high[names.index(j)])) for j, v in angles.items()}
        keys.append(Keyframe(round(float(time), 6), tuple(sorted(clipped.items()))))
    return ClipSpec(action.name, action.name, tuple(keys), travels=action.travels), 1.0 / speed


def _scale_bones(ntu: np.ndarray, subject: Subject) -> np.ndarray:
    """``ntu (T, 25, 3)`` with each bone's length scaled by the subject's factor for its
    group and the whole body by their height, still standing on the floor."""
    factor = np.ones(len(NTUJoint))
    for group, joints in _BONE_GROUPS.items():
        factor[list(joints)] = subject.bones[group]
    out = np.empty_like(ntu)
    for j in NTU_25.order:
        parent = NTU_25.parents[j]
        out[:, j] = ntu[:, j] if parent < 0 else out[:, parent] + factor[j] * (ntu[:, j] - ntu[:, parent])
    root = ntu[:, :1]
    out = root + subject.height * (out - root)
    out[..., 1] += ntu[:, _FEET, 1].min() - out[:, _FEET, 1].min()  # the lowest foot where it was
    return out


def _yaw(points: np.ndarray, degrees: np.ndarray | float, centre: np.ndarray) -> np.ndarray:
    """``points (T, V, 3)`` turned about the vertical through ``centre (T, 3)`` by ``degrees`` (T,)."""
    a = np.radians(np.broadcast_to(degrees, points.shape[:1]))[:, None]  # (T, 1)
    x, z = points[..., 0] - centre[:, None, 0], points[..., 2] - centre[:, None, 2]
    out = points.copy()
    out[..., 0] = centre[:, None, 0] + np.cos(a) * x + np.sin(a) * z
    out[..., 2] = centre[:, None, 2] - np.sin(a) * x + np.cos(a) * z
    return out


def _wander(frames: int, joints: int, fps: float, rng: np.random.Generator, degrees: float) -> np.ndarray:
    """``(frames, joints)`` degrees: slow, smooth wandering (three random sinusoids a joint,
    0.1-0.8 Hz), ``degrees`` at most, what a person's idle arms, head and trunk do."""
    t = np.arange(frames)[:, None] / fps  # (T, 1)
    out = np.zeros((frames, joints))
    for _ in range(3):
        frequency = rng.uniform(0.1, 0.8, joints)
        phase = rng.uniform(0, 2 * np.pi, joints)
        out += rng.uniform(0, 1, joints) * np.sin(2 * np.pi * frequency * t + phase)
    return degrees / 3 * out


def perform(
    action: Action,
    subject: Subject,
    rng: np.random.Generator,
    character: Character,
    fps: float = 30.0,
    fidget: float = 0.0,
) -> np.ndarray:
    """``(T, 25, 3)`` one performance of ``action`` by ``subject``: NTU_25 joints in the
    world (metres; x left, y up, z forward of where the subject started facing; feet on
    the floor y = 0 at the start), no sensor noise yet; every hinge wanders by up to
    ``fidget`` degrees beside the action (:class:`ActionConfig`'s ``fidget``)."""
    clip, stretch = _performance_spec(action, subject, rng, character)
    seconds = clip.duration * action.repeat
    qpos = clip_qpos(clip, fps=fps, seconds=seconds, character=character)  # (T, nq)
    if fidget:
        wander = np.radians(_wander(len(qpos), len(character.joint_names), fps, rng, fidget))  # (T, 26)
        qpos[:, character.hinge_qpos] = np.clip(qpos[:, character.hinge_qpos] + wander, *character.hinge_range.T)
    canonical = character.forward_kinematics(qpos, fps=fps).positions.astype(np.float64)  # (T, 16, 3)
    feet = character.foot_kinematics(qpos).astype(np.float64)[:, [FootPoint.LEFT_TOE_BASE, FootPoint.RIGHT_TOE_BASE]]
    ntu = _scale_bones(ntu_from_canonical(canonical, feet), subject)
    t = np.arange(len(ntu)) / fps  # (T,) seconds
    if action.turn:
        s = np.clip((t / seconds - 0.1) / 0.8, 0.0, 1.0)  # the turn spans the middle 80%
        direction = rng.choice([-1.0, 1.0])
        ntu = _yaw(ntu, direction * action.turn * (3 * s**2 - 2 * s**3), ntu[:, NTUJoint.SPINE_BASE])
    if action.flight is not None:
        start, end = (stretch * edge for edge in action.flight)
        s = np.clip((t - start) / (end - start), 0.0, 1.0)
        ntu[..., 1] += (_G * (end - start) ** 2 / 2 * s * (1 - s))[:, None]  # ballistic: h = g T^2 / 8 at s = 1/2
    ntu[..., 1] -= ntu[0, _FEET, 1].min()  # the floor at y = 0
    return ntu


def film(world: np.ndarray, azimuth: float, distance: float, height: float) -> np.ndarray:
    """``world (T, 25, 3)`` -> the same joints in the frame of a Kinect ``distance`` metres
    in front of the origin, turned ``azimuth`` degrees about it (positive: to the subject's
    left), its lens ``height`` metres up, looking at the point 1 m above the origin
    (Kinect's frame: x to the sensor's left, y up, z away from the sensor)."""
    a = np.radians(azimuth)
    position = np.array([distance * np.sin(a), height, distance * np.cos(a)])  # world: x left, y up, z forward
    z = np.array([0.0, 1.0, 0.0]) - position  # looks at (0, 1, 0)
    z /= np.linalg.norm(z)
    x = np.cross(np.array([0.0, 1.0, 0.0]), z)
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    rotation = np.stack([x, y, z])  # (3, 3) rows: the camera's axes in the world
    return (world - position) @ rotation.T


def sense(
    camera: np.ndarray, rng: np.random.Generator, config: ActionConfig, side_view: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``(positions (T', 25, 3), score (T', 25))``: what Kinect reports of ``camera (T, 25, 3)``:
    noisy, some joints lost and inferred for a few frames, the legs swapped for a stretch
    (a ``side_view``, at the chance ``config.swap``), the ends cut."""
    T, V, _ = camera.shape
    scale = np.array([1.0, 1.0, 2.0])  # depth is measured worst
    out = camera + rng.normal(0.0, config.bias, (1, V, 3)) * scale + rng.normal(0.0, config.noise, (T, V, 3)) * scale
    score = np.ones((T, V), np.float32)
    starts = rng.random((T, V)) < config.drop * _DROP_ODDS / _DROP_ODDS.mean()
    for t, v in zip(*np.nonzero(starts), strict=True):
        if t == 0:
            continue
        end = min(T, t + int(rng.integers(3, 16)))
        out[t:end, v] = out[t - 1, v] + rng.normal(0.0, 0.04, 3)  # held where it was last seen, off by cm
        score[t:end, v] = 0.5
    if side_view and rng.random() < config.swap:  # Kinect takes one leg for the other for a while
        start = int(rng.integers(0, max(1, T - 10)))
        end = min(T, start + int(rng.integers(10, 31)))
        left, right = list(_LEFT_LEG), list(_RIGHT_LEG)
        out[start:end, left + right] = out[start:end, right + left]
        score[start:end, left + right] = 0.5
    first = int(rng.uniform(0.0, config.cut) * T)
    last = T - int(rng.uniform(0.0, config.cut) * T)
    return out[first:last].astype(np.float32), score[first:last]


def make_actions(
    config: ActionConfig | None = None,
    character: Character | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ActionData:
    """The dataset: every subject performs every action ``replications`` times, each
    performance filmed by ``views`` cameras. ``progress(done, total)`` after each
    performance. Same ``config``, same data."""
    config = ActionConfig() if config is None else config
    character = Character() if character is None else character
    rng = np.random.default_rng(config.seed)
    subjects = [draw_subject(n, rng, config) for n in range(1, config.subjects + 1)]
    total = config.subjects * len(ACTIONS) * config.replications
    rows: list[tuple[np.ndarray, np.ndarray, int, int, int, int]] = []
    done = 0
    for subject in subjects:
        for label, action in enumerate(ACTIONS):
            for replication in range(1, config.replications + 1):
                world = perform(action, subject, rng, character, config.fps, config.fidget)
                facing = rng.uniform(-30.0, 30.0)  # degrees off facing view 1
                offset = np.array([rng.uniform(-0.3, 0.3), 0.0, rng.uniform(-0.3, 0.3)])
                world = _yaw(world, facing, np.zeros((len(world), 3))) + offset
                for view in range(1, config.views + 1):
                    camera = film(world, _VIEW_AZIMUTH[view - 1], rng.uniform(2.5, 3.5), rng.uniform(0.7, 1.3))
                    positions, score = sense(camera, rng, config, side_view=view > 1)
                    rows.append((positions, score, label, subject.number, view, replication))
                done += 1
                if progress is not None:
                    progress(done, total)
    longest = max(len(r[0]) for r in rows)
    keypoint = np.zeros((len(rows), longest, len(NTUJoint), 3), np.float32)
    score = np.zeros((len(rows), longest, len(NTUJoint)), np.float32)
    for i, (p, s, *_) in enumerate(rows):
        keypoint[i, : len(p)], score[i, : len(s)] = p, s
    label, subject, view, replication = (np.array([r[k] for r in rows], np.int32) for k in range(2, 6))
    return ActionData(
        keypoint=keypoint,
        score=score,
        length=np.array([len(r[0]) for r in rows], np.int32),
        label=label,
        subject=subject,
        view=view,
        replication=replication,
        name=np.array(
            [
                ntu_name(_SETUP, int(v), int(s), int(r), int(a))
                for a, s, v, r in zip(label, subject, view, replication, strict=True)
            ]
        ),  # fmt: skip
        classes=CLASSES,
        xsub_train=tuple(range(1, config.subjects + 1, 2)),
        xview_train=tuple(v for v in (2, 3) if v <= config.views) or (1,),
        fps=config.fps,
        meta={"made_by": "marionnette.datasets.actions", **{k: str(v) for k, v in asdict(config).items()}},
    )


__all__ = ["ACTIONS", "CLASSES", "Action", "ActionConfig", "Subject", "draw_subject", "film", "make_actions",
           "perform", "sense"]  # fmt: skip
