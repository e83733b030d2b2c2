"""Breakout, after the Atari 2600 original's rules (not its code), batched on torch tensors."""

from __future__ import annotations

import itertools
from functools import cache
from typing import ClassVar

import torch

from marionnette.envs.arcade.core import ArcadeVectorEnv, State, action_table

# Geometry, in Atari playfield units (160 × 210, y down), as the 2600 draws it.
_LEFT, _RIGHT, _TOP = 8.0, 152.0, 32.0  # the inner edges of the grey side and top walls
_WALL_TOP, _WALL_BOTTOM = 17.0, 196.0  # the walls' outer top edge and the side walls' foot
_ROWS, _COLS = 6, 18  # bricks, rows numbered from the top
_BRICK_TOP, _BRICK_H, _BRICK_W = 57.0, 6.0, 8.0  # the wall of bricks spans y [57, 93), x [8, 152)
_BRICK_BOTTOM = _BRICK_TOP + _ROWS * _BRICK_H
_ROW_VALUES = (7.0, 7.0, 4.0, 4.0, 1.0, 1.0)  # points per brick, row by row from the top (ALE)
_PADDLE_Y, _PADDLE_H = 189.0, 4.0  # the paddle's top edge and height
_PADDLE_W, _SMALL_PADDLE_W = 16.0, 8.0  # it halves once the ball reaches the top wall
_BALL_W, _BALL_H = 2.0, 4.0
_SERVE_Y = 100.0  # a served ball appears just below the bricks, falling
_LOST_Y = _WALL_BOTTOM  # a ball whose top passes the walls' foot is lost
_LIVES = 5
# Speeds, in units per agent step (4 frames).
_PADDLE_SPEED = 8.0
_BASE_SPEED, _SPEEDUP = 4.0, 1.0  # vertical ball speed: 4, and 1 more per level
_TOP_LEVEL = 4  # a ball goes up a level after 4 and 12 bricks, at its first orange and first red
_MAX_SLOPE = 1.25  # horizontal over vertical speed after a hit on the paddle's very end
_SERVE_SLOPE = 1.0  # a serve's slope is uniform in [-1, 1]
_MAX_VX = _MAX_SLOPE * (_BASE_SPEED + _TOP_LEVEL * _SPEEDUP)  # 10: the ball's top speed on either axis
_SUBSTEPS = 4  # the ball moves in 4 equal sub-steps per step: at most 2 units down and 2.5
# across each, less than a brick (6 × 8), so it never jumps a row or a column of bricks
# ALE's minimal set is NOOP, FIRE, RIGHT, LEFT: what each does in a step.
_MOVES = (0.0, 0.0, _PADDLE_SPEED, -_PADDLE_SPEED)  # the paddle's move
_FIRES = (0.0, 1.0, 0.0, 0.0)  # FIRE pressed


@cache
def _values(device: torch.device) -> torch.Tensor:
    """Each row's brick value ``(6,)``, made once per device."""
    return torch.tensor(_ROW_VALUES, device=device)


def _reward_values() -> tuple[float, ...]:
    """Every reward a step can give: the sum of up to one brick per sub-step."""
    sums = {0.0}
    for k in range(1, _SUBSTEPS + 1):
        sums |= {sum(c) for c in itertools.combinations_with_replacement(set(_ROW_VALUES), k)}
    return tuple(sorted(sums))


class BreakoutVectorEnv(ArcadeVectorEnv):
    """Breakout: knock out a wall of bricks with a ball and a paddle, a batch of games
    stepped by tensor ops.

    ## Description

    A wall of 6 rows × 18 bricks (from the top: red, orange, amber, yellow, green, blue)
    hangs below the top wall. The agent moves a paddle along the bottom and keeps a ball
    in play; the ball bounces off the grey side and top walls, knocks out each brick it
    touches and bounces back vertically (as on the 2600: a brick reverses only its vertical
    direction). The paddle returns the ball at an angle set by where it hits: straight up
    at the centre, steepest off the ends (horizontal speed up to 1.25 × vertical).

    A ball starts slow and speeds up one level (vertical speed 4 → 5 → 6 → 7 → 8 units per
    step) after it has broken 4 and 12 bricks, and when it first breaks an orange and a red
    brick (each speed-up from the next step on); a new ball starts slow again. The paddle
    shrinks to half its width (16 → 8) the first time the ball reaches the top wall, for
    the rest of the game. A ball that passes
    the paddle is lost. Each ball waits for FIRE: it then appears just below the wall of
    bricks at a random x and falls at a random angle (as on the 2600, where the waiting ball
    is not shown). Clearing the wall serves a second, full wall (as the 2600 does) once the
    ball has left the bricks' rows; clearing that one ends the game (864 points at most).

    Simplifications: the ball tests one point against the bricks, the middle of its
    leading edge (top when rising, bottom when falling), so a ball that grazes a brick's
    corner by less than a unit passes it; it breaks at most one brick per sub-step (four
    per step). The paddle is met at most once a step: the ball mirrors about its top line
    and takes its new angle from the next step. The paddle moves at a constant speed; the
    score and lives are not drawn.

    ## Action Space

    ``Discrete(4)``, ALE's minimal set for Breakout: 0 NOOP, 1 FIRE (serves a waiting ball,
    else does nothing), 2 RIGHT, 3 LEFT. The paddle moves 8 units per step. As in ALE v5,
    nothing fires by itself: an agent that never presses FIRE never plays.

    ## Observation Space

    ``obs_type="pixels"``: ``(4, 84, 84)`` uint8, the last four grey frames (ALE
    preprocessing: 84×84, grey, frame-skip 4, stack 4). ``obs_type="state"``: ``(117,)``
    float32:

    | index  | meaning                                           | scale       |
    |--------|---------------------------------------------------|-------------|
    | 0, 1   | ball x, y (top-left); 79, 100 while it waits      | / 160, /210 |
    | 2, 3   | ball velocity x, y per step; 0 while it waits     | / 10        |
    | 4      | paddle x (left edge)                              | / 160       |
    | 5      | paddle width (16, or 8 once shrunk)               | / 16        |
    | 6      | lives left, this ball included                    | / 5         |
    | 7      | 1 while the ball waits for FIRE, else 0           |             |
    | 8      | 0 on the first wall, 1 on the second              |             |
    | 9–116  | 1 per brick still standing, row-major from the    |             |
    |        | top-left (index 9 + 18 × row + column)            |             |

    ## Rewards

    The points of the bricks broken during the step, as ALE gives them: 7 for the two top
    rows (red, orange), 4 for the middle two (amber, yellow), 1 for the two bottom rows
    (green, blue); a step that breaks several bricks gives their sum.

    ## Starting State

    The full wall, 5 lives, the paddle in the middle (x 72), the ball waiting for FIRE.

    ## Episode End

    Terminated when the fifth ball is lost or the second wall is cleared; truncated after
    ``max_episode_steps`` (27,000 steps = ALE's 108,000 frames).

    ## Arguments

    ``num_envs``, ``obs_type`` (``"state"`` | ``"pixels"``), ``device``,
    ``repeat_action_probability`` (0.25, sticky actions as in ALE v5),
    ``max_episode_steps`` (27,000), ``render_mode`` (``"rgb_array"``),
    ``validate_actions`` (check action range each step; costs a device sync),
    ``auto_serve`` (False; True serves every ball without FIRE, as SB3's ``FireResetEnv``
    does for the first: FIRE then does nothing, and a young agent that has not yet found
    FIRE still plays), ``terminal_on_life_loss`` (False; True ends the episode at each lost
    ball, as Gymnasium's ``AtariPreprocessing`` option does). The last two are training
    aids, as in the RL Zoo's and CleanRL's Atari wrappers: score whole games with
    ``terminal_on_life_loss`` off.

    ## Version History

    * v0: initial version.
    """

    ACTIONS = ("NOOP", "FIRE", "RIGHT", "LEFT")
    REWARDS = _reward_values()
    STATE_LOW = (0.0, 0.0, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0) + (0.0,) * (_ROWS * _COLS)
    STATE_HIGH = (1.0, 1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0) + (1.0,) * (_ROWS * _COLS)
    UNIFORMS = 2  # serve: x, slope
    TILE_GEOMETRY = (_BRICK_TOP, _LEFT, _BRICK_H, _BRICK_W)
    SPRITES, SPRITE_SIZE = 2, (_PADDLE_W, _PADDLE_H)  # the paddle and the ball

    # The 2600's NTSC colours as ALE shows them: a black field, grey walls, a red paddle
    # and ball, and the bricks' rows red, orange, amber, yellow, green, blue from the top.
    COLOURS: ClassVar[dict[str, tuple[int, int, int]]] = {
        "background": (0, 0, 0),
        "wall": (142, 142, 142),
        "paddle": (200, 72, 72),
        "ball": (200, 72, 72),
    }
    BRICK_COLOURS: ClassVar[tuple[tuple[int, int, int], ...]] = (
        (200, 72, 72),
        (198, 108, 58),
        (180, 122, 48),
        (162, 162, 42),
        (72, 160, 72),
        (66, 72, 200),
    )

    def __init__(self, num_envs: int = 1, *, auto_serve: bool = False, **kwargs):
        self.auto_serve = auto_serve
        super().__init__(num_envs, **kwargs)

    def _new_state(self, u: torch.Tensor) -> State:
        n, dev = u.shape[0], u.device
        zeros = torch.zeros(n, dtype=torch.int64, device=dev)
        no = torch.zeros(n, dtype=torch.bool, device=dev)
        return {
            **self._parked(n, dev),
            "paddle_x": torch.full((n,), (160.0 - _PADDLE_W) / 2, device=dev),
            "small": no,  # the paddle has shrunk
            "bricks": torch.ones((n, _ROWS, _COLS), dtype=torch.bool, device=dev),
            "left": torch.full((n,), _ROWS * _COLS, dtype=torch.int64, device=dev),  # bricks standing
            "lives": torch.full((n,), _LIVES, dtype=torch.int64, device=dev),
            "waiting": torch.ones(n, dtype=torch.bool, device=dev),
            "wall": zeros,  # 0 on the first wall of bricks, 1 on the second
            "hits": zeros,  # bricks broken by this ball
            "orange": no,  # this ball has broken an orange brick
            "red": no,  # ... and a red one
        }

    @staticmethod
    def _cells(dev: torch.device) -> torch.Tensor:
        """``(1, rows * cols)``: each brick's cell number."""
        return torch.arange(_ROWS * _COLS, device=dev)[None]

    @staticmethod
    def _parked(n: int, dev: torch.device) -> State:
        """A ball waiting for FIRE: not moving, not drawn."""
        zero = torch.zeros(n, device=dev)
        return {"ball_x": zero + 79.0, "ball_y": zero + _SERVE_Y, "ball_sx": zero, "ball_sy": zero}

    @staticmethod
    def _speed(s: State) -> torch.Tensor:
        """The ball's vertical speed, units per step, from its level (0–4)."""
        level = (s["hits"] >= 4).long() + (s["hits"] >= 12).long() + s["orange"].long() + s["red"].long()
        return _BASE_SPEED + _SPEEDUP * level.to(torch.float32)

    def _advance(self, s: State, action: torch.Tensor, u: torch.Tensor):
        values = _values(action.device)
        n = action.shape[0]

        # The paddle moves first; its width changes only at the end of a step. The first
        # frames of a step may still play the previous action (sticky actions, see core).
        width = torch.where(s["small"], _SMALL_PADDLE_W, _PADDLE_W)
        move = self._sticky(action_table(_MOVES, action.device), action)
        paddle_x = torch.minimum((s["paddle_x"] + move).clamp(min=_LEFT), _RIGHT - width)

        # FIRE in any frame serves a waiting ball: it appears below the bricks and falls this
        # very step.
        pressed = self._sticky(action_table(_FIRES, action.device), action) > 0
        fire = s["waiting"] & (pressed | self.auto_serve)
        waiting = s["waiting"] & ~fire
        x = torch.where(fire, _LEFT + u[:, 0] * (_RIGHT - _LEFT - _BALL_W), s["ball_x"])
        y = s["ball_y"]  # a waiting ball is parked at the serve height already
        sx = torch.where(fire, (u[:, 1] * 2.0 - 1.0) * _SERVE_SLOPE, s["ball_sx"])  # velocity per unit of speed
        sy = torch.where(fire, 1.0, s["ball_sy"])  # +1 falling, -1 rising, 0 waiting

        # The ball moves at its speed level as the step begins (a speed-up counts from the next).
        step = self._speed(s) / _SUBSTEPS
        bricks = s["bricks"].reshape(n, _ROWS * _COLS)
        struck = []  # the cell each substep broke, (N,) each, -1 where none
        hits, orange, red, small, left = s["hits"], s["orange"], s["red"], s["small"], s["left"]
        reward = torch.zeros(n, device=action.device)
        bottom0 = y + _BALL_H
        for _ in range(_SUBSTEPS):  # a fixed count: the same ops for every env, branch-free
            x, y = x + sx * step, y + sy * step
            # The walls reflect the ball; reaching the top one shrinks the paddle.
            west, east, top = x < _LEFT, x + _BALL_W > _RIGHT, y < _TOP
            x = torch.where(west, 2 * _LEFT - x, torch.where(east, 2 * (_RIGHT - _BALL_W) - x, x))
            sx = torch.where(west | east, -sx, sx)
            y = torch.where(top, 2 * _TOP - y, y)
            sy = torch.where(top, -sy, sy)
            small = small | top

            # Bricks: the middle of the ball's leading edge tests the cell it is in.
            # (The walls keep lead >= 32 and 8 <= x <= 150, so the column is in range and the
            # shifted quotients are positive: truncating them, cheaper than floor, floors them.)
            lead = torch.where(sy < 0, y, y + _BALL_H)
            row = ((lead - _BRICK_TOP) * (1 / _BRICK_H) + _ROWS).long() - _ROWS
            col = ((x + _BALL_W / 2 - _LEFT) * (1 / _BRICK_W)).long()
            inside = (row >= 0) & (row < _ROWS)
            row = row.clamp(0, _ROWS - 1)
            cell = (row * _COLS + col)[:, None]
            alive = bricks.gather(1, cell)[:, 0]
            for broken in struck:  # a brick broken earlier this step is gone
                alive = alive & (broken != cell[:, 0])
            hit = inside & alive & ~waiting
            struck.append(torch.where(hit, cell[:, 0], -1))
            reward = reward + torch.where(hit, torch.take(values, row), 0.0)
            sy = torch.where(hit, -sy, sy)
            hits = hits + hit.long()
            left = left - hit.long()
            orange = orange | (hit & (row == 1))
            red = red | (hit & (row == 0))

        # The wall loses the step's broken bricks. Compiled, in one pass over every cell: a
        # scatter a substep makes torch.compile recompute the ball's path for every cell.
        if torch.compiler.is_compiling():
            broken = torch.stack(struck, 1)  # (N, substeps)
            bricks = bricks & ~(broken[:, :, None] == self._cells(action.device)[:, None]).any(1)
        else:  # eagerly, a scatter a substep touches one cell an env: O(N), not O(108 N)
            bricks = bricks.clone()
            for broken in struck:
                cell = broken.clamp(min=0)[:, None]
                bricks.scatter_(1, cell, bricks.gather(1, cell) & (broken < 0)[:, None])

        # The paddle, far below the bricks, is met at most once a step: the ball's bottom crossed
        # the paddle's top line (no tunnelling) where the ball ends overlapping it across.
        bottom = y + _BALL_H
        on = (sy > 0) & (bottom0 < _PADDLE_Y) & (bottom >= _PADDLE_Y)
        on = on & (x + _BALL_W > paddle_x) & (x < paddle_x + width)
        offset = ((x + _BALL_W / 2) - (paddle_x + width / 2)) / (width / 2 + _BALL_W / 2)
        y = torch.where(on, 2 * (_PADDLE_Y - _BALL_H) - y, y)  # mirrored above the paddle
        sy = torch.where(on, -1.0, sy)
        sx = torch.where(on, offset.clamp(-1, 1) * _MAX_SLOPE, sx)

        # A lost ball costs a life; the next one waits for FIRE and starts slow.
        lost = ~waiting & (y > _LOST_Y)
        lives = s["lives"] - lost.long()
        parked = self._parked(n, action.device)
        x, y = torch.where(lost, parked["ball_x"], x), torch.where(lost, parked["ball_y"], y)
        sx, sy = torch.where(lost, 0.0, sx), torch.where(lost, 0.0, sy)
        waiting = waiting | lost
        hits = torch.where(lost, 0, hits)
        orange, red = orange & ~lost, red & ~lost

        # The paddle halves about its middle the step it shrinks.
        new_width = torch.where(small, _SMALL_PADDLE_W, _PADDLE_W)
        paddle_x = paddle_x + (width - new_width) / 2

        # A cleared first wall is served again once the ball is below the bricks' rows.
        cleared = left == 0
        refill = cleared & (s["wall"] == 0) & (y >= _BRICK_BOTTOM)
        bricks = bricks | refill[:, None]
        left = torch.where(refill, _ROWS * _COLS, left)
        wall = s["wall"] + refill.long()
        terminated = (lives <= 0) | (cleared & ~refill & (wall == 1))

        state = {
            "ball_x": x,
            "ball_y": y,
            "ball_sx": sx,
            "ball_sy": sy,
            "paddle_x": paddle_x,
            "small": small,
            "bricks": bricks.reshape(n, _ROWS, _COLS),
            "left": left,
            "lives": lives,
            "waiting": waiting,
            "wall": wall,
            "hits": hits,
            "orange": orange,
            "red": red,
        }
        return state, reward, terminated

    def _features(self, s: State) -> torch.Tensor:
        speed = self._speed(s)
        width = torch.where(s["small"], _SMALL_PADDLE_W, _PADDLE_W)
        head = torch.stack(
            [
                s["ball_x"] / 160.0,
                s["ball_y"] / 210.0,
                s["ball_sx"] * speed / _MAX_VX,
                s["ball_sy"] * speed / _MAX_VX,
                s["paddle_x"] / 160.0,
                width / _PADDLE_W,
                s["lives"].to(torch.float32) / _LIVES,
                s["waiting"].to(torch.float32),
                s["wall"].to(torch.float32),
            ],
            dim=1,
        )
        n = head.shape[0]
        return torch.cat([head, s["bricks"].reshape(n, -1).to(torch.float32)], dim=1)  # (N, 117)

    def _scene(self, s: State):
        n = s["ball_x"].shape[0]
        dev = s["ball_x"].device

        def fixed(x0, y0, x1, y1):
            return torch.tensor([x0, y0, x1, y1], device=dev)

        walls = torch.stack(
            [
                fixed(0.0, _WALL_TOP, 160.0, _TOP),  # top
                fixed(0.0, _TOP, _LEFT, _WALL_BOTTOM),  # left, below the top one (no overlap)
                fixed(_RIGHT, _TOP, 160.0, _WALL_BOTTOM),  # right
            ]
        )[None].expand(n, -1, -1)  # (N, 3, 4)
        px = s["paddle_x"]
        width = torch.where(s["small"], _SMALL_PADDLE_W, _PADDLE_W)
        paddle = torch.stack(
            [px, torch.full_like(px, _PADDLE_Y), px + width, torch.full_like(px, _PADDLE_Y + _PADDLE_H)], 1
        )
        x, y = s["ball_x"], s["ball_y"]
        ball_w = torch.where(s["waiting"], 0.0, _BALL_W)  # a waiting ball is not drawn
        ball = torch.stack([x, y, x + ball_w, y + _BALL_H], dim=1)
        rects = torch.cat([walls, paddle[:, None], ball[:, None]], dim=1)  # (N, 5, 4)
        return rects, s["bricks"]

    def _colours(self):
        rects = [self.COLOURS[k] for k in ("wall", "wall", "wall", "paddle", "ball")]
        return self.COLOURS["background"], rects, list(self.BRICK_COLOURS)
