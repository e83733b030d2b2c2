"""The machinery every arcade game shares: a batch of games as tensors on one device.

A game subclasses :class:`ArcadeVectorEnv` and writes four methods, all over the whole
batch with no Python loop over environments:

- ``_new_state(u)``: a fresh game for every env, from uniforms ``u`` ``(N, k)``;
- ``_advance(state, action, u)``: one agent step (4 Atari frames) → ``(state, reward,
  terminated)``;
- ``_features(state)``: the compact ``obs_type="state"`` vector ``(N, D)``;
- ``_scene(state)``: rectangles (and tiles) to draw, for pixels and for render, and
  ``_colours()``: the RGB colour of each.

The base class does the rest the way the ALE v5 ids do it: sticky actions (each of a
step's 4 frames keeps the previous action with probability ``repeat_action_probability``;
a game gives what each action does in a whole step as a table and :meth:`~ArcadeVectorEnv._sticky`
shares the step between the held and the new action), truncation after
``max_episode_steps`` agent steps (108,000 frames / 4), 84×84 grey frames stacked by 4,
next-step autoreset, seeding, input checks and rendering. :class:`ArcadeEnv` is the same
game as a single ``gymnasium.Env`` (a batch of one) for ``check_env``, SB3 and play.
"""

from __future__ import annotations

import math
import types
import warnings
from functools import cache
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
import torch
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from marionnette.envs.arcade import draw
from marionnette.envs.arcade.pixels import FrameWindow, Painter
from marionnette.envs.arcade.rng import CounterRNG
from marionnette.errors import MarionnetteError

State = dict[str, torch.Tensor]  # every value has a leading (N,) batch dimension
RGB = tuple[int, int, int]
FRAME = 84  # side of an ALE-preprocessed observation frame
STACK = 4  # frames per observation
FRAMESKIP = 4  # Atari frames per agent step
RENDER_H, RENDER_W = 320, 240  # render(): the 210×160 playfield, 1.5× and a multiple of 16 for H.264


@cache
def action_table(values: tuple[float, ...], device: torch.device) -> torch.Tensor:
    """``values``, one per action in ``ACTIONS`` order, as a float32 tensor ``(A,)`` on
    ``device``: made once per device, for :meth:`ArcadeVectorEnv._sticky`."""
    return torch.tensor(values, dtype=torch.float32, device=device)


class ArcadeVectorEnv(VectorEnv):
    """Base class of the torch-batched arcade games (see the module docstring)."""

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": ["rgb_array"],
        "render_fps": 15,  # 60 Hz / frameskip 4
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }
    ACTIONS: ClassVar[tuple[str, ...]] = ("NOOP",)  # ALE meanings, in ALE's minimal-set order
    REWARDS: ClassVar[tuple[float, ...]] = (0.0,)  # every value a step's reward can take
    STATE_LOW: ClassVar[tuple[float, ...]] = ()
    STATE_HIGH: ClassVar[tuple[float, ...]] = ()
    UNIFORMS: ClassVar[int] = 4  # random numbers each env draws per step (fixed, branch-free)

    def __init__(
        self,
        num_envs: int = 1,
        obs_type: str = "state",
        device: str | torch.device = "cpu",
        repeat_action_probability: float = 0.25,
        max_episode_steps: int = 27_000,
        render_mode: str | None = None,
        validate_actions: bool = True,
        autoreset: bool = True,
        terminal_on_life_loss: bool = False,
        copy: bool = True,
        compile: bool = False,
    ):
        if obs_type not in ("state", "pixels"):
            raise MarionnetteError(f"obs_type={obs_type!r}: use 'state' or 'pixels'")
        if render_mode not in (None, "rgb_array"):
            raise MarionnetteError(f"render_mode={render_mode!r}: use 'rgb_array' or None")
        if num_envs < 1:
            raise MarionnetteError(f"num_envs={num_envs}: must be at least 1")
        self.num_envs = num_envs
        self.obs_type = obs_type
        self.device = torch.device(device)
        self.repeat_action_probability = repeat_action_probability
        self.max_episode_steps = max_episode_steps
        self.render_mode = render_mode
        self.validate_actions = validate_actions
        self.autoreset = autoreset  # False: an ended game waits for reset() (a single env's contract)
        # As Gymnasium's AtariPreprocessing(terminal_on_life_loss=True): a lost life ends the
        # episode (and the autoreset starts a new game), a training aid for games with lives.
        self.terminal_on_life_loss = terminal_on_life_loss
        # As Gymnasium's vector envs: False returns pixel observations as views of the env's
        # own frames (valid until the next step), for callers that copy them anyway.
        self.copy = copy
        # torch.compile fuses a step's hundred small tensor operations into a few loops
        # (the first step compiles: ~20 s, then cached on disk). Off by default: the eager
        # step is what every test and device runs without a compiler.
        self._transition = self._compiled_transition() if compile else self._transition_eager

        self.single_action_space = spaces.Discrete(len(self.ACTIONS))
        self.action_space = spaces.MultiDiscrete(np.full(num_envs, len(self.ACTIONS)))
        if obs_type == "state":
            low = np.asarray(self.STATE_LOW, np.float32)
            self.single_observation_space = spaces.Box(low, np.asarray(self.STATE_HIGH, np.float32), dtype=np.float32)
        else:
            self.single_observation_space = spaces.Box(0, 255, (STACK, FRAME, FRAME), dtype=np.uint8)
        self.observation_space = batch_space(self.single_observation_space, num_envs)

        n, dev = num_envs, self.device
        self._rng = CounterRNG(n, dev)
        self._rng.seed(torch.arange(n, device=dev))
        self._state: State = self._new_state(self._rng.uniform(self.UNIFORMS))
        if terminal_on_life_loss and "lives" not in self._state:
            raise MarionnetteError(f"terminal_on_life_loss=True: {type(self).__name__} has no lives to lose")
        self._prev_action = torch.zeros(n, dtype=torch.int64, device=dev)
        self._steps = torch.zeros(n, dtype=torch.int64, device=dev)
        self._needs_reset = torch.zeros(n, dtype=torch.bool, device=dev)
        self.held_action = self._prev_action  # the action the first frames of a step still play
        self.new_fraction = torch.ones(n, device=dev)  # share of the step played by the new action
        # On the CPU a frame is the scenery plus patches round the sprites (pixels.Painter);
        # on an accelerator whole frames are cheap and the painter's indexing would make
        # the host wait for the device every step.
        self._sync_free = dev.type != "cpu"
        self._grey = self._palette(grey=True)
        if obs_type == "pixels":
            self._window = FrameWindow(n, dev)
            self._painter = None if self._sync_free else Painter(self)

    # -- what a game writes -----------------------------------------------------------

    def _new_state(self, u: torch.Tensor) -> State:
        raise NotImplementedError

    def _advance(self, state: State, action: torch.Tensor, u: torch.Tensor) -> tuple[State, torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def _features(self, state: State) -> torch.Tensor:
        raise NotImplementedError

    def _scene(self, state: State) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(rects (N, R, 4), tiles (N, rows, cols) bool or None)`` in playfield units."""
        raise NotImplementedError

    def _colours(self) -> tuple[RGB, list[RGB], list[RGB] | None]:
        """RGB colours: the background, one per rectangle of :meth:`_scene` (in its order),
        and one per row of tiles (or None)."""
        raise NotImplementedError

    def _palette(self, grey: bool) -> dict[str, torch.Tensor]:
        """:meth:`_colours` as tensors, ``(C,)``, ``(R, C)`` and ``(rows, C)``: C = 1 grey
        (ALE's luma) for observations, 3 RGB for render()."""
        background, rects, tiles = self._colours()

        def table(colours: list[RGB]) -> torch.Tensor:
            values = [[draw.grey(rgb)] if grey else list(rgb) for rgb in colours]
            return torch.tensor(values, dtype=torch.float32, device=self.device)

        palette = {"background": table([background])[0], "rects": table(rects)}
        if tiles is not None:
            palette["tiles"] = table(tiles)
        return palette

    TILE_GEOMETRY: ClassVar[tuple[float, float, float, float] | None] = None  # top, left, tile_h, tile_w
    # The last SPRITES rectangles of _scene move; those before them are scenery, the same
    # in every env and step. SPRITE_SIZE: the largest (w, h) of any sprite, in units.
    SPRITES: ClassVar[int] = 0
    SPRITE_SIZE: ClassVar[tuple[float, float]] = (0.0, 0.0)

    def _sticky(self, table: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        """What the step's frames add up to, ``(N,)``, given what each action does in a
        whole step, ``table`` ``(A,)`` (a move in units per step; 1 for FIRE to ask "was it
        pressed in any frame": the result is then > 0).

        With sticky actions the first frames of a step may still play the previous action
        (see :meth:`step`): it gets their share of the step, the new action the rest. The
        share is a multiple of 1/4, so moves of a few units stay exact floats.
        """
        frac = self.new_fraction  # (N,) the share of the step played by the new action
        return frac * table[action] + (1 - frac) * table[self.held_action]

    # -- the Gymnasium VectorEnv API --------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Reset every env. ``seed`` seeds env ``i`` with ``seed + i`` (Gymnasium's rule)."""
        everyone = torch.ones(self.num_envs, dtype=torch.bool, device=self.device)
        if seed is not None:
            if not isinstance(seed, (int, np.integer)):
                raise MarionnetteError(f"seed={seed!r}: pass one int (env i gets seed + i)")
            self._rng.seed(int(seed) + torch.arange(self.num_envs, device=self.device))
        self._reset_where(everyone)
        return self._observe(), {}

    def step(self, actions):
        action = self._check_actions(actions)  # (N,) int64
        features, reward, terminated, truncated, restart = self._transition(action)
        obs = features if self.obs_type == "state" else self._observe(restart)
        return obs, reward, terminated, truncated, {}

    def _compiled_transition(self):
        """``_transition_eager`` through ``torch.compile``, on a copy of its code: dynamo
        keeps compiled graphs on the code object (8 at most, then it runs eagerly), and the
        one code object is shared by every game, batch size and obs type of a process."""
        # The games' constant tables come from functools caches, which dynamo traces through
        # (the tables become constants of the graph, as they should): its warning is noise.
        warnings.filterwarnings("ignore", message="Dynamo detected a call to a `functools.lru_cache`")
        code = ArcadeVectorEnv._transition_eager.__code__
        own = types.FunctionType(code.replace(co_name=f"_transition_{type(self).__name__}"), globals())
        return torch.compile(types.MethodType(own, self), dynamic=False)

    def _transition_eager(self, action: torch.Tensor):
        """Everything a step does to the tensors after the action check: with
        ``compile=True``, one graph that ``torch.compile`` fuses."""
        u = self._rng.uniform(self.UNIFORMS + 1)  # (N, k + 1): the last one decides stickiness
        # Sticky actions as ALE does them, per frame: each of the step's 4 frames keeps the
        # previous action with probability p until the new one takes over. So the first
        # `held` frames (P(held >= j) = p**j) still play the old action; a game reads the
        # share of the step played by the new one, `self.new_fraction`, through `_sticky`.
        p = self.repeat_action_probability
        held = torch.zeros_like(action)
        for j in range(1, FRAMESKIP + 1):
            held = held + (u[:, -1] < p**j).to(held.dtype)
        self.held_action = self._prev_action
        self.new_fraction = (FRAMESKIP - held).to(torch.float32) / FRAMESKIP  # (N,)
        action = torch.where(held == FRAMESKIP, self._prev_action, action)  # the whole step was old
        self._prev_action = action

        lives = self._state.get("lives")
        self._state, reward, terminated = self._advance(self._state, action, u[:, :-1])
        if self.terminal_on_life_loss:
            terminated = terminated | (self._state["lives"] < lives)
        self._steps = self._steps + 1
        truncated = (self._steps >= self.max_episode_steps) & ~terminated

        # Next-step autoreset: an env that ended last step starts over now, its action ignored.
        restart = self._needs_reset
        self._reset_where(restart)
        reward = torch.where(restart, torch.zeros_like(reward), reward)
        terminated = terminated & ~restart
        truncated = truncated & ~restart
        if self.autoreset:
            self._needs_reset = terminated | truncated
        features = self._features(self._state) if self.obs_type == "state" else None
        return features, reward, terminated, truncated, restart

    def render(self) -> np.ndarray | None:
        """RGB frame of env 0, or a grid of the first 16 envs when there are several."""
        if self.render_mode != "rgb_array":
            return None
        shown = min(self.num_envs, 16)
        state = {k: v[:shown] for k, v in self._state.items()}
        h, w = RENDER_H, RENDER_W
        frames = self._draw(state, self._palette(grey=False), h, w).permute(0, 2, 3, 1).cpu().numpy()  # (n, h, w, 3)
        if shown == 1:
            return frames[0]
        cols = math.ceil(math.sqrt(shown))
        rows = math.ceil(shown / cols)
        grid = np.zeros((rows * (h + 2), cols * (w + 2), 3), np.uint8)
        for i, frame in enumerate(frames):
            r, c = divmod(i, cols)
            grid[r * (h + 2) : r * (h + 2) + h, c * (w + 2) : c * (w + 2) + w] = frame
        return grid

    def render_all(self, height: int = RENDER_H, width: int = RENDER_W) -> np.ndarray:
        """The RGB frame of every env, ``(N, height, width, 3)`` uint8, whatever ``render_mode``
        is: the playfield drawn straight at that size (area-sampled, so no resize is needed),
        for code that wants each game's own picture rather than :meth:`render`'s grid."""
        frames = self._draw(self._state, self._palette(grey=False), height, width)  # (N, 3, H, W)
        return frames.permute(0, 2, 3, 1).cpu().numpy()

    # -- shared machinery --------------------------------------------------------------

    def _reset_where(self, where: torch.Tensor) -> None:
        fresh = self._new_state(self._rng.uniform(self.UNIFORMS))
        mask = {k: where.view(-1, *([1] * (v.dim() - 1))) for k, v in fresh.items()}
        self._state = {k: torch.where(mask[k], fresh[k], self._state[k]) for k in fresh}
        self._steps = torch.where(where, torch.zeros_like(self._steps), self._steps)
        self._prev_action = torch.where(where, torch.zeros_like(self._prev_action), self._prev_action)
        self._needs_reset = self._needs_reset & ~where

    def _observe(self, restarted: torch.Tensor | None = None) -> torch.Tensor:
        """The observation after a reset (``restarted`` None: every env) or a step."""
        if self.obs_type == "state":
            return self._features(self._state)
        slot = self._window.next_slot()  # (N, 84, 84)
        if self._sync_free:
            slot.copy_(self._draw(self._state, self._grey, FRAME, FRAME)[:, 0])
        else:
            self._painter.paint(self._state, slot)
        # Envs that (re)started forget the previous episode's frames. On the CPU, indexing
        # only those few costs a sync (free there) but not a pass over every env's stack, as
        # a where would; on an accelerator the pass is cheap and the sync is not.
        if restarted is None:
            self._window.restart()
        elif self._sync_free:
            self._window.restart(restarted)
        else:
            self._window.restart(restarted.nonzero().squeeze(1))
        stack = self._window.stack()  # (N, 4, 84, 84), a view
        return stack.clone() if self.copy else stack

    def _draw(self, state: State, palette: dict[str, torch.Tensor], height: int, width: int) -> torch.Tensor:
        rects, tiles = self._scene(state)
        return self._paint(rects, tiles, palette, height, width)

    def _paint(self, rects: torch.Tensor, tiles: torch.Tensor | None, palette: dict[str, torch.Tensor],
               height: int, width: int) -> torch.Tensor:  # fmt: skip
        """The whole picture of ``_scene``'s ``rects`` and ``tiles``: ``(N, C, height, width)`` uint8."""
        image = draw.draw_rects(rects, palette["rects"], palette["background"], height, width)
        if tiles is not None:
            top, left, tile_h, tile_w = self.TILE_GEOMETRY
            tint = palette["tiles"] - palette["background"]
            image = image + draw.draw_tiles(tiles, tint, top, left, tile_h, tile_w, height, width)
        return draw.to_uint8(image)

    def _check_actions(self, actions) -> torch.Tensor:
        n = self.num_envs
        if isinstance(actions, torch.Tensor):
            if actions.device != self.device:
                raise MarionnetteError(
                    f"actions are on {actions.device}, this env steps on {self.device}: "
                    f"pass actions.to('{self.device}')"
                )
        else:
            try:
                array = np.asarray(actions)
            except ValueError as e:  # ragged nesting
                raise MarionnetteError(
                    f"actions of type {type(actions).__name__} do not form an array: pass ({n},) integers, one per env"
                ) from e
            if array.dtype.kind not in "biuf":  # None, strings, objects: no number to check (bool, float below)
                raise MarionnetteError(
                    f"actions of dtype {array.dtype} ({type(actions).__name__}): "
                    f"expected ({n},) integers in [0, {len(self.ACTIONS)}), one per env"
                )
            actions = torch.as_tensor(array, device=self.device)
        if actions.shape != (n,):
            raise MarionnetteError(f"actions of shape {tuple(actions.shape)}: expected ({n},), one per env")
        if actions.dtype.is_floating_point or actions.dtype == torch.bool:
            raise MarionnetteError(f"actions of dtype {actions.dtype}: expected integers in [0, {len(self.ACTIONS)})")
        actions = actions.to(torch.int64)
        if self.validate_actions:
            bad = (actions < 0) | (actions >= len(self.ACTIONS))
            if bool(bad.any()):
                i = int(bad.nonzero()[0, 0])
                raise MarionnetteError(
                    f"action {int(actions[i])} of env {i} is outside Discrete({len(self.ACTIONS)}): "
                    f"use 0..{len(self.ACTIONS) - 1} ({', '.join(self.ACTIONS)})"
                )
        return actions


class ArcadeEnv(gym.Env):
    """One arcade game as a plain ``gymnasium.Env`` (numpy in and out), a batch of one.

    Built by ``gymnasium.make("marionnette/<Game>-v0")``; ``make_vec`` with
    ``vectorization_mode="vector_entry_point"`` gives the batched game instead.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": ["rgb_array"], "render_fps": 15}

    def __init__(self, game: type[ArcadeVectorEnv], render_mode: str | None = None, **kwargs: Any):
        # A single env is reset by its caller (Gymnasium's Env contract), never automatically.
        self.game = game(num_envs=1, render_mode=render_mode, autoreset=False, **kwargs)
        self.render_mode = render_mode
        self.action_space = self.game.single_action_space
        self.observation_space = self.game.single_observation_space

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        if seed is None:  # continue from Gymnasium's own seeding so that unseeded resets differ
            seed = int(self.np_random.integers(2**31))
        obs, info = self.game.reset(seed=seed)
        return obs[0].cpu().numpy(), info

    def step(self, action):
        if not self.action_space.contains(action):
            shown = " ".join(repr(action).split())[:80]  # one line, whatever was passed
            raise MarionnetteError(
                f"action {shown} is not in {self.action_space}: use an int 0..{self.action_space.n - 1} "
                f"({', '.join(self.game.ACTIONS)})"
            )
        obs, reward, terminated, truncated, info = self.game.step(np.asarray([action]))
        return obs[0].cpu().numpy(), float(reward[0]), bool(terminated[0]), bool(truncated[0]), info

    def render(self):
        return self.game.render()

    def get_action_meanings(self) -> list[str]:
        """ALE's names for the actions (NOOP, FIRE, RIGHT, LEFT, ...)."""
        return list(self.game.ACTIONS)

    def get_keys_to_action(self) -> dict[tuple[int, ...], int]:
        """Keyboard controls for ``gymnasium.utils.play``: WASD to move, space to fire.

        Like ALE's own mapping, a combined action (UPRIGHT, RIGHTFIRE, ...) is its keys held
        together; keys are sorted code points, as ``play`` looks them up.
        """
        keys = {"UP": "w", "DOWN": "s", "LEFT": "a", "RIGHT": "d", "FIRE": " "}
        mapping = {}
        for action, name in enumerate(self.game.ACTIONS):
            if name == "NOOP":
                continue
            held = tuple(sorted(ord(key) for word, key in keys.items() if word in name))
            mapping[held] = action
        return mapping
