"""The one base of the character's tasks, in the role of Gymnasium's ``MujocoEnv``
(``gymnasium/envs/mujoco/mujoco_env.py``): the body, the control rate, the action check,
rendering and closing live here once; each task fills in its spaces, ``reset`` and ``step``
(its reward, observation and termination)."""

from __future__ import annotations

from typing import Any, ClassVar

import gymnasium as gym
import mujoco
import numpy as np
from gymnasium import spaces

from marionnette.body import BodyCamera, Character
from marionnette.errors import MarionnetteError

RENDER_MODES = ("rgb_array",)  # headless frames only; a window shows them (`marionnette watch`)


class CharacterEnv(gym.Env):
    """A task on marionnette's character (:class:`marionnette.body.Character`).

    What every task shares:

    - :attr:`character` and its MuJoCo :attr:`model` and :attr:`data`, read by name
      (``character.pelvis_height(data)``, ``character.root_orientation(data)``, ...);
    - :attr:`frame_skip` physics steps (5 ms each) per env step, :attr:`dt` their length
      in seconds, and ``metadata["render_fps"] = 1 / dt``;
    - :meth:`render` (``render_mode="rgb_array"``: ``(height, width, 3)`` uint8 from the
      body's ``camera``, made on the first call) and :meth:`close`, which frees it;
    - :meth:`check_action`, which every ``step`` calls first: a bad action (None, not
      numbers, the wrong shape, NaN or inf, outside the action space) is refused with one
      line naming it and the fix, before anything moves;
    - :meth:`set_state` and :meth:`proprioception`, the character's state in and out.

    A task sets ``action_space`` and ``observation_space`` and writes ``reset`` and
    ``step``. The character's motors drive its hinges one each, in
    ``Character.joint_names`` order, so a ``Box`` action of one value per hinge can go to
    ``data.ctrl`` as it is.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": list(RENDER_MODES), "render_fps": 50}

    def __init__(
        self,
        render_mode: str | None = None,
        frame_skip: int = 4,
        camera: str = "track",
        width: int = 640,
        height: int = 480,
    ):
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise MarionnetteError(f"render_mode={render_mode!r}: use 'rgb_array' or None")
        self.character = Character()
        self.model, self.data = self.character.model, self.character.data
        motors = [int(self.model.actuator_trnid[a, 0]) for a in range(self.model.nu)]
        if motors != [self.model.joint(name).id for name in self.character.joint_names]:
            raise MarionnetteError("the character's motors do not drive its hinges one each, in joint order")
        self.render_mode = render_mode
        self.frame_skip = frame_skip
        self._camera_args = (camera, width, height)
        self._camera: BodyCamera | None = None  # made on the first render
        fps = 1 / self.dt
        # An int when the rate is one (50 for 4 steps of 5 ms), as Gymnasium's MuJoCo envs declare it.
        self.metadata = {**self.metadata, "render_fps": round(fps) if abs(fps - round(fps)) < 1e-6 else fps}

    @property
    def dt(self) -> float:
        """Seconds per env step: ``timestep * frame_skip`` (0.005 s * 4 = 0.02 s by default)."""
        return self.model.opt.timestep * self.frame_skip

    # -- the state ---------------------------------------------------------------------------

    def set_state(self, qpos: np.ndarray, qvel: np.ndarray) -> None:
        """Put the character at ``qpos (nq,)`` moving at ``qvel (nv,)``, the rest of the
        simulation (time, controls, contacts) reset, and run the forward pass."""
        mujoco.mj_resetData(self.model, self.data)
        self.data.qpos[:] = qpos
        self.data.qvel[:] = qvel
        mujoco.mj_forward(self.model, self.data)

    def proprioception(self) -> np.ndarray:
        """``(63,)`` the character's generalised coordinates without its place on the floor:
        pelvis height (1, m), pelvis orientation (4, quaternion w, x, y, z), hinge angles
        (26, rad), pelvis linear (3, m/s) and angular (3, rad/s) velocity, hinge angular
        velocities (26, rad/s); hinges in ``Character.joint_names`` order."""
        c, d = self.character, self.data
        return np.concatenate(
            [
                [c.pelvis_height(d)],  # (1,)
                c.root_orientation(d),  # (4,)
                d.qpos[c.hinge_qpos],  # (26,)
                d.qvel[c.root_dof],  # (6,)
                d.qvel[c.hinge_dof],  # (26,)
            ]
        )  # (63,)

    # -- the action --------------------------------------------------------------------------

    def check_action(self, action: Any) -> Any:
        """``action`` checked against :attr:`action_space`: a ``float64`` array for a ``Box``
        (its shape), an ``int`` for a ``Discrete``; anything else raises
        :class:`MarionnetteError` with one line naming the action and the fix. Values
        outside the space are refused, not clipped (SB3 clips its actions to the space
        before stepping; a NaN or an out-of-range value from elsewhere is a bug to see)."""
        if isinstance(self.action_space, spaces.Discrete):
            return self._check_choice(action, self.action_space)
        return self._check_box(action, self.action_space)

    def _check_box(self, action: Any, space: spaces.Box) -> np.ndarray:
        low, high = space.low.astype(np.float64), space.high.astype(np.float64)
        bounds = f"[{low.min():g}, {high.max():g}]"
        per = ", one per hinge" if space.shape == (len(self.character.joint_names),) else ""
        wanted = f"pass a float array of shape {space.shape} in {bounds}{per}"
        try:
            array = np.asarray(action)
        except (TypeError, ValueError) as e:  # ragged lists, objects numpy cannot hold
            raise MarionnetteError(f"action {_shown(action)}: not an array of numbers; {wanted}") from e
        if array.dtype.kind not in "iuf":
            raise MarionnetteError(f"action {_shown(action)}: not an array of numbers; {wanted}")
        array = array.astype(np.float64)
        if array.shape != space.shape:
            raise MarionnetteError(f"action of shape {array.shape}: expected {space.shape}{per} (got {_shown(array)})")
        bad = ~np.isfinite(array)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise MarionnetteError(
                f"action {_shown(array)}: {array.flat[i]} at index {i}{self._hinge(i, space)}; {wanted} "
                "(a NaN or inf action usually means the policy diverged)"
            )
        outside = (array < low) | (array > high)
        if outside.any():
            i = int(np.flatnonzero(outside)[0])
            raise MarionnetteError(
                f"action {_shown(array)}: {array.flat[i]:g} at index {i}{self._hinge(i, space)} is outside the "
                f"action space {bounds}; clip it first, np.clip(action, {low.min():g}, {high.max():g}) (SB3 does)"
            )
        return array

    def _hinge(self, index: int, space: spaces.Box) -> str:
        """`` (left_knee)``: the hinge an action's ``index`` drives, when it drives one."""
        names = self.character.joint_names
        return f" ({names[index]})" if space.shape == (len(names),) else ""

    @staticmethod
    def _check_choice(action: Any, space: spaces.Discrete) -> int:
        start, n = int(space.start), int(space.n)
        wanted = f"the only action is {start}; pass {start}" if n == 1 else f"pass an int in {start}..{start + n - 1}"
        integral = isinstance(action, int | np.integer) or (
            isinstance(action, np.ndarray) and action.shape == () and action.dtype.kind in "iu"
        )
        if isinstance(action, bool | np.bool_) or not integral or not start <= int(action) < start + n:
            raise MarionnetteError(f"action {_shown(action)}: not an action of {space}; {wanted}")
        return int(action)

    # -- rendering ---------------------------------------------------------------------------

    def render(self) -> np.ndarray | None:
        if self.render_mode != "rgb_array":
            return None
        if self._camera is None:
            self._camera = BodyCamera(self.model, *self._camera_args)
        return self._camera.render(self.data)

    def close(self) -> None:
        if self._camera is not None:
            self._camera.close()
            self._camera = None


def _shown(action: Any) -> str:
    """``action`` on one short line, for an error message (a 26-vector's numpy repr takes four)."""
    if isinstance(action, np.ndarray) and action.dtype.kind in "biuf":
        text = np.array2string(action, precision=3, separator=", ", threshold=8, edgeitems=3, max_line_width=10**6)
    else:
        text = repr(action)
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."
