import logging
import zipfile

import gymnasium as gym
import numpy as np
import pytest

from marionnette import agents
from marionnette.agents import sb3
from marionnette.agents.evaluate import certify, tictactoe_score
from marionnette.envs import tictactoe as t3
from marionnette.errors import CheckpointError
from marionnette.runs import read_progress

ID = "marionnette/TicTacToe-v0"


class Unmasked:
    """A policy's raw choice, no mask: an illegal move loses the game."""

    def __init__(self, policy):
        self.policy = policy

    def predict(self, obs, action_mask=None, deterministic=True):
        return self.policy.predict(obs, deterministic=deterministic)


def test_ppo_smoke_run_and_masked_predict(tmp_path):
    run = agents.train(
        ID, "ppo", steps=1024, seed=0, device="cpu", runs_dir=tmp_path,
        overrides=["n_envs=2", "n_steps=256", "batch_size=128", "n_epochs=2", "checkpoint_every=512"],
    )  # fmt: skip
    assert [c.step for c in run.checkpoints()] == [512, 1024]
    assert run.model_path("zip").exists()
    rows = read_progress(run.progress_path)
    assert [int(r["step"]) for r in rows] == [512, 1024]
    assert any(run.tensorboard_dir.glob("events.out.tfevents.*"))

    policy = agents.load(run.path)  # barely trained: the mask alone keeps it legal
    boards = list(t3.solve().positions(terminal=False))
    obs = np.stack([t3.observe(b) for b in boards])
    masks = np.stack([t3.action_mask(b) for b in boards])
    for deterministic in (True, False):
        actions = policy.predict(obs, action_mask=masks, deterministic=deterministic)
        assert actions.shape == (len(boards),)
        assert masks[np.arange(len(boards)), actions].all()


def test_dqn_learns_to_beat_random(tmp_path):
    """Seeded learning check: without masks, DQN must learn legal moves and how to win."""
    before = agents.train(ID, "dqn", steps=1, seed=0, device="cpu", runs_dir=tmp_path / "untrained")
    run = agents.train(ID, "dqn", steps=30_000, seed=0, device="cpu", runs_dir=tmp_path)
    untrained = tictactoe_score(Unmasked(agents.load(before.path)), "X", "random", episodes=200)
    trained = tictactoe_score(Unmasked(agents.load(run.path)), "X", "random", episodes=200)
    assert untrained.wins < 120
    assert trained.wins >= 170, trained


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """An untrained model of each algorithm, saved as SB3 saves a checkpoint."""
    root = tmp_path_factory.mktemp("zips")
    env = gym.make(ID)
    paths = {}
    for algo, Algo in sb3.ALGOS.items():
        kwargs = {"n_steps": 64, "batch_size": 64} if algo != "dqn" else {"buffer_size": 100}
        paths[algo] = root / f"{algo}.zip"
        Algo("MlpPolicy", env, device="cpu", **kwargs).save(paths[algo])
    return paths


def test_a_whole_checkpoint_of_its_algorithm_passes(saved):
    for algo, path in saved.items():
        sb3.check_checkpoint(path, algo)


@pytest.mark.parametrize("algo", ["dqn", "ppo", "ppo_mask"])
def test_another_algorithms_checkpoint_names_the_one_that_wrote_it(saved, algo):
    for other, path in saved.items():
        if other != algo:
            with pytest.raises(CheckpointError, match=f"not a loadable {algo} checkpoint: it holds a {other} policy"):
                sb3.load(path, algo)


def test_a_checkpoint_cut_short_or_damaged_is_one_error_with_its_cause(saved, tmp_path):
    data = saved["ppo"].read_bytes()
    half = tmp_path / "half.zip"
    half.write_bytes(data[: len(data) // 2])  # opens as a zip: its last whole part is a zip itself
    with pytest.raises(CheckpointError, match="cut short or corrupt"):
        sb3.load(half, "ppo")
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(saved["ppo"]) as z:
        offset = z.getinfo("policy.pth").header_offset + 200  # inside the weights
    flipped = bytearray(data)
    flipped[offset] ^= 0xFF
    damaged.write_bytes(bytes(flipped))
    with pytest.raises(CheckpointError, match="'policy.pth' fails its CRC check"):
        sb3.load(damaged, "ppo")
    text = tmp_path / "text.zip"
    text.write_text("hello")
    with pytest.raises(CheckpointError, match="corrupt") as caught:
        sb3.load(text, "ppo")
    assert isinstance(caught.value.__cause__, zipfile.BadZipFile)
    assert "delete" not in str(caught.value)


def test_normalizer_statistics_cut_short_or_foreign(tmp_path):
    path = tmp_path / "step_1.normalize.npz"
    np.savez(path, mean=np.zeros(3))
    with pytest.raises(CheckpointError, match="no clip_obs"):
        sb3.load_normalizer(path)
    path.write_bytes(path.read_bytes()[:40])
    with pytest.raises(CheckpointError, match="cut short") as caught:
        sb3.load_normalizer(path)
    assert caught.value.__cause__ is not None
    with pytest.raises(CheckpointError, match="missing"):
        sb3.load_normalizer(tmp_path / "nope.normalize.npz")


def test_dqn_resumes_past_a_replay_buffer_cut_short(tmp_path, caplog):
    overrides = ["learning_starts=32", "checkpoint_every=64"]
    run = agents.train(ID, "dqn", steps=128, seed=0, device="cpu", runs_dir=tmp_path, overrides=overrides)
    buffer = run.checkpoint_dir / "replay_buffer.pkl"
    buffer.write_bytes(buffer.read_bytes()[:1000])
    with caplog.at_level(logging.WARNING, logger="marionnette"):
        agents.train(resume=run.path, steps=256, device="cpu")
    assert any("replay_buffer.pkl does not read" in r.getMessage() for r in caplog.records)
    assert sb3.load(run.model_path("zip"), "dqn").model.num_timesteps == 256


@pytest.mark.slow
def test_maskable_ppo_with_the_shipped_yaml_plays_minimax_to_a_draw(tmp_path):
    run = agents.train(ID, "ppo_mask", seed=0, device="cpu", runs_dir=tmp_path)
    policy = agents.load(run.path)
    assert tictactoe_score(policy, "X", "minimax", episodes=200).losses == 0
    assert tictactoe_score(policy, "O", "minimax", episodes=200).losses == 0
    assert tictactoe_score(policy, "X", "random", episodes=200).wins >= 180
    assert certify(policy).optimal / 4520 > 0.7
