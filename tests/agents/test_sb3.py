import numpy as np
import pytest

from marionnette import agents
from marionnette.agents.evaluate import certify, tictactoe_score
from marionnette.envs import tictactoe as t3
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
    assert [s for s, _ in run.checkpoints()] == [512, 1024]
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


@pytest.mark.slow
def test_maskable_ppo_with_the_shipped_yaml_plays_minimax_to_a_draw(tmp_path):
    run = agents.train(ID, "ppo_mask", seed=0, device="cpu", runs_dir=tmp_path)
    policy = agents.load(run.path)
    assert tictactoe_score(policy, "X", "minimax", episodes=200).losses == 0
    assert tictactoe_score(policy, "O", "minimax", episodes=200).losses == 0
    assert tictactoe_score(policy, "X", "random", episodes=200).wins >= 180
    assert certify(policy).optimal / 4520 > 0.7
