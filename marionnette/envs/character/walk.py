"""``marionnette/CharacterWalk-v0``: the character learns to walk forward."""

from __future__ import annotations

from typing import Any

import mujoco
import numpy as np
from gymnasium import spaces

from marionnette.envs.character.base import CharacterEnv


class CharacterWalkEnv(CharacterEnv):
    """Walk forward as fast as possible without falling.

    The body is marionnette's character (:class:`marionnette.body.Character`): an adult of
    1.75 m and 66.7 kg with a free root and 26 torque-driven hinges (spine 3, neck 3,
    shoulders 3+3, elbows 1+1, hips 3+3, knees 1+1, ankles 2+2), colliding with the floor
    only. The task follows Gymnasium's ``Humanoid-v5``, so its users know what to expect.

    ## Action space

    ``Box(-1, 1, (26,), float32)``: one torque command per hinge, scaled by that motor's
    gear (the peak torque in N m: 200 for a hip's flexion, 15 for the neck's twist). The
    order is ``Character.joint_names``. An action outside the space, NaN, inf or of the
    wrong shape raises ``MarionnetteError`` (SB3 clips its actions to the space).

    ## Observation space

    ``Box(-inf, inf, (63,), float64)``, the character's generalised coordinates without its
    position on the floor (a walker should not care where it is):

    | index   | observation                                       | unit   |
    |---------|---------------------------------------------------|--------|
    | 0       | pelvis height above the floor                     | m      |
    | 1-4     | pelvis orientation, quaternion (w, x, y, z)       |        |
    | 5-30    | hinge angles, in ``Character.joint_names`` order   | rad    |
    | 31-33   | pelvis linear velocity (x forward, y left, z up)  | m/s    |
    | 34-36   | pelvis angular velocity                           | rad/s  |
    | 37-62   | hinge angular velocities                          | rad/s  |

    ## Rewards

    Each step (``dt`` = 4 physics steps of 5 ms = 0.02 s) pays, as Humanoid-v5 does,

    - ``forward_reward = forward_reward_weight * x_velocity``: the centre of mass's velocity
      along +x over the step (m/s), weight 1.25;
    - ``healthy_reward = 5.0`` while the pelvis is between 0.65 m and 1.5 m high;
    - ``- ctrl_cost = ctrl_cost_weight * sum(action ** 2)``, weight 0.02.

    ``info`` holds each term under Humanoid-v5's names (``reward_forward``,
    ``reward_survive``, ``reward_ctrl``, the last negative) and ``x_position``,
    ``y_position``, ``distance_from_origin`` (of the centre of mass, m), ``x_velocity``
    and ``y_velocity`` (m/s).

    ## Starting state

    Standing in the zero pose (arms at its sides) with its feet 1 cm above the floor; every
    coordinate plus uniform noise in ``[-reset_noise_scale, reset_noise_scale]`` (0.01).

    ## Episode end

    Terminated when the pelvis drops below 0.65 m (a fall) or rises above 1.5 m;
    truncated after 1000 steps (20 s) by the registration's ``max_episode_steps``.

    ## Rendering

    ``render_mode="rgb_array"`` gives ``(height, width, 3)`` uint8 frames (480x640 by
    default) from the body's tracking camera (``camera="front"`` for the webcam-like view).

    ## Arguments

    | argument                | default       | meaning                                         |
    |-------------------------|---------------|-------------------------------------------------|
    | ``render_mode``         | None          | ``"rgb_array"`` or None                         |
    | ``forward_reward_weight`` | 1.25        | per m/s of the centre of mass along +x          |
    | ``healthy_reward``      | 5.0           | per step while healthy                          |
    | ``ctrl_cost_weight``    | 0.02          | per unit of ``sum(action ** 2)``                |
    | ``healthy_z_range``     | (0.65, 1.5)   | m; the pelvis outside it ends the episode       |
    | ``reset_noise_scale``   | 0.01          | half-width of the uniform noise at reset        |
    | ``camera``, ``width``, ``height`` | ``track``, 640, 480 | rendering                  |

    ## Version history

    - v0: first version; ``info["reward_alive"]`` renamed ``reward_survive`` (Humanoid-v5's
      name) and ``info["y_velocity"]`` added; bad actions (NaN, out of ``[-1, 1]``, the
      wrong shape or type) raise ``MarionnetteError`` instead of being clipped.
    """

    def __init__(
        self,
        render_mode: str | None = None,
        forward_reward_weight: float = 1.25,
        healthy_reward: float = 5.0,
        ctrl_cost_weight: float = 0.02,
        healthy_z_range: tuple[float, float] = (0.65, 1.5),
        reset_noise_scale: float = 0.01,
        camera: str = "track",
        width: int = 640,
        height: int = 480,
    ):
        super().__init__(render_mode, frame_skip=4, camera=camera, width=width, height=height)
        self.forward_reward_weight = forward_reward_weight
        self.healthy_reward = healthy_reward
        self.ctrl_cost_weight = ctrl_cost_weight
        self.healthy_z_range = healthy_z_range
        self.reset_noise_scale = reset_noise_scale
        self.action_space = spaces.Box(-1.0, 1.0, (self.model.nu,), np.float32)
        self.observation_space = spaces.Box(-np.inf, np.inf, (self.model.nq - 2 + self.model.nv,), np.float64)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        noise = self.reset_noise_scale
        qpos = self.model.qpos0 + self.np_random.uniform(-noise, noise, self.model.nq)
        orientation = qpos[self.character.root_orientation_qpos]
        orientation /= np.linalg.norm(orientation)  # the noisy root stays a unit quaternion
        qvel = self.np_random.uniform(-noise, noise, self.model.nv)
        self.set_state(qpos, qvel)
        return self.proprioception(), self._info()

    def _info(self) -> dict[str, Any]:
        x, y, _ = self.character.center_of_mass(self.data)
        return {"x_position": float(x), "y_position": float(y), "distance_from_origin": float(np.hypot(x, y))}

    def step(self, action):
        action = self.check_action(action)  # (26,) in [-1, 1]
        before = self.character.center_of_mass(self.data)[:2].copy()  # (2,) x, y
        self.data.ctrl[:] = action
        mujoco.mj_step(self.model, self.data, nstep=self.frame_skip)
        # The centre of mass comes from the last physics step's forward pass (one 5 ms step
        # behind qpos), before and after alike, as Humanoid-v5's mass_center does.
        x_velocity, y_velocity = (self.character.center_of_mass(self.data)[:2] - before) / self.dt

        forward = self.forward_reward_weight * x_velocity
        low, high = self.healthy_z_range
        healthy = low < self.character.pelvis_height(self.data) < high
        survive = self.healthy_reward if healthy else 0.0
        ctrl = self.ctrl_cost_weight * float(np.square(self.data.ctrl).sum())
        reward = forward + survive - ctrl
        info = {
            **self._info(),
            "x_velocity": x_velocity,
            "y_velocity": y_velocity,
            "reward_forward": forward,
            "reward_survive": survive,
            "reward_ctrl": -ctrl,
        }
        return self.proprioception(), float(reward), not healthy, False, info
