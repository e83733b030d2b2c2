import gymnasium as gym
import numpy as np
import pytest
import torch

from marionnette import agents
from marionnette.agents import native_ppo
from marionnette.agents.evaluate import returns
from marionnette.errors import MarionnetteError
from marionnette.runs import read_progress

PONG = "marionnette/Pong-v0"
TINY = ["n_envs=16", "n_steps=32", "n_minibatches=2", "n_epochs=1", "checkpoint_every=1024"]


def test_gae_against_a_hand_computed_example():
    """Two envs, three steps: env 0 terminates at t=1, env 1 is truncated at t=1."""
    gamma, lam = 0.9, 0.5
    rewards = torch.tensor([[1.0, 1.0], [2.0, 2.0], [0.0, 0.0]])
    values = torch.tensor([[0.5, 0.5], [1.0, 1.0], [3.0, 3.0]])  # values[2] = V(obs after t=1)
    next_value = torch.tensor([4.0, 4.0])
    terminated = torch.tensor([[False, False], [True, False], [False, False]])
    ended = torch.tensor([[False, False], [True, True], [False, False]])
    adv = native_ppo.gae(rewards, values, next_value, terminated, ended, gamma, lam)
    # t=2 (the autoreset step): 0 + 0.9*4 - 3 = 0.6 for both
    assert adv[2].tolist() == pytest.approx([0.6, 0.6])
    # t=1, env 0 terminated: no bootstrap, no carry: 2 - 1 = 1
    # t=1, env 1 truncated: bootstraps from V(final obs) = 3 but does not carry: 2 + 2.7 - 1 = 3.7
    assert adv[1].tolist() == pytest.approx([1.0, 3.7])
    # t=0: delta = 1 + 0.9*1 - 0.5 = 1.4, plus 0.45 * adv[1]
    assert adv[0].tolist() == pytest.approx([1.4 + 0.45 * 1.0, 1.4 + 0.45 * 3.7])


def test_smoke_run_checkpoints_progress_and_policy(tmp_path):
    run = agents.train(PONG, "ppo-native", steps=2048, seed=0, device="cpu", runs_dir=tmp_path, overrides=TINY)
    assert run.read_config()["algo"] == "ppo_native"
    assert [s for s, _ in run.checkpoints()] == [1024, 2048]
    assert [int(r["step"]) for r in read_progress(run.progress_path)] == [512 * k for k in range(1, 5)]
    assert any(run.tensorboard_dir.glob("events.out.tfevents.*"))
    policy = agents.load(run.path)
    obs, _ = gym.make(PONG).reset(seed=0)
    assert 0 <= policy.predict(obs) < 6
    assert policy.predict(np.stack([obs] * 3)).shape == (3,)
    episode = next(returns(policy, PONG, 1, env_kwargs={"max_episode_steps": 200}))
    assert episode.length == 200 and -21 <= episode.ret <= 21


def test_resume_ends_on_the_same_step(tmp_path):
    def stop(done, total):
        if done >= 1536:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        agents.train(PONG, "ppo_native", steps=3000, device="cpu", runs_dir=tmp_path, overrides=TINY, progress=stop)
    (path,) = tmp_path.iterdir()
    agents.train(resume=path, device="cpu")
    final = torch.load(path / "model.pt", weights_only=True)
    assert final["step"] == 3072  # six whole rollouts of 512, as an uninterrupted run
    assert [int(r["step"]) for r in read_progress(path / "progress.csv")] == [512 * k for k in range(1, 7)]


def test_pixels_train_the_nature_cnn(tmp_path):
    overrides = ["n_envs=4", "n_steps=16", "n_minibatches=2", "n_epochs=1", "env_kwargs.obs_type=pixels"]
    run = agents.train(PONG, "ppo_native", steps=128, device="cpu", runs_dir=tmp_path, overrides=overrides)
    policy = agents.load(run.path)
    assert policy.model.pixels and isinstance(policy.model.trunk[0], torch.nn.Conv2d)
    obs, _ = gym.make(PONG, obs_type="pixels").reset(seed=0)
    assert 0 <= policy.predict(obs) < 6


def test_corrupt_and_foreign_checkpoints(tmp_path):
    bad = tmp_path / "model.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(MarionnetteError, match="not a readable ppo_native checkpoint"):
        native_ppo.load(bad, "ppo_native")
    torch.save({"weights": torch.zeros(3)}, bad)
    with pytest.raises(MarionnetteError, match="format tag"):
        native_ppo.load(bad, "ppo_native")


@pytest.mark.parametrize("env_id", ["CartPole-v1", "marionnette/TicTacToe-v0"])
def test_a_game_that_is_not_ours_and_batched_is_refused(env_id):
    conf = native_ppo.NativePPOConfig(n_envs=2)
    with pytest.raises(MarionnetteError, match="trains the torch-batched games"):
        native_ppo.make_envs(env_id, conf, torch.device("cpu"))


def play_pong(policy, n: int = 16, seed: int = 100) -> torch.Tensor:
    """Greedy play of ``n`` whole Pong games at once; returns each game's score difference."""
    envs = gym.make_vec(PONG, num_envs=n, vectorization_mode="vector_entry_point")
    obs, _ = envs.reset(seed=seed)
    total, finished = torch.zeros(n), torch.zeros(n, dtype=torch.bool)
    while not finished.all():
        with torch.no_grad():
            logits, _ = policy.model(obs)
        obs, reward, terminated, truncated, _ = envs.step(logits.argmax(-1))
        total += reward * ~finished
        finished |= terminated | truncated
    return total


def test_native_ppo_beats_the_pong_computer_with_the_shipped_yaml(tmp_path):
    """Seeded learning check (~2 min on 2 cores): 3M steps, then 16 whole greedy games."""
    run = agents.train(PONG, "ppo_native", seed=0, device="cpu", runs_dir=tmp_path)
    scores = play_pong(agents.load(run.path))
    assert scores.mean() > 0, scores
