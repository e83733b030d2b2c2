"""Skeletons: named joints, a parent per joint, left/right pairs.

A :class:`Skeleton` is data, like MediaPipe's ``PoseLandmark`` and ``POSE_CONNECTIONS``:
a name, the joint names in their storage order, and the index of each joint's parent
(``-1`` for the one root). Three are built in:

``CANONICAL`` (16 joints, :class:`CanonicalJoint`)
    The body that every other skeleton maps onto, the joints that the MuJoCo character,
    MediaPipe and NTU RGB+D share. Its conventions, which every mapping keeps:

    - ``pelvis`` is the midpoint of the two hips (``left_hip``, ``right_hip``);
    - ``neck`` is the base of the neck, the midpoint of the two shoulders;
    - ``spine`` is the midpoint of ``pelvis`` and ``neck``;
    - ``head`` is the centre of the head, the midpoint of the two ears;
    - ``left`` is the person's own left (on a person facing the camera, the joint on the
      image's right);
    - positions are metres, y up (see :class:`~marionnette.motion.PoseSequence`).

``MEDIAPIPE_33`` (:class:`MediaPipeJoint`)
    The 33 BlazePose landmarks in MediaPipe's ``PoseLandmark`` order and with its names.
    MediaPipe gives a graph, not a tree; ours follows ``POSE_CONNECTIONS`` where it can,
    rooted at the nose (landmark 0): eyes, ears and mouth hang from the nose, the
    shoulders from the nose (standing in for the neck MediaPipe does not have), the hips
    from the shoulders, the hands' pinky/index/thumb from the wrists, heel and foot index
    from the ankles.

``NTU_25`` (:class:`NTUJoint`)
    The 25 Kinect v2 joints in NTU RGB+D's 0-based order, parents as in Kinect's bone
    list (rooted at ``spine_base``). Kinect's order puts ``spine_shoulder`` at index 20,
    after its children ``neck`` and the shoulders, so here parents do *not* all come
    before their children; :attr:`Skeleton.order` gives a parents-first order for
    anything that walks the tree.

The invariant every skeleton keeps: unique names, one root, every other joint's parent
a valid index, no cycles. ``CANONICAL`` and ``MEDIAPIPE_33`` also store parents before
children.
"""

from __future__ import annotations

import difflib
import enum
import re
from dataclasses import dataclass
from functools import cached_property

from marionnette.errors import MarionnetteError

_SIDE = re.compile(r"left|Left|LEFT|right|Right|RIGHT")
_SWAP = {"left": "right", "Left": "Right", "LEFT": "RIGHT", "right": "left", "Right": "Left", "RIGHT": "LEFT"}


@dataclass(frozen=True)
class Skeleton:
    """Named joints and the tree that joins them.

    :param name: what the skeleton is called (``"canonical"``, ``"mediapipe_33"``, a BVH
        file's stem); stored with every :class:`PoseSequence` file.
    :param joints: joint names in storage order: index ``j`` of a ``(T, J, 3)`` array.
    :param parents: ``parents[j]`` is the index of joint ``j``'s parent, ``-1`` for the
        one root.

    Two skeletons are equal when name, joints and parents are equal.
    """

    name: str
    joints: tuple[str, ...]
    parents: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "joints", tuple(str(j) for j in self.joints))
        object.__setattr__(self, "parents", tuple(int(p) for p in self.parents))
        joints, parents, J = self.joints, self.parents, len(self.joints)
        what = f"skeleton {self.name!r}"
        if J == 0:
            raise MarionnetteError(f"{what} has no joints: give at least one joint name")
        duplicates = sorted({j for j in joints if joints.count(j) > 1})
        if duplicates:
            raise MarionnetteError(f"{what} names joints twice ({', '.join(duplicates)}): joint names must be unique")
        if len(parents) != J:
            raise MarionnetteError(f"{what} has {J} joints but {len(parents)} parents: give one parent per joint")
        bad = [joints[j] for j, p in enumerate(parents) if not -1 <= p < J or p == j]
        if bad:
            raise MarionnetteError(
                f"{what}: joints {', '.join(bad)} have a parent index outside 0..{J - 1} (or themselves); "
                f"use -1 for the root"
            )
        roots = [joints[j] for j, p in enumerate(parents) if p == -1]
        if len(roots) != 1:
            raise MarionnetteError(
                f"{what} has {len(roots)} roots ({', '.join(roots) or 'none'}): exactly one joint has parent -1"
            )
        if len(self.order) != J:
            cut = sorted(set(joints) - {joints[j] for j in self.order})
            raise MarionnetteError(f"{what}: joints {', '.join(cut)} form a cycle and never reach the root {roots[0]}")

    def __len__(self) -> int:
        return len(self.joints)

    def __repr__(self) -> str:
        return f"Skeleton({self.name!r}, {len(self.joints)} joints)"

    # -- looking joints up ------------------------------------------------------------------

    def index(self, name: str) -> int:
        """The index of joint ``name``; a one-line error suggesting close names when absent."""
        try:
            return self._index[name]
        except KeyError:
            close = difflib.get_close_matches(str(name), self.joints, n=3, cutoff=0.5)
            hint = (
                f"did you mean {' or '.join(repr(c) for c in close)}?"
                if close
                else f"its joints: {', '.join(self.joints)}"
            )
            raise MarionnetteError(f"skeleton {self.name!r} has no joint {name!r}: {hint}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._index

    @cached_property
    def _index(self) -> dict[str, int]:
        return {name: j for j, name in enumerate(self.joints)}

    # -- the tree -------------------------------------------------------------------------

    @cached_property
    def root(self) -> int:
        return self.parents.index(-1)

    @cached_property
    def children(self) -> tuple[tuple[int, ...], ...]:
        """``children[j]``: the indices of joint ``j``'s children, in index order."""
        kids: list[list[int]] = [[] for _ in self.joints]
        for j, p in enumerate(self.parents):
            if p >= 0:
                kids[p].append(j)
        return tuple(tuple(k) for k in kids)

    @cached_property
    def order(self) -> tuple[int, ...]:
        """Every joint index, parents before children (breadth first from the root).

        The identity ``(0, 1, ..., J-1)`` when the skeleton already stores parents first.
        Shorter than the skeleton only while ``__post_init__`` is rejecting a cycle.
        """
        if all(p < j for j, p in enumerate(self.parents)):
            return tuple(range(len(self.joints)))
        kids: list[list[int]] = [[] for _ in self.joints]
        for j, p in enumerate(self.parents):
            if p >= 0:
                kids[p].append(j)
        order, frontier = [], [j for j, p in enumerate(self.parents) if p == -1][:1]
        while frontier:
            order.extend(frontier)
            frontier = [c for j in frontier for c in kids[j]]
        return tuple(order)

    @cached_property
    def bones(self) -> tuple[tuple[int, int], ...]:
        """``(parent, child)`` index pairs, one per non-root joint, in child index order."""
        return tuple((p, j) for j, p in enumerate(self.parents) if p >= 0)

    # -- left and right -------------------------------------------------------------------

    @cached_property
    def mirror(self) -> tuple[tuple[int, int], ...]:
        """``(left, right)`` index pairs: joints whose names differ only by left↔right.

        The side may be a prefix or a suffix in any case (``left_hip``, ``hip_left``,
        ``LeftUpLeg``); joints without a twin (``pelvis``, ``nose``) are in no pair.
        """
        pairs = []
        for j, name in enumerate(self.joints):
            sides = _SIDE.findall(name)
            if not sides or sides[0].lower() != "left":
                continue
            twin = _SIDE.sub(lambda m: _SWAP[m.group(0)], name)
            if twin in self._index:
                pairs.append((j, self._index[twin]))
        return tuple(pairs)

    @cached_property
    def mirror_permutation(self) -> tuple[int, ...]:
        """``perm[j]``: the index of joint ``j``'s twin (itself when it has none).

        ``positions[:, perm] * (-1, 1, 1)`` mirrors a pose across the x = 0 plane.
        """
        perm = list(range(len(self.joints)))
        for left, right in self.mirror:
            perm[left], perm[right] = right, left
        return tuple(perm)


def _skeleton(name: str, joints: type[enum.IntEnum], parent_of: dict[str, str | None]) -> Skeleton:
    names = tuple(j.name.lower() for j in joints)
    index = {n: i for i, n in enumerate(names)}
    return Skeleton(name, names, tuple(-1 if parent_of[n] is None else index[parent_of[n]] for n in names))


# -- canonical ----------------------------------------------------------------------------


class CanonicalJoint(enum.IntEnum):
    """The 16 joints of :data:`CANONICAL`, in storage order."""

    PELVIS = 0
    SPINE = 1
    NECK = 2
    HEAD = 3
    LEFT_SHOULDER = 4
    LEFT_ELBOW = 5
    LEFT_WRIST = 6
    RIGHT_SHOULDER = 7
    RIGHT_ELBOW = 8
    RIGHT_WRIST = 9
    LEFT_HIP = 10
    LEFT_KNEE = 11
    LEFT_ANKLE = 12
    RIGHT_HIP = 13
    RIGHT_KNEE = 14
    RIGHT_ANKLE = 15


CANONICAL = _skeleton(
    "canonical",
    CanonicalJoint,
    {
        "pelvis": None,
        "spine": "pelvis",
        "neck": "spine",
        "head": "neck",
        "left_shoulder": "neck",
        "left_elbow": "left_shoulder",
        "left_wrist": "left_elbow",
        "right_shoulder": "neck",
        "right_elbow": "right_shoulder",
        "right_wrist": "right_elbow",
        "left_hip": "pelvis",
        "left_knee": "left_hip",
        "left_ankle": "left_knee",
        "right_hip": "pelvis",
        "right_knee": "right_hip",
        "right_ankle": "right_knee",
    },
)
"""The body every skeleton maps onto; conventions in this module's docstring."""


# -- MediaPipe BlazePose ------------------------------------------------------------------


class MediaPipeJoint(enum.IntEnum):
    """The 33 BlazePose landmarks, numbered as MediaPipe's ``PoseLandmark``."""

    NOSE = 0
    LEFT_EYE_INNER = 1
    LEFT_EYE = 2
    LEFT_EYE_OUTER = 3
    RIGHT_EYE_INNER = 4
    RIGHT_EYE = 5
    RIGHT_EYE_OUTER = 6
    LEFT_EAR = 7
    RIGHT_EAR = 8
    MOUTH_LEFT = 9
    MOUTH_RIGHT = 10
    LEFT_SHOULDER = 11
    RIGHT_SHOULDER = 12
    LEFT_ELBOW = 13
    RIGHT_ELBOW = 14
    LEFT_WRIST = 15
    RIGHT_WRIST = 16
    LEFT_PINKY = 17
    RIGHT_PINKY = 18
    LEFT_INDEX = 19
    RIGHT_INDEX = 20
    LEFT_THUMB = 21
    RIGHT_THUMB = 22
    LEFT_HIP = 23
    RIGHT_HIP = 24
    LEFT_KNEE = 25
    RIGHT_KNEE = 26
    LEFT_ANKLE = 27
    RIGHT_ANKLE = 28
    LEFT_HEEL = 29
    RIGHT_HEEL = 30
    LEFT_FOOT_INDEX = 31
    RIGHT_FOOT_INDEX = 32


MEDIAPIPE_33 = _skeleton(
    "mediapipe_33",
    MediaPipeJoint,
    {
        "nose": None,
        "left_eye_inner": "nose",
        "left_eye": "left_eye_inner",
        "left_eye_outer": "left_eye",
        "right_eye_inner": "nose",
        "right_eye": "right_eye_inner",
        "right_eye_outer": "right_eye",
        "left_ear": "left_eye_outer",
        "right_ear": "right_eye_outer",
        "mouth_left": "nose",
        "mouth_right": "nose",
        "left_shoulder": "nose",
        "right_shoulder": "nose",
        "left_elbow": "left_shoulder",
        "right_elbow": "right_shoulder",
        "left_wrist": "left_elbow",
        "right_wrist": "right_elbow",
        "left_pinky": "left_wrist",
        "right_pinky": "right_wrist",
        "left_index": "left_wrist",
        "right_index": "right_wrist",
        "left_thumb": "left_wrist",
        "right_thumb": "right_wrist",
        "left_hip": "left_shoulder",
        "right_hip": "right_shoulder",
        "left_knee": "left_hip",
        "right_knee": "right_hip",
        "left_ankle": "left_knee",
        "right_ankle": "right_knee",
        "left_heel": "left_ankle",
        "right_heel": "right_ankle",
        "left_foot_index": "left_ankle",
        "right_foot_index": "right_ankle",
    },
)
"""MediaPipe Pose's 33 landmarks, rooted at the nose."""


# -- NTU RGB+D (Kinect v2) ----------------------------------------------------------------


class NTUJoint(enum.IntEnum):
    """The 25 Kinect v2 joints, numbered as NTU RGB+D (0-based; the dataset's docs count from 1)."""

    SPINE_BASE = 0
    SPINE_MID = 1
    NECK = 2
    HEAD = 3
    SHOULDER_LEFT = 4
    ELBOW_LEFT = 5
    WRIST_LEFT = 6
    HAND_LEFT = 7
    SHOULDER_RIGHT = 8
    ELBOW_RIGHT = 9
    WRIST_RIGHT = 10
    HAND_RIGHT = 11
    HIP_LEFT = 12
    KNEE_LEFT = 13
    ANKLE_LEFT = 14
    FOOT_LEFT = 15
    HIP_RIGHT = 16
    KNEE_RIGHT = 17
    ANKLE_RIGHT = 18
    FOOT_RIGHT = 19
    SPINE_SHOULDER = 20
    HAND_TIP_LEFT = 21
    THUMB_LEFT = 22
    HAND_TIP_RIGHT = 23
    THUMB_RIGHT = 24


NTU_25 = _skeleton(
    "ntu_25",
    NTUJoint,
    {
        "spine_base": None,
        "spine_mid": "spine_base",
        "spine_shoulder": "spine_mid",
        "neck": "spine_shoulder",
        "head": "neck",
        "shoulder_left": "spine_shoulder",
        "elbow_left": "shoulder_left",
        "wrist_left": "elbow_left",
        "hand_left": "wrist_left",
        "hand_tip_left": "hand_left",
        "thumb_left": "wrist_left",
        "shoulder_right": "spine_shoulder",
        "elbow_right": "shoulder_right",
        "wrist_right": "elbow_right",
        "hand_right": "wrist_right",
        "hand_tip_right": "hand_right",
        "thumb_right": "wrist_right",
        "hip_left": "spine_base",
        "knee_left": "hip_left",
        "ankle_left": "knee_left",
        "foot_left": "ankle_left",
        "hip_right": "spine_base",
        "knee_right": "hip_right",
        "ankle_right": "knee_right",
        "foot_right": "ankle_right",
    },
)
"""NTU RGB+D's Kinect v2 skeleton in the dataset's joint order, rooted at spine_base."""

BUILTIN_SKELETONS: tuple[Skeleton, ...] = (CANONICAL, MEDIAPIPE_33, NTU_25)
