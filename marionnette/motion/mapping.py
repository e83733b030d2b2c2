"""Joint maps: one skeleton's joints as weighted averages of another's.

A :class:`JointMap` says, for each joint of its ``target`` skeleton, which ``source``
joints it averages and with what weights (positive, summing to one, so the map commutes
with moving the whole body). Applied to a pose, a target joint's position is the
weighted average of its sources' positions and its confidence is the *minimum* of their
confidences: a midpoint is only as sure as its least sure end, and a missing source
(confidence 0, position NaN) makes a missing target joint.

The built-in maps onto :data:`~marionnette.motion.CANONICAL`:

=================  ===================================  =====================================
canonical          from MediaPipe-33                    from NTU-25 (Kinect v2)
=================  ===================================  =====================================
pelvis             ½ left_hip + ½ right_hip             ½ hip_left + ½ hip_right
spine              ¼ each hip and shoulder              ¼ each hip and shoulder
neck               ½ left_shoulder + ½ right_shoulder   ½ shoulder_left + ½ shoulder_right
head               ½ left_ear + ½ right_ear             head
limbs              the joint of the same name           the joint of the same name
=================  ===================================  =====================================

NTU's pelvis and neck are hip and shoulder midpoints rather than Kinect's own
``spine_base`` and ``spine_shoulder``: those are separate estimates that sit a few
centimetres off the midpoints, and the canonical body *defines* pelvis and neck as the
midpoints (so that hips and shoulders are collinear with them from every source, which
the character's bones assume). Kinect's ``head`` joint is already near the centre of the
head.

Finding a map (:func:`find_mapping`), in order:

1. the identity, when source and target are the same skeleton;
2. a map registered with :func:`register_mapping` (the two built-ins above are);
3. selection by name, when every target joint name is a source joint name;
4. onto ``CANONICAL``, the CMU and Mixamo BVH naming (``Hips``, ``LeftUpLeg``,
   ``LeftArm``, ``LeftForeArm``, ``mixamorig:LeftHand``...): pelvis and neck are the
   midpoints of ``*UpLeg`` and of ``*Arm``, head is ``Head`` (averaged with
   ``HeadTop_End`` when the rig has one: BVH heads sit at the skull's base);
5. otherwise a one-line error that says to register a map.

Feet (:class:`FootMap`, :func:`find_foot_map`)
    The canonical body stops at the ankles; the ankles' angles need a point of the foot.
    Beside the joint map, a skeleton may give up to three points per foot
    (:class:`FootPoint`): the ``heel``, the ``toe_base`` (the ball of the foot, where BVH
    rigs put their toe joint) and the ``toe_tip``. They are optional, carried next to the
    canonical joints rather than in them, so ``CANONICAL`` stays the 16 joints everything
    else reads. Found, in order: a map registered with :func:`register_foot_map`;
    MediaPipe-33 (``*_heel``, ``*_foot_index`` as the tip); NTU-25 (``foot_*`` as the
    toe base); joints named like the points (``left_heel``, ``left_toe_base``,
    ``left_toe_tip``); the BVH names (``LeftToeBase`` or ``LeftToe`` as the toe base,
    ``LeftToe_End`` as the tip, namespace stripped); a skeleton with none of them has no
    foot points (every point missing), which is not an error.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.motion.skeleton import CANONICAL, MEDIAPIPE_33, NTU_25, Skeleton

Weights = tuple[tuple[tuple[str, float], ...], ...]  # per target joint: ((source joint, weight), ...)


@dataclass(frozen=True)
class JointMap:
    """A linear map from ``source`` poses to ``target`` poses.

    :param source: the skeleton poses come in on.
    :param target: the skeleton poses go out on.
    :param weights: one entry per target joint, in target order: ``((source joint name,
        weight), ...)`` with positive weights summing to one.

    :meth:`from_dict` builds one from ``{target joint: {source joint: weight}}``.
    """

    source: Skeleton
    target: Skeleton
    weights: Weights

    def __post_init__(self) -> None:
        what = f"map {self.source.name!r} -> {self.target.name!r}"
        weights = tuple(tuple((str(n), float(w)) for n, w in entry) for entry in self.weights)
        object.__setattr__(self, "weights", weights)
        if len(weights) != len(self.target):
            raise MarionnetteError(
                f"{what} has {len(weights)} entries for {len(self.target)} target joints: give one per target joint"
            )
        for joint, entry in zip(self.target.joints, weights, strict=True):
            for name, _ in entry:
                self.source.index(name)  # a one-line error with close names when unknown
            total = sum(w for _, w in entry)
            if not entry or any(w <= 0 for _, w in entry) or abs(total - 1) > 1e-6:
                raise MarionnetteError(
                    f"{what}: the weights of {joint!r} ({dict(entry)}) must be positive and sum to 1 "
                    f"(they sum to {total:g})"
                )

    @classmethod
    def from_dict(cls, source: Skeleton, target: Skeleton, weights: Mapping[str, Mapping[str, float]]) -> JointMap:
        """``weights[target joint] = {source joint: weight, ...}``; every target joint needs an entry."""
        missing = [j for j in target.joints if j not in weights]
        extra = [j for j in weights if j not in target]
        if missing or extra:
            parts = ([f"no entry for {', '.join(missing)}"] if missing else []) + (
                [f"{', '.join(extra)} not in {target.name!r}"] if extra else []
            )
            raise MarionnetteError(f"map {source.name!r} -> {target.name!r}: {'; '.join(parts)}")
        return cls(source, target, tuple(tuple(weights[j].items()) for j in target.joints))

    @cached_property
    def _gather(self) -> tuple[np.ndarray, np.ndarray]:
        K = max(len(e) for e in self.weights)  # most sources any target joint averages
        index = np.zeros((len(self.target), K), dtype=np.intp)  # (Jt, K)
        weight = np.zeros((len(self.target), K), dtype=np.float64)  # (Jt, K); 0 = padding
        for t, entry in enumerate(self.weights):
            for k, (name, w) in enumerate(entry):
                index[t, k], weight[t, k] = self.source.index(name), w
        return index, weight

    def matrix(self) -> np.ndarray:
        """The ``(J_target, J_source)`` matrix ``M`` with ``target = M @ source`` (per axis)."""
        index, weight = self._gather
        M = np.zeros((len(self.target), len(self.source)))
        np.add.at(M, (np.arange(len(self.target))[:, None], index), weight)
        return M

    def apply(self, positions: np.ndarray, confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(T, Js, 3), (T, Js)`` on the source → ``(T, Jt, 3), (T, Jt)`` on the target.

        Only a target joint's own sources enter it, so a missing (NaN) source joint spoils
        just the target joints that average it.
        """
        index, weight = self._gather
        used = weight > 0  # (Jt, K)
        parts = positions[:, index].astype(np.float64)  # (T, Jt, K, 3)
        parts = np.where(used[None, :, :, None], parts * weight[None, :, :, None], 0.0)
        out = parts.sum(axis=2).astype(np.float32)  # (T, Jt, 3)
        conf = np.where(used[None], confidence[:, index], np.inf).min(axis=2).astype(np.float32)  # (T, Jt)
        return out, conf


# -- the registry -------------------------------------------------------------------------

_REGISTRY: dict[tuple[Skeleton, Skeleton], JointMap] = {}  # (source, target) -> map; the built-ins below


def register_mapping(mapping: JointMap) -> JointMap:
    """Make ``mapping`` the one :func:`find_mapping` (and ``PoseSequence.to``) uses for its pair.

    Registering again for the same ``(source, target)`` replaces the earlier map. Returns
    ``mapping``, so a module can register and keep it in one line.
    """
    _REGISTRY[(mapping.source, mapping.target)] = mapping
    return mapping


def find_mapping(source: Skeleton, target: Skeleton) -> JointMap:
    """The map from ``source`` to ``target`` (rules in this module's docstring)."""
    if source == target:
        return JointMap(source, target, tuple(((j, 1.0),) for j in source.joints))
    if (source, target) in _REGISTRY:
        return _REGISTRY[(source, target)]
    if all(j in source for j in target.joints):
        return JointMap(source, target, tuple(((j, 1.0),) for j in target.joints))
    if target == CANONICAL:
        found = _bvh_names_to_canonical(source)
        if found is not None:
            return found
    raise MarionnetteError(
        f"no joint map from skeleton {source.name!r} to {target.name!r}: "
        f"register one with marionnette.motion.register_mapping(JointMap.from_dict(source, target, {{...}}))"
    )


def _mediapipe_to_canonical() -> JointMap:
    hips = {"left_hip": 0.5, "right_hip": 0.5}
    shoulders = {"left_shoulder": 0.5, "right_shoulder": 0.5}
    limbs = [j for j in CANONICAL.joints if j.startswith(("left_", "right_"))]
    return JointMap.from_dict(
        MEDIAPIPE_33,
        CANONICAL,
        {
            "pelvis": hips,
            "spine": {j: 0.25 for j in (*hips, *shoulders)},
            "neck": shoulders,
            "head": {"left_ear": 0.5, "right_ear": 0.5},
            **{j: {j: 1.0} for j in limbs},
        },
    )


def _ntu_to_canonical() -> JointMap:
    hips = {"hip_left": 0.5, "hip_right": 0.5}
    shoulders = {"shoulder_left": 0.5, "shoulder_right": 0.5}
    limbs = {}
    for j in CANONICAL.joints:
        if j.startswith(("left_", "right_")):
            side, part = j.split("_", 1)
            limbs[j] = {f"{part}_{side}": 1.0}  # left_elbow <- elbow_left
    return JointMap.from_dict(
        NTU_25,
        CANONICAL,
        {
            "pelvis": hips,
            "spine": {j: 0.25 for j in (*hips, *shoulders)},
            "neck": shoulders,
            "head": {"head": 1.0},
            **limbs,
        },
    )


MEDIAPIPE_TO_CANONICAL = register_mapping(_mediapipe_to_canonical())
NTU_TO_CANONICAL = register_mapping(_ntu_to_canonical())

# CMU (cgspeed) and Mixamo share these names for the canonical limbs; Mixamo prefixes
# them with a namespace ("mixamorig:", "mixamorig1:"), stripped before matching.
_BVH_LIMBS = {
    "shoulder": "Arm",  # BVH "LeftShoulder" is the clavicle; the shoulder joint is "LeftArm"
    "elbow": "ForeArm",
    "wrist": "Hand",
    "hip": "UpLeg",
    "knee": "Leg",
    "ankle": "Foot",
}


def _bvh_names_to_canonical(source: Skeleton) -> JointMap | None:
    plain: dict[str, str] = {}
    for name in source.joints:
        plain.setdefault(name.rsplit(":", 1)[-1].lower(), name)
    limbs: dict[str, str] = {}
    for side in ("left", "right"):
        for part, bvh in _BVH_LIMBS.items():
            limbs[f"{side}_{part}"] = f"{side}{bvh}".lower()
    if not all(n in plain for n in (*limbs.values(), "head")):
        return None
    hips = {plain[limbs["left_hip"]]: 0.5, plain[limbs["right_hip"]]: 0.5}
    shoulders = {plain[limbs["left_shoulder"]]: 0.5, plain[limbs["right_shoulder"]]: 0.5}
    head = {plain["head"]: 0.5, plain["headtop_end"]: 0.5} if "headtop_end" in plain else {plain["head"]: 1.0}
    return JointMap.from_dict(
        source,
        CANONICAL,
        {
            "pelvis": hips,
            "spine": {j: 0.25 for j in (*hips, *shoulders)},
            "neck": shoulders,
            "head": head,
            **{c: {plain[b]: 1.0} for c, b in limbs.items()},
        },
    )


# -- feet ---------------------------------------------------------------------------------


class FootPoint(enum.IntEnum):
    """The points of the feet a skeleton may give beside the canonical joints, in the
    order :meth:`FootMap.apply` returns them."""

    LEFT_HEEL = 0
    LEFT_TOE_BASE = 1
    LEFT_TOE_TIP = 2
    RIGHT_HEEL = 3
    RIGHT_TOE_BASE = 4
    RIGHT_TOE_TIP = 5


FOOT_POINTS: tuple[str, ...] = tuple(p.name.lower() for p in FootPoint)
"""The foot points' names (``left_heel``, ``left_toe_base``, ...), in :class:`FootPoint` order."""


@dataclass(frozen=True)
class FootMap:
    """Which joint of ``source`` is each :class:`FootPoint` (``None``: the source has none).

    :param source: the skeleton poses come in on.
    :param joints: one entry per foot point, in :class:`FootPoint` order: a joint name of
        ``source`` or ``None``.

    :meth:`from_dict` builds one from ``{foot point: source joint}``.
    """

    source: Skeleton
    joints: tuple[str | None, ...]

    def __post_init__(self) -> None:
        joints = tuple(None if j is None else str(j) for j in self.joints)
        object.__setattr__(self, "joints", joints)
        if len(joints) != len(FOOT_POINTS):
            raise MarionnetteError(
                f"foot map of {self.source.name!r} has {len(joints)} entries: give one per foot point "
                f"({', '.join(FOOT_POINTS)}), None where the skeleton has none"
            )
        for name in joints:
            if name is not None:
                self.source.index(name)  # a one-line error with close names when unknown

    @classmethod
    def from_dict(cls, source: Skeleton, points: Mapping[str, str]) -> FootMap:
        """``points[foot point] = source joint``; foot points not given are missing."""
        extra = [p for p in points if p not in FOOT_POINTS]
        if extra:
            raise MarionnetteError(
                f"foot map of {source.name!r}: {', '.join(map(repr, extra))} are not foot points "
                f"({', '.join(FOOT_POINTS)})"
            )
        return cls(source, tuple(points.get(p) for p in FOOT_POINTS))

    @property
    def empty(self) -> bool:
        """The source gives no foot point."""
        return all(j is None for j in self.joints)

    def apply(self, positions: np.ndarray, confidence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(T, Js, 3), (T, Js)`` on the source -> ``(T, 6, 3), (T, 6)`` foot points; a point
        the source lacks is NaN with confidence 0."""
        T = positions.shape[0]
        out = np.full((T, len(FOOT_POINTS), 3), np.nan, dtype=np.float32)  # (T, 6, 3)
        conf = np.zeros((T, len(FOOT_POINTS)), dtype=np.float32)  # (T, 6)
        for k, name in enumerate(self.joints):
            if name is not None:
                j = self.source.index(name)
                out[:, k], conf[:, k] = positions[:, j], confidence[:, j]
        return out, conf


_FOOT_REGISTRY: dict[Skeleton, FootMap] = {}  # source -> foot map; the built-ins below


def register_foot_map(feet: FootMap) -> FootMap:
    """Make ``feet`` the one :func:`find_foot_map` returns for its skeleton; returns it."""
    _FOOT_REGISTRY[feet.source] = feet
    return feet


# BVH names of the foot points (lower case, namespace stripped), most usual first.
_BVH_FEET = {"toe_base": ("{side}toebase", "{side}toe"), "toe_tip": ("{side}toe_end", "{side}toebase_end")}


def find_foot_map(source: Skeleton) -> FootMap:
    """The foot points of ``source`` (rules in this module's docstring); a map with every
    point missing when it has none."""
    if source in _FOOT_REGISTRY:
        return _FOOT_REGISTRY[source]
    named = {p: p for p in FOOT_POINTS if p in source}
    plain: dict[str, str] = {}
    for name in source.joints:
        plain.setdefault(name.rsplit(":", 1)[-1].lower(), name)
    for side in ("left", "right"):
        for part, candidates in _BVH_FEET.items():
            point = f"{side}_{part}"
            found = next((plain[c.format(side=side)] for c in candidates if c.format(side=side) in plain), None)
            if point not in named and found is not None:
                named[point] = found
    return FootMap.from_dict(source, named)


MEDIAPIPE_FEET = register_foot_map(
    FootMap.from_dict(
        MEDIAPIPE_33,
        {
            f"{side}_{part}": f"{side}_{mp}"
            for side in ("left", "right")
            for part, mp in (("heel", "heel"), ("toe_tip", "foot_index"))
        },
    )
)
NTU_FEET = register_foot_map(
    FootMap.from_dict(NTU_25, {f"{side}_toe_base": f"foot_{side}" for side in ("left", "right")})
)
