"""Retargeting: canonical joint positions -> the character's joint angles (inverse kinematics).

:class:`Retargeter` turns the 16 canonical joint positions of a frame (what capture, a
filter or a clip gives, y up, metres) into the character's ``qpos`` (free root + 26 hinge
angles), solving inverse kinematics with mink (differential IK as a quadratic program on
the MuJoCo model, https://github.com/kevinzakka/mink) and the daqp QP solver.

The problem, per frame
    - *Joint positions* (one task, 16 joints x 3 rows): each canonical body of the
      character is pulled onto its target; a joint's squared error is weighted by its
      confidence, so a missing joint (confidence 0, or a NaN position) has no say that
      frame and its limb keeps the angles it had.
    - *Posture* (``posture_cost``): a weak pull of every hinge towards the previous
      frame's solution (towards the seed on a cold frame), for continuity where the
      positions leave an angle free.
    - *Joint limits* (:class:`mink.ConfigurationLimit`): every hinge stays in its range.
    - Levenberg-Marquardt ``damping`` on each step. The root (free joint: position and
      heading) is solved with the rest.

    Each frame starts from the previous solution (warm start) and takes ``iterations``
    Gauss-Newton steps (fewer when a step barely moves). A *cold* frame (the first one
    after construction or :meth:`Retargeter.reset`) is first seeded in closed form: the
    root from a rigid fit of the pelvis, spine and hips, then the spine, the head and
    each limb's three hinges and elbow or knee from the targets' directions (where a
    direction leaves a twist free, the twist that keeps the hinges inside their limits),
    and then refined with ``cold_iterations`` steps. Without the seed (``seed=False``), a
    cold solve from the zero pose stalls on a joint limit once arms are raised high or
    twisted far: differential IK only finds the nearest minimum.

What positions cannot tell
    Sixteen points leave some angles free: the ankles (no point below them), the neck's
    twist (the head is a single point on its axis) and the twist of a straight arm or
    leg. Those keep their previous value (zero when cold), so a pose is recovered *through
    its positions*; angles match only where positions pin them.

Targets from a tracker (``scale``, ``ground``)
    ``scale=True`` measures the size of the person once, on the first frame where at
    least two limb bones (upper arms, forearms, thighs, shins) are seen (both ends with
    confidence >= 0.5): the character's total length of those bones over the person's.
    Every later frame is scaled by that factor about the origin (the hip centre for
    MediaPipe's world landmarks), so strides scale with the legs. A float fixes the
    factor; ``False`` keeps the positions as they are.
    ``ground=True`` shifts each frame vertically so the lowest seen ankle sits at the
    character's standing ankle height; with no ankle seen, the pelvis is put at its
    standing height; with neither, the last shift holds. Hip-centred landmarks (the
    pelvis at the origin) then stand on the floor. ``False`` keeps the heights.

mink and its QP solvers are imported when the first :class:`Retargeter` is made (qpsolvers
probes for jax: about half a second), so importing :mod:`marionnette.body` stays light.
"""

from __future__ import annotations

from typing import NamedTuple

import mujoco
import numpy as np
from scipy.spatial.transform import Rotation

from marionnette.body.character import Character, from_motion_frame
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, CanonicalJoint, PoseSequence
from marionnette.motion.geometry import kabsch

_JOINTS = len(CANONICAL.joints)  # 16

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
_SCALE_CONFIDENCE = 0.5  # a bone counts towards the scale when both its ends are this sure
_SCALE_MIN_BONES = 2  # ... and the scale is measured on the first frame with this many
_STRAIGHT = 0.02  # sin of the bend under which a limb counts as straight (its twist is free)

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


class Retargeter:
    """Inverse kinematics from canonical joint positions onto the :class:`Character`.

    ``solve_frame`` takes one frame (the live puppet calls it once per webcam frame) and
    starts from the previous frame's solution; ``solve`` retargets a whole
    :class:`~marionnette.motion.PoseSequence`. The module docstring describes the problem,
    the closed-form cold seed, and what ``scale`` and ``ground`` do.

    :param character: the body to drive; a new :class:`Character` when ``None``.
    :param ground: shift each frame vertically so the lowest seen ankle rests at the
        character's standing ankle height (the pelvis at its standing height when no ankle
        is seen). For hip-centred world landmarks such as MediaPipe's.
    :param scale: ``True``: scale positions by the character's limb length over the
        person's, measured once on the first frame that shows two limb bones; a float:
        that factor; ``False``: positions as given (metres, the character's size).
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
        ground: bool = False,
        scale: bool | float = True,
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
        self.character = Character() if character is None else character
        self.ground, self.scale = ground, scale
        self.iterations, self.cold_iterations, self.seed = iterations, cold_iterations, seed
        self.damping, self.tolerance, self.solver = damping, tolerance, solver
        model = self.character.model
        self.model = model
        self._body_ids = self.character.body_ids  # (16,), CANONICAL order

        # The zero pose, read once: heights for grounding, bone lengths for scaling.
        standing = self.character.forward_kinematics(self.character.standing_qpos).positions[0]  # (16, 3) y up
        self._ankle_height = float(standing[[CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE], 1].min())
        self._pelvis_height = float(standing[CanonicalJoint.PELVIS, 1])
        self._bone_lengths = np.array([np.linalg.norm(standing[a] - standing[b]) for a, b in _LIMB_BONES])  # (8,)

        # mink: the configuration, the tasks and the limits.
        self.configuration = mink.Configuration(model)
        self._positions = _joint_positions_task(mink, model, self._body_ids)
        self._posture = mink.PostureTask(model, cost=posture_cost)
        self._tasks = [self._positions, self._posture]
        self._limits = [mink.ConfigurationLimit(model)]

        self._rigid, self._rigid_local = self._rigid_joints()
        self._spine = self._ball("spine")
        self._head = self._ball("head")
        self._limbs = [limb for limb in (self._limb(*ids) for ids in _LIMBS) if limb is not None]
        self.reset()

    # -- state ------------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget the previous frame (the next one is solved cold) and the measured scale."""
        self._q: np.ndarray | None = None  # (nq,) the last solution
        self.scale_factor: float | None = (  # None until measured (scale=True)
            None if self.scale is True else 1.0 if self.scale is False else float(self.scale)
        )
        self._lift = 0.0  # the last vertical shift of ground=True, metres
        self.residual = np.full(_JOINTS, np.nan)  # (16,) metres from each target after the last frame

    # -- solving ----------------------------------------------------------------------------

    def solve(self, seq: PoseSequence) -> np.ndarray:
        """``(T, nq)`` qpos for every frame of ``seq`` (any skeleton that maps onto
        :data:`~marionnette.motion.CANONICAL`), frame by frame from a :meth:`reset`."""
        if not isinstance(seq, PoseSequence):
            raise MarionnetteError(
                f"retarget takes a PoseSequence, got {type(seq).__name__}: use solve_frame for one (16, 3) frame"
            )
        try:
            seq = seq.to(CANONICAL)
        except MarionnetteError as e:
            raise MarionnetteError(f"cannot retarget skeleton {seq.skeleton.name!r} onto the character: {e}") from None
        self.reset()
        qpos = np.empty((len(seq), self.model.nq))  # (T, nq)
        for t in range(len(seq)):
            qpos[t] = self.solve_frame(seq.positions[t], seq.confidence[t])
        return qpos

    def solve_frame(self, positions: np.ndarray, confidence: np.ndarray | None = None) -> np.ndarray:
        """``(nq,)`` qpos whose canonical joints best fit ``positions``.

        :param positions: ``(16, 3)`` metres, y up, in :data:`~marionnette.motion.CANONICAL`
            order; NaN marks a missing joint.
        :param confidence: ``(16,)`` in ``[0, 1]`` (NaN counts as 0); ``None`` means all ones.
        """
        positions = np.asarray(positions, dtype=np.float64)
        if positions.shape != (_JOINTS, 3):
            raise MarionnetteError(
                f"retarget positions of shape {positions.shape}: expected ({_JOINTS}, 3), the canonical joints in "
                f"CANONICAL order (convert a PoseSequence with seq.to(CANONICAL), or use solve)"
            )
        if confidence is None:
            weight = np.ones(_JOINTS)
        else:
            weight = np.asarray(confidence, dtype=np.float64)
            if weight.shape != (_JOINTS,):
                raise MarionnetteError(
                    f"retarget confidence of shape {weight.shape}: expected ({_JOINTS},), one per canonical joint"
                )
            weight = np.nan_to_num(weight, nan=0.0)
            if weight.min() < 0 or weight.max() > 1:
                raise MarionnetteError(
                    f"retarget confidence spans [{weight.min():g}, {weight.max():g}]: it must lie in [0, 1] "
                    f"(0 marks a missing joint)"
                )
        seen = np.isfinite(positions).all(axis=1) & (weight > 0)  # (16,)
        weight = np.where(seen, weight, 0.0)
        positions = np.where(seen[:, None], positions, 0.0)
        if not seen.any():  # nothing to fit: hold the last pose
            self.residual = np.full(_JOINTS, np.nan)
            return (self.character.standing_qpos if self._q is None else self._q).copy()

        targets = self._to_character(positions, weight, seen)  # (16, 3) MuJoCo world frame
        self._positions.set_targets(targets, weight)
        cold = self._q is None
        q = self._seed(targets, seen) if cold else self._q
        self.configuration.update(q)
        self._posture.set_target(q)
        self._iterate(self.cold_iterations if cold else self.iterations)

        q = self.configuration.q
        hinges = self.character.hinge_qpos
        q[hinges] = np.clip(q[hinges], *self.character.hinge_range.T)  # mink keeps them inside; exactly
        self._q = q
        error = np.linalg.norm(self.configuration.data.xpos[self._body_ids] - targets, axis=1)  # (16,)
        self.residual = np.where(seen, error, np.nan)
        return q.copy()

    def _iterate(self, steps: int) -> None:
        import mink

        for _ in range(steps):
            velocity = mink.solve_ik(
                self.configuration, self._tasks, 1.0, self.solver, damping=self.damping, limits=self._limits
            )
            self.configuration.integrate_inplace(velocity, 1.0)
            if np.abs(velocity).max() < self.tolerance:
                break

    # -- targets ----------------------------------------------------------------------------

    def _to_character(self, positions: np.ndarray, weight: np.ndarray, seen: np.ndarray) -> np.ndarray:
        """Motion-frame positions -> scaled, grounded targets in MuJoCo's frame, ``(16, 3)``."""
        if self.scale_factor is None:
            sure = weight >= _SCALE_CONFIDENCE
            bones = [i for i, (a, b) in enumerate(_LIMB_BONES) if sure[a] and sure[b]]
            person = sum(np.linalg.norm(positions[_LIMB_BONES[i][0]] - positions[_LIMB_BONES[i][1]]) for i in bones)
            if len(bones) >= _SCALE_MIN_BONES and person > 0:
                self.scale_factor = float(self._bone_lengths[bones].sum() / person)
        if self.scale_factor is not None:
            positions = positions * self.scale_factor
        if self.ground:
            ankles = [j for j in (CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE) if seen[j]]
            if ankles:
                self._lift = self._ankle_height - float(positions[ankles, 1].min())
            elif seen[CanonicalJoint.PELVIS]:
                self._lift = self._pelvis_height - float(positions[CanonicalJoint.PELVIS, 1])
            positions = positions + [0.0, self._lift, 0.0]
        return from_motion_frame(positions)

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
        direction it should take). With one direction only (or two nearly parallel), the
        twist about it is free: every 15 degrees of it is tried, and the angles least
        outside the limits win, then those nearest the current ones."""
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
        second = None
        if pair is not None:
            a, b = pair
            local_second = current.T @ zero.T @ (data.xpos[self._body_ids[a]] - data.xpos[self._body_ids[b]])
            second = (local_second, zero.T @ (targets[a] - targets[b]))
        elif lower is not None:
            second = (lower[0], zero.T @ lower[1])
        if second is not None and np.linalg.norm(np.cross(want_first, second[1])) > _STRAIGHT * np.linalg.norm(
            want_first
        ) * np.linalg.norm(second[1]):
            turns = [_triad(want_first, second[1]) @ _triad(local_first, second[0]).T]
        else:  # the twist about the one direction is free: try a turn of it every 15 degrees
            aligned = _rotation_between(current @ local_first, want_first) @ current
            axis = want_first / np.linalg.norm(want_first)
            twists = Rotation.from_rotvec(axis * np.radians(np.arange(0, 360, 15))[:, None]).as_matrix()  # (24, 3, 3)
            turns = twists @ aligned
        q[ball.qpos] = self._ball_angles(ball, np.stack(turns), q[ball.qpos])

    @staticmethod
    def _ball_angles(ball: _Ball, turns: np.ndarray, current: np.ndarray) -> np.ndarray:
        """``(3,)`` hinge angles giving one of the rotations ``turns`` ``(N, 3, 3)`` (the
        ball's zero-angle frame): of their decompositions, the one least outside the limits,
        then nearest ``current``; clipped to the limits."""
        # MuJoCo turns a body by its hinges in order, each about its axis in the frame the
        # previous ones left: turn = R(a1, q1) R(a2, q2) R(a3, q3). With A = [a1 a2 a3]
        # orthonormal, A^T turn A is x-y-z intrinsic Euler angles, mirrored when det A < 0.
        handed = np.sign(np.linalg.det(ball.axes))
        euler = Rotation.from_matrix(ball.axes.T @ turns @ ball.axes).as_euler("XYZ")  # (N, 3)
        other = euler + [np.pi, 0.0, np.pi]  # every rotation has a second x-y-z decomposition
        other[:, 1] = np.pi - euler[:, 1]
        low, high = ball.range.T  # (3,) each
        angles = _wrap_into(handed * np.concatenate([euler, other]), low, high)  # (2N, 3)
        outside = (np.maximum(low - angles, 0) + np.maximum(angles - high, 0)).sum(axis=1)  # (2N,)
        away = np.abs(angles - current).sum(axis=1)
        best = np.lexsort((away, outside))[0]
        return np.clip(angles[best], low, high)

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


def _joint_positions_task(mink, model: mujoco.MjModel, body_ids: np.ndarray):
    """A mink task pulling the bodies ``body_ids`` onto target positions, one 3-row block per
    body, each weighted by its joint's confidence: position only (a point has no
    orientation), in the world frame, all in one task so a step builds one Jacobian."""

    class JointPositionsTask(mink.Task):
        def __init__(self):
            self.k = 3 * len(body_ids)
            super().__init__(cost=np.ones(self.k), gain=1.0)
            self.targets = np.zeros((len(body_ids), 3))  # (16, 3) MuJoCo world frame
            self._jacobian = np.zeros((self.k, model.nv))  # (48, nv)

        def set_targets(self, targets: np.ndarray, weight: np.ndarray) -> None:
            """``targets (16, 3)``; ``weight (16,)`` scales each joint's squared error."""
            self.targets[:] = targets
            self.cost[:] = np.repeat(np.sqrt(weight), 3)

        def compute_error(self, configuration) -> np.ndarray:
            return (configuration.data.xpos[body_ids] - self.targets).ravel()  # (48,)

        def compute_jacobian(self, configuration) -> np.ndarray:
            for i, body in enumerate(body_ids):
                mujoco.mj_jacBody(model, configuration.data, self._jacobian[3 * i : 3 * i + 3], None, body)
            return self._jacobian.copy()

    return JointPositionsTask()


__all__ = ["Retargeter"]
