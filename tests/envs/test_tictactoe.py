import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import marionnette  # noqa: F401  (registers the ids)
from marionnette.envs import tictactoe as t3
from marionnette.errors import MarionnetteError

ID = "marionnette/TicTacToe-v0"


def board(text: str) -> t3.Board:
    """``"XO.|...|..."`` → a board (rows split by |)."""
    symbols = {"X": t3.Mark.X, "O": t3.Mark.O, ".": t3.Mark.EMPTY}
    return tuple(int(symbols[c]) for c in text.replace("|", ""))


@pytest.mark.parametrize("opponent", ["random", "minimax", "self"])
@pytest.mark.parametrize("agent_player", ["X", "O", "random"])
def test_check_env(opponent, agent_player):
    env = gym.make(ID, opponent=opponent, agent_player=agent_player, render_mode="rgb_array")
    check_env(env.unwrapped)


def test_oracle_counts_the_known_figures():
    oracle = t3.solve()
    assert len(oracle.values) == 5478
    assert sum(1 for _ in oracle.positions(terminal=True)) == 958
    assert sum(1 for _ in oracle.positions(terminal=False)) == 4520
    assert oracle.value(t3.EMPTY_BOARD) == 0  # perfect play draws
    # Every opening move keeps the draw, so all nine are optimal.
    assert oracle.optimal_moves(t3.EMPTY_BOARD) == frozenset(range(9))


def test_oracle_values_of_known_positions():
    oracle = t3.solve()
    # X to move with two in a row: completing it (cell 2) is the only winning move.
    b = board("XX.|OO.|...")
    assert oracle.value(b) == 1 and oracle.optimal_moves(b) == {2}
    # O to move against a fork: X threatens 2 and 6 at once, so O has lost.
    b = board("X.X|.O.|X.O")
    assert t3.to_move(b) == t3.Mark.O and oracle.value(b) == -1
    # After X's corner opening, O must take the centre; any edge or other corner loses.
    b = board("X..|...|...")
    assert oracle.optimal_moves(b) == {4}


def test_observation_round_trips_every_position():
    for b in t3.solve().positions():
        obs = t3.observe(b)
        assert obs.shape == (18,) and obs.dtype == np.float32
        assert t3.board_from_obs(obs) == b


def play_out(env, moves, seed=0):
    obs, info = env.reset(seed=seed)
    for m in moves:
        obs, reward, terminated, truncated, info = env.step(m)
        if terminated:
            return reward, info
    raise AssertionError("game did not end")


def test_rewards_win_loss_draw_and_illegal_moves():
    env = gym.make(ID, opponent="self").unwrapped
    reward, info = play_out(env, [0, 3, 1, 4, 2])  # X completes the top row
    assert reward == 1.0 and info["winner"] == "X"
    reward, info = play_out(env, [0, 1, 2, 4, 3, 5, 7, 6, 8])  # full board, no line
    assert reward == 0.0 and info["winner"] == "draw"

    env = gym.make(ID, opponent="minimax", agent_player="X").unwrapped
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(4)
    taken = int(np.flatnonzero(obs[9:])[0])  # the opponent's reply
    before = env.board
    obs, reward, terminated, truncated, info = env.step(taken)
    assert (reward, terminated, truncated) == (-1.0, True, False)
    assert info["illegal_move"] and env.board == before  # the board is left unchanged

    with pytest.raises(MarionnetteError, match="Discrete"):
        env.step(9)


def test_minimax_opponent_never_loses_and_agent_as_o_sees_x_first():
    env = gym.make(ID, opponent="minimax", agent_player="O")
    rng = np.random.default_rng(0)
    for seed in range(100):
        obs, info = env.reset(seed=seed)
        assert obs[9:].sum() == 1 and obs[:9].sum() == 0  # X has moved
        while True:
            action = rng.choice(np.flatnonzero(info["action_mask"]))
            obs, reward, terminated, _, info = env.step(action)
            assert reward <= 0
            if terminated:
                break


def test_callable_opponent_sees_its_own_view():
    seen = []

    def first_free(obs, mask):
        seen.append(obs.copy())
        return int(np.flatnonzero(mask)[0])

    env = gym.make(ID, opponent=first_free)
    env.reset(seed=0)
    env.step(4)
    assert len(seen) == 1
    assert seen[0][9 + 4] == 1  # the agent's X is the opponent's "other" plane
    assert env.unwrapped.board == board("O..|.X.|...")


def test_same_seed_same_game():
    def trajectory(seed):
        env = gym.make(ID, opponent="random", agent_player="random")
        obs, info = env.reset(seed=seed)
        out = [obs]
        for _ in range(4):
            obs, r, term, _, info = env.step(int(np.flatnonzero(info["action_mask"])[0]))
            out.append(obs)
            if term:
                break
        return np.stack(out)

    assert np.array_equal(trajectory(3), trajectory(3))
    assert any(not np.array_equal(trajectory(s), trajectory(s + 1)) for s in range(5))


def test_render_modes():
    env = gym.make(ID, render_mode="rgb_array", opponent="self")
    env.reset(seed=0)
    for m in (0, 3, 1, 4, 2):
        env.step(m)
    image = env.render()
    assert image.shape == (256, 256, 3) and image.dtype == np.uint8
    assert (image == np.array([40, 170, 70], np.uint8)).all(axis=-1).sum() > 500  # the green winning line
    text = gym.make(ID, render_mode="ansi", opponent="self")
    text.reset(seed=0)
    text.step(4)
    assert text.render().splitlines()[2] == " 4 | X | 6"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"agent_player": "Y"}, "agent_player"),
        ({"opponent": "perfect"}, "opponent"),
        ({"opponent_epsilon": 2.0}, "opponent_epsilon"),
        ({"render_mode": "svg"}, "render_mode"),
    ],
)
@pytest.mark.filterwarnings("ignore:.*render_mode.*:UserWarning")
def test_bad_arguments_say_what_to_use(kwargs, message):
    with pytest.raises(MarionnetteError, match=message):
        gym.make(ID, **kwargs)


def test_board_from_obs_rejects_a_wrong_shape():
    with pytest.raises(MarionnetteError, match=r"\(18,\)"):
        t3.board_from_obs(np.zeros(9))
