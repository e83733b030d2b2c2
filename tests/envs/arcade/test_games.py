"""What every arcade game must do: the Gymnasium contracts, determinism, batch invariance."""

import gymnasium as gym
import numpy as np
import pytest
import torch
from gymnasium.utils.env_checker import check_env

import marionnette  # noqa: F401
from marionnette.envs.arcade import GAMES
from marionnette.errors import MarionnetteError

IDS = [f"marionnette/{name}-v0" for name in GAMES]


def make_vec(env_id, n, **kwargs):
    return gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)


@pytest.mark.parametrize("obs_type", ["state", "pixels"])
@pytest.mark.parametrize("env_id", IDS)
def test_check_env_single(env_id, obs_type):
    env = gym.make(env_id, obs_type=obs_type, render_mode="rgb_array")
    check_env(env.unwrapped)
    env.reset(seed=0)
    frame = env.render()
    assert frame.ndim == 3 and frame.shape[2] == 3 and frame.dtype == np.uint8


@pytest.mark.parametrize("env_id", IDS)
def test_ten_thousand_random_steps_at_batch_64(env_id):
    """10,000 steps × 64 envs with random actions: spaces, dtypes, rewards, autoreset."""
    n = 64
    envs = make_vec(env_id, n, obs_type="state", max_episode_steps=500)
    game = envs.unwrapped
    allowed = torch.tensor(game.REWARDS)
    obs, _ = envs.reset(seed=0)
    gen = torch.Generator().manual_seed(0)
    space = envs.single_observation_space
    low, high = torch.as_tensor(space.low), torch.as_tensor(space.high)
    done_before = torch.zeros(n, dtype=torch.bool)
    episodes = 0
    for _ in range(10_000):
        actions = torch.randint(0, envs.single_action_space.n, (n,), generator=gen)
        obs, reward, terminated, truncated, info = envs.step(actions)
        assert obs.shape == (n, *space.shape) and obs.dtype == torch.float32
        assert ((obs >= low) & (obs <= high)).all()
        assert reward.shape == (n,) and terminated.dtype == torch.bool and truncated.dtype == torch.bool
        assert torch.isin(reward, allowed).all(), reward.unique()
        # Next-step autoreset: the step after an episode ends is a fresh start, reward 0.
        assert (reward[done_before] == 0).all() and not (terminated | truncated)[done_before].any()
        assert (game._steps[done_before] == 0).all()  # the reset step is step 0, as after reset()
        done_before = terminated | truncated
        episodes += int(done_before.sum())
    assert episodes >= n  # every env finished (or was truncated) at least once on average


@pytest.mark.parametrize("env_id", IDS)
def test_pixels_batch_shapes(env_id):
    envs = make_vec(env_id, 8, obs_type="pixels")
    obs, _ = envs.reset(seed=0)
    assert obs.shape == (8, 4, 84, 84) and obs.dtype == torch.uint8
    assert (obs[:, 0] == obs[:, 3]).all()  # the first frame, stacked four times
    for _ in range(20):
        obs, *_ = envs.step(torch.randint(0, envs.single_action_space.n, (8,)))
    assert obs.float().std() > 0  # something is drawn
    assert not torch.equal(obs[:, 0], obs[:, 3])  # and it moves


def rollout(env_id, n, seed, steps, obs_type="state", first_env=0):
    """Observations, rewards and ends of ``n`` envs; env ``j`` plays a fixed action sequence
    that depends only on ``first_env + j``, so the same game can be replayed in any batch."""
    envs = make_vec(env_id, n, obs_type=obs_type, max_episode_steps=300)
    obs, _ = envs.reset(seed=seed)
    t, j = torch.arange(steps)[:, None], torch.arange(first_env, first_env + n)[None]
    actions = (t * 13 + j * 5 + (t // 7) * j) % envs.single_action_space.n  # (steps, n)
    out = [obs]
    for t in range(steps):
        obs, reward, terminated, truncated, _ = envs.step(actions[t])
        out += [obs, reward[:, None].expand(-1, 1), terminated[:, None].float(), truncated[:, None].float()]
    return out


@pytest.mark.parametrize("env_id", IDS)
def test_same_seed_same_trajectory_and_batch_of_n_equals_n_batches_of_one(env_id):
    a, b = rollout(env_id, 4, seed=7, steps=400), rollout(env_id, 4, seed=7, steps=400)
    assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    c = rollout(env_id, 4, seed=8, steps=400)
    assert not all(torch.equal(x, y) for x, y in zip(a, c, strict=True))
    for i in range(4):  # env i of the batch plays exactly like a batch of one seeded 7 + i
        single = rollout(env_id, 1, seed=7 + i, steps=400, first_env=i)
        assert all(torch.equal(x[i : i + 1], y) for x, y in zip(a, single, strict=True))


@pytest.mark.parametrize("env_id", IDS)
def test_pixels_batch_of_n_equals_n_batches_of_one(env_id):
    batch = rollout(env_id, 3, seed=1, steps=60, obs_type="pixels")
    single = rollout(env_id, 1, seed=2, steps=60, obs_type="pixels", first_env=1)
    assert all(torch.equal(x[1:2], y) for x, y in zip(batch, single, strict=True))


@pytest.mark.parametrize("env_id", IDS)
def test_pixels_restack_without_a_sync_as_with_one(env_id):
    """The accelerators' restacking (a where over every stack, no device sync) gives the
    CPU's frames (indexing the envs that restarted), restarts included."""
    envs = {sync_free: make_vec(env_id, 4, obs_type="pixels", max_episode_steps=15) for sync_free in (False, True)}
    for sync_free, env in envs.items():
        env.unwrapped._sync_free = sync_free
        env.reset(seed=5)
    restarts = 0
    for t in range(40):
        actions = torch.tensor([t % 3, 1, (t // 2) % 3, 0])
        obs, _, terminated, truncated, _ = envs[False].step(actions)
        assert torch.equal(obs, envs[True].step(actions)[0])
        restarts += int((terminated | truncated).sum())
    assert restarts >= 8  # each env restarted at least twice


@pytest.mark.parametrize("env_id", IDS)
def test_bad_actions_say_what_was_expected(env_id):
    envs = make_vec(env_id, 4)
    envs.reset(seed=0)
    n_actions = envs.single_action_space.n
    with pytest.raises(MarionnetteError, match=r"expected \(4,\)"):
        envs.step(torch.zeros(5, dtype=torch.int64))
    with pytest.raises(MarionnetteError, match=f"outside Discrete\\({n_actions}\\)"):
        envs.step(torch.full((4,), n_actions))
    with pytest.raises(MarionnetteError, match="integers"):
        envs.step(torch.zeros(4))
    if torch.cuda.is_available():
        with pytest.raises(MarionnetteError, match="pass actions.to"):
            envs.step(torch.zeros(4, dtype=torch.int64, device="cuda"))
    with pytest.raises(MarionnetteError, match="not in Discrete"):
        single = gym.make(env_id)
        single.reset(seed=0)
        single.step(n_actions)


@pytest.mark.parametrize("env_id", IDS)
def test_render_grid_of_several(env_id):
    envs = make_vec(env_id, 6, render_mode="rgb_array")
    envs.reset(seed=0)
    one = gym.make(env_id, render_mode="rgb_array")
    one.reset(seed=0)
    h, w, _ = one.render().shape
    grid = envs.render()
    assert grid.shape == (2 * (h + 2), 3 * (w + 2), 3)


@pytest.mark.parametrize("env_id", IDS)
def test_render_all_draws_each_env_as_render_does(env_id):
    envs = make_vec(env_id, 3, render_mode="rgb_array")
    envs.reset(seed=0)
    frames = envs.unwrapped.render_all()
    one = gym.make(env_id, render_mode="rgb_array")
    one.reset(seed=1)  # env 1 of the batch plays seed 0 + 1
    assert frames.shape == (3, *one.render().shape) and frames.dtype == np.uint8
    np.testing.assert_array_equal(frames[1], one.render())
    assert envs.unwrapped.render_all(64, 49).shape == (3, 64, 49, 3)
