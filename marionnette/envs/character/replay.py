"""``marionnette/CharacterReplay-v0``: the character moved by a clip, kinematically."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from gymnasium import spaces

from marionnette.body import to_motion_frame
from marionnette.envs.character.base import CharacterEnv
from marionnette.envs.character.reference import reference_qpos, reference_stride
from marionnette.motion import PoseSequence


class CharacterReplayEnv(CharacterEnv):
    """A clip replayed on the character: each step sets its pose to the clip's next frame.

    No physics acts: the pose is the clip's, retargeted onto the character's joints, so this
    env is for watching a motion on the body and for making datasets (renders with their
    exact skeletons), with the same spaces and cameras as the other character tasks.

    ## Clip

    ``clip`` is a built-in clip name (``wave``, ``squat``, ``march``, ``reach``, ``walk``:
    :mod:`marionnette.body.clips`), a PoseSequence ``.npz`` (e.g. saved by
    ``marionnette puppet --npz``), a ``.bvh`` file, or a ``PoseSequence``. Files are
    resampled to ``fps`` and retargeted with :class:`marionnette.body.Retargeter`.

    ## Action space

    ``Discrete(1)``: the replay has no say; its one action, 0, lets the clip go on. Any
    other action (None, ``"0"``, 1, 0.5, NaN, ...) raises ``MarionnetteError``.

    ## Observation space

    ``Box(-inf, inf, (16, 3), float32)``: the 16 canonical joint positions in metres (y up,
    the character facing +z at the start), indexed by
    :class:`~marionnette.motion.CanonicalJoint`, as a
    :class:`~marionnette.motion.PoseSequence` holds them: the character read exactly as a
    captured person is read.

    ## Rewards and episode end

    Reward is always 0. The episode is truncated at the clip's last frame
    (``loop=True`` plays it again instead, and ``max_episode_steps`` truncates; a
    travelling clip, ``walk``, starts each lap a stride further on).
    ``info`` holds ``frame`` and ``qpos``.

    ## Starting state

    Frame ``options["frame"]`` of :meth:`reset` (modulo the clip's length), 0 by default.

    ## Rendering

    ``render_mode="rgb_array"``: ``(height, width, 3)`` uint8 from the body's ``front``
    camera (webcam-like) by default, or ``camera="track"``; ``metadata["render_fps"]`` is
    ``fps``.

    ## Arguments

    | argument      | default   | meaning                                                      |
    |---------------|-----------|--------------------------------------------------------------|
    | ``clip``      | ``wave``  | built-in clip name, ``.npz`` / ``.bvh`` path, or a ``PoseSequence`` |
    | ``units``     | None      | a ``.bvh`` clip's unit: ``m``, ``cm``, ``mm``, ``inch``, ``cmu``  |
    |               |           | or metres per unit; None tells it from the body's size       |
    | ``fps``       | 30.0      | frames per second (one per step): ``dt = 1 / fps``           |
    | ``loop``      | False     | replay the clip instead of truncating at its end             |
    | ``render_mode`` | None    | ``"rgb_array"`` or None                                      |
    | ``camera``, ``width``, ``height`` | ``front``, 640, 480 | rendering                       |

    ## Version history

    - v0: formerly ``CharacterPuppet-v0`` (``CharacterPuppetEnv``), renamed so that "puppet"
      means only the webcam pipeline (``marionnette puppet``); a bad action raises
      ``MarionnetteError`` naming it.
    """

    def __init__(
        self,
        clip: str | os.PathLike | PoseSequence = "wave",
        fps: float = 30.0,
        loop: bool = False,
        render_mode: str | None = None,
        camera: str = "front",
        width: int = 640,
        height: int = 480,
        units: str | float | None = None,
    ):
        self.fps = float(fps)  # before the base reads dt
        super().__init__(render_mode, frame_skip=0, camera=camera, width=width, height=height)  # no physics steps
        self.clip_name, self.qpos = reference_qpos(clip, fps, self.character, units)  # (T, nq)
        self.positions = self.character.forward_kinematics(self.qpos, fps=fps).positions  # (T, 16, 3)
        # A looping travelling clip (walk) goes on from where its last lap ended.
        self.stride = reference_stride(clip, fps, self.character)  # (2,) m, MuJoCo x, y
        self.loop = loop
        self.frame = 0
        self.lap = 0
        self._still = np.zeros(self.model.nv)  # no velocity: the pose is set, not simulated
        self.action_space = spaces.Discrete(1)
        self.observation_space = spaces.Box(-np.inf, np.inf, (16, 3), np.float32)

    @property
    def dt(self) -> float:
        """Seconds per step: one frame of the clip, ``1 / fps`` (no physics runs)."""
        return 1 / self.fps

    def _show(self) -> tuple[np.ndarray, dict[str, Any]]:
        qpos = self.qpos[self.frame].copy()
        x, y = self.lap * self.stride  # MuJoCo's floor: x forward, y left
        qpos[self.character.root_position_qpos][:2] += (x, y)
        self.set_state(qpos, self._still)
        positions = self.positions[self.frame] + to_motion_frame(np.array([x, y, 0.0])).astype(np.float32)
        return positions, {"frame": self.frame, "qpos": qpos}

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self.frame, self.lap = int((options or {}).get("frame", 0)) % len(self.qpos), 0
        return self._show()

    def step(self, action):
        self.check_action(action)  # 0, the only action
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
