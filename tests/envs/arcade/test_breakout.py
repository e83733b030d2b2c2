"""Breakout's own rules: FIRE serves, bricks pay by row, no tunnelling, lives, two walls."""

import gymnasium as gym
import numpy as np
import pytest
import torch

import marionnette
import marionnette.errors
from marionnette.envs.arcade.breakout import BreakoutVectorEnv

NOOP, FIRE, RIGHT, LEFT = range(4)
VALUES = torch.tensor([7.0, 7.0, 4.0, 4.0, 1.0, 1.0])  # per row, from the top
BALL_X, BALL_Y, BALL_VX, BALL_VY, PADDLE_X, PADDLE_W, LIVES, WAITING, WALL = range(9)


def make(n, **kwargs):
    kwargs.setdefault("repeat_action_probability", 0.0)
    envs = gym.make_vec("marionnette/Breakout-v0", num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    envs.reset(seed=0)
    return envs, envs.unwrapped


def put(game, **values):
    """Overwrite parts of every env's state (scalars are broadcast)."""
    state = dict(game._state)
    for key, value in values.items():
        state[key] = torch.as_tensor(value, dtype=state[key].dtype).expand_as(state[key]).clone()
    game._state = state


def flying(game, x, y, sx, sy, **more):
    """A ball in play at ``(x, y)``, moving ``(sx, sy)`` per unit of speed."""
    put(game, ball_x=x, ball_y=y, ball_sx=sx, ball_sy=sy, waiting=False, **more)


def bricks_value(obs):
    return (obs[:, 9:].reshape(-1, 6, 18) * VALUES[None, :, None]).sum(dim=(1, 2))


def track(obs):
    """FIRE when the ball waits, else keep the paddle's middle under the ball's."""
    gap = (obs[:, BALL_X] * 160 + 1) - (obs[:, PADDLE_X] * 160 + obs[:, PADDLE_W] * 8)
    follow = torch.where(gap > 2, RIGHT, torch.where(gap < -2, LEFT, NOOP))
    return torch.where(obs[:, WAITING] > 0, FIRE, follow)


def test_the_ball_waits_for_fire():
    envs, _ = make(16, repeat_action_probability=0.25)
    gen = torch.Generator().manual_seed(0)
    for _ in range(300):  # NOOP, RIGHT and LEFT, never FIRE
        actions = torch.tensor([NOOP, RIGHT, LEFT])[torch.randint(0, 3, (16,), generator=gen)]
        obs, reward, terminated, truncated, _ = envs.step(actions)
        assert (reward == 0).all() and not (terminated | truncated).any()
        assert (obs[:, WAITING] == 1).all() and (obs[:, LIVES] == 1).all()
    obs, *_ = envs.step(torch.full((16,), FIRE))
    assert (obs[:, WAITING] == 0).all() and (obs[:, BALL_VY] > 0).all()  # served, falling


def test_tracking_the_ball_beats_random_play():
    def play(policy, steps=1500, n=32):
        envs, _ = make(n, repeat_action_probability=0.25)
        obs, _ = envs.reset(seed=3)
        gen = torch.Generator().manual_seed(3)
        points, lost = torch.zeros(n), torch.zeros(n)
        for _ in range(steps):
            action = track(obs) if policy == "track" else torch.randint(0, 4, (n,), generator=gen)
            before = obs[:, LIVES]
            obs, reward, *_ = envs.step(action)
            points += reward
            lost += (before - obs[:, LIVES] > 0).float()  # a reset refills the lives: not a loss
        return points.sum(), lost.sum()

    tracked, tracked_lost = play("track")
    random, random_lost = play("random")
    assert tracked > 3 * random and tracked_lost < random_lost


@pytest.mark.parametrize("row", range(6))
def test_a_brick_pays_by_its_row(row):
    envs, game = make(1)
    bricks = torch.ones(1, 6, 18, dtype=torch.bool)
    bricks[0, row + 1 :, 5] = False  # a shaft up column 5 to the brick in `row`
    put(game, bricks=bricks, left=int(bricks.sum()))
    bottom = 57 + 6 * (row + 1)
    flying(game, x=8 + 5 * 8 + 3, y=bottom + 1, sx=0.0, sy=-1.0)  # rising, 1 unit below it
    obs, reward, *_ = envs.step(torch.tensor([NOOP]))
    assert reward.item() == VALUES[row].item()
    expected = bricks.clone()
    expected[0, row, 5] = False
    assert torch.equal(obs[0, 9:].bool(), expected.flatten())
    assert obs[0, BALL_VY] > 0  # it bounced back down


def test_rewards_add_up_to_the_bricks_broken():
    envs, _ = make(16, repeat_action_probability=0.25)
    obs, _ = envs.reset(seed=1)
    total, restarting = torch.zeros(16), torch.zeros(16, dtype=torch.bool)
    for _ in range(1500):
        before = bricks_value(obs)
        obs, reward, terminated, truncated, _ = envs.step(track(obs))
        skip = restarting | (obs[:, WALL] == 1)  # autoreset steps (reward 0) and the second wall
        restarting = terminated | truncated
        assert torch.equal(torch.where(skip, reward, before - bricks_value(obs)), reward)
        total += reward
    assert total.sum() > 0


def test_a_fast_steep_ball_never_tunnels_through_the_bottom_row():
    xs, slopes = torch.linspace(8, 150, 36), torch.tensor([-1.25, -0.7, -0.2, 0.0, 0.3, 0.9, 1.25])
    ys = 100 + torch.arange(16) / 2  # every phase of the 8-unit steps against the 6-unit rows
    x, sx, y = torch.cartesian_prod(xs, slopes, ys).T
    n = x.shape[0]
    envs, game = make(n)
    flying(game, x=0.0, y=0.0, sx=0.0, sy=-1.0, hits=12, orange=True, red=True)  # top speed, 8 a step
    put(game, ball_x=x, ball_y=y, ball_sx=sx)
    first = torch.zeros(n)
    for _ in range(4):
        obs, reward, *_ = envs.step(torch.full((n,), NOOP))
        first = torch.where(first == 0, reward, first)
    assert (first == 1).all()  # the first brick broken is always a blue one (bottom row)
    broken = ~obs[:, 9:].reshape(n, 6, 18).bool()
    assert not broken[:, :5].any() and (broken[:, 5].sum(dim=1) == 1).all()


@pytest.mark.parametrize(("centre", "direction"), [(72.0, -1), (80.0, 0), (88.0, 1)])
def test_the_paddle_sets_the_angle(centre, direction):
    envs, game = make(1)
    flying(game, x=centre - 1, y=183.0, sx=0.0, sy=1.0, paddle_x=72.0)  # paddle [72, 88)
    obs, *_ = envs.step(torch.tensor([NOOP]))
    assert obs[0, BALL_VY] < 0 and obs[0, WAITING] == 0
    assert torch.sign(obs[0, BALL_VX]).item() == direction


def test_a_missed_ball_costs_a_life_and_waits_for_fire():
    envs, game = make(1)
    flying(game, x=20.0, y=180.0, sx=0.0, sy=1.0, paddle_x=100.0)
    for _ in range(5):  # 4 units a step: its top passes the walls' foot (196) at the 5th
        obs, reward, terminated, *_ = envs.step(torch.tensor([NOOP]))
    assert obs[0, LIVES] * 5 == 4 and obs[0, WAITING] == 1 and not terminated.any()


def test_auto_serve_serves_every_ball_without_fire():
    envs, game = make(16, repeat_action_probability=0.25, auto_serve=True)
    gen = torch.Generator().manual_seed(0)
    waited = torch.zeros(16, dtype=torch.bool)
    lost = 0
    for _ in range(600):  # NOOP, RIGHT and LEFT, never FIRE
        actions = torch.tensor([NOOP, RIGHT, LEFT])[torch.randint(0, 3, (16,), generator=gen)]
        before = game._state["lives"]
        obs, _, terminated, truncated, _ = envs.step(actions)
        lost += int((game._state["lives"] < before).sum())
        waits = obs[:, WAITING] > 0  # a lost ball waits one step, then is served
        assert not (waits & waited).any()
        waited = waits & ~(terminated | truncated)  # (a new game after an end waits one step more)
    assert lost > 16


def test_terminal_on_life_loss_ends_the_episode_at_each_lost_ball():
    envs, game = make(1, terminal_on_life_loss=True)
    flying(game, x=20.0, y=180.0, sx=0.0, sy=1.0, paddle_x=100.0)
    for _ in range(5):
        obs, reward, terminated, *_ = envs.step(torch.tensor([NOOP]))
    assert terminated.all() and obs[0, LIVES] * 5 == 4  # the ball is lost: the episode ends there
    obs, reward, terminated, *_ = envs.step(torch.tensor([NOOP]))  # next-step autoreset: a new game
    assert obs[0, LIVES] == 1 and not terminated.any() and reward[0] == 0
    with pytest.raises(marionnette.errors.MarionnetteError, match="PongVectorEnv has no lives to lose"):
        gym.make_vec(
            "marionnette/Pong-v0", num_envs=2, vectorization_mode="vector_entry_point", terminal_on_life_loss=True
        )


def test_five_lost_balls_end_the_game():
    envs, _ = make(8)
    obs, _ = envs.reset(seed=5)
    lives = [obs[:, LIVES] * 5]
    ended = torch.zeros(8, dtype=torch.bool)
    for _ in range(3000):
        away = torch.where(obs[:, BALL_X] < 0.5, RIGHT, LEFT)  # run from the ball
        obs, _, terminated, truncated, _ = envs.step(torch.where(obs[:, WAITING] > 0, FIRE, away))
        assert not truncated.any()
        lives.append(torch.where(ended, lives[-1], obs[:, LIVES] * 5))
        assert (terminated[~ended] == (lives[-1][~ended] == 0)).all()
        ended |= terminated
        if ended.all():
            break
    assert ended.all()
    drops = (torch.stack(lives).diff(dim=0) < 0).sum(dim=0)
    assert (drops == 5).all()


def test_the_first_wall_is_served_again_and_the_second_ends_the_game():
    envs, game = make(1)
    one_left = torch.zeros(1, 6, 18, dtype=torch.bool)
    one_left[0, 5, 5] = True  # a blue brick
    put(game, bricks=one_left, left=1)
    flying(game, x=51.0, y=94.0, sx=0.0, sy=-1.0)  # rising, just below it
    obs, reward, terminated, *_ = envs.step(torch.tensor([NOOP]))
    assert reward.item() == 1 and not terminated.any()
    for _ in range(3):  # once the ball is below the bricks' rows, the wall is back
        obs, reward, terminated, *_ = envs.step(torch.tensor([NOOP]))
    assert obs[0, WALL] == 1 and (obs[0, 9:] == 1).all() and not terminated.any()

    put(game, bricks=one_left, left=1)  # now clear the second wall
    flying(game, x=51.0, y=94.0, sx=0.0, sy=-1.0)
    obs, reward, terminated, *_ = envs.step(torch.tensor([NOOP]))
    assert reward.item() == 1 and terminated.all()


def test_the_paddle_shrinks_when_the_ball_reaches_the_top_wall():
    envs, game = make(1)
    put(game, bricks=torch.zeros(1, 6, 18, dtype=torch.bool), left=0, wall=1)
    flying(game, x=80.0, y=34.0, sx=0.0, sy=-1.0)
    obs, *_ = envs.step(torch.tensor([NOOP]))
    assert obs[0, PADDLE_W] == 0.5 and obs[0, BALL_VY] > 0


def test_render_draws_the_brick_rows_in_their_colours():
    envs, _ = make(1, render_mode="rgb_array")
    frame = envs.render()  # 1.5 pixels per playfield unit
    for row, colour in enumerate(BreakoutVectorEnv.BRICK_COLOURS):
        y = int((57 + 6 * row + 3) * 1.5)
        assert tuple(frame[y, int(52 * 1.5)]) == colour
    assert np.array_equal(frame[int(150 * 1.5), int(80 * 1.5)], [0, 0, 0])  # the waiting ball isn't drawn
