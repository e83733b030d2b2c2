"""Pong, after the Atari 2600 original's rules (not its code), batched on torch tensors."""

from __future__ import annotations

from typing import ClassVar

import torch

from marionnette.envs.arcade.core import ArcadeVectorEnv, State, action_table

# Geometry, in Atari playfield units (160 × 210, y down), as the 2600 draws it.
_TOP, _BOTTOM = 34.0, 194.0  # the inner edges of the two white walls
_PADDLE_H, _PADDLE_W = 16.0, 4.0
_BALL_W, _BALL_H = 2.0, 4.0
_AGENT_X, _CPU_X = 140.0, 16.0  # left edges of the paddles: the agent is on the right
# Speeds, in units per agent step (4 frames).
_PADDLE_SPEED = 8.0  # the agent's paddle
_CPU_SPEED = 5.0  # the computer's paddle: slower than a steep ball, so it can be beaten
_SERVE_VX = 5.0  # horizontal ball speed after a serve
_MAX_VX = 8.0  # the ball speeds up by _SPEEDUP at each return, up to this
_SPEEDUP = 1.05
_MAX_VY = 7.0  # vertical speed after a hit on the paddle's very end
_WIN_SCORE = 21
# The agent's paddle move in a step, by action (y down): RIGHT/RIGHTFIRE move it up, LEFT/LEFTFIRE
# down (ALE's meanings); NOOP and FIRE leave it.
_MOVES = (0.0, 0.0, -_PADDLE_SPEED, _PADDLE_SPEED, -_PADDLE_SPEED, _PADDLE_SPEED)


class PongVectorEnv(ArcadeVectorEnv):
    """Pong against the computer, a batch of games stepped by tensor ops.

    ## Description

    The agent controls the right (green) paddle; the computer the left (orange) one. The
    ball bounces off the top and bottom walls; a paddle returns it at an angle set by
    where it hits (the ends send it steepest). Whoever misses gives the other a point;
    the first to 21 wins. The computer's paddle follows the ball but moves more slowly than
    a steep ball, so angled returns beat it (as in the 2600 game).

    ## Action Space

    ``Discrete(6)``, ALE's minimal set for Pong: 0 NOOP, 1 FIRE, 2 RIGHT (up), 3 LEFT
    (down), 4 RIGHTFIRE (up), 5 LEFTFIRE (down). FIRE does nothing (serves are automatic).

    ## Observation Space

    ``obs_type="pixels"``: ``(4, 84, 84)`` uint8, the last four grey frames (ALE
    preprocessing: 84×84, grey, frame-skip 4, stack 4); the scores are not drawn.
    ``obs_type="state"``: ``(6,)`` float32:

    | index | meaning                         | scale                 |
    |-------|---------------------------------|-----------------------|
    | 0, 1  | ball x, y (top-left)            | / 160, / 210          |
    | 2, 3  | ball velocity x, y per step     | / 8                   |
    | 4     | agent paddle y (top)            | / 210                 |
    | 5     | computer paddle y (top)         | / 210                 |

    ## Rewards

    +1 when the computer misses, -1 when the agent misses, else 0.

    ## Starting State

    0–0; the ball served from the centre towards a random side at a random height and
    angle; both paddles centred.

    ## Episode End

    Terminated when either side reaches 21; truncated after ``max_episode_steps`` (27,000
    steps = ALE's 108,000 frames).

    ## Arguments

    ``num_envs``, ``obs_type`` (``"state"`` | ``"pixels"``), ``device``,
    ``repeat_action_probability`` (0.25, sticky actions as in ALE v5),
    ``max_episode_steps`` (27,000), ``render_mode`` (``"rgb_array"``),
    ``validate_actions`` (check action range each step; costs a device sync).

    ## Version History

    * v0: initial version.
    """

    ACTIONS = ("NOOP", "FIRE", "RIGHT", "LEFT", "RIGHTFIRE", "LEFTFIRE")
    REWARDS = (-1.0, 0.0, 1.0)
    SPRITES, SPRITE_SIZE = 3, (_PADDLE_W, _PADDLE_H)  # the two paddles and the ball
    STATE_LOW = (-1.0, -1.0, -2.0, -2.0, -1.0, -1.0)
    STATE_HIGH = (2.0, 2.0, 2.0, 2.0, 2.0, 2.0)
    UNIFORMS = 3  # serve: side, height, angle

    COLOURS: ClassVar[dict[str, tuple[int, int, int]]] = {
        "background": (144, 72, 17),
        "wall": (236, 236, 236),
        "cpu": (213, 130, 74),
        "agent": (92, 186, 92),
        "ball": (236, 236, 236),
    }

    def _new_state(self, u: torch.Tensor) -> State:
        n = u.shape[0]
        centre = torch.full((n,), (_TOP + _BOTTOM - _PADDLE_H) / 2, device=u.device)
        zeros = torch.zeros(n, dtype=torch.int64, device=u.device)
        return {**self._serve(u), "agent_y": centre, "cpu_y": centre.clone(), "agent_score": zeros, "cpu_score": zeros}

    def _serve(self, u: torch.Tensor) -> State:
        """Ball from the centre: side from ``u[:, 0]``, height ``u[:, 1]``, angle ``u[:, 2]``."""
        side = torch.where(u[:, 0] < 0.5, -1.0, 1.0)
        return {
            "ball_x": torch.full_like(side, 79.0),
            "ball_y": _TOP + 30.0 + u[:, 1] * (_BOTTOM - _TOP - 60.0),
            "ball_vx": side * _SERVE_VX,
            "ball_vy": (u[:, 2] * 2.0 - 1.0) * 3.0,
        }

    def _advance(self, s: State, action: torch.Tensor, u: torch.Tensor):
        # The first frames of a step may still play the previous action (sticky actions).
        move = self._sticky(action_table(_MOVES, action.device), action)
        agent_y = (s["agent_y"] + move).clamp(_TOP, _BOTTOM - _PADDLE_H)
        # The computer chases the ball's centre, at a limited speed.
        gap = (s["ball_y"] + _BALL_H / 2) - (s["cpu_y"] + _PADDLE_H / 2)
        cpu_y = (s["cpu_y"] + gap.clamp(-_CPU_SPEED, _CPU_SPEED)).clamp(_TOP, _BOTTOM - _PADDLE_H)

        x0, y0, vx, vy = s["ball_x"], s["ball_y"], s["ball_vx"], s["ball_vy"]
        x, y = x0 + vx, y0 + vy
        # Walls reflect the ball.
        over, under = y < _TOP, y + _BALL_H > _BOTTOM
        y = torch.where(over, 2 * _TOP - y, torch.where(under, 2 * (_BOTTOM - _BALL_H) - y, y))
        vy = torch.where(over | under, -vy, vy)

        # Paddles: does the ball's leading edge cross a paddle's face during this step?
        def hit(face: float, leading0, leading1, paddle_y, moving):  # tensors (N,), the ball's leading edge
            t = ((face - leading0) / vx).clamp(0, 1)  # when it crosses (|vx| >= _SERVE_VX, never 0)
            crossed = moving & (torch.sign(face - leading0) != torch.sign(face - leading1))
            y_at = y0 + t * (y - y0)
            overlap = (y_at + _BALL_H >= paddle_y) & (y_at <= paddle_y + _PADDLE_H)
            offset = ((y_at + _BALL_H / 2) - (paddle_y + _PADDLE_H / 2)) / (_PADDLE_H / 2 + _BALL_H / 2)
            return crossed & overlap, offset.clamp(-1, 1)

        agent_hit, agent_off = hit(_AGENT_X, x0 + _BALL_W, x + _BALL_W, agent_y, vx > 0)
        cpu_hit, cpu_off = hit(_CPU_X + _PADDLE_W, x0, x, cpu_y, vx < 0)
        speed = (vx.abs() * _SPEEDUP).clamp(max=_MAX_VX)
        x = torch.where(agent_hit, 2 * (_AGENT_X - _BALL_W) - x, torch.where(cpu_hit, 2 * (_CPU_X + _PADDLE_W) - x, x))
        vx = torch.where(agent_hit, -speed, torch.where(cpu_hit, speed, vx))
        vy = torch.where(agent_hit, agent_off * _MAX_VY, torch.where(cpu_hit, cpu_off * _MAX_VY, vy))

        # A miss: the ball leaves the field and is served again.
        agent_point = x + _BALL_W < 0
        cpu_point = x > 160.0
        point = agent_point | cpu_point
        serve = self._serve(u)
        reward = agent_point.to(torch.float32) - cpu_point.to(torch.float32)
        agent_score = s["agent_score"] + agent_point.to(torch.int64)
        cpu_score = s["cpu_score"] + cpu_point.to(torch.int64)
        state = {
            "ball_x": torch.where(point, serve["ball_x"], x),
            "ball_y": torch.where(point, serve["ball_y"], y),
            "ball_vx": torch.where(point, serve["ball_vx"], vx),
            "ball_vy": torch.where(point, serve["ball_vy"], vy),
            "agent_y": agent_y,
            "cpu_y": cpu_y,
            "agent_score": agent_score,
            "cpu_score": cpu_score,
        }
        terminated = (agent_score >= _WIN_SCORE) | (cpu_score >= _WIN_SCORE)
        return state, reward, terminated

    def _features(self, s: State) -> torch.Tensor:
        return torch.stack(
            [
                s["ball_x"] / 160.0,
                s["ball_y"] / 210.0,
                s["ball_vx"] / _MAX_VX,
                s["ball_vy"] / _MAX_VX,
                s["agent_y"] / 210.0,
                s["cpu_y"] / 210.0,
            ],
            dim=1,
        )  # (N, 6)

    def _scene(self, s: State):
        n = s["ball_x"].shape[0]
        dev = s["ball_x"].device

        def rect(x0, y0, w, h):
            x0 = x0 if isinstance(x0, torch.Tensor) else torch.full((n,), x0, device=dev)
            y0 = y0 if isinstance(y0, torch.Tensor) else torch.full((n,), y0, device=dev)
            return torch.stack([x0, y0, x0 + w, y0 + h], dim=1)  # (N, 4)

        rects = torch.stack(
            [
                rect(0.0, _TOP - 10.0, 160.0, 10.0),  # top wall
                rect(0.0, _BOTTOM, 160.0, 10.0),  # bottom wall
                rect(_CPU_X, s["cpu_y"], _PADDLE_W, _PADDLE_H),
                rect(_AGENT_X, s["agent_y"], _PADDLE_W, _PADDLE_H),
                rect(s["ball_x"], s["ball_y"], _BALL_W, _BALL_H),
            ],
            dim=1,
        )  # (N, 5, 4)
        return rects, None

    def _colours(self):
        rects = [self.COLOURS[k] for k in ("wall", "wall", "cpu", "agent", "ball")]
        return self.COLOURS["background"], rects, None
