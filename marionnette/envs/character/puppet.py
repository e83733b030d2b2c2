"""``marionnette/CharacterPuppet-v0``: the character moved by a clip, kinematically."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import mujoco
import numpy as np
from gymnasium import spaces

from marionnette.body import BodyCamera, Character
from marionnette.envs.character.reference import reference_qpos, reference_stride
from marionnette.errors import MarionnetteError


class CharacterPuppetEnv(gym.Env):
    """The character as a string puppet: each step sets its pose to the next frame of a clip.

    No physics acts: the pose is the clip's, retargeted onto the character's joints, so this
    env is for watching a motion on the body and for making datasets (renders with their
    exact skeletons), with the same ids, spaces and cameras as the other character tasks.

    ## Clip

    ``clip`` is a built-in clip name (``wave``, ``squat``, ``march``, ``reach``, ``walk``:
    :mod:`marionnette.body.clips`), a PoseSequence ``.npz`` (e.g. saved by
    ``marionnette puppet --npz``), a ``.bvh`` file, or a ``PoseSequence``. Files are
    resampled to ``fps`` and retargeted with :class:`marionnette.body.Retargeter`.

    ## Action space

    ``Discrete(1)``: the puppet has no say; its one action lets the clip go on.

    ## Observation space

    ``Box(-inf, inf, (16, 3), float32)``: the 16 canonical joint positions in metres (y up,
    the character facing +z at the start), as :class:`marionnette.motion.PoseSequence` holds
    them: the character read exactly as a captured person is read.

    ## Rewards and episode end

    Reward is always 0. The episode is truncated at the clip's last frame
    (``loop=True`` plays it again instead, and ``max_episode_steps`` truncates; a
    travelling clip, ``walk``, starts each lap a stride further on).
    ``info`` holds ``frame`` and ``qpos``.

    ## Rendering

    ``render_mode="rgb_array"``: ``(height, width, 3)`` uint8 from the body's ``front``
    camera (webcam-like) by default, or ``camera="track"``.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(self, clip="wave", fps: float = 30.0, loop: bool = False, render_mode: str | None = None,
                 camera: str = "front", width: int = 640, height: int = 480):  # fmt: skip
        if render_mode not in (None, "rgb_array"):
            raise MarionnetteError(f"render_mode={render_mode!r}: use 'rgb_array' or None")
        self.character = Character()
        self.model, self.data = self.character.model, self.character.data
        self.clip_name, self.qpos = reference_qpos(clip, fps, self.character)
        self.positions = self.character.forward_kinematics(self.qpos, fps=fps).positions  # (T, 16, 3)
        self.loop, self.render_mode = loop, render_mode
        self.metadata = {**self.metadata, "render_fps": fps}
        self._camera_args = (camera, width, height)
        self._camera: BodyCamera | None = None
        self.action_space = spaces.Discrete(1)
        self.observation_space = spaces.Box(-np.inf, np.inf, (16, 3), np.float32)
        self.frame = 0
        # A looping travelling clip (walk) goes on from where its last lap ended.
        self.stride = reference_stride(clip, fps, self.character)  # (2,) m, MuJoCo x, y
        self.lap = 0

    def _show(self) -> tuple[np.ndarray, dict[str, Any]]:
        qpos = self.qpos[self.frame].copy()
        qpos[:2] += self.lap * self.stride
        self.data.qpos[:] = qpos
        mujoco.mj_forward(self.model, self.data)
        x, y = self.lap * self.stride
        positions = self.positions[self.frame] + np.array([y, 0.0, x], np.float32)  # motion frame: x left, z forward
        return positions, {"frame": self.frame, "qpos": qpos}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.frame, self.lap = int((options or {}).get("frame", 0)) % len(self.qpos), 0
        return self._show()

    def step(self, action):
        if not self.action_space.contains(action):
            raise MarionnetteError(f"action {action!r}: the puppet's only action is 0")
        self.frame += 1
        ended = self.frame >= len(self.qpos) - 1
        if self.loop:
            self.lap += self.frame // len(self.qpos)
            self.frame %= len(self.qpos)
            ended = False
        else:
            self.frame = min(self.frame, len(self.qpos) - 1)
        obs, info = self._show()
        return obs, 0.0, False, ended, info

    def render(self):
        if self.render_mode != "rgb_array":
            return None
        if self._camera is None:
            self._camera = BodyCamera(self.model, *self._camera_args)
        return self._camera.render(self.data)

    def close(self):
        if self._camera is not None:
            self._camera.close()
            self._camera = None
