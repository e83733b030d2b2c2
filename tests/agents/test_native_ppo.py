import shutil

import gymnasium as gym
import numpy as np
import pytest
import torch

from marionnette import agents
from marionnette.agents import native_ppo
from marionnette.agents.evaluate import returns
from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.pipelines.zoo import greedy_games
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


class PerStepEpisodeStats:
    """The EpisodeStats that boolean-indexed the finished episodes every step (a host sync
    on CUDA each step), kept as the reference the running sums must agree with."""

    def __init__(self, n: int):
        self.ret, self.len = torch.zeros(n), torch.zeros(n)
        self.finished_returns: list[torch.Tensor] = []
        self.finished_lengths: list[torch.Tensor] = []

    def update(self, reward, ended, valid):
        self.ret += reward * valid
        self.len += valid
        self.finished_returns.append(self.ret[ended])
        self.finished_lengths.append(self.len[ended])
        self.ret = self.ret * ~ended
        self.len = self.len * ~ended

    def drain(self):
        returns, lengths = torch.cat(self.finished_returns), torch.cat(self.finished_lengths)
        self.finished_returns, self.finished_lengths = [], []
        if returns.numel() == 0:
            return None
        return float(returns.mean()), float(lengths.mean()), returns.numel()


def test_episode_stats_give_the_means_of_the_per_step_version():
    """Eight envs over four log intervals of made-up steps (the last one with no episode
    ending); an autoreset step (invalid) follows each end, as in a rollout."""
    n, generator = 8, torch.Generator().manual_seed(0)
    ours, reference = native_ppo.EpisodeStats(n, torch.device("cpu")), PerStepEpisodeStats(n)
    valid = torch.ones(n, dtype=torch.bool)
    counts = []
    for end_p, steps in ((0.1, 50), (0.1, 3), (0.02, 200), (0.0, 2)):
        for _ in range(steps):
            reward = torch.randint(-1, 2, (n,), generator=generator).float() * 0.5
            ended = (torch.rand(n, generator=generator) < end_p) & valid
            ours.update(reward, ended, valid)
            reference.update(reward, ended, valid)
            valid = ~ended
        expected, got = reference.drain(), ours.drain()
        counts.append(0 if expected is None else expected[2])
        if expected is None:
            assert got is None
        else:
            assert got[2] == expected[2]
            assert got[:2] == pytest.approx(expected[:2], rel=1e-6)
    assert counts[0] > 10 and counts[2] > 10 and counts[3] == 0  # episodes, and an interval without


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


def learned(path) -> list[dict[str, str]]:
    """progress.csv without the one column that measures the machine, not the run."""
    return [{k: v for k, v in row.items() if k != "time/fps"} for row in read_progress(path)]


def test_two_runs_of_one_seed_log_the_same_progress(tmp_path):
    overrides = [*TINY, "env_kwargs.max_episode_steps=20"]  # episodes end, and their means are logged

    def run(seed: int, where: str) -> list[dict[str, str]]:
        done = agents.train(
            PONG, "ppo_native", steps=2048, seed=seed, device="cpu", runs_dir=tmp_path / where, overrides=overrides
        )
        return learned(done.progress_path)

    rows = run(7, "a")
    assert len(rows) == 4 and all(float(r["rollout/episodes"]) > 0 for r in rows)
    assert run(7, "b") == rows
    assert run(8, "c") != rows  # the seed, not a fixed stream, decides


def test_resume_ends_on_the_same_step(tmp_path):
    def stop(done, total):
        if done >= 1536:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        agents.train(PONG, "ppo_native", steps=3000, device="cpu", runs_dir=tmp_path, overrides=TINY, progress=stop)
    (path,) = tmp_path.iterdir()
    again = shutil.copytree(path, tmp_path / "again")
    agents.train(resume=path, device="cpu")
    final = torch.load(path / "model.pt", weights_only=True)
    assert final["step"] == 3072  # six whole rollouts of 512, as an uninterrupted run
    assert [int(r["step"]) for r in read_progress(path / "progress.csv")] == [512 * k for k in range(1, 7)]
    agents.train(resume=again, device="cpu")  # a resumed run repeats too
    assert learned(again / "progress.csv") == learned(path / "progress.csv")


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
    with pytest.raises(CheckpointError, match="not a readable ppo_native checkpoint"):
        native_ppo.load(bad, "ppo_native")
    torch.save({"weights": torch.zeros(3)}, bad)
    with pytest.raises(CheckpointError, match="format tag"):
        native_ppo.load(bad, "ppo_native")


def test_a_checkpoint_cut_short_or_holding_more_than_tensors_is_a_checkpoint_error(tmp_path):
    run = agents.train(PONG, "ppo_native", steps=512, device="cpu", runs_dir=tmp_path, overrides=TINY)
    whole = run.model_path("pt").read_bytes()
    bad = tmp_path / "bad.pt"
    pickled = tmp_path / "pickled.pt"
    torch.save({"format": "marionnette.ppo_native/1", "where": tmp_path}, pickled)  # a Path: not weights-only
    cases = [bad.with_name(f"cut{n}.pt") for n in (0, 1, 30, 100, len(whole) // 2, len(whole) - 1)]
    for path, n in zip(cases, (0, 1, 30, 100, len(whole) // 2, len(whole) - 1), strict=True):
        path.write_bytes(whole[:n])
    for path in [*cases, pickled, tmp_path / "missing.pt"]:
        with pytest.raises(CheckpointError, match="not a readable ppo_native checkpoint") as caught:
            native_ppo.load(path, "ppo_native")
        message = str(caught.value)
        assert "\n" not in message and str(path) in message and "delete" not in message
        assert caught.value.__cause__ is not None  # the cause chained, for --debug


@pytest.mark.parametrize("env_id", ["CartPole-v1", "marionnette/TicTacToe-v0"])
def test_a_game_that_is_not_ours_and_batched_is_refused(env_id):
    conf = native_ppo.NativePPOConfig(n_envs=2)
    with pytest.raises(MarionnetteError, match="trains the torch-batched games"):
        native_ppo.make_envs(env_id, conf, torch.device("cpu"))


def play_pong(policy, n: int = 16, seed: int = 100) -> torch.Tensor:
    """Greedy play of ``n`` whole Pong games at once; returns each game's score difference."""
    return greedy_games(policy, PONG, {}, n, seed)


@pytest.mark.slow  # about 2 minutes on 2 quiet cores: the default suite keeps within its 10 minutes
def test_native_ppo_beats_the_pong_computer_with_the_shipped_yaml(tmp_path):
    """Seeded learning check (~2 min on 2 cores): 3M steps, then 16 whole greedy games."""
    run = agents.train(PONG, "ppo_native", seed=0, device="cpu", runs_dir=tmp_path)
    scores = play_pong(agents.load(run.path))
    assert scores.mean() > 0, scores
