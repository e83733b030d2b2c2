"""Tic-tac-toe: the rules, a perfect oracle, and a Gymnasium environment.

The rules and the oracle live beside the environment because they belong to the game:
the built-in minimax opponent plays from the oracle, and agents may ask it to judge a
policy (never to teach one). Boards are tuples of nine :class:`Mark` values, row-major::

    0 | 1 | 2
    ---------
    3 | 4 | 5
    ---------
    6 | 7 | 8
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from marionnette.errors import MarionnetteError


class Mark(enum.IntEnum):
    """What a cell holds. X always moves first."""

    EMPTY = 0
    X = 1
    O = 2  # noqa: E741 - the letter is the name of the mark


Board = tuple[int, ...]  # 9 Mark values, row-major
EMPTY_BOARD: Board = (Mark.EMPTY,) * 9
LINES: tuple[tuple[int, int, int], ...] = (
    (0, 1, 2), (3, 4, 5), (6, 7, 8),  # rows
    (0, 3, 6), (1, 4, 7), (2, 5, 8),  # columns
    (0, 4, 8), (2, 4, 6),  # diagonals
)  # fmt: skip


def to_move(board: Board) -> Mark:
    """The mark that moves next (X when both have played equally often)."""
    return Mark.X if board.count(1) == board.count(2) else Mark.O


def other(mark: Mark) -> Mark:
    return Mark.O if mark == Mark.X else Mark.X


@functools.cache  # a pure function of at most 3**9 boards, and the hottest one in a step
def winning_line(board: Board) -> tuple[int, int, int] | None:
    for line in LINES:
        a, b, c = line
        if board[a] and board[a] == board[b] == board[c]:
            return line
    return None


def winner(board: Board) -> Mark:
    """The mark with three in a row, or ``Mark.EMPTY`` when nobody has one."""
    line = winning_line(board)
    return Mark.EMPTY if line is None else Mark(board[line[0]])


def is_terminal(board: Board) -> bool:
    return winner(board) != Mark.EMPTY or Mark.EMPTY not in board


def legal_moves(board: Board) -> list[int]:
    """Empty cells, or none once the game is over."""
    if winner(board) != Mark.EMPTY:
        return []
    return [i for i, cell in enumerate(board) if cell == Mark.EMPTY]


def play(board: Board, cell: int) -> Board:
    """The board after the player to move marks ``cell`` (which must be empty)."""
    return board[:cell] + (to_move(board),) + board[cell + 1 :]


def encode(board: Board) -> int:
    """The board as a base-3 integer in ``[0, 3**9)``: a table index for tabular agents."""
    code = 0
    for cell in reversed(board):
        code = code * 3 + int(cell)
    return code


def observe(board: Board) -> np.ndarray:
    """The observation of ``board`` for the player to move, shape ``(18,)`` float32.

    ``obs[:9]`` marks that player's own cells, ``obs[9:]`` the opponent's: the same network
    plays X and O.
    """
    return _observation(board).copy()


@functools.cache  # read-only arrays, copied out: observing is most of an env step's cost
def _observation(board: Board) -> np.ndarray:
    me = to_move(board)
    cells = np.asarray(board, dtype=np.int8)
    obs = np.concatenate([cells == me, cells == other(me)]).astype(np.float32)
    obs.flags.writeable = False
    return obs


def board_from_obs(obs: np.ndarray) -> Board:
    """Inverse of :func:`observe`: who is to move follows from how many marks each side has."""
    obs = np.asarray(obs)
    if obs.shape != (18,):
        raise MarionnetteError(f"a tic-tac-toe observation has shape (18,), got {obs.shape}")
    mine, theirs = obs[:9] > 0.5, obs[9:] > 0.5
    me = Mark.X if mine.sum() == theirs.sum() else Mark.O
    cells = np.where(mine, int(me), np.where(theirs, int(other(me)), int(Mark.EMPTY)))
    return tuple(int(c) for c in cells)


def action_mask(board: Board) -> np.ndarray:
    """``(9,)`` int8, 1 where a move is legal (all zeros once the game is over)."""
    mask = np.zeros(9, dtype=np.int8)
    mask[legal_moves(board)] = 1
    return mask


# --------------------------------------------------------------------------------------
# The oracle


@dataclass(frozen=True)
class Oracle:
    """The game-theoretic value of every position reachable from the empty board.

    ``values[board]`` is the outcome under perfect play for the player to move in
    ``board``: +1 win, 0 draw, -1 loss (a finished board is 0 for a draw and -1 for the
    player to move, whose opponent just completed a line).
    """

    values: Mapping[Board, int]

    def value(self, board: Board) -> int:
        return self.values[board]

    def optimal_moves(self, board: Board) -> frozenset[int]:
        """The moves that keep the best outcome available to the player to move."""
        best = self.value(board)
        return frozenset(m for m in legal_moves(board) if -self.values[play(board, m)] == best)

    def positions(self, terminal: bool | None = None) -> Iterator[Board]:
        """Reachable positions; ``terminal`` selects finished (True) or open (False) ones."""
        for board in self.values:
            if terminal is None or is_terminal(board) == terminal:
                yield board


@functools.cache
def solve() -> Oracle:
    """Negamax with a memo over every position reachable from the empty board (~50 ms)."""
    values: dict[Board, int] = {}

    def negamax(board: Board) -> int:
        if board in values:
            return values[board]
        if winner(board) != Mark.EMPTY:
            value = -1  # the previous player completed a line
        elif Mark.EMPTY not in board:
            value = 0
        else:
            value = max(-negamax(play(board, m)) for m in legal_moves(board))
        values[board] = value
        return value

    negamax(EMPTY_BOARD)
    return Oracle(MappingProxyType(values))


# --------------------------------------------------------------------------------------
# The environment

OpponentPolicy = Callable[[np.ndarray, np.ndarray], int]
"""A policy for the built-in opponent: ``(observation, action_mask) -> cell``, where the
observation is the opponent's own view (:func:`observe`)."""

_OUTCOME_NAMES = {Mark.X: "X", Mark.O: "O", Mark.EMPTY: "draw"}


class TicTacToeEnv(gym.Env[np.ndarray, np.int64]):
    """Tic-tac-toe on a 3×3 board against a built-in opponent.

    ## Description

    Two players take turns marking empty cells, X first; three marks in a row, column or
    diagonal win, a full board without a line is a draw. The agent plays one side
    (``agent_player``); the environment plays the other with ``opponent`` and returns
    once it is the agent's turn again. With ``opponent="self"`` there is no built-in
    opponent: each step is a move by whoever is to move, which is how tabular agents
    learn both sides by self-play.

    ## Action Space

    ``Discrete(9)``: the cell to mark, row-major (0 is top-left, 8 bottom-right). Legal
    moves are ``info["action_mask"]`` and :meth:`action_masks` (sb3-contrib's
    MaskablePPO convention), an int8 array of shape ``(9,)``.

    ## Observation Space

    ``Box(0, 1, (18,), float32)`` from the point of view of the player to move:

    | index  | meaning                                   |
    |--------|-------------------------------------------|
    | 0–8    | 1 where the player to move has a mark     |
    | 9–17   | 1 where the other player has a mark       |

    ## Rewards

    From the point of view of the agent (with ``opponent="self"``: of the player who just
    moved): +1 for a win, -1 for a loss, 0 for a draw and for every move that does not
    end the game. An **illegal move** (an occupied cell) ends the episode at once with
    ``illegal_move_reward`` (default -1, a loss) and ``info["illegal_move"] = True``; the
    board is left unchanged.

    ## Starting State

    The empty board. When the agent plays O, the opponent has already made X's first
    move in the observation that :meth:`reset` returns.

    ## Episode End

    Terminated on a win, a draw or an illegal move; never truncated (a game lasts at most
    nine moves). The final ``info["winner"]`` is ``"X"``, ``"O"`` or ``"draw"``.

    ## Arguments

    | argument             | default    | meaning                                          |
    |----------------------|------------|--------------------------------------------------|
    | `agent_player`       | `"X"`      | `"X"`, `"O"`, or `"random"` (a side per episode) |
    | `opponent`           | `"random"` | `"random"`, `"minimax"`, `"self"`, or a callable |
    |                      |            | `(observation, action_mask) -> cell`             |
    | `opponent_epsilon`   | `0.0`      | chance that a built-in opponent moves at random   |
    | `illegal_move_reward`| `-1.0`     | reward for marking an occupied cell              |
    | `render_mode`        | `None`     | `"ansi"` (text) or `"rgb_array"` (256×256 image) |

    The minimax opponent never loses: it picks uniformly among the oracle's optimal moves.

    ```python
    >>> import gymnasium as gym, marionnette
    >>> env = gym.make("marionnette/TicTacToe-v0", opponent="minimax")
    >>> obs, info = env.reset(seed=0)
    >>> obs.shape, info["action_mask"].tolist()
    ((18,), [1, 1, 1, 1, 1, 1, 1, 1, 1])

    ```

    ## Version History

    * v0: initial version.
    """

    metadata = {"render_modes": ["ansi", "rgb_array"], "render_fps": 2}

    def __init__(
        self,
        agent_player: str = "X",
        opponent: str | OpponentPolicy = "random",
        opponent_epsilon: float = 0.0,
        illegal_move_reward: float = -1.0,
        render_mode: str | None = None,
    ):
        if agent_player not in ("X", "O", "random"):
            raise MarionnetteError(f"agent_player={agent_player!r}: use 'X', 'O' or 'random'")
        if not callable(opponent) and opponent not in ("random", "minimax", "self"):
            raise MarionnetteError(
                f"opponent={opponent!r}: use 'random', 'minimax', 'self' or a callable "
                "(observation, action_mask) -> cell"
            )
        if not 0.0 <= opponent_epsilon <= 1.0:
            raise MarionnetteError(f"opponent_epsilon={opponent_epsilon}: must lie in [0, 1]")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise MarionnetteError(f"render_mode={render_mode!r}: use one of {self.metadata['render_modes']}")
        self.agent_player = agent_player
        self.opponent = opponent
        self.opponent_epsilon = opponent_epsilon
        self.illegal_move_reward = illegal_move_reward
        self.render_mode = render_mode

        self.action_space = spaces.Discrete(9)
        self.observation_space = spaces.Box(0.0, 1.0, shape=(18,), dtype=np.float32)
        self._oracle = solve() if opponent == "minimax" else None
        self._board: Board = EMPTY_BOARD
        self._agent_mark = Mark.X

    # -- the Gymnasium API -------------------------------------------------------------

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._board = EMPTY_BOARD
        if self.agent_player == "random":
            self._agent_mark = Mark.X if self.np_random.integers(2) == 0 else Mark.O
        else:
            self._agent_mark = Mark[self.agent_player]
        if self.opponent != "self" and self._agent_mark == Mark.O:
            self._board = play(self._board, self._opponent_move())
        return observe(self._board), self._info()

    def step(self, action):
        if not self.action_space.contains(action):
            shown = " ".join(repr(action).split())[:80]  # one line, whatever was passed
            raise MarionnetteError(f"action {shown} is not a cell of Discrete(9): use 0..8")
        cell = int(action)
        if self._board[cell] != Mark.EMPTY or is_terminal(self._board):
            info = self._info(illegal_move=True)
            return observe(self._board), self.illegal_move_reward, True, False, info

        self._board = play(self._board, cell)
        if is_terminal(self._board):  # the mover (agent, or anyone under "self") won or drew
            reward = 1.0 if winner(self._board) != Mark.EMPTY else 0.0
            return observe(self._board), reward, True, False, self._info()
        if self.opponent == "self":
            return observe(self._board), 0.0, False, False, self._info()

        self._board = play(self._board, self._opponent_move())
        reward = -1.0 if winner(self._board) != Mark.EMPTY else 0.0
        return observe(self._board), reward, is_terminal(self._board), False, self._info()

    def action_masks(self) -> np.ndarray:
        """Legal moves, ``(9,)`` int8: what sb3-contrib's MaskablePPO asks the env for."""
        return action_mask(self._board)

    def render(self):
        if self.render_mode == "ansi":
            return render_ansi(self._board)
        if self.render_mode == "rgb_array":
            return render_rgb(self._board)
        return None

    # -- the game itself -----------------------------------------------------------------

    @property
    def board(self) -> Board:
        return self._board

    def _opponent_move(self) -> int:
        moves = legal_moves(self._board)
        if self.opponent == "random" or self.np_random.random() < self.opponent_epsilon:
            return moves[self.np_random.integers(len(moves))]
        if self.opponent == "minimax":
            best = sorted(self._oracle.optimal_moves(self._board))
            return best[self.np_random.integers(len(best))]
        cell = int(self.opponent(observe(self._board), action_mask(self._board)))
        if cell not in moves:
            raise MarionnetteError(f"the opponent policy chose cell {cell}, not a legal move {moves}")
        return cell

    def _info(self, illegal_move: bool = False) -> dict[str, Any]:
        info: dict[str, Any] = {
            "action_mask": action_mask(self._board) if not illegal_move else np.zeros(9, np.int8),
            "agent_player": self._agent_mark.name,
        }
        if illegal_move:
            info["illegal_move"] = True
            info["winner"] = "O" if self._agent_mark == Mark.X else "X"
        elif is_terminal(self._board):
            info["winner"] = _OUTCOME_NAMES[winner(self._board)]
        return info


# --------------------------------------------------------------------------------------
# Drawing

_SYMBOLS = {Mark.EMPTY: ".", Mark.X: "X", Mark.O: "O"}
_SIZE = 256  # pixels; a multiple of 16 so that H.264 encoders take it unpadded
_BACKGROUND, _GRID, _X_COLOUR, _O_COLOUR, _LINE_COLOUR = (
    (245, 240, 230), (60, 60, 60), (200, 50, 50), (40, 90, 200), (40, 170, 70),
)  # fmt: skip


def render_ansi(board: Board) -> str:
    """The board as text, with cell numbers 1–9 on the empty cells (how people type moves)."""
    rows = []
    for r in range(3):
        cells = [_SYMBOLS[Mark(board[3 * r + c])] if board[3 * r + c] else str(3 * r + c + 1) for c in range(3)]
        rows.append(" " + " | ".join(cells))
    return "\n---+---+---\n".join(rows) + "\n"


def render_rgb(board: Board) -> np.ndarray:
    """The board drawn as a ``(256, 256, 3)`` uint8 image."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (_SIZE, _SIZE), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    cell, pad = _SIZE // 3, _SIZE // 12
    for k in (1, 2):
        draw.line([(k * cell, 8), (k * cell, _SIZE - 8)], fill=_GRID, width=4)
        draw.line([(8, k * cell), (_SIZE - 8, k * cell)], fill=_GRID, width=4)
    for i, mark in enumerate(board):
        x0, y0 = (i % 3) * cell + pad, (i // 3) * cell + pad
        x1, y1 = x0 + cell - 2 * pad, y0 + cell - 2 * pad
        if mark == Mark.X:
            draw.line([(x0, y0), (x1, y1)], fill=_X_COLOUR, width=9)
            draw.line([(x0, y1), (x1, y0)], fill=_X_COLOUR, width=9)
        elif mark == Mark.O:
            draw.ellipse([(x0, y0), (x1, y1)], outline=_O_COLOUR, width=9)
    line = winning_line(board)
    if line is not None:
        (a, _, c) = line
        centre = [((i % 3) * cell + cell // 2, (i // 3) * cell + cell // 2) for i in (a, c)]
        draw.line(centre, fill=_LINE_COLOUR, width=7)
    return np.asarray(image, dtype=np.uint8)
