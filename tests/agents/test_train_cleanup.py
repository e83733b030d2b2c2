"""agents.train leaves no run directory for a run that never reached its first checkpoint,
and never removes one that holds a checkpoint or is being resumed."""

import pytest

from marionnette import agents
from marionnette.agents import tabular
from marionnette.errors import MarionnetteError
from marionnette.runs import Run

ID = "marionnette/TicTacToe-v0"


def run_dirs(root):
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.exists() else []


def test_a_clip_that_cannot_be_read_leaves_no_run_directory(tmp_path):
    runs = tmp_path / "runs"
    with pytest.raises(MarionnetteError, match="nothing.npz"):
        agents.train("marionnette/CharacterImitate-v0", "ppo", steps=64, device="cpu", runs_dir=runs,
                     overrides=[f"env_kwargs.clip={tmp_path / 'nothing.npz'}"])  # fmt: skip
    assert run_dirs(runs) == []


def test_training_that_raises_before_its_first_checkpoint_leaves_nothing(tmp_path, monkeypatch):
    seen = []

    def fails(run, config, **kwargs):
        seen.append(run.path)
        assert run.config_path.is_file()  # the directory was made and written, then training failed
        (run.path / "progress.csv").write_text("step\n0\n")
        raise RuntimeError("diverged at step 3")

    monkeypatch.setattr(tabular, "learn", fails)
    with pytest.raises(RuntimeError, match="diverged"):
        agents.train(ID, "td", steps=100, device="cpu", runs_dir=tmp_path)
    assert len(seen) == 1 and not seen[0].exists() and run_dirs(tmp_path) == []


def test_a_run_with_a_checkpoint_stays_when_training_raises_later(tmp_path, monkeypatch):
    real = tabular.learn

    def checkpoints_then_fails(run, config, **kwargs):
        real(run, config, **kwargs)  # writes checkpoints and the model
        raise RuntimeError("disk full after the model")

    monkeypatch.setattr(tabular, "learn", checkpoints_then_fails)
    with pytest.raises(RuntimeError):
        agents.train(ID, "td", steps=200, device="cpu", runs_dir=tmp_path, overrides=["checkpoint_every=100"])
    (name,) = run_dirs(tmp_path)
    run = Run.open(tmp_path / name)
    assert run.checkpoints() and run.config_path.is_file()


def test_a_resumed_run_is_never_removed(tmp_path, monkeypatch):
    run = agents.train(ID, "td", steps=100, device="cpu", runs_dir=tmp_path, overrides=["checkpoint_every=1000"])
    for checkpoint in run.checkpoints():  # a run stopped before its first checkpoint, resumed
        checkpoint.path.unlink()
    run.model_path(tabular.CHECKPOINT_EXT).unlink()
    before = sorted(p.relative_to(run.path) for p in run.path.rglob("*"))

    def fails(run, config, **kwargs):
        raise RuntimeError("crashed again")

    monkeypatch.setattr(tabular, "learn", fails)
    with pytest.raises(RuntimeError, match="again"):
        agents.train(resume=run.path, device="cpu")
    assert sorted(p.relative_to(run.path) for p in run.path.rglob("*")) == before and run.config_path.is_file()


def test_an_interrupted_run_keeps_what_it_wrote(tmp_path, monkeypatch):
    def interrupted(run, config, **kwargs):
        (run.path / "progress.csv").write_text("step\n0\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(tabular, "learn", interrupted)
    with pytest.raises(KeyboardInterrupt):
        agents.train(ID, "td", steps=100, device="cpu", runs_dir=tmp_path)
    (name,) = run_dirs(tmp_path)
    assert (tmp_path / name / "progress.csv").is_file()  # Ctrl-C is the user's stop, not a failure
