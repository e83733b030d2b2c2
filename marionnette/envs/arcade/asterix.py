"""An Asterix-like game, after the Atari 2600 Asterix (simplified), batched on torch tensors."""

from __future__ import annotations

from functools import cache
from typing import ClassVar

import torch

from marionnette.envs.arcade.core import ArcadeVectorEnv, State, action_table

# Geometry, in Atari playfield units (160 × 210, y down).
_LANES = 8  # horizontal lanes, numbered from the top
_TOP, _LANE_H = 30.0, 16.0  # the lanes span [30, 158)
_PLAYER_W, _PLAYER_H = 8.0, 12.0
_ITEM_W, _ITEM_H = 8.0, 10.0  # cauldrons and lyres alike
_PLAYER_INSET = (_LANE_H - _PLAYER_H) / 2  # sprites ride in the middle of their lane
_ITEM_INSET = (_LANE_H - _ITEM_H) / 2
_START_LANE, _START_X = 4, 76.0
_LIFE_Y, _LIFE_X, _LIFE_GAP, _LIFE_SIZE = 170.0, 62.0, 14.0, 8.0  # the spare-life marks under the lanes
# Speeds, in units per agent step (4 frames); multiples of 1/4, so positions stay exact floats.
_PLAYER_SPEED = 4.0  # sideways; UP/DOWN move one whole lane per step
_ITEM_SPEED = 2.0  # objects cross at this speed at first ...
_SPEEDUP, _ITEMS_PER_LEVEL, _MAX_LEVEL = 0.5, 10, 4  # ... and 0.5 faster per 10 caught, up to 4.0
# Spawning, per empty lane and step (the 2600 sends objects in the same way, one per lane).
_SPAWN_P = 0.04  # an empty lane gets a new object with this probability each step
_LYRE_P = 1.0 / 3.0  # and it is a lyre (deadly) with this one, else a cauldron (+50)
_ITEM_REWARD = 50.0  # ALE Asterix's first objects, the cauldrons, are worth 50
_LIVES = 3
# What each action of ALE's minimal set (NOOP, UP, RIGHT, LEFT, DOWN, UPRIGHT, UPLEFT,
# DOWNRIGHT, DOWNLEFT) does in a step: Asterix's sideways move and his lane move.
_DX = tuple(_PLAYER_SPEED * d for d in (0.0, 0.0, 1.0, -1.0, 0.0, 1.0, -1.0, 1.0, -1.0))
_DY = (0, -1, 0, 0, 1, -1, -1, 1, 1)


@cache
def _tables(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Each action's lane move ``(9,)`` and each lane's index ``(8,)``."""
    return torch.tensor(_DY, device=device), torch.arange(_LANES, device=device)


class AsterixVectorEnv(ArcadeVectorEnv):
    """An Asterix-like dodging game, a batch of games stepped by tensor ops.

    ## Description

    After the Atari 2600 Asterix, simplified. The agent's Asterix moves left and right in
    one of 8 horizontal lanes, and up and down between them. Objects enter each lane from
    the left or the right and cross it: cauldrons, worth 50 each when Asterix touches them,
    and lyres, which cost a life. A lane holds one object at a time; an empty lane gets a
    new one with probability 0.04 each step, a lyre one time in three, entering from a
    random side. Objects cross at 2 units per step, 0.5 faster for every 10 cauldrons
    caught, up to 4. Losing a life clears every lane; Asterix stays where he is.

    Simplifications of the 2600 game: every object is a cauldron worth 50 (the original
    moves on to helmets, shields, lamps, ... worth 100 to 500 as the score grows), there is
    no death animation, no bonus lives, and Obelix never appears.

    ## Action Space

    ``Discrete(9)``, ALE's minimal set for Asterix: 0 NOOP, 1 UP, 2 RIGHT, 3 LEFT, 4 DOWN,
    5 UPRIGHT, 6 UPLEFT, 7 DOWNRIGHT, 8 DOWNLEFT. Sideways moves are 4 units a step (x in
    ``[0, 152]``); UP and DOWN move one lane a step, no further than the first or last.
    With sticky actions (per frame, see the base class) the previous action may play the
    first frames of a step: it moves Asterix sideways for those frames, and the action of
    the step's last frame makes the lane move.

    ## Observation Space

    ``obs_type="pixels"``: ``(4, 84, 84)`` uint8, the last four grey frames (ALE
    preprocessing: 84×84, grey, frame-skip 4, stack 4); spare lives are drawn under the
    lanes, the score is not. ``obs_type="state"``: ``(28,)`` float32:

    | index  | meaning                                                   | scale       |
    |--------|-----------------------------------------------------------|-------------|
    | 0      | Asterix x (left edge)                                     | / 160       |
    | 1      | Asterix's lane, 0 (top) to 7                              | / 7         |
    | 2      | lives left                                                | / 3         |
    | 3      | object speed, units per step                              | / 4         |
    | 4–11   | object x (left edge) in lanes 0–7; 0 in an empty lane     | / 160       |
    | 12–19  | object kind in lanes 0–7: +1 cauldron, -1 lyre, 0 none    | 1           |
    | 20–27  | object direction in lanes 0–7: +1 right, -1 left, 0 none  | 1           |

    An object entering or leaving has x in ``[-8, 160]``.

    ## Rewards

    +50 for each cauldron Asterix touches, else 0 (Asterix is in one lane, which holds at
    most one object, so a step's reward is 0 or 50).

    ## Starting State

    3 lives, Asterix in lane 4 at x = 76, every lane empty.

    ## Episode End

    Terminated when the last life is lost; truncated after ``max_episode_steps`` (27,000
    steps = ALE's 108,000 frames).

    ## Arguments

    ``num_envs``, ``obs_type`` (``"state"`` | ``"pixels"``), ``device``,
    ``repeat_action_probability`` (0.25, sticky actions as in ALE v5),
    ``max_episode_steps`` (27,000), ``render_mode`` (``"rgb_array"``),
    ``validate_actions`` (check action range each step; costs a device sync),
    ``terminal_on_life_loss`` (False; True ends the episode at each lost life, as
    Gymnasium's ``AtariPreprocessing`` option does: a training aid).

    ## Version History

    * v0: initial version.
    """

    ACTIONS = ("NOOP", "UP", "RIGHT", "LEFT", "DOWN", "UPRIGHT", "UPLEFT", "DOWNRIGHT", "DOWNLEFT")
    REWARDS = (0.0, _ITEM_REWARD)
    SPRITES, SPRITE_SIZE = 19, (_PLAYER_W, _PLAYER_H)  # the player, 8 cauldrons, 8 lyres, 2 lives
    STATE_LOW = (0.0, 0.0, 0.0, 0.0) + (-_ITEM_W / 160.0,) * _LANES + (-1.0,) * (2 * _LANES)
    STATE_HIGH = (1.0, 1.0, 1.0, 1.0) + (1.0,) * _LANES + (1.0,) * (2 * _LANES)
    UNIFORMS = _LANES  # one per lane: whether an object enters, from which side, which kind

    # After the 2600 game's NTSC colours: black night, green hedges between the lanes, a
    # yellow-and-blue Asterix, red cauldrons, golden lyres.
    COLOURS: ClassVar[dict[str, tuple[int, int, int]]] = {
        "background": (0, 0, 0),
        "hedge": (50, 132, 50),
        "asterix": (252, 252, 84),
        "cauldron": (200, 72, 72),
        "lyre": (84, 184, 252),
    }

    def _new_state(self, u: torch.Tensor) -> State:
        n, dev = u.shape[0], u.device
        return {
            "x": torch.full((n,), _START_X, device=dev),
            "lane": torch.full((n,), _START_LANE, dtype=torch.int64, device=dev),
            "lives": torch.full((n,), _LIVES, dtype=torch.int64, device=dev),
            "caught": torch.zeros(n, dtype=torch.int64, device=dev),
            "item_x": torch.zeros((n, _LANES), device=dev),
            "item_dir": torch.zeros((n, _LANES), device=dev),  # +1 right, -1 left, 0 empty lane
            "item_lyre": torch.zeros((n, _LANES), dtype=torch.bool, device=dev),
        }

    @staticmethod
    def _speed(caught: torch.Tensor) -> torch.Tensor:
        level = torch.div(caught, _ITEMS_PER_LEVEL, rounding_mode="floor").clamp(max=_MAX_LEVEL)
        return _ITEM_SPEED + _SPEEDUP * level.to(torch.float32)  # (N,)

    def _advance(self, s: State, action: torch.Tensor, u: torch.Tensor):
        dy, lanes = _tables(action.device)
        # The first frames of a step may still play the previous action (sticky actions):
        # sideways moves share the step; the lane move is the one of the step's last frame.
        x = (s["x"] + self._sticky(action_table(_DX, action.device), action)).clamp(0.0, 160.0 - _PLAYER_W)
        lane = (s["lane"] + dy[action]).clamp(0, _LANES - 1)

        # Objects cross; those wholly off the far side are gone.
        direction, lyre = s["item_dir"], s["item_lyre"]
        item_x = s["item_x"] + direction * self._speed(s["caught"])[:, None]
        gone = ((direction > 0) & (item_x >= 160.0)) | ((direction < 0) & (item_x <= -_ITEM_W))
        direction = torch.where(gone, 0.0, direction)
        # Empty lanes may get a new object at either edge.
        # One uniform per lane decides all three: below _SPAWN_P an object enters, and that
        # part, stretched back to [0, 1), picks its side (halves) and its kind (within a half).
        v = u / _SPAWN_P  # (N, 8)
        enter = (direction == 0) & (v < 1.0)
        side = torch.where(v < 0.5, 1.0, -1.0)
        direction = torch.where(enter, side, direction)
        item_x = torch.where(enter, torch.where(side > 0, -_ITEM_W, 160.0), item_x)
        lyre = torch.where(enter, torch.frac(2.0 * v) < _LYRE_P, lyre)

        # What Asterix touches, in his own lane (relative speed < 8 + 8: nothing jumps him).
        touch = (lanes == lane[:, None]) & (direction != 0) & ((item_x - x[:, None]).abs() < _ITEM_W)  # (N, 8)
        caught = (touch & ~lyre).any(dim=1)
        killed = (touch & lyre).any(dim=1)
        direction = torch.where(touch & ~lyre, 0.0, direction)  # the cauldron is taken
        direction = torch.where(killed[:, None], 0.0, direction)  # a lost life clears the lanes
        lives = s["lives"] - killed.to(torch.int64)
        state = {
            "x": x,
            "lane": lane,
            "lives": lives,
            "caught": s["caught"] + caught.to(torch.int64),
            "item_x": torch.where(direction != 0, item_x, 0.0),
            "item_dir": direction,
            "item_lyre": lyre & (direction != 0),
        }
        return state, caught.to(torch.float32) * _ITEM_REWARD, lives <= 0

    def _features(self, s: State) -> torch.Tensor:
        head = torch.stack(
            [
                s["x"] / 160.0,
                s["lane"].to(torch.float32) / (_LANES - 1),
                s["lives"].to(torch.float32) / _LIVES,
                self._speed(s["caught"]) / (_ITEM_SPEED + _SPEEDUP * _MAX_LEVEL),
            ],
            dim=1,
        )
        active = s["item_dir"] != 0
        kind = torch.where(s["item_lyre"], -1.0, 1.0) * active
        return torch.cat([head, s["item_x"] / 160.0, kind, s["item_dir"]], dim=1)  # (N, 28)

    def _scene(self, s: State):
        x = s["x"]
        n, dev = x.shape[0], x.device
        edges = [_TOP + _LANE_H * k for k in range(_LANES + 1)]  # hedges above, between and below the lanes
        hedges = torch.tensor([[0.0, e - 0.5, 160.0, e + 0.5] for e in edges], device=dev)[None].expand(n, -1, -1)
        y = _TOP + _LANE_H * s["lane"].to(torch.float32) + _PLAYER_INSET
        player = torch.stack([x, y, x + _PLAYER_W, y + _PLAYER_H], dim=1)[:, None]  # (N, 1, 4)

        # One cauldron and one lyre rectangle per lane; the kind that is not there has no width.
        top = (_TOP + _ITEM_INSET + _LANE_H * torch.arange(_LANES, device=dev, dtype=torch.float32)).expand(n, -1)
        x0, active = s["item_x"], s["item_dir"] != 0

        def items(shown: torch.Tensor) -> torch.Tensor:
            return torch.stack([x0, top, torch.where(shown, x0 + _ITEM_W, x0), top + _ITEM_H], dim=2)  # (N, 8, 4)

        cauldrons, lyres = items(active & ~s["item_lyre"]), items(s["item_lyre"])
        # Spare lives: the marks of lives beyond the one in play.
        k = torch.arange(_LIVES - 1, device=dev, dtype=torch.float32)
        lx = (_LIFE_X + _LIFE_GAP * k).expand(n, -1)
        spare = k[None] < (s["lives"] - 1).to(torch.float32)[:, None]
        ly = torch.full_like(lx, _LIFE_Y)
        lives = torch.stack([lx, ly, torch.where(spare, lx + _LIFE_SIZE, lx), ly + _LIFE_SIZE], dim=2)  # (N, 2, 4)
        return torch.cat([hedges, player, cauldrons, lyres, lives], dim=1), None  # (N, 28, 4)

    def _colours(self):
        names = ["hedge"] * (_LANES + 1) + ["asterix"] + ["cauldron"] * _LANES + ["lyre"] * _LANES + ["asterix"] * 2
        return self.COLOURS["background"], [self.COLOURS[k] for k in names], None
