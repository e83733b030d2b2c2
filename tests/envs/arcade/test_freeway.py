"""Freeway's own rules: crossing scores, cars throw the chicken back, the round is timed."""

import gymnasium as gym
import torch
from pytest import approx

import marionnette  # noqa: F401
import marionnette.envs.arcade.freeway as freeway
from marionnette.envs.arcade.freeway import FreewayVectorEnv

NOOP, UP, DOWN = 0, 1, 2


def make(n, **kwargs):
    return gym.make_vec("marionnette/Freeway-v0", num_envs=n, vectorization_mode="vector_entry_point", **kwargs)


def play_round(policy, n=16, seed=0):
    """One whole round (2048 steps) of ``n`` envs; each env's total reward."""
    envs = make(n)
    envs.reset(seed=seed)
    gen = torch.Generator().manual_seed(seed)
    total = torch.zeros(n)
    for t in range(FreewayVectorEnv.TIME_LIMIT):
        _, reward, terminated, truncated, _ = envs.step(policy(n, gen))
        total += reward
        assert terminated.tolist() == [t == FreewayVectorEnv.TIME_LIMIT - 1] * n and not truncated.any()
    return total


def test_always_up_scores_more_than_random_and_noop_scores_nothing():
    up = play_round(lambda n, gen: torch.full((n,), UP))
    random = play_round(lambda n, gen: torch.randint(0, 3, (n,), generator=gen))
    noop = play_round(lambda n, gen: torch.full((n,), NOOP))
    assert (noop == 0).all()
    assert up.mean() > random.mean()
    assert 15 <= up.mean() <= 34  # ALE's always-UP gets low 20s; ~34 is the 2600's best
    assert up.max() <= FreewayVectorEnv.TIME_LIMIT // 57 + 1  # an unhindered crossing takes 57 steps


def test_the_round_ends_at_step_2048_and_the_next_step_starts_over():
    envs = make(3, obs_type="state")
    obs, _ = envs.reset(seed=1)
    assert torch.allclose(obs[:, 2], torch.ones(3))  # all the time is left
    for t in range(1, 2049):
        obs, _, terminated, truncated, _ = envs.step(torch.randint(0, 3, (3,)))
        assert terminated.tolist() == [t == 2048] * 3 and not truncated.any()
    assert (obs[:, 2] == 0).all()
    obs, reward, terminated, _, _ = envs.step(torch.zeros(3, dtype=torch.int64))  # autoreset
    assert (reward == 0).all() and not terminated.any() and torch.allclose(obs[:, 2], torch.ones(3))


def place(env, chicken_y, car_x):
    env._state = {**env._state, "chicken_y": torch.tensor([chicken_y]), "car_x": torch.tensor([car_x])}


def test_a_car_throws_the_chicken_back_one_lane_and_stuns_it():
    env = FreewayVectorEnv(num_envs=1, repeat_action_probability=0.0)
    env.reset(seed=0)
    lane = 7  # drives right
    speed = freeway._CAR_SPEEDS[lane]
    assert speed > 0
    car_top = freeway._ROAD_TOP + freeway._CAR_INSET + freeway._LANE_H * lane
    cars = [120.0] * freeway._LANES  # every other car far away
    cars[lane] = freeway._CHICKEN_X - freeway._CAR_W - speed / 2  # touches the chicken after one step
    place(env, car_top + 1.0, cars)

    obs, reward, *_ = env.step(torch.tensor([NOOP]))
    y = car_top + 1.0 + freeway._LANE_H
    assert reward.item() == 0
    assert obs[0, 0].item() == approx(y / 210) and obs[0, 1].item() == 1.0  # down a lane, stunned
    for _ in range(freeway._STUN_STEPS):  # UP does nothing while stunned ...
        obs, *_ = env.step(torch.tensor([UP]))
        assert obs[0, 0].item() == approx(y / 210)
    obs, *_ = env.step(torch.tensor([UP]))  # ... then the chicken walks on
    assert obs[0, 0].item() == approx((y - freeway._CHICKEN_SPEED) / 210)


def test_reaching_the_top_scores_one_and_starts_again_at_the_bottom():
    env = FreewayVectorEnv(num_envs=1, repeat_action_probability=0.0)
    env.reset(seed=0)
    place(env, freeway._GOAL_Y + freeway._CHICKEN_SPEED, [120.0] * freeway._LANES)
    obs, reward, *_ = env.step(torch.tensor([DOWN]))
    assert reward.item() == 0
    env.step(torch.tensor([UP]))
    obs, reward, *_ = env.step(torch.tensor([UP]))
    assert reward.item() == 1.0 and obs[0, 0].item() == approx(freeway._START_Y / 210)
    obs, reward, *_ = env.step(torch.tensor([DOWN]))  # no lower than the bottom kerb
    assert reward.item() == 0 and obs[0, 0].item() == approx(freeway._START_Y / 210)


def test_top_lanes_drive_left_bottom_lanes_right_each_at_its_own_speed():
    envs = make(8)
    before, _ = envs.reset(seed=3)
    after, *_ = envs.step(torch.zeros(8, dtype=torch.int64))
    moved = (after[:, 3:] - before[:, 3:]) * 160.0
    wrapped = moved.abs() > 8  # a car that left one side came back on the other
    speeds = torch.tensor(freeway._CAR_SPEEDS).expand(8, -1)
    assert torch.allclose(moved[~wrapped], speeds[~wrapped])
    assert (speeds[:, :5] < 0).all() and (speeds[:, 5:] > 0).all()
    assert len(set(freeway._CAR_SPEEDS[:5])) == 5
