"""The pixel path drawn at memory speed gives today's frames bit for bit, stacked as before."""

import gymnasium as gym
import pytest
import torch

import marionnette  # noqa: F401
from marionnette.envs.arcade import GAMES
from marionnette.envs.arcade.pixels import FrameWindow

IDS = [f"marionnette/{name}-v0" for name in GAMES]

pytestmark = pytest.mark.usefixtures("one_thread")


def make_vec(env_id, n, **kwargs):
    return gym.make_vec(env_id, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)


@pytest.mark.parametrize("env_id", IDS)
def test_frames_are_the_whole_pictures_and_stack_as_a_concatenation_would(env_id):
    """Every frame equals ``_draw``'s whole picture of the state (the matrix product over
    every rectangle, as frames were made before the painter), and every stack equals the
    old concatenation of the last four, through restarts, broken bricks and the window's
    wrap-rounds."""
    n = 48
    envs = make_vec(env_id, n, obs_type="pixels", max_episode_steps=120)
    game = envs.unwrapped
    obs, _ = envs.reset(seed=3)
    expected = game._draw(game._state, game._grey, 84, 84).expand(-1, 4, -1, -1)
    assert torch.equal(obs, expected)
    gen = torch.Generator().manual_seed(0)
    restarts = 0
    for _ in range(400):
        obs, _, terminated, truncated, _ = envs.step(torch.randint(0, envs.single_action_space.n, (n,), generator=gen))
        frame = game._draw(game._state, game._grey, 84, 84)  # (n, 1, 84, 84)
        stacked = torch.cat([expected[:, 1:], frame], dim=1)
        restarted = game._steps == 0
        expected = torch.where(restarted[:, None, None, None], frame.expand(-1, 4, -1, -1), stacked)
        assert torch.equal(obs, expected)
        restarts += int(restarted.sum())
    assert restarts >= n  # every env started over at least once
    painter = game._painter
    assert painter.fallbacks < 0.03 * painter.frames  # the patches drew nearly every frame
    # No pixel of the scenery alone is near a rounding tie (else patches over it would
    # always fall back): its distance from x.5 beats the bound with every term a sprite adds.
    scenery = painter.scenery
    most = painter.scenery_terms + 10  # + the sprite's own, three reaching in, four tiles, two roundings
    bound = 2 * most * painter.scenery_abs * 2.0**-24
    assert ((scenery - scenery.round()).abs() + bound < 0.5).all()


def test_breakout_bricks_redraw_only_the_envs_that_broke_one():
    envs = make_vec("marionnette/Breakout-v0", 16, obs_type="pixels")
    game = envs.unwrapped
    envs.reset(seed=0)
    gen = torch.Generator().manual_seed(1)
    broke = 0
    for _ in range(300):
        before = game._state["bricks"].clone()
        obs, *_ = envs.step(torch.randint(0, 4, (16,), generator=gen))
        broke += int((game._state["bricks"] != before).flatten(1).any(1).sum())
        assert torch.equal(game._painter.base_tiles, game._state["bricks"])
    assert broke > 0  # the test saw bricks break
    assert torch.equal(obs[:, -1], game._draw(game._state, game._grey, 84, 84)[:, 0])


def test_copies_stay_as_they_were_and_shared_views_are_the_same_frames():
    copied, shared = (make_vec("marionnette/Pong-v0", 4, obs_type="pixels", copy=c) for c in (True, False))
    kept, views = [copied.reset(seed=0)[0]], [shared.reset(seed=0)[0]]
    then = [kept[0].clone()]
    for t in range(12):
        action = torch.tensor([t % 6, 2, 3, 5])
        kept.append(copied.step(action)[0])
        views.append(shared.step(action)[0])
        then.append(kept[-1].clone())
        assert torch.equal(kept[-1], views[-1])
    assert all(torch.equal(a, b) for a, b in zip(kept, then, strict=True))  # a copy is the caller's
    # a view is the env's: twelve steps on, the window has wrapped round over the first ones
    assert not all(torch.equal(a, b) for a, b in zip(views, then, strict=True))


def test_the_window_moves_its_last_three_frames_to_the_front_when_full():
    window = FrameWindow(2, torch.device("cpu"), slots=5)
    for value in range(1, 9):
        window.next_slot().fill_(value)
        stack = window.stack()[:, :, 0, 0]
        assert stack.tolist() == [[max(v, 0) for v in range(value - 3, value + 1)]] * 2
    window.next_slot().fill_(9)
    window.restart(torch.tensor([1]))
    assert window.stack()[:, :, 0, 0].tolist() == [[6, 7, 8, 9], [9, 9, 9, 9]]
    window.restart(torch.tensor([True, False]))
    assert window.stack()[:, :, 0, 0].tolist() == [[9, 9, 9, 9], [9, 9, 9, 9]]
    with pytest.raises(ValueError, match="at least 5"):
        FrameWindow(1, torch.device("cpu"), slots=4)


@pytest.mark.slow  # torch.compile: ~20 s a game on a cold cache
@pytest.mark.parametrize("obs_type", ["state", "pixels"])
@pytest.mark.parametrize("env_id", IDS)
def test_a_compiled_step_plays_the_eager_game_bit_for_bit(env_id, obs_type):
    eager, compiled = (make_vec(env_id, 64, obs_type=obs_type, compile=c, max_episode_steps=150) for c in (False, True))
    for envs in (eager, compiled):
        envs.reset(seed=11)
    gen = torch.Generator().manual_seed(2)
    for _ in range(500):
        action = torch.randint(0, eager.single_action_space.n, (64,), generator=gen)
        for a, b in zip(eager.step(action)[:4], compiled.step(action)[:4], strict=True):
            assert torch.equal(a, b)
