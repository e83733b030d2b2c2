"""``marionnette/CharacterImitate-v0``: the character imitates a reference clip (DeepMimic).

Reference: X. B. Peng, P. Abbeel, S. Levine, M. van de Panne, "DeepMimic: Example-Guided
Deep Reinforcement Learning of Physics-Based Character Skills", SIGGRAPH 2018: PD targets
as actions, the pose / velocity / end-effector / root imitation reward, reference-state
initialisation and early termination.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import gymnasium as gym
import mujoco
import numpy as np
from gymnasium import spaces

from marionnette.body import to_motion_frame
from marionnette.envs.character.base import CharacterEnv
from marionnette.envs.character.reference import reference_qpos, reference_stride
from marionnette.errors import MarionnetteError
from marionnette.motion import CanonicalJoint, PoseSequence

# The end effectors of the end-effector reward: wrists and ankles.
_ENDS = (CanonicalJoint.LEFT_WRIST, CanonicalJoint.RIGHT_WRIST, CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE)
_UP = 1  # the vertical axis of motion-frame positions (y up)


def mpjpe(positions: np.ndarray, reference: np.ndarray) -> float:
    """Mean per-joint position error (metres): the mean Euclidean distance between
    ``positions`` and ``reference``, ``(..., J, 3)`` each (broadcast), over every joint and
    frame, with no alignment (a body in the wrong place pays for it)."""
    return float(np.linalg.norm(np.asarray(positions) - np.asarray(reference), axis=-1).mean())


def _end_features(positions: np.ndarray) -> np.ndarray:
    """``(..., 4, 3)`` wrists and ankles of ``positions (..., 16, 3)`` (motion frame): their
    horizontal place relative to the pelvis and their height above the floor (DeepMimic's)."""
    ends = positions[..., list(_ENDS), :].copy()  # (..., 4, 3)
    pelvis = positions[..., CanonicalJoint.PELVIS : CanonicalJoint.PELVIS + 1, :]  # (..., 1, 3)
    ends[..., [0, 2]] -= pelvis[..., [0, 2]]
    return ends


class CharacterImitateEnv(CharacterEnv):
    """Imitate a reference motion clip with the physically simulated character.

    The body is marionnette's character (:class:`marionnette.body.Character`, 26 hinges
    and a free root, colliding with the floor only; see ``CharacterWalk-v0``). The clip is
    one of the character's own clips (:mod:`marionnette.body.clips`: ``wave``, ``squat``,
    ``march``, ``reach``, ``walk``), or any :class:`~marionnette.motion.PoseSequence` (an ``.npz``
    written by ``PoseSequence.save``, a ``.bvh``, or the object itself), resampled to the
    control rate (50 fps) and retargeted onto the character by
    :class:`marionnette.body.Retargeter` (``ground="auto"``: a clip whose pelvis moves
    keeps its vertical motion over one floor found from the whole clip, jumps included,
    and a hip-centred capture is grounded frame by frame; a file's toe or foot joints set
    the ankles, and the body stays off the floor; ``scale=True``: to the character's limb
    lengths). Built-in clips use their keyframed
    ``qpos`` as they are. The *reference* is that ``qpos`` per frame (``T`` frames), its
    velocities by central finite differences, and its forward kinematics
    (:attr:`reference`, a canonical ``PoseSequence``): every error below is measured
    against what the character itself can reach.

    The task follows DeepMimic (Peng et al. 2018): PD targets as actions, an imitation
    reward in ``[0, 1]``, reference-state initialisation and early termination.

    ## Action space

    ``Box(-1, 1, (26,), float32)``: one PD target per hinge, in ``Character.joint_names``
    order, as an *offset around the reference*: the target of hinge ``i`` for the step to
    frame ``t + 1`` is

    ``target_i = q_ref_i(t + 1) + action_scale * a_i * (high_i - low_i) / 2``

    so that ``a = 0`` tracks the reference and ``a = ±1`` reaches ``action_scale`` of the
    joint's half range away from it (0.25: ±19 degrees at a hip's flexion, ±10 at the
    neck's twist; at 0.5, PPO's exploration noise alone topples the character and the
    first 300k steps learn little). An action outside the space, NaN, inf or of the wrong
    shape raises ``MarionnetteError`` (SB3 clips its actions to the space). Targets are not
    clipped to the joint range: one past a limit presses the joint against it (a locked
    knee), where a target clipped onto the limit would hold it with no torque at all, and
    exploration noise around a straight knee (at its limit in the standing pose) would only
    ever bend it. Each physics step (5 ms, 4 per action) applies

    ``torque = kp * (target - q) - kd * q_dot``, ``ctrl = clip(torque / gear, -1, 1)``

    with ``kp = stiffness * gear`` (N m/rad: a joint reaches its peak torque ``gear`` at
    ``1 / stiffness`` rad of error, 0.2 rad by default; e.g. 1000 for a hip's flexion, 250
    for a shoulder's, 75 for the neck's twist) and ``kd = damping_time * kp`` (N m s/rad,
    0.03 s: 30 for a hip, 15 for an ankle's flexion). Gains proportional to the motor's
    strength give the joints alike bandwidths, and the clip to the gear keeps the
    character's torque limits. The damping is explicit (computed from the velocity at the
    start of each 5 ms step), which is stable while ``kd * dt / I < 2`` for the lightest
    body a joint moves: a foot, about 0.06 kg m^2 with its armature, caps ``damping_time``
    near 0.05 s, where a standing character's legs already chatter; 0.03 s keeps a margin.
    With ``a = 0`` (plain PD tracking) the character follows ``wave`` and ``reach`` while
    standing, and falls in the first two seconds of ``squat`` and ``march``.

    ## Observation space

    ``Box(-inf, inf, (95,), float64)``:

    | index   | observation                                                    | unit   |
    |---------|----------------------------------------------------------------|--------|
    | 0       | pelvis height above the floor                                  | m      |
    | 1-4     | pelvis orientation, quaternion (w, x, y, z)                    |        |
    | 5-30    | hinge angles, in ``Character.joint_names`` order                | rad    |
    | 31-33   | pelvis linear velocity (x forward, y left, z up)               | m/s    |
    | 34-36   | pelvis angular velocity                                        | rad/s  |
    | 37-62   | hinge angular velocities                                       | rad/s  |
    | 63      | phase: the current frame over the clip's length, ``t / T``     |        |
    | 64-65   | ``sin``, ``cos`` of ``2 pi`` times the phase                    |        |
    | 66-91   | the reference's hinge angles at the next frame (``t + 1``)     | rad    |
    | 92-94   | the reference's pelvis at the next frame minus the pelvis      | m      |
    |         | (MuJoCo axes: x forward, y left, z up)                         |        |

    ## Rewards

    Each step (``dt`` = 0.02 s) compares the character with the reference frame it has
    reached and pays (DeepMimic's weights and scales)

    ``reward = 0.65 r_pose + 0.1 r_vel + 0.15 r_end + 0.1 r_root`` in ``[0, 1]``:

    - ``r_pose = exp(-2 (sum_i (q_i - q_ref_i)^2 + theta_root^2))``: the 26 hinge angles and
      the angle (rad) between the pelvis orientation and the reference's;
    - ``r_vel = exp(-0.1 sum_i (q_dot_i - q_dot_ref_i)^2)``: the 26 hinge velocities;
    - ``r_end = exp(-40 sum_e |p_e - p_ref_e|^2)``: wrists and ankles (m), each placed
      horizontally relative to the pelvis and vertically above the floor, as DeepMimic
      does, so that a body standing a little aside is not paid twice for it;
    - ``r_root = exp(-10 |p_pelvis - p_ref_pelvis|^2)``: the pelvis position (m).

    DeepMimic sums a quaternion difference's squared angle per ball joint; for small errors
    that is the sum of its three hinges' squared errors here, so the scales carry over.

    ``info`` holds each term (``reward_pose``, ``reward_vel``, ``reward_end``,
    ``reward_root``, each in ``[0, 1]`` before its weight), ``mpjpe`` (the mean distance in
    metres between the character's 16 canonical joints and the reference's, this frame),
    ``root_distance`` (m), ``frame`` (the reference frame ``t``) and ``x_position`` (m, the
    pelvis along +x, forward: what ``marionnette eval`` reports as metres forward). Whole episodes are
    scored by :func:`episode_mpjpe`.

    ## Starting state

    Reference-state initialisation: ``qpos`` and ``qvel`` of a reference frame drawn
    uniformly from ``0 .. T - 2`` (``0 .. T - 1`` when looping), or of frame
    ``options["frame"]`` when :meth:`reset` is given one. The built-in clips' feet hover
    1 cm above the floor, as in the zero pose.

    ## Episode end

    Terminated (early termination) when the pelvis drops below ``min_pelvis_height``
    (0.4 m), the pelvis is more than ``max_root_distance`` (0.5 m) from the reference's, or
    the mean joint error ``mpjpe`` exceeds ``max_mpjpe`` (0.25 m): a fall, or a pose
    that has drifted beyond recovery. Truncated on the clip's last frame, unless
    ``loop=True``: then the clip starts again from frame 0 (meant for clips that end where
    they start, as all the built-in ones do) and the registration's
    ``max_episode_steps`` (1000 steps, 20 s) truncates. A travelling clip (``walk``) starts
    each lap where the last one ended: the reference's root moves on by the clip's
    :func:`~marionnette.body.clips.stride` per lap (:attr:`lap` counts them), so
    ``clip="walk", loop=True`` is walking forward for as long as the episode lasts.

    ## Rendering

    ``render_mode="rgb_array"`` gives ``(height, width, 3)`` uint8 frames (480x640 by
    default) from the webcam-like front camera (``camera="track"`` for the side view).

    ## Arguments

    | argument            | default   | meaning                                                 |
    |---------------------|-----------|---------------------------------------------------------|
    | ``clip``            | ``wave``  | built-in clip name, ``.npz`` / ``.bvh`` path, or a      |
    |                     |           | ``PoseSequence``                                        |
    | ``units``           | None      | a ``.bvh`` clip's unit: ``m``, ``cm``, ``mm``, ``inch``, |
    |                     |           | ``cmu`` or metres per unit; None tells it from the      |
    |                     |           | body's size (:func:`~marionnette.motion.load_bvh`)      |
    | ``loop``            | False     | replay the clip instead of truncating at its end       |
    | ``action_scale``    | 0.25      | largest PD-target offset, in joint half ranges          |
    | ``stiffness``       | 5.0       | ``kp / gear`` (1/rad)                                   |
    | ``damping_time``    | 0.03      | ``kd / kp`` (s)                                         |
    | ``reward_weights``  | (.65, .1, .15, .1) | pose, velocity, end-effector, root             |
    | ``reward_scales``   | (2, .1, 40, 10)    | the exponents' scales, same order              |
    | ``min_pelvis_height`` | 0.4     | m; below it the episode terminates                      |
    | ``max_root_distance`` | 0.5     | m from the reference's pelvis                           |
    | ``max_mpjpe``       | 0.25      | m of mean joint error                                   |
    | ``camera``, ``width``, ``height`` | ``front``, 640, 480 | rendering            |

    ## Version history

    - v0: first version; bad actions (NaN, out of ``[-1, 1]``, the wrong shape or type)
      raise ``MarionnetteError`` instead of being clipped.
    """

    def __init__(
        self,
        render_mode: str | None = None,
        clip: str | os.PathLike | PoseSequence = "wave",
        loop: bool = False,
        action_scale: float = 0.25,
        stiffness: float = 5.0,
        damping_time: float = 0.03,
        reward_weights: tuple[float, float, float, float] = (0.65, 0.1, 0.15, 0.1),
        reward_scales: tuple[float, float, float, float] = (2.0, 0.1, 40.0, 10.0),
        min_pelvis_height: float = 0.4,
        max_root_distance: float = 0.5,
        max_mpjpe: float = 0.25,
        camera: str = "front",
        width: int = 640,
        height: int = 480,
        units: str | float | None = None,
    ):
        if len(reward_weights) != 4 or len(reward_scales) != 4:
            raise MarionnetteError(
                "reward_weights and reward_scales take 4 numbers each: pose, velocity, end effectors, root"
            )
        super().__init__(render_mode, frame_skip=4, camera=camera, width=width, height=height)
        model = self.model
        self.loop = loop
        self.action_scale = action_scale
        self.reward_weights = tuple(float(w) for w in reward_weights)
        self.reward_scales = tuple(float(s) for s in reward_scales)
        self.min_pelvis_height = min_pelvis_height
        self.max_root_distance = max_root_distance
        self.max_mpjpe = max_mpjpe

        # The hinges' motors (the base checks they drive them one each, in Character.joint_names
        # order) and PD gains.
        self.gear = model.actuator_gear[:, 0].copy()  # (26,) N m
        self.kp = stiffness * self.gear  # (26,) N m/rad
        self.kd = damping_time * self.kp  # (26,) N m s/rad
        low, high = self.character.hinge_range.T  # (26,) each, rad
        self._half_range = (high - low) / 2

        # The reference: qpos, qvel and forward kinematics per frame.
        self.clip_name, qpos = reference_qpos(clip, 1 / self.dt, self.character, units)  # at the control rate
        self.reference_qpos = qpos  # (T, nq)
        # How far a looping clip's root moves each lap (MuJoCo x, y): a travelling clip such
        # as walk goes on from where its last lap ended, as DeepMimic offsets cyclic clips.
        self.stride = reference_stride(clip, 1 / self.dt, self.character)  # (2,) m
        self.reference_qvel = self._velocities(qpos)  # (T, nv)
        self.reference = self.character.forward_kinematics(qpos, fps=1 / self.dt)  # (T, 16, 3) y up
        self._reference_ends = _end_features(self.reference.positions.astype(np.float64))  # (T, 4, 3)
        self.frame = 0
        self.lap = 0  # times a looping clip has started again this episode

        self.action_space = spaces.Box(-1.0, 1.0, (model.nu,), np.float32)
        size = model.nq - 2 + model.nv + 3 + model.nu + 3
        self.observation_space = spaces.Box(-np.inf, np.inf, (size,), np.float64)

    # -- the reference ----------------------------------------------------------------------

    def _velocities(self, qpos: np.ndarray) -> np.ndarray:
        """``(T, nv)`` central finite differences of ``qpos (T, nq)`` (one-sided at the ends,
        cyclic when looping)."""
        T = len(qpos)
        qvel = np.zeros((T, self.model.nv))
        for t in range(T):
            if self.loop:  # across the loop, the frame after the last is the first one lap on
                before, after = self._lap_qpos(t - 1), self._lap_qpos(t + 1)
                span = 2
            else:
                before, after = qpos[max(t - 1, 0)], qpos[min(t + 1, T - 1)]
                span = min(t + 1, T - 1) - max(t - 1, 0)
            mujoco.mj_differentiatePos(self.model, qvel[t], span * self.dt, before, after)
        return qvel

    def _lap_qpos(self, frame: int, lap: int = 0) -> np.ndarray:
        """``(nq,)`` the reference qpos at ``frame`` of lap ``lap`` of a looping clip
        (``frame`` may run past either end: it counts into the laps around)."""
        T = len(self.reference_qpos)
        lap, frame = lap + frame // T, frame % T
        qpos = self.reference_qpos[frame].copy()
        qpos[self.character.root_position_qpos][:2] += lap * self.stride  # x, y
        return qpos

    def _lap_offset(self) -> np.ndarray:
        """``(3,)`` the current lap's offset of the reference, in the motion frame (x left,
        y up, z forward), for its forward-kinematics positions."""
        x, y = self.lap * self.stride
        return to_motion_frame(np.array([x, y, 0.0]))

    def _next(self, frame: int) -> int:
        """The frame after ``frame`` (the last one holds, or wraps when looping)."""
        T = len(self.reference_qpos)
        return (frame + 1) % T if self.loop else min(frame + 1, T - 1)

    # -- Gymnasium --------------------------------------------------------------------------

    def _observation(self) -> np.ndarray:
        T = len(self.reference_qpos)
        phase = self.frame / T
        ahead = self._lap_qpos(self.frame + 1, self.lap) if self.loop else self.reference_qpos[self._next(self.frame)]
        c = self.character
        return np.concatenate(
            [
                self.proprioception(),  # (63,)
                [phase, np.sin(2 * np.pi * phase), np.cos(2 * np.pi * phase)],  # (3,)
                ahead[c.hinge_qpos],  # (26,)
                ahead[c.root_position_qpos] - c.root_position(self.data),  # (3,)
            ]
        )  # (95,)

    def imitation_terms(self) -> dict[str, float]:
        """The reward and its terms for the character's current state against reference
        frame :attr:`frame` (see Rewards), with ``mpjpe`` and ``root_distance`` in metres."""
        f = self.frame
        ref_q, ref_v = self.reference_qpos[f], self.reference_qvel[f]
        c, q, v = self.character, self.data.qpos, self.data.qvel
        root_turn = np.zeros(3)
        mujoco.mju_subQuat(root_turn, c.root_orientation(self.data), ref_q[c.root_orientation_qpos])  # rotation vector
        pose_error = float(np.square(q[c.hinge_qpos] - ref_q[c.hinge_qpos]).sum() + root_turn @ root_turn)
        velocity_error = float(np.square(v[c.hinge_dof] - ref_v[c.hinge_dof]).sum())
        positions = c.joint_positions(self.data).astype(np.float64)  # (16, 3) y up, by CanonicalJoint
        reference = self.reference.positions[f].astype(np.float64) + self._lap_offset()  # (16, 3)
        end_error = float(np.square(_end_features(positions) - self._reference_ends[f]).sum())
        root_offset = positions[CanonicalJoint.PELVIS] - reference[CanonicalJoint.PELVIS]
        root_error = float(root_offset @ root_offset)
        scales, weights = self.reward_scales, self.reward_weights
        terms = {
            "reward_pose": float(np.exp(-scales[0] * pose_error)),
            "reward_vel": float(np.exp(-scales[1] * velocity_error)),
            "reward_end": float(np.exp(-scales[2] * end_error)),
            "reward_root": float(np.exp(-scales[3] * root_error)),
        }
        reward = sum(w * term for w, term in zip(weights, terms.values(), strict=True))
        return {
            "reward": reward,
            **terms,
            "mpjpe": mpjpe(positions, reference),
            "root_distance": float(np.sqrt(root_error)),
            "pelvis_height": float(positions[CanonicalJoint.PELVIS, _UP]),
        }

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        T = len(self.reference_qpos)
        last = T - 1 if self.loop else T - 2  # a start needs a step left before the clip ends
        frame = (options or {}).get("frame")
        if frame is None:
            frame = int(self.np_random.integers(0, last + 1))
        elif not (isinstance(frame, (int, np.integer)) and 0 <= frame <= last):
            raise MarionnetteError(f"reset frame {frame!r}: the clip {self.clip_name!r} starts at a frame in 0..{last}")
        self.frame, self.lap = int(frame), 0
        self.set_state(self.reference_qpos[self.frame], self.reference_qvel[self.frame])
        terms = self.imitation_terms()
        return self._observation(), self._info(terms)

    def _info(self, terms: dict[str, float]) -> dict[str, Any]:
        kept = {k: v for k, v in terms.items() if k not in ("reward", "pelvis_height")}
        x_forward = float(self.character.root_position(self.data)[0])
        return {**kept, "frame": self.frame, "x_position": x_forward}

    def step(self, action):
        action = self.check_action(action)  # (26,) in [-1, 1]
        frame = self._next(self.frame)
        self.lap += int(self.loop and frame < self.frame)  # a looping clip started again
        hinge_qpos, hinge_dof = self.character.hinge_qpos, self.character.hinge_dof
        target = self.reference_qpos[frame, hinge_qpos] + self.action_scale * action * self._half_range
        for _ in range(self.frame_skip):
            error = target - self.data.qpos[hinge_qpos]
            torque = self.kp * error - self.kd * self.data.qvel[hinge_dof]  # (26,) N m
            self.data.ctrl[:] = np.clip(torque / self.gear, -1.0, 1.0)
            mujoco.mj_step(self.model, self.data)
        mujoco.mj_kinematics(self.model, self.data)  # body positions of the new state
        self.frame = frame

        terms = self.imitation_terms()
        terminated = (
            terms["pelvis_height"] < self.min_pelvis_height
            or terms["root_distance"] > self.max_root_distance
            or terms["mpjpe"] > self.max_mpjpe
        )
        truncated = not self.loop and self.frame == len(self.reference_qpos) - 1
        return self._observation(), terms["reward"], terminated, truncated, self._info(terms)


def episode_mpjpe(
    env: gym.Env,
    policy: Callable[[np.ndarray], np.ndarray] | None = None,
    frame: int = 0,
    seed: int | None = None,
) -> float:
    """Mean per-joint position error (metres) of one play of the clip, frame by frame.

    Resets ``env`` (a ``CharacterImitate-v0``, wrapped or not) at ``frame``, then steps it
    with ``policy(observation) -> action`` (zero actions, plain PD tracking of the
    reference, when ``None``) to the clip's last frame (one clip length when looping),
    *through* early terminations: the character plays on after a fall, so a fall costs
    its error to the end instead of ending the score. Returns the mean of ``info["mpjpe"]``
    over every frame from ``frame`` on, the starting one (0 by construction) included.
    """
    base = env.unwrapped
    if not isinstance(base, CharacterImitateEnv):
        raise MarionnetteError(f"episode_mpjpe scores a CharacterImitate env, not {type(base).__name__}")
    T = len(base.reference_qpos)
    obs, info = env.reset(seed=seed, options={"frame": frame})
    errors = [info["mpjpe"]]
    zero = np.zeros(env.action_space.shape, np.float32)
    for _ in range(T if base.loop else T - 1 - frame):
        obs, _, _, _, info = env.step(zero if policy is None else policy(obs))
        errors.append(info["mpjpe"])
    return float(np.mean(errors))


__all__ = ["CharacterImitateEnv", "episode_mpjpe", "mpjpe"]
