"""Freeway, after the Atari 2600 original's rules (not its code), batched on torch tensors."""

from __future__ import annotations

from functools import cache
from typing import ClassVar

import torch

from marionnette.envs.arcade.core import ArcadeVectorEnv, State, action_table
from marionnette.envs.arcade.rng import hash32

# Geometry, in Atari playfield units (160 × 210, y down), as the 2600 draws it.
_LANES = 10  # lanes of traffic, numbered from the top
_ROAD_TOP, _LANE_H = 24.0, 16.0  # the road spans [24, 184): ten lanes of 16
_ROAD_BOTTOM = _ROAD_TOP + _LANES * _LANE_H
_SIDEWALK_H = 10.0  # the kerbs above and below the road
_CHICKEN_X, _CHICKEN_W, _CHICKEN_H = 44.0, 7.0, 8.0  # the left (player 1) chicken
_START_Y = _ROAD_BOTTOM + 3.0  # the chicken's top when it waits on the bottom kerb
_GOAL_Y = _ROAD_TOP - _CHICKEN_H  # its top once it is wholly on the top kerb: a point
_CAR_W, _CAR_H = 8.0, 10.0
_CAR_INSET = (_LANE_H - _CAR_H) / 2  # a car rides in the middle of its lane
_CIRCUIT = 160.0 + _CAR_W  # a car leaves one side, wholly off screen, and comes back on the other
# Speeds, in units per agent step (4 frames); multiples of 1/4, so positions stay exact floats.
_CHICKEN_SPEED = 3.0  # an unhindered crossing takes 57 steps
# Cars, lane by lane from the top: the top five drive left, the bottom five right (as on the
# 2600); the lanes by the kerbs are slowest and those by the median fastest.
_CAR_SPEEDS = (-1.0, -1.5, -2.0, -3.0, -4.0, 4.0, 3.0, 2.0, 1.5, 1.0)
_PUSH = _LANE_H  # a hit throws the chicken back down one lane ...
_STUN_STEPS = 6  # ... and it cannot move (nor be hit again) for this many steps
_TIME_LIMIT = 2048  # agent steps: the 2600's 2 min 16 s round, 8,192 frames at 60 Hz, / 4
# The chicken's move in a step, by action of ALE's minimal set (NOOP, UP, DOWN; y down).
_MOVES = (0.0, -_CHICKEN_SPEED, _CHICKEN_SPEED)


@cache
def _lanes(device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """Each lane's car speed and car top, ``(10,)`` each, made once per device."""
    speeds = torch.tensor(_CAR_SPEEDS, device=device)
    tops = _ROAD_TOP + _CAR_INSET + _LANE_H * torch.arange(_LANES, device=device, dtype=torch.float32)
    return speeds, tops


class FreewayVectorEnv(ArcadeVectorEnv):
    """Freeway: a chicken crosses ten lanes of traffic, a batch of games stepped by tensor ops.

    ## Description

    The agent's chicken starts on the bottom kerb and crosses the road upwards. Each of
    the ten lanes holds one car that drives at the lane's own constant speed, wrapping
    round the screen: the top five lanes drive left, the bottom five right, slowest by the
    kerbs and fastest by the median. Reaching the top kerb scores a point and puts the
    chicken back on the bottom kerb. A car that hits the chicken throws it back down one
    lane and stuns it for 6 steps (it cannot move, nor be hit again). The round lasts a
    fixed time, 2 min 16 s of game time as on the 2600 (difficulty B, game 1).

    Simplifications: one car per lane (as in game 1) with random phases at the start
    (the 2600 starts them lined up); the throw-back is instant rather than animated; the
    second player's idle chicken and the scores are not drawn.

    ## Action Space

    ``Discrete(3)``, ALE's minimal set for Freeway: 0 NOOP, 1 UP, 2 DOWN. The chicken
    moves 3 units per step (3/4 a frame; with sticky actions, per frame as in the base
    class, the previous action may play a step's first frames); it cannot go below the
    bottom kerb.

    ## Observation Space

    ``obs_type="pixels"``: ``(4, 84, 84)`` uint8, the last four grey frames (ALE
    preprocessing: 84×84, grey, frame-skip 4, stack 4). ``obs_type="state"``: ``(13,)``
    float32:

    | index | meaning                                        | scale     |
    |-------|------------------------------------------------|-----------|
    | 0     | chicken y (top)                                | / 210     |
    | 1     | stun steps left                                | / 6       |
    | 2     | time left, in agent steps                      | / 2048    |
    | 3–12  | car x (left edge) in lanes 1–10, from the top  | / 160     |

    A car's lane, direction and speed are fixed (see Description), so only its x is given;
    a car leaving the screen has x in ``[-8, 0)`` before it reappears on the other side.

    ## Rewards

    +1 each time the chicken reaches the top kerb, else 0.

    ## Starting State

    The chicken on the bottom kerb, the clock at 2048 steps, each car at a random x.

    ## Episode End

    Terminated when the time runs out: the 2048th agent step (8,192 frames at 60 Hz,
    2 min 16.5 s) ends the episode. ``max_episode_steps`` (27,000) never truncates it.

    ## Arguments

    ``num_envs``, ``obs_type`` (``"state"`` | ``"pixels"``), ``device``,
    ``repeat_action_probability`` (0.25, sticky actions as in ALE v5),
    ``max_episode_steps`` (27,000), ``render_mode`` (``"rgb_array"``),
    ``validate_actions`` (check action range each step; costs a device sync).

    ## Version History

    * v0: initial version.
    """

    ACTIONS = ("NOOP", "UP", "DOWN")
    REWARDS = (0.0, 1.0)
    SPRITES, SPRITE_SIZE = 11, (_CAR_W, _CAR_H)  # the chicken and the ten cars
    STATE_LOW = (0.0, 0.0, 0.0) + (-_CAR_W / 160.0,) * _LANES
    STATE_HIGH = (1.0, 1.0, 1.0) + (1.0,) * _LANES
    UNIFORMS = 1  # the cars' starting x, all hashed from it (stepping uses none)
    TIME_LIMIT = _TIME_LIMIT  # agent steps in a round

    # The 2600's NTSC colours: grey road, light kerbs, white lane marks, a yellow double
    # line in the middle, a yellow chicken, and a colour per lane of cars.
    COLOURS: ClassVar[dict[str, tuple[int, int, int]]] = {
        "background": (142, 142, 142),
        "kerb": (170, 170, 170),
        "mark": (214, 214, 214),
        "median": (252, 252, 84),
        "chicken": (252, 252, 84),
    }
    CAR_COLOURS: ClassVar[tuple[tuple[int, int, int], ...]] = (  # each far from the road in grey
        (210, 210, 64),
        (26, 102, 26),
        (24, 26, 167),
        (252, 188, 188),
        (167, 26, 26),
        (236, 236, 236),
        (45, 50, 184),
        (105, 105, 15),
        (132, 200, 252),
        (0, 0, 0),
    )

    def _new_state(self, u: torch.Tensor) -> State:
        n = u.shape[0]
        return {
            "chicken_y": torch.full((n,), _START_Y, device=u.device),
            "stun": torch.zeros(n, dtype=torch.int64, device=u.device),
            "time": torch.zeros(n, dtype=torch.int64, device=u.device),
            "car_x": self._phases(u[:, 0]) * _CIRCUIT - _CAR_W,  # (N, 10)
        }

    @staticmethod
    def _phases(u: torch.Tensor) -> torch.Tensor:
        """Ten independent-looking uniforms ``(N, 10)`` from one ``(N,)``: cheaper than drawing
        ten, since the base class draws a fresh state's uniforms at every step."""
        bits = (u * (1 << 24)).to(torch.int64)  # the uniform's 24 random bits
        lanes = torch.arange(_LANES, device=u.device)
        return (hash32(bits[:, None] * _LANES + lanes) >> 8).to(torch.float32) * (1.0 / (1 << 24))

    def _advance(self, s: State, action: torch.Tensor, u: torch.Tensor):
        speeds, tops = _lanes(action.device)
        # The first frames of a step may still play the previous action (sticky actions).
        move = self._sticky(action_table(_MOVES, action.device), action)
        stunned = s["stun"] > 0
        y = (s["chicken_y"] + torch.where(stunned, 0.0, move)).clamp(max=_START_Y)
        car_x = torch.remainder(s["car_x"] + _CAR_W + speeds, _CIRCUIT) - _CAR_W

        # A hit: the chicken overlaps a car (cars move at most 4 < 7 + 8 a step: none jumps it).
        overlap_y = (y[:, None] < tops + _CAR_H) & (y[:, None] + _CHICKEN_H > tops)  # (N, 10)
        overlap_x = (car_x < _CHICKEN_X + _CHICKEN_W) & (car_x + _CAR_W > _CHICKEN_X)
        hit = (overlap_y & overlap_x).any(dim=1) & ~stunned
        y = torch.where(hit, (y + _PUSH).clamp(max=_START_Y), y)
        stun = torch.where(hit, _STUN_STEPS, (s["stun"] - 1).clamp(min=0))

        scored = y <= _GOAL_Y
        time = s["time"] + 1
        state = {
            "chicken_y": torch.where(scored, _START_Y, y),
            "stun": stun,
            "time": time,
            "car_x": car_x,
        }
        return state, scored.to(torch.float32), time >= _TIME_LIMIT

    def _features(self, s: State) -> torch.Tensor:
        head = torch.stack(
            [
                s["chicken_y"] / 210.0,
                s["stun"].to(torch.float32) / _STUN_STEPS,
                (_TIME_LIMIT - s["time"]).to(torch.float32) / _TIME_LIMIT,
            ],
            dim=1,
        )
        return torch.cat([head, s["car_x"] / 160.0], dim=1)  # (N, 13)

    def _scene(self, s: State):
        n = s["chicken_y"].shape[0]
        dev = s["chicken_y"].device
        _, tops = _lanes(dev)

        def fixed(x0, y0, w, h):
            return torch.tensor([x0, y0, x0 + w, y0 + h], device=dev)

        road = [fixed(0.0, _ROAD_TOP - _SIDEWALK_H, 160.0, _SIDEWALK_H), fixed(0.0, _ROAD_BOTTOM, 160.0, _SIDEWALK_H)]
        road += [fixed(0.0, _ROAD_TOP + _LANE_H * k - 0.5, 160.0, 1.0) for k in range(1, _LANES) if k != _LANES // 2]
        middle = _ROAD_TOP + _LANE_H * (_LANES // 2)
        road += [fixed(0.0, middle - 2.0, 160.0, 1.0), fixed(0.0, middle + 1.0, 160.0, 1.0)]
        static = torch.stack(road)[None].expand(n, -1, -1)  # (N, 12, 4)
        y = s["chicken_y"]
        left, right = torch.full_like(y, _CHICKEN_X), torch.full_like(y, _CHICKEN_X + _CHICKEN_W)
        chicken = torch.stack([left, y, right, y + _CHICKEN_H], dim=1)  # (N, 4)
        x = s["car_x"]
        top = tops.expand(n, -1)
        cars = torch.stack([x, top, x + _CAR_W, top + _CAR_H], dim=2)  # (N, 10, 4)
        return torch.cat([static, chicken[:, None], cars], dim=1), None  # (N, 23, 4)

    def _colours(self):
        names = ["kerb"] * 2 + ["mark"] * (_LANES - 2) + ["median"] * 2 + ["chicken"]
        rects = [self.COLOURS[k] for k in names] + list(self.CAR_COLOURS)
        return self.COLOURS["background"], rects, None
