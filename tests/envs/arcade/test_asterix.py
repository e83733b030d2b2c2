"""The Asterix-like game's own rules: cauldrons pay 50, lyres cost lives, three lives a game."""

import gymnasium as gym
import torch
from pytest import approx

import marionnette  # noqa: F401
import marionnette.envs.arcade.asterix as asterix
from marionnette.envs.arcade.asterix import AsterixVectorEnv

NOOP, UP, RIGHT, LEFT, DOWN = 0, 1, 2, 3, 4
X, LANE, LIVES, ITEM_X, KIND, DIRECTION = 0, 1, 2, slice(4, 12), slice(12, 20), slice(20, 28)  # state indices


def make(n, **kwargs):
    return gym.make_vec("marionnette/Asterix-v0", num_envs=n, vectorization_mode="vector_entry_point", **kwargs)


def play_game(policy, n=32, seed=0, limit=20_000):
    """One game of each of ``n`` envs; each one's score, and whether it ended by losing its lives."""
    envs = make(n)
    obs, _ = envs.reset(seed=seed)
    gen = torch.Generator().manual_seed(seed)
    score, over = torch.zeros(n), torch.zeros(n, dtype=torch.bool)
    for _ in range(limit):
        lives_before = obs[:, LIVES]
        obs, reward, terminated, truncated, _ = envs.step(policy(obs, gen))
        assert not truncated.any()
        live = ~over
        assert (obs[live & ~terminated, LIVES] <= lives_before[live & ~terminated]).all()  # lives only go down
        score += reward * live
        over |= terminated
        if over.all():
            break
    return score, over


def dodge_and_collect(obs, gen):
    """Leave a lane a lyre is coming down; otherwise go for the nearest cauldron."""
    x, lane = obs[:, X] * 160, (obs[:, LANE] * 7).round().long()
    item_x, kind, direction = obs[:, ITEM_X] * 160, obs[:, KIND], obs[:, DIRECTION]
    ahead = item_x - x[:, None]
    danger = (kind < 0) & (((ahead * direction < 0) & (ahead.abs() < 48)) | (ahead.abs() < 12))  # (N, 8)
    lanes = torch.arange(8)
    cost = (lanes - lane[:, None]).abs() + 100 * danger - 20 * (kind > 0)
    target = cost.argmin(dim=1)
    here = torch.nn.functional.one_hot(lane, 8).bool() & (kind > 0)
    goal_x = (item_x * here).sum(dim=1)
    sideways = torch.where(~here.any(dim=1), NOOP, torch.where(goal_x > x, RIGHT, LEFT))
    return torch.where(target < lane, UP, torch.where(target > lane, DOWN, sideways))


def test_doing_nothing_loses_all_three_lives_eventually():
    score, over = play_game(lambda obs, gen: torch.full((obs.shape[0],), NOOP), n=16, limit=5_000)
    assert over.all()


def test_dodging_and_collecting_beats_random():
    random, _ = play_game(lambda obs, gen: torch.randint(0, 9, (obs.shape[0],), generator=gen))
    heuristic, _ = play_game(dodge_and_collect)
    assert random.mean() > 0  # cauldrons do come one's way
    assert heuristic.mean() > 2 * random.mean()
    assert (heuristic % 50 == 0).all()


def place_item(env, lyre, lives=3):
    """An object about to meet Asterix (lane 4, x 76), moving right; every other lane empty."""
    s = env._state
    item_x, direction = torch.zeros(1, 8), torch.zeros(1, 8)
    item_x[0, asterix._START_LANE], direction[0, asterix._START_LANE] = asterix._START_X - 9.0, 1.0
    is_lyre = torch.zeros(1, 8, dtype=torch.bool)
    is_lyre[0, asterix._START_LANE] = lyre
    env._state = {**s, "item_x": item_x, "item_dir": direction, "item_lyre": is_lyre, "lives": torch.tensor([lives])}


def test_a_cauldron_pays_exactly_50_and_is_taken():
    env = AsterixVectorEnv(num_envs=1, repeat_action_probability=0.0)
    env.reset(seed=0)
    place_item(env, lyre=False)
    obs, reward, terminated, *_ = env.step(torch.tensor([NOOP]))
    assert reward.tolist() == [50.0] and AsterixVectorEnv.REWARDS == (0.0, 50.0)
    assert obs[0, KIND][asterix._START_LANE] == 0 and obs[0, LIVES] == 1.0 and not terminated.any()
    assert env._state["caught"].tolist() == [1]


def test_a_lyre_costs_a_life_and_clears_the_lanes_and_the_last_one_ends_the_game():
    env = AsterixVectorEnv(num_envs=1, repeat_action_probability=0.0)
    env.reset(seed=0)
    place_item(env, lyre=True)
    obs, reward, terminated, *_ = env.step(torch.tensor([NOOP]))
    assert reward.tolist() == [0.0] and not terminated.any()
    assert obs[0, LIVES].item() == approx(2 / 3) and (obs[0, KIND] == 0).all() and (obs[0, DIRECTION] == 0).all()
    place_item(env, lyre=True, lives=1)
    obs, reward, terminated, *_ = env.step(torch.tensor([NOOP]))
    assert reward.tolist() == [0.0] and terminated.tolist() == [True] and obs[0, LIVES] == 0


def test_moving_out_of_the_way_dodges_the_lyre():
    env = AsterixVectorEnv(num_envs=1, repeat_action_probability=0.0)
    env.reset(seed=0)
    place_item(env, lyre=True)
    obs, reward, terminated, *_ = env.step(torch.tensor([UP]))
    assert obs[0, LIVES] == 1.0 and obs[0, LANE].item() == approx((asterix._START_LANE - 1) / 7)


def test_objects_speed_up_with_cauldrons_caught():
    env = AsterixVectorEnv(num_envs=3)
    assert env._speed(torch.tensor([0, 10, 1000])).tolist() == [2.0, 2.5, 4.0]
