"""``marionnette/CharacterWalk-v0``: the character learns to walk forward."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import mujoco
import numpy as np
from gymnasium import spaces

from marionnette.body import BodyCamera, Character
from marionnette.errors import MarionnetteError


class CharacterWalkEnv(gym.Env):
    """Walk forward as fast as possible without falling.

    The body is marionnette's character (:class:`marionnette.body.Character`): an adult of
    1.75 m and 66.7 kg with a free root and 26 torque-driven hinges (spine 3, neck 3,
    shoulders 3+3, elbows 1+1, hips 3+3, knees 1+1, ankles 2+2), colliding with the floor
    only. The task follows Gymnasium's ``Humanoid-v5``, so its users know what to expect.

    ## Action space

    ``Box(-1, 1, (26,), float32)``: one torque command per hinge, scaled by that motor's
    gear (the peak torque in N m: 200 for a hip's flexion, 15 for the neck's twist). The
    order is ``Character.joint_names``.

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

    Each step (``dt`` = 4 physics steps of 5 ms = 0.02 s) pays

    - ``forward_reward = forward_reward_weight * x_velocity``: the centre of mass's velocity
      along +x over the step (m/s), weight 1.25;
    - ``healthy_reward = 5.0`` while the pelvis is between 0.65 m and 1.5 m high;
    - ``- ctrl_cost = ctrl_cost_weight * sum(action ** 2)``, weight 0.02.

    ``info`` holds each term (``reward_forward``, ``reward_alive``, ``reward_ctrl``) and
    ``x_position``, ``y_position``, ``distance_from_origin`` (of the centre of mass, m) and
    ``x_velocity``.

    ## Starting state

    Standing in the zero pose (arms at its sides) with its feet 1 cm above the floor; every
    coordinate plus uniform noise in ``[-reset_noise_scale, reset_noise_scale]`` (0.01).

    ## Episode end

    Terminated when the pelvis drops below 0.65 m (a fall) or rises above 1.5 m;
    truncated after 1000 steps (20 s) by the registration's ``max_episode_steps``.

    ## Rendering

    ``render_mode="rgb_array"`` gives ``(height, width, 3)`` uint8 frames (480x640 by
    default) from the body's tracking camera (``camera="front"`` for the webcam-like view).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 50}
    FRAME_SKIP = 4

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
        if render_mode not in (None, "rgb_array"):
            raise MarionnetteError(f"render_mode={render_mode!r}: use 'rgb_array' or None")
        self.character = Character()
        self.model, self.data = self.character.model, self.character.data
        self.render_mode = render_mode
        self.forward_reward_weight = forward_reward_weight
        self.healthy_reward = healthy_reward
        self.ctrl_cost_weight = ctrl_cost_weight
        self.healthy_z_range = healthy_z_range
        self.reset_noise_scale = reset_noise_scale
        self._camera_args = (camera, width, height)
        self._camera: BodyCamera | None = None
        self.dt = self.model.opt.timestep * self.FRAME_SKIP
        self.metadata = {**self.metadata, "render_fps": round(1 / self.dt)}
        self.action_space = spaces.Box(-1.0, 1.0, (self.model.nu,), np.float32)
        size = self.model.nq - 2 + self.model.nv
        self.observation_space = spaces.Box(-np.inf, np.inf, (size,), np.float64)

    def _observation(self) -> np.ndarray:
        return np.concatenate([self.data.qpos[2:], self.data.qvel])  # (63,)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        mujoco.mj_resetData(self.model, self.data)
        noise = self.reset_noise_scale
        self.data.qpos[:] = self.model.qpos0 + self.np_random.uniform(-noise, noise, self.model.nq)
        self.data.qpos[3:7] /= np.linalg.norm(self.data.qpos[3:7])  # the noisy root stays a unit quaternion
        self.data.qvel[:] = self.np_random.uniform(-noise, noise, self.model.nv)
        mujoco.mj_forward(self.model, self.data)
        return self._observation(), self._info()

    def _info(self) -> dict[str, Any]:
        com = self.data.subtree_com[1]  # the whole character's centre of mass
        return {
            "x_position": float(com[0]),
            "y_position": float(com[1]),
            "distance_from_origin": float(np.hypot(com[0], com[1])),
        }

    def step(self, action):
        action = np.asarray(action, dtype=np.float64)
        if action.shape != self.action_space.shape:
            raise MarionnetteError(f"action of shape {action.shape}: expected {self.action_space.shape}, one per hinge")
        x_before = self.data.subtree_com[1, 0]
        self.data.ctrl[:] = np.clip(action, -1.0, 1.0)
        mujoco.mj_step(self.model, self.data, nstep=self.FRAME_SKIP)
        # subtree_com comes from the last physics step's forward pass (one 5 ms step behind qpos),
        # before and after alike, as Humanoid-v5's mass_center does.
        x_velocity = (self.data.subtree_com[1, 0] - x_before) / self.dt

        forward = self.forward_reward_weight * x_velocity
        z = self.data.qpos[2]
        healthy = self.healthy_z_range[0] < z < self.healthy_z_range[1]
        alive = self.healthy_reward if healthy else 0.0
        ctrl = self.ctrl_cost_weight * float(np.square(self.data.ctrl).sum())
        reward = forward + alive - ctrl
        info = {
            **self._info(),
            "x_velocity": x_velocity,
            "reward_forward": forward,
            "reward_alive": alive,
            "reward_ctrl": -ctrl,
        }
        return self._observation(), float(reward), not healthy, False, info

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        if self._camera is None:
            camera, width, height = self._camera_args
            self._camera = BodyCamera(self.model, camera, width, height)
        return self._camera.render(self.data)

    def close(self):
        if self._camera is not None:
            self._camera.close()
            self._camera = None
