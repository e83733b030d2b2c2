"""Retargeting: canonical joint positions -> the character's joint angles (inverse kinematics).

:class:`Retargeter` turns the 16 canonical joint positions of a frame (what capture, a
filter or a clip gives, y up, metres), and the points of the feet where the source has
them, into the character's ``qpos`` (free root + 26 hinge angles), solving inverse
kinematics with mink (differential IK as a quadratic program on the MuJoCo model,
https://github.com/kevinzakka/mink) and the daqp QP solver.

The problem, per frame
    - *Joint positions* (one task, 16 joints x 3 rows): each canonical body of the
      character is pulled onto its target; a joint's squared error is weighted by its
      confidence, so a missing joint (confidence 0, or a NaN position) has no say that
      frame and its limb keeps the angles it had.
    - *Foot points* (the same task, up to 6 more rows of 3): where the source gives a
      heel, a toe base or a toe tip (:class:`~marionnette.motion.mapping.FootPoint`), the
      character's site of that name is pulled along the source's direction from its ankle,
      at the character's own distance (the source's foot need not be the character's size),
      weighted by ``foot_cost``. This is what sets the ankles.
    - *Posture* (``posture_cost``): a weak pull of every hinge towards the previous
      frame's solution (towards the seed on a cold frame), for continuity where the
      positions leave an angle free.
    - *Joint limits* (:class:`mink.ConfigurationLimit`): every hinge stays in its range.
    - Levenberg-Marquardt damping on each step: a fixed ``damping``, plus mink's
      error-scaled term (the points task's ``lm_damping``, 1: damping = its squared
      weighted error), which vanishes as a fit becomes exact and grows where the source
      cannot be fitted. Without it, on a capture whose trunk is a few centimetres longer
      than the character's once scaled, each full Gauss-Newton step overshot between two
      solutions (spine flexion -21 and +21 degrees in alternate frames of MediaPipe's
      reading of ``virtual:wave``: 28 degrees median frame-to-frame jump, 3 with it; exact
      targets fit as before). The root (free joint: position and heading) is solved with
      the rest.

    Each frame starts from the previous solution (warm start) and takes ``iterations``
    Gauss-Newton steps (fewer when a step barely moves). A *cold* frame (the first one
    after construction or :meth:`Retargeter.reset`) is first seeded in closed form: the
    root from a rigid fit of the pelvis, spine and hips, then the spine, the head and
    each limb's three hinges and elbow or knee from the targets' directions, and then
    refined with ``cold_iterations`` steps. A ball joint's rotation has two decompositions
    into its three hinges, and a straight limb leaves its twist free; the seed takes, of
    every decomposition of every twist (each 15 degrees), the one whose limb points best at
    its targets once clipped to the limits, plus ``3 mm`` per radian away from the zero
    pose. So a T-pose whose arms, straight out, sit a little off the character's shoulders
    (a twist some degrees past its limit would make the natural branch exact) is seeded on
    the natural branch, abducted ~90 degrees, missing by about a centimetre, rather than on
    the equivalent extreme one (flexed 180, abducted ~97, twisted ~-85: CMU 02_04's first
    frame), from which the warm-started IK could not bring the arms down: at the joint
    limits, differential IK only finds the nearest minimum. A T-pose only the extreme
    branch makes (the elbows bent back) is still seeded there; for it, and for any warm
    start caught so, a warm frame whose worst joint ends farther than ``recover`` (2 cm)
    from its target is solved cold as well (when it got worse than the last frame by half
    of that, or 10 frames after the last cold solve: a cold solve costs ~2 ms, a warm
    frame ~0.4), and the cold solution kept when its error is under half the warm one's.
    Without the seed (``seed=False``), a cold solve from the zero pose stalls on a joint
    limit once arms are raised high or twisted far.

What positions cannot tell
    Sixteen points leave some angles free: the ankles (no point below them, unless the
    source gives foot points), the neck's twist (the head is a single point on its axis)
    and the twist of a straight arm or leg. Those keep their previous value (zero when
    cold), so a pose is recovered *through its positions*; angles match only where
    positions pin them. Foot points pin the ankles' flexion and the legs' twist (the
    direction the foot points); the ankles' inversion stays free.

Targets from a tracker or a file (``scale``, ``ground``, ``floor``)
    ``scale=True`` measures the size of the person once, on the first frame where at
    least two limb bones (upper arms, forearms, thighs, shins) are seen (both ends with
    confidence >= 0.5): the character's total length of those bones over the person's.
    Every later frame is scaled by that factor about the origin (the hip centre for
    MediaPipe's world landmarks), so strides scale with the legs. A float fixes the
    factor; ``False`` keeps the positions as they are.

    ``ground`` puts the motion on the character's floor:

    A frame *stands on the floor* when the lowest point of its feet is as high as the
    character's soles standing (1 cm): each seen foot turned as its points say (flat, as
    standing, without them: then its ankle at the standing ankle height), so a frame on
    tiptoe stands on its toes, not on its ankles. With no ankle seen, the pelvis goes to
    its standing height.

    - ``"clip"`` (motion capture, which has a floor of its own): one vertical shift for
      the whole clip, so jumps, squats and steps keep their heights. :meth:`~Retargeter.solve`
      takes the 95th percentile of the shifts that would stand each frame on the floor
      (the frames on the floor need the most, those in the air less; the pelvis's median
      at its standing height when no ankle is ever seen); a stream
      (:meth:`~Retargeter.solve_frame`) takes its first frame's.
    - ``"frame"`` (``True``; MediaPipe's hip-centred world landmarks, the live puppet):
      each frame stands on the floor on its own (with nothing seen to stand on, the last
      shift holds). Hip-centred landmarks carry no vertical motion to keep.
    - ``"auto"``: ``"frame"`` for a clip whose pelvis height spans under 2 cm (hip-centred
      captures, root-locked exports; and for a stream), ``"clip"`` otherwise.
    - ``False``: the heights as given.

    With any ground, ``floor=True`` keeps every geometry of the character above the floor
    (MuJoCo's signed geom distance): a :class:`mink.CollisionAvoidanceLimit` between the
    body's geoms and the floor stops the IK from moving anything into it (it bends the
    ankles of a foot the 16 joints say nothing about, or a leg where an ankle's range
    runs out), and a frame that still starts or ends below it (the seed, a foot pointed
    further than the character's) has its root lifted out. Feet whose angles the 16 joints
    leave at zero would otherwise go through the floor whenever the shins lean (up to
    5 cm in the built-in walk, which places its root by the ankles alone).

mink and its QP solvers are imported when the first :class:`Retargeter` is made (qpsolvers
probes for jax: about half a second), so importing :mod:`marionnette.body` stays light.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import mujoco
import numpy as np
from scipy.spatial.transform import Rotation

from marionnette.body.character import Character, from_motion_frame, to_motion_frame
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, CanonicalJoint, PoseSequence
from marionnette.motion.geometry import kabsch
from marionnette.motion.mapping import FOOT_POINTS, FootPoint, find_foot_map

_JOINTS = len(CANONICAL.joints)  # 16
_FEET = len(FOOT_POINTS)  # 6

# Bones whose length the scale is measured on: rigid in people and in the character alike.
_LIMB_BONES = (
    (CanonicalJoint.LEFT_SHOULDER, CanonicalJoint.LEFT_ELBOW),
    (CanonicalJoint.LEFT_ELBOW, CanonicalJoint.LEFT_WRIST),
    (CanonicalJoint.RIGHT_SHOULDER, CanonicalJoint.RIGHT_ELBOW),
    (CanonicalJoint.RIGHT_ELBOW, CanonicalJoint.RIGHT_WRIST),
    (CanonicalJoint.LEFT_HIP, CanonicalJoint.LEFT_KNEE),
    (CanonicalJoint.LEFT_KNEE, CanonicalJoint.LEFT_ANKLE),
    (CanonicalJoint.RIGHT_HIP, CanonicalJoint.RIGHT_KNEE),
    (CanonicalJoint.RIGHT_KNEE, CanonicalJoint.RIGHT_ANKLE),
)
_ANKLES = (CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE)
# The ankle each foot point hangs from, in FootPoint order.
_FOOT_ANKLE = np.array([_ANKLES[0] if p.name.startswith("LEFT") else _ANKLES[1] for p in FootPoint])  # (6,)
_SCALE_CONFIDENCE = 0.5  # a bone counts towards the scale when both its ends are this sure
_SCALE_MIN_BONES = 2  # ... and the scale is measured on the first frame with this many
_STRAIGHT = 0.02  # sin of the bend under which a limb counts as straight (its twist is free)
_TWISTS = np.radians(np.arange(0, 360, 15))  # (24,) the twists tried about a limb's one direction
# Metres of a seeded limb's miss worth one radian (summed over its three hinges) nearer the
# zero pose: enough that a T-pose's ~1 cm, asked for by a twist 15 degrees past its limit,
# loses to the ~4.6 rad of the equivalent extreme branch; small enough that cold solves
# over the whole joint range still land within 1 cm.
_REST_COST = 0.003
_GROUND_MODES = ("frame", "clip", "auto")
# ground="clip": the clip's one shift is this percentile of the shifts its frames would take
# on their own (those on the floor take the most; in the air, less): robust to a few bad frames.
_FLOOR_PERCENTILE = 95.0
_STILL_PELVIS = 0.02  # ground="auto": metres of pelvis height span under which a clip grounds per frame
_FLOOR_DETECTION = 0.02  # metres above the floor from which a geom's approach to it is limited
# Metres the floor's limit keeps between it and the body, and that a lift leaves: at 0 the
# closest points coincide and the contact has no normal (mink's row would be all zero).
_FLOOR_GAP = 0.001
# mink's error-scaled Levenberg-Marquardt term on the points task (see the module's docstring):
# 0.1 left 4 degrees median jump on the capture above, 10 slowed exact fits (0.4 cm lag).
_ERROR_DAMPING = 1.0
_RECOVER_GAIN = 0.5  # a cold re-solve replaces the warm one when its error is under this fraction of it
_RECOVER_EVERY = 10  # frames: a source that misses by more than `recover` all along is re-solved this seldom

# (ball-joint body, middle joint, end joint) of each limb, for the closed-form seed.
_LIMBS = (
    (CanonicalJoint.LEFT_SHOULDER, CanonicalJoint.LEFT_ELBOW, CanonicalJoint.LEFT_WRIST),
    (CanonicalJoint.RIGHT_SHOULDER, CanonicalJoint.RIGHT_ELBOW, CanonicalJoint.RIGHT_WRIST),
    (CanonicalJoint.LEFT_HIP, CanonicalJoint.LEFT_KNEE, CanonicalJoint.LEFT_ANKLE),
    (CanonicalJoint.RIGHT_HIP, CanonicalJoint.RIGHT_KNEE, CanonicalJoint.RIGHT_ANKLE),
)


class _Ball(NamedTuple):
    """A body turned by three orthogonal hinges about one anchor (a shoulder, a hip, the
    spine, the head): rotations of it decompose into its three angles."""

    body: int  # MuJoCo body id
    joint: int  # its first hinge's id (the anchor is that joint's xanchor)
    qpos: np.ndarray  # (3,) addresses of its angles in qpos
    axes: np.ndarray  # (3, 3) the hinge axes as columns, in the body's zero-angle frame
    rest: np.ndarray  # (3, 3) the body's zero-angle frame in its parent's (body_quat)
    range: np.ndarray  # (3, 2) radians


class _Limb(NamedTuple):
    """A ball joint, then a hinge (elbow, knee) that bends the end segment in a plane."""

    ball: _Ball
    hinge: int  # qpos address of the elbow or knee
    hinge_range: np.ndarray  # (2,) radians
    axis: np.ndarray  # (3,) the hinge axis in the ball's zero-angle frame
    upper: np.ndarray  # (3,) anchor -> middle joint, ball's zero-angle frame, zero pose
    lower: np.ndarray  # (3,) middle -> end joint, same frame, zero pose
    bend0: float  # signed angle from upper to lower about axis in the zero pose
    ids: tuple[int, int, int]  # canonical indices of (ball, middle, end)


def _rotation_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``(3, 3)``: the smallest rotation taking direction ``u`` onto direction ``v``."""
    u, v = u / np.linalg.norm(u), v / np.linalg.norm(v)
    axis = np.cross(u, v)
    s, c = np.linalg.norm(axis), float(u @ v)
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        ortho = np.cross(u, [1.0, 0, 0] if abs(u[0]) < 0.9 else [0, 1.0, 0])  # any axis normal to u
        return Rotation.from_rotvec(np.pi * ortho / np.linalg.norm(ortho)).as_matrix()
    return Rotation.from_rotvec(axis / s * np.arctan2(s, c)).as_matrix()


def _triad(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(3, 3)`` orthonormal frame (columns) with ``a`` first and ``b`` in the 1-2 plane."""
    e1 = a / np.linalg.norm(a)
    e2 = b - (b @ e1) * e1
    e2 /= np.linalg.norm(e2)
    return np.stack([e1, e2, np.cross(e1, e2)], axis=1)


def _wrap_into(angles: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """``angles`` moved by whole turns into ``[low, high]`` where they fit, else as near it
    as a turn takes them (broadcasts)."""
    angles = np.asarray(angles, dtype=np.float64)[..., None] + 2 * np.pi * np.array([-1.0, 0.0, 1.0])  # (..., 3)
    low, high = np.asarray(low)[..., None], np.asarray(high)[..., None]
    outside = np.maximum(low - angles, 0) + np.maximum(angles - high, 0)
    return np.take_along_axis(angles, outside.argmin(axis=-1)[..., None], axis=-1)[..., 0]


def _shape(model: mujoco.MjModel, data: mujoco.MjData, body: int) -> tuple[np.ndarray, np.ndarray]:
    """The spheres and capsules of ``body`` in ``data``'s pose, about the body's origin in
    the motion frame: ``(K, 3)`` sphere centres and capsule ends, ``(K,)`` their radii."""
    sphere, capsule = int(mujoco.mjtGeom.mjGEOM_SPHERE), int(mujoco.mjtGeom.mjGEOM_CAPSULE)
    ends, radii = [], []
    for g in np.flatnonzero(model.geom_bodyid == body):
        kind, (radius, half) = int(model.geom_type[g]), model.geom_size[g, :2]
        axis = data.geom_xmat[g].reshape(3, 3)[:, 2]
        for along in (-half, half) if kind == capsule else (0.0,) if kind == sphere else ():
            ends.append(to_motion_frame(data.geom_xpos[g] + along * axis - data.xpos[body]))
            radii.append(radius)
    if not ends:  # no sphere or capsule: stand on the body's origin
        return np.zeros((1, 3)), np.zeros(1)
    return np.array(ends), np.array(radii)


def _ground_mode(ground: bool | str) -> str | None:
    """``ground`` as one of ``_GROUND_MODES`` (None: no grounding); a one-line error otherwise."""
    if ground is False or ground is None:
        return None
    if ground is True:
        return "frame"
    if isinstance(ground, str) and ground in _GROUND_MODES:
        return ground
    raise MarionnetteError(
        f"retarget ground {ground!r}: give 'clip' (motion capture: one floor for the clip), 'frame' (hip-centred "
        f"capture: each frame on the floor; also True), 'auto' or False"
    )


class Retargeter:
    """Inverse kinematics from canonical joint positions onto the :class:`Character`.

    ``solve_frame`` takes one frame (the live puppet calls it once per webcam frame) and
    starts from the previous frame's solution; ``solve`` retargets a whole
    :class:`~marionnette.motion.PoseSequence`, its foot points included. The module
    docstring describes the problem, the closed-form cold seed, and what ``scale``,
    ``ground`` and ``floor`` do.

    :param character: the body to drive; a new :class:`Character` when ``None``.
    :param ground: ``"clip"``: one vertical shift for the whole clip, its floor on the
        character's (motion capture: jumps keep their height); ``"frame"`` or ``True``:
        each frame stood on the floor on its own (hip-centred world landmarks such as
        MediaPipe's); ``"auto"``: ``"frame"`` for a clip whose pelvis never moves
        vertically and for a stream, else ``"clip"``; ``False``: heights as given.
    :param scale: ``True``: scale positions by the character's limb length over the
        person's, measured once on the first frame that shows two limb bones; a float:
        that factor; ``False``: positions as given (metres, the character's size).
    :param floor: with a ``ground``, keep every geometry of the character above the floor:
        a limit of the IK (the ankles bend rather than the feet sink), and a lift of the
        root for whatever is still below it.
    :param recover: metres; a warm frame whose worst joint ends farther than this from its
        target, and either further than the last frame by half of it or 10 frames after the
        last cold solve, is solved cold too, and the cold solution kept when its error is
        under half the warm one's (a warm start caught at the joint limits); ``None``
        never re-solves.
    :param foot_cost: weight of each foot point's pull (per metre of the site's miss),
        against 1 per metre of joint error.
    :param iterations: IK steps per frame after the first (warm start); 1-5 is enough.
    :param cold_iterations: IK steps on the first frame (after the closed-form seed).
    :param seed: seed the first frame in closed form; ``False`` starts it from the zero pose
        (only the root placed by the rigid fit), for which ``cold_iterations`` ~30 suits.
    :param posture_cost: weight of the pull of each hinge towards the previous solution,
        per radian, against 1 per metre of joint error. The default costs under a
        millimetre of lag; 0.1-0.3 smooths a jittery tracker (three to seven times less
        frame-to-frame angle change on 1.5 cm noise) but lags a fast motion by 3-5 cm,
        which is why filtering belongs before the retargeter (One-Euro).
    :param damping: Levenberg-Marquardt damping of each step.
    :param tolerance: a frame stops early once a step moves no coordinate by more than
        this (radians or metres).
    :param solver: the qpsolvers backend of mink's QP.
    """

    def __init__(
        self,
        character: Character | None = None,
        *,
        ground: bool | str = False,
        scale: bool | float = True,
        floor: bool = True,
        recover: float | None = 0.02,
        foot_cost: float = 1.0,
        iterations: int = 3,
        cold_iterations: int = 20,
        seed: bool = True,
        posture_cost: float = 1e-2,
        damping: float = 1e-4,
        tolerance: float = 1e-6,
        solver: str = "daqp",
    ):
        import mink  # deferred: qpsolvers imports jax when it is installed (~0.5 s)

        if not isinstance(scale, bool) and not (isinstance(scale, (int, float)) and np.isfinite(scale) and scale > 0):
            raise MarionnetteError(f"retarget scale {scale!r}: give True, False or a positive factor")
        if iterations < 1 or cold_iterations < 1:
            raise MarionnetteError(
                f"retarget iterations {iterations} / cold_iterations {cold_iterations}: give at least 1 step per frame"
            )
        if recover is not None and not (np.isfinite(recover) and recover > 0):
            raise MarionnetteError(f"retarget recover {recover!r}: give a positive distance in metres, or None")
        if not (np.isfinite(foot_cost) and foot_cost >= 0):
            raise MarionnetteError(f"retarget foot_cost {foot_cost!r}: give a weight >= 0 (0 ignores the feet)")
        self.character = Character() if character is None else character
        self.ground, self.scale, self.floor = _ground_mode(ground), scale, floor
        self.recover, self.foot_cost = recover, float(foot_cost)
        self.iterations, self.cold_iterations, self.seed = iterations, cold_iterations, seed
        self.damping, self.tolerance, self.solver = damping, tolerance, solver
        model = self.character.model
        self.model = model
        self._body_ids = self.character.body_ids  # (16,), CANONICAL order
        self._site_ids = self.character.foot_site_ids  # (6,) FootPoint order, or None (no foot sites)
        self._floor = floor and self.ground is not None and self.character.floor_id >= 0

        # The zero pose, read once: heights for grounding, bone lengths for scaling.
        standing = self.character.forward_kinematics(self.character.standing_qpos).positions[0]  # (16, 3) y up
        self._ankle_height = float(standing[list(_ANKLES), 1].min())
        self._pelvis_height = float(standing[CanonicalJoint.PELVIS, 1])
        self._bone_lengths = np.array([np.linalg.norm(standing[a] - standing[b]) for a, b in _LIMB_BONES])  # (8,)
        # Each foot about its ankle, standing (motion frame): the sites' offsets and
        # distances, the ends of its capsules (centres of its spheres) and their radii, and
        # how high its sole is (1 cm). Grounding turns a foot as its points say and stands
        # it on its lowest point.
        data = mujoco.MjData(model)
        mujoco.mj_kinematics(model, data)
        sites = np.zeros((_FEET, 3)) if self._site_ids is None else self.character.foot_positions(data)
        self._foot_offsets = sites - standing[_FOOT_ANKLE]  # (6, 3)
        self._foot_reach = np.linalg.norm(self._foot_offsets, axis=1)  # (6,) metres
        self._foot_shapes = [_shape(model, data, self._body_ids[a]) for a in _ANKLES]  # per side: (K, 3), (K,)
        self._sole = self.character.floor_clearance(data) if self.character.floor_id >= 0 else 0.0

        # mink: the configuration, the tasks and the limits.
        self.configuration = mink.Configuration(model)
        self._points = _points_task(mink, model, self._body_ids, self._site_ids)
        self._posture = mink.PostureTask(model, cost=posture_cost)
        self._tasks = [self._points, self._posture]
        self._limits = [mink.ConfigurationLimit(model)]
        if self._floor:  # the body's geoms keep off the floor: the IK bends the ankles rather than sink
            body_geoms = [int(g) for g in np.flatnonzero(model.geom_bodyid != 0)]
            self._limits.append(
                mink.CollisionAvoidanceLimit(
                    model,
                    [(body_geoms, [self.character.floor_id])],
                    minimum_distance_from_collisions=_FLOOR_GAP,
                    collision_detection_distance=_FLOOR_DETECTION,
                )
            )

        self._rigid, self._rigid_local = self._rigid_joints()
        self._spine = self._ball("spine")
        self._head = self._ball("head")
        self._limbs = [limb for limb in (self._limb(*ids) for ids in _LIMBS) if limb is not None]
        self.reset()

    # -- state ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the previous frame (the next one is solved cold), the measured scale and
        the clip's floor."""
        self._q: np.ndarray | None = None  # (nq,) the last solution
        self.scale_factor: float | None = (  # None until measured (scale=True)
            None if self.scale is True else 1.0 if self.scale is False else float(self.scale)
        )
        self._mode = "frame" if self.ground == "auto" else self.ground  # a stream is grounded per frame
        self._lift: float | None = None if self._mode == "clip" else 0.0  # metres; "clip": measured once
        self.residual = np.full(_JOINTS, np.nan)  # (16,) metres from each target after the last frame
        self.recovered = 0  # warm frames replaced by a cold re-solve since the reset
        self._since_cold = 0  # frames since the last cold solve

    # -- solving ----------------------------------------------------------------------------

    def solve(self, seq: PoseSequence) -> np.ndarray:
        """``(T, nq)`` qpos for every frame of ``seq`` (any skeleton that maps onto
        :data:`~marionnette.motion.CANONICAL`; its foot points, where
        :func:`~marionnette.motion.mapping.find_foot_map` finds them, set the ankles),
        frame by frame from a :meth:`reset`."""
        if not isinstance(seq, PoseSequence):
            raise MarionnetteError(
                f"retarget takes a PoseSequence, got {type(seq).__name__}: use solve_frame for one (16, 3) frame"
            )
        feet, feet_confidence = find_foot_map(seq.skeleton).apply(seq.positions, seq.confidence)  # (T, 6, 3), (T, 6)
        try:
            seq = seq.to(CANONICAL)
        except MarionnetteError as e:
            raise MarionnetteError(f"cannot retarget skeleton {seq.skeleton.name!r} onto the character: {e}") from None
        self.reset()
        if self.ground in ("clip", "auto"):
            self._plan_ground(seq, feet, feet_confidence)
        qpos = np.empty((len(seq), self.model.nq))  # (T, nq)
        for t in range(len(seq)):
            qpos[t] = self.solve_frame(seq.positions[t], seq.confidence[t], feet[t], feet_confidence[t])
        return qpos

    def solve_frame(
        self,
        positions: np.ndarray,
        confidence: np.ndarray | None = None,
        feet: np.ndarray | None = None,
        feet_confidence: np.ndarray | None = None,
    ) -> np.ndarray:
        """``(nq,)`` qpos whose canonical joints (and foot sites) best fit ``positions`` (and ``feet``).

        :param positions: ``(16, 3)`` metres, y up, in :data:`~marionnette.motion.CANONICAL`
            order; NaN marks a missing joint.
        :param confidence: ``(16,)`` in ``[0, 1]`` (NaN counts as 0); ``None`` means all ones.
        :param feet: ``(6, 3)`` the foot points in :class:`~marionnette.motion.mapping.FootPoint`
            order, same frame as ``positions`` (MediaPipe's heels and foot indices:
            ``find_foot_map(MEDIAPIPE_33).apply(world[None], visibility[None])[0][0]``);
            NaN marks a point the source lacks;
            ``None``: no foot points (the ankles keep their angles).
        :param feet_confidence: ``(6,)`` in ``[0, 1]``; ``None`` means all ones.
        """
        positions = np.asarray(positions, dtype=np.float64)
        if positions.shape != (_JOINTS, 3):
            raise MarionnetteError(
                f"retarget positions of shape {positions.shape}: expected ({_JOINTS}, 3), the canonical joints in "
                f"CANONICAL order (convert a PoseSequence with seq.to(CANONICAL), or use solve)"
            )
        weight = self._weights(confidence, _JOINTS, "confidence", "one per canonical joint")
        seen = np.isfinite(positions).all(axis=1) & (weight > 0)  # (16,)
        weight = np.where(seen, weight, 0.0)
        positions = np.where(seen[:, None], positions, 0.0)
        if not seen.any():  # nothing to fit: hold the last pose
            self.residual = np.full(_JOINTS, np.nan)
            return (self.character.standing_qpos if self._q is None else self._q).copy()

        # Targets: scaled, grounded, in MuJoCo's frame; each foot site along its point's
        # direction from the ankle, at the character's own distance.
        if self.scale_factor is None:
            self.scale_factor = self._measure_scale(positions, weight)
        scaled = positions * (1.0 if self.scale_factor is None else self.scale_factor)  # (16, 3) motion frame
        unit, foot_confidence = self._foot_directions(positions, seen, feet, feet_confidence)  # (6, 3), (6,)
        ok = foot_confidence > 0
        if self._mode == "frame" or (self._mode == "clip" and self._lift is None):  # a stream's first frame
            lift = self._lift_for(scaled, seen, unit, ok)
            self._lift = self._lift if lift is None else lift  # nothing to stand on: the last shift holds
        if self._mode is not None:
            scaled = scaled + [0.0, self._lift or 0.0, 0.0]
        targets = from_motion_frame(scaled)  # (16, 3)
        foot_targets = from_motion_frame(scaled[_FOOT_ANKLE] + unit * self._foot_reach[:, None])  # (6, 3)
        foot_weight = self.foot_cost * foot_confidence  # (6,) 0 where a point is missing
        self._points.set_targets(targets, weight, foot_targets, foot_weight)
        if self._q is None:
            q, self._since_cold = self._cold(targets, seen), 0
        else:
            q = self._run(self._q, self.iterations)
            self._since_cold += 1
            if self._should_recover(self._worst(q, targets, seen)):
                cold, self._since_cold = self._cold(targets, seen), 0
                if self._error(cold) < _RECOVER_GAIN * self._error(q):
                    q = cold
                    self.recovered += 1
        q = self._off_the_floor(q)
        self._q = q
        error = np.linalg.norm(self.configuration.data.xpos[self._body_ids] - targets, axis=1)  # (16,)
        self.residual = np.where(seen, error, np.nan)
        return q.copy()

    def _should_recover(self, worst: float) -> bool:
        """Whether a warm frame whose worst joint misses by ``worst`` is solved cold too: past
        ``recover``, and either jumped from the last frame by half of it or not tried for
        ``_RECOVER_EVERY`` frames (a noisy or ill-fitting source misses by more than
        ``recover`` all along, and a cold solve costs ~2 ms)."""
        if self.recover is None or worst <= self.recover:
            return False
        last = np.nanmax(self.residual) if np.isfinite(self.residual).any() else 0.0
        return worst > last + self.recover / 2 or self._since_cold >= _RECOVER_EVERY

    @staticmethod
    def _weights(confidence: np.ndarray | None, n: int, what: str, each: str) -> np.ndarray:
        """``(n,)`` weights from a confidence argument (None: all ones; NaN: 0), checked."""
        if confidence is None:
            return np.ones(n)
        weight = np.asarray(confidence, dtype=np.float64)
        if weight.shape != (n,):
            raise MarionnetteError(f"retarget {what} of shape {weight.shape}: expected ({n},), {each}")
        weight = np.nan_to_num(weight, nan=0.0)
        if weight.min() < 0 or weight.max() > 1:
            raise MarionnetteError(
                f"retarget {what} spans [{weight.min():g}, {weight.max():g}]: it must lie in [0, 1] "
                f"(0 marks a missing joint)"
            )
        return weight

    def _run(self, start: np.ndarray, steps: int) -> np.ndarray:
        """``(nq,)``: ``steps`` IK steps from ``start`` (the posture pulling towards it), hinges
        clipped exactly into their limits (mink keeps them inside, to rounding)."""
        import mink

        self.configuration.update(start)
        self._posture.set_target(start)
        for _ in range(steps):
            velocity = mink.solve_ik(
                self.configuration, self._tasks, 1.0, self.solver, damping=self.damping, limits=self._limits
            )
            self.configuration.integrate_inplace(velocity, 1.0)
            if np.abs(velocity).max() < self.tolerance:
                break
        q = self.configuration.q.copy()
        hinges = self.character.hinge_qpos
        q[hinges] = np.clip(q[hinges], *self.character.hinge_range.T)
        return q

    def _cold(self, targets: np.ndarray, seen: np.ndarray) -> np.ndarray:
        """A frame solved with no previous one: the closed-form seed (off the floor, where
        the floor's limit can keep it), then ``cold_iterations``."""
        return self._run(self._off_the_floor(self._seed(targets, seen)), self.cold_iterations)

    def _off_the_floor(self, q: np.ndarray) -> np.ndarray:
        """``q`` with its root lifted by however deep the body is below the floor (with
        ``floor``); the configuration left at the result."""
        self.configuration.update(q)
        if self._floor:
            clearance = self.character.floor_clearance(self.configuration.data)
            if clearance < 0:
                q = q.copy()
                q[self.character.root_position_qpos.start + 2] += _FLOOR_GAP - clearance
                self.configuration.update(q)
        return q

    def _worst(self, q: np.ndarray, targets: np.ndarray, seen: np.ndarray) -> float:
        """Metres from its target of the seen joint farthest from it at ``q``."""
        self.configuration.update(q)
        return float(np.linalg.norm(self.configuration.data.xpos[self._body_ids[seen]] - targets[seen], axis=1).max())

    def _error(self, q: np.ndarray) -> float:
        """The points task's weighted squared error at ``q`` (joints and foot points)."""
        self.configuration.update(q)
        return float(np.sum((self._points.cost * self._points.compute_error(self.configuration)) ** 2))

    # -- targets ----------------------------------------------------------------------------

    def _measure_scale(self, positions: np.ndarray, weight: np.ndarray) -> float | None:
        """The character's limb length over the person's in this frame, or None when it
        shows fewer than two limb bones."""
        sure = weight >= _SCALE_CONFIDENCE
        bones = [i for i, (a, b) in enumerate(_LIMB_BONES) if sure[a] and sure[b]]
        person = sum(np.linalg.norm(positions[_LIMB_BONES[i][0]] - positions[_LIMB_BONES[i][1]]) for i in bones)
        if len(bones) >= _SCALE_MIN_BONES and person > 0:
            return float(self._bone_lengths[bones].sum() / person)
        return None

    def _plan_ground(self, seq: PoseSequence, feet: np.ndarray, feet_confidence: np.ndarray) -> None:
        """Before :meth:`solve` runs a clip: its scale (when measured), whether it grounds
        per frame (``"auto"``), and its one floor shift (``"clip"``): the 95th percentile over
        the frames of the shift each would take on its own (the frames on the floor need
        the most; a frame in the air, less)."""
        seen = np.isfinite(seq.positions).all(axis=-1) & (np.nan_to_num(seq.confidence) > 0)  # (T, 16)
        positions = np.where(seen[..., None], seq.positions, 0.0).astype(np.float64)  # (T, 16, 3)
        if self.scale_factor is None:
            for t in range(len(seq)):
                factor = self._measure_scale(positions[t], np.where(seen[t], np.nan_to_num(seq.confidence[t]), 0.0))
                if factor is not None:
                    self.scale_factor = factor
                    break
        scaled = positions * (1.0 if self.scale_factor is None else self.scale_factor)
        pelvis = scaled[seen[:, CanonicalJoint.PELVIS], CanonicalJoint.PELVIS, 1]  # (T',) metres
        if self.ground == "auto" and (len(pelvis) < 2 or np.ptp(pelvis) < _STILL_PELVIS):
            self._mode, self._lift = "frame", 0.0  # hip-centred: no vertical motion to keep
            return
        self._mode = "clip"
        lifts = []
        for t in range(len(seq)):
            unit, confidence = self._foot_directions(positions[t], seen[t], feet[t], feet_confidence[t])
            lift = self._lift_for(scaled[t], seen[t], unit, confidence > 0, pelvis_too=False)
            if lift is not None:
                lifts.append(lift)
        if lifts:
            self._lift = float(np.percentile(lifts, _FLOOR_PERCENTILE))
        else:  # no ankle ever seen: the pelvis at its standing height, typically
            self._lift = self._pelvis_height - float(np.median(pelvis)) if len(pelvis) else 0.0

    def _lift_for(
        self, scaled: np.ndarray, seen: np.ndarray, unit: np.ndarray, ok: np.ndarray, pelvis_too: bool = True
    ) -> float | None:
        """Metres one frame is raised to stand on the floor: the most any seen foot's lowest
        point is below the sole's standing height, each foot turned as its points say (flat,
        as standing, with none: then its ankle at the standing ankle height); the pelvis's
        shortfall when no ankle is seen (``pelvis_too``); None with nothing to stand on.
        So a frame on tiptoe stands on its toes, not on its ankles."""
        needs = []
        for side, ankle in enumerate(_ANKLES):
            if not seen[ankle]:
                continue
            points = np.flatnonzero(ok & (_FOOT_ANKLE == ankle))
            offsets = self._foot_offsets[points]  # (K, 3) standing, motion frame
            if len(points) >= 2:
                turn = kabsch(offsets, unit[points] * self._foot_reach[points, None]).rotation
            elif len(points) == 1:
                turn = _rotation_between(offsets[0], unit[points[0]])
            else:
                turn = np.eye(3)
            ends, radii = self._foot_shapes[side]
            lowest = float(((ends @ turn.T)[:, 1] - radii).min())  # below the ankle, metres
            needs.append(self._sole - (scaled[ankle, 1] + lowest))
        if needs:
            return max(needs)
        if pelvis_too and seen[CanonicalJoint.PELVIS]:
            return self._pelvis_height - float(scaled[CanonicalJoint.PELVIS, 1])
        return None

    def _foot_directions(
        self, positions: np.ndarray, seen: np.ndarray, feet: np.ndarray | None, feet_confidence: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """``(6, 3)`` unit directions (motion frame) from each foot point's ankle to it, and
        ``(6,)`` their confidence: 0 where the point, its ankle or the character's foot site
        is missing."""
        none = np.zeros((_FEET, 3)), np.zeros(_FEET)
        if feet is None or self._site_ids is None or self.foot_cost == 0:
            return none
        feet = np.asarray(feet, dtype=np.float64)
        if feet.shape != (_FEET, 3):
            raise MarionnetteError(
                f"retarget feet of shape {feet.shape}: expected ({_FEET}, 3), the foot points in FootPoint order "
                f"({', '.join(FOOT_POINTS)}), NaN where missing"
            )
        weight = self._weights(feet_confidence, _FEET, "feet_confidence", "one per foot point")
        direction = feet - positions[_FOOT_ANKLE]  # (6, 3)
        length = np.linalg.norm(direction, axis=1)  # (6,)
        ok = np.isfinite(length) & (length > 1e-6) & seen[_FOOT_ANKLE] & (weight > 0)
        if not ok.any():
            return none
        unit = np.where(ok[:, None], direction / np.where(ok, length, 1.0)[:, None], 0.0)
        return unit, np.where(ok, weight, 0.0)

    # -- the closed-form cold seed ----------------------------------------------------------

    def _rigid_joints(self) -> tuple[np.ndarray, np.ndarray]:
        """Canonical joints rigidly attached to the root body (no hinge moves them) and
        their offsets in its frame: ``(K,)`` indices, ``(K, 3)`` metres."""
        m, data = self.model, mujoco.MjData(self.model)
        mujoco.mj_kinematics(m, data)
        root = self._body_ids[CanonicalJoint.PELVIS]
        rigid = []
        for body in self._body_ids:
            own_offsets = [m.jnt_pos[k] for k in range(m.body_jntadr[body], m.body_jntadr[body] + m.body_jntnum[body])]
            fixed = body == root or not any(np.abs(p).max() > 0 for p in own_offsets)
            b = m.body_parentid[body]
            while fixed and body != root and b != root:
                fixed, b = m.body_jntnum[b] == 0, m.body_parentid[b]
            rigid.append(fixed and (body == root or b == root))
        index = np.flatnonzero(rigid)
        local = (data.xpos[self._body_ids[index]] - data.xpos[root]) @ data.xmat[root].reshape(3, 3)
        return index, local

    def _ball(self, name: str) -> _Ball | None:
        """The ball joint of body ``name``, or None when its hinges are not three
        orthogonal axes about one anchor (then it is not seeded)."""
        m = self.model
        body = m.body(name).id
        first, count = m.body_jntadr[body], m.body_jntnum[body]
        joints = range(first, first + count)
        if count != 3 or any(m.jnt_type[k] != mujoco.mjtJoint.mjJNT_HINGE for k in joints):
            return None
        axes = np.stack([m.jnt_axis[k] / np.linalg.norm(m.jnt_axis[k]) for k in joints], axis=1)  # (3, 3)
        if not np.allclose(axes.T @ axes, np.eye(3), atol=1e-6) or not all(
            np.allclose(m.jnt_pos[k], m.jnt_pos[first]) for k in joints
        ):
            return None
        rest = np.empty(9)
        mujoco.mju_quat2Mat(rest, m.body_quat[body])
        return _Ball(body, first, m.jnt_qposadr[list(joints)], axes, rest.reshape(3, 3), m.jnt_range[list(joints)])

    def _limb(self, top: int, middle: int, end: int) -> _Limb | None:
        """The limb whose ball joint is canonical joint ``top``, bending at ``middle``."""
        m = self.model
        ball = self._ball(CANONICAL.joints[top])
        mid_body, end_body = self._body_ids[middle], self._body_ids[end]
        end_joints = range(m.body_jntadr[end_body], m.body_jntadr[end_body] + m.body_jntnum[end_body])
        if ball is None or m.body_jntnum[mid_body] != 1 or any(np.abs(m.jnt_pos[k]).max() > 0 for k in end_joints):
            return None  # not a ball joint, then one hinge, then an end point that only its parents move
        hinge = m.body_jntadr[mid_body]
        data = mujoco.MjData(m)
        mujoco.mj_kinematics(m, data)
        frame = data.xmat[ball.body].reshape(3, 3)  # the ball's zero-angle frame in the world
        axis = frame.T @ data.xmat[mid_body].reshape(3, 3) @ m.jnt_axis[hinge]
        upper = frame.T @ (data.xpos[mid_body] - data.xanchor[ball.joint])
        lower = frame.T @ (data.xpos[end_body] - data.xpos[mid_body])
        if abs(axis @ upper) > 1e-6 * np.linalg.norm(upper) or abs(axis @ lower) > 1e-6 * np.linalg.norm(lower):
            return None  # the hinge does not bend the limb in one plane
        bend0 = float(np.arctan2(axis @ np.cross(upper, lower), upper @ lower))
        return _Limb(ball, m.jnt_qposadr[hinge], m.jnt_range[hinge], axis, upper, lower, bend0, (top, middle, end))

    def _seed(self, targets: np.ndarray, seen: np.ndarray) -> np.ndarray:
        """A pose near ``targets`` in closed form (for a cold frame): the root, then the
        spine, the head and the limbs, each from its targets' directions."""
        q = self.character.standing_qpos.copy()
        self._seed_root(q, targets, seen)
        self.configuration.update(q)
        if not self.seed:
            return q
        if self._spine is not None and seen[CanonicalJoint.NECK]:
            both = seen[CanonicalJoint.LEFT_SHOULDER] and seen[CanonicalJoint.RIGHT_SHOULDER]
            self._seed_ball(
                q,
                self._spine,
                CanonicalJoint.NECK,
                targets,
                pair=(CanonicalJoint.LEFT_SHOULDER, CanonicalJoint.RIGHT_SHOULDER) if both else None,
            )
            self.configuration.update(q)
        if self._head is not None and seen[CanonicalJoint.HEAD]:
            self._seed_ball(q, self._head, CanonicalJoint.HEAD, targets)
        for limb in self._limbs:
            if seen[list(limb.ids[1:])].all():
                self._seed_limb(q, limb, targets)
        return q

    def _seed_root(self, q: np.ndarray, targets: np.ndarray, seen: np.ndarray) -> None:
        """The free joint from a rigid (Kabsch) fit of the joints fixed to the pelvis."""
        use = seen[self._rigid]
        local, world = self._rigid_local[use], targets[self._rigid[use]]  # (K, 3) each
        if len(local) == 0:
            return
        local_mean, world_mean = local.mean(axis=0), world.mean(axis=0)
        rotation = np.eye(3)
        if len(local) >= 3:
            fit = kabsch(local - local_mean, world - world_mean)
            if fit.singular[1] > 1e-6 * max(fit.singular[0], 1e-12):  # not all on one line
                rotation = fit.rotation
        q[:3] = world_mean - rotation @ local_mean
        mujoco.mju_mat2Quat(q[3:7], rotation.ravel())

    def _seed_ball(
        self,
        q: np.ndarray,
        ball: _Ball,
        end: int,
        targets: np.ndarray,
        pair: tuple[int, int] | None = None,
        lower: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        """Set ``ball``'s angles so that its anchor -> ``end`` points at that joint's target
        and, when given, a second direction lines up too: ``pair`` (joint a -> joint b, the
        shoulder line) or ``lower`` (a vector in the ball's zero-angle frame and the world
        direction it should take). The rotations tried: the one that lines up both
        directions, and every 15 degrees of twist about the first (all there is with one
        direction, or two nearly parallel); :meth:`_ball_angles` picks."""
        data = self.configuration.data
        parent = data.xmat[self.model.body_parentid[ball.body]].reshape(3, 3)
        zero = parent @ ball.rest  # (3, 3) the ball's zero-angle frame in the world
        anchor = data.xanchor[ball.joint]
        local_first = zero.T @ (data.xpos[self._body_ids[end]] - anchor)  # at the current angles
        current = zero.T @ data.xmat[ball.body].reshape(3, 3)  # current turn, in the zero frame
        local_first = current.T @ local_first  # -> the zero-angle pose
        want_first = zero.T @ (targets[end] - anchor)
        if np.linalg.norm(want_first) < 1e-9:
            return
        pairs = [(local_first, want_first)]  # (vector at zero angles, the direction it should take)
        if pair is not None:
            a, b = pair
            local_second = current.T @ zero.T @ (data.xpos[self._body_ids[a]] - data.xpos[self._body_ids[b]])
            pairs.append((local_second, zero.T @ (targets[a] - targets[b])))
        elif lower is not None:
            pairs.append((lower[0], zero.T @ lower[1]))
        turns = []
        if len(pairs) == 2 and np.linalg.norm(np.cross(want_first, pairs[1][1])) > _STRAIGHT * np.linalg.norm(
            want_first
        ) * np.linalg.norm(pairs[1][1]):
            turns.append(_triad(want_first, pairs[1][1]) @ _triad(local_first, pairs[1][0]).T)
        aligned = _rotation_between(current @ local_first, want_first) @ current
        axis = want_first / np.linalg.norm(want_first)
        turns.extend(Rotation.from_rotvec(axis * _TWISTS[:, None]).as_matrix() @ aligned)  # (24, 3, 3)
        q[ball.qpos] = self._ball_angles(ball, np.stack(turns), pairs)

    @staticmethod
    def _ball_angles(ball: _Ball, turns: np.ndarray, pairs: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
        """``(3,)`` hinge angles, within the limits, for one of the rotations ``turns``
        ``(N, 3, 3)`` (the ball's zero-angle frame): of both decompositions of each, clipped
        to the limits, the one whose turn of each ``pairs`` vector (zero-angle frame) best
        meets its direction (metres), plus ``_REST_COST`` per radian from the zero pose."""
        # MuJoCo turns a body by its hinges in order, each about its axis in the frame the
        # previous ones left: turn = R(a1, q1) R(a2, q2) R(a3, q3). With A = [a1 a2 a3]
        # orthonormal, A^T turn A is x-y-z intrinsic Euler angles, mirrored when det A < 0.
        handed = np.sign(np.linalg.det(ball.axes))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Gimbal lock detected": the angles still give the turn
            euler = Rotation.from_matrix(ball.axes.T @ turns @ ball.axes).as_euler("XYZ")  # (N, 3)
        other = euler + [np.pi, 0.0, np.pi]  # every rotation has a second x-y-z decomposition
        other[:, 1] = np.pi - euler[:, 1]
        low, high = ball.range.T  # (3,) each
        angles = np.clip(_wrap_into(handed * np.concatenate([euler, other]), low, high), low, high)  # (2N, 3)
        turned = Rotation.identity(len(angles))
        for k in range(3):  # the turn each clipped decomposition really makes
            turned = turned * Rotation.from_rotvec(ball.axes[:, k] * angles[:, k : k + 1])
        miss = np.zeros(len(angles))  # (2N,) metres
        for local, want in pairs:
            reach = np.linalg.norm(local)
            miss += np.linalg.norm(turned.apply(local) - want / np.linalg.norm(want) * reach, axis=1)
        return angles[np.argmin(miss + _REST_COST * np.abs(angles).sum(axis=1))]

    def _seed_limb(self, q: np.ndarray, limb: _Limb, targets: np.ndarray) -> None:
        """The elbow or knee from the angle between the limb's two segments, then the ball
        joint so that both segments point at their targets."""
        _, middle, end = limb.ids
        data = self.configuration.data
        anchor = data.xanchor[limb.ball.joint]
        upper, lower = targets[middle] - anchor, targets[end] - targets[middle]  # (3,) world
        bend = np.arctan2(np.linalg.norm(np.cross(upper, lower)), upper @ lower)  # unsigned, [0, pi]
        low, high = limb.hinge_range
        options = _wrap_into(np.array([bend, -bend]) - limb.bend0, low, high)  # (2,) bending either way
        outside = np.maximum(low - options, 0) + np.maximum(options - high, 0)
        angle = float(np.clip(options[np.argmin(outside)], low, high))
        q[limb.hinge] = angle
        bent = Rotation.from_rotvec(limb.axis * angle).as_matrix() @ limb.lower  # (3,) zero frame
        self._seed_ball(q, limb.ball, middle, targets, lower=(bent, lower))


def _points_task(mink, model: mujoco.MjModel, body_ids: np.ndarray, site_ids: np.ndarray | None):
    """A mink task pulling the bodies ``body_ids`` (the canonical joints) and the sites
    ``site_ids`` (the foot points) onto target positions, one 3-row block per point, each
    weighted by its own weight: position only (a point has no orientation), in the world
    frame, all in one task so a step builds one Jacobian."""
    sites = np.zeros(0, dtype=int) if site_ids is None else np.asarray(site_ids)
    J, S = len(body_ids), len(sites)

    class PointsTask(mink.Task):
        def __init__(self):
            self.k = 3 * (J + S)
            super().__init__(cost=np.ones(self.k), gain=1.0, lm_damping=_ERROR_DAMPING)
            self.targets = np.zeros((J + S, 3))  # (16 + 6, 3) MuJoCo world frame
            self._jacobian = np.zeros((self.k, model.nv))  # (66, nv)

        def set_targets(self, targets, weight, site_targets=None, site_weight=None) -> None:
            """``targets (16, 3)``, ``weight (16,)``; ``site_targets (6, 3)``, ``site_weight
            (6,)`` (None: the sites have no say). A weight scales the point's squared error."""
            self.targets[:J] = targets
            self.cost[: 3 * J] = np.repeat(np.sqrt(weight), 3)
            if S:
                self.targets[J:] = 0.0 if site_targets is None else site_targets
                self.cost[3 * J :] = 0.0 if site_weight is None else np.repeat(np.sqrt(site_weight), 3)

        def compute_error(self, configuration) -> np.ndarray:
            data = configuration.data
            return (np.concatenate([data.xpos[body_ids], data.site_xpos[sites]]) - self.targets).ravel()  # (66,)

        def compute_jacobian(self, configuration) -> np.ndarray:
            data = configuration.data
            for i, body in enumerate(body_ids):
                mujoco.mj_jacBody(model, data, self._jacobian[3 * i : 3 * i + 3], None, body)
            for i, site in enumerate(sites, start=J):
                mujoco.mj_jacSite(model, data, self._jacobian[3 * i : 3 * i + 3], None, int(site))
            return self._jacobian.copy()

    return PointsTask()


__all__ = ["Retargeter"]
