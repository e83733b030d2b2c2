import logging
import zipfile

import numpy as np
import pytest

from marionnette import agents
from marionnette.agents import tabular
from marionnette.agents.evaluate import certify, tictactoe_score
from marionnette.envs import tictactoe as t3
from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.runs import read_progress

ID = "marionnette/TicTacToe-v0"


@pytest.fixture(scope="module")
def td_run(tmp_path_factory):
    """TD(0) with the shipped YAML: self-play only, the oracle is not consulted to learn."""
    return agents.train(ID, "td", seed=0, device="cpu", runs_dir=tmp_path_factory.mktemp("runs"))


def test_td_is_certified_perfect_from_self_play(td_run):
    policy = agents.load(td_run.path)
    cert = certify(policy)
    assert cert.checked == 4520
    assert cert.perfect, f"{len(cert.failures)} positions with a non-optimal move, e.g. {cert.failures[:3]}"


def test_td_values_are_the_game_theoretic_values(td_run):
    table = agents.load(td_run.path).table  # value of a board for the player who moved into it
    oracle = t3.solve()
    for board in oracle.positions(terminal=False):
        if board != t3.EMPTY_BOARD:
            assert table[t3.encode(board)] == pytest.approx(-oracle.value(board), abs=0.05)


def test_td_never_loses_to_minimax_and_beats_random(td_run):
    policy = agents.load(td_run.path)
    for side in ("X", "O"):
        assert tictactoe_score(policy, side, "minimax", episodes=50).losses == 0
    assert tictactoe_score(policy, "X", "random", episodes=200).wins >= 190


def test_td_run_directory_holds_config_checkpoints_and_progress(td_run):
    config = td_run.read_config()
    assert config["algo"] == "td" and config["hyperparams"]["n_timesteps"] == 200_000
    assert [c.step for c in td_run.checkpoints()] == [50_000, 100_000, 150_000, 200_000]
    assert td_run.model_path("npz").exists()
    rows = (td_run.progress_path).read_text().splitlines()
    assert rows[0].startswith("step,") and len(rows) == 1 + 10  # log_every 20k
    assert any(td_run.tensorboard_dir.glob("events.out.tfevents.*"))


@pytest.mark.slow
def test_qlearning_is_certified_perfect_from_self_play(tmp_path):
    run = agents.train(ID, "qlearning", seed=0, device="cpu", runs_dir=tmp_path)
    assert certify(agents.load(run.path)).perfect


def test_a_foreign_table_is_refused(tmp_path):
    path = tmp_path / "q.npz"
    np.savez(path, algo=np.array("qlearning"), step=np.array(1), table=np.zeros((3**9, 9)))
    with pytest.raises(CheckpointError, match="qlearning table"):
        tabular.load(path, "td")
    np.savez(path, weights=np.zeros(3))  # an .npz, but not one of ours
    with pytest.raises(CheckpointError, match="not a marionnette checkpoint") as caught:
        tabular.load(path, "td")
    assert isinstance(caught.value.__cause__, KeyError)


@pytest.mark.parametrize(
    "content, cause",
    [(b"PK\x03\x04 not really a zip", zipfile.BadZipFile), (b"", EOFError), (b"hello", ValueError)],
)
def test_a_file_cut_short_keeps_its_cause_and_asks_no_one_to_delete_it(tmp_path, content, cause):
    path = tmp_path / "step_000000001.npz"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="corrupt") as caught:
        tabular.load(path, "td")
    assert isinstance(caught.value, MarionnetteError) and isinstance(caught.value.__cause__, cause)
    assert str(path) in str(caught.value) and "delete" not in str(caught.value)


def test_a_bug_is_not_reported_as_a_bad_file(tmp_path, monkeypatch):
    path = tmp_path / "t.npz"
    np.savez(path, algo=np.array("td"), step=np.array(1), table=np.zeros(3**9))

    def broken(*args, **kwargs):
        raise RuntimeError("a bug in the reader")

    monkeypatch.setattr(np, "load", broken)
    with pytest.raises(RuntimeError, match="a bug"):
        tabular.load(path, "td")


def cut_short(path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # a disk filled mid-write, a copy cut short


@pytest.fixture
def short_run(tmp_path):
    """A finished td run of 15,000 steps with a checkpoint every 5,000."""
    overrides = ["checkpoint_every=5000", "log_every=5000"]
    return agents.train(ID, "td", steps=15_000, seed=0, device="cpu", runs_dir=tmp_path, overrides=overrides)


def test_resume_goes_back_to_the_newest_checkpoint_that_reads(short_run, caplog):
    *_, older, newest = short_run.checkpoints()
    cut_short(newest.path)
    with caplog.at_level(logging.WARNING, logger="marionnette"):
        agents.train(resume=short_run.path, steps=20_000, device="cpu")
    (warning,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warning.name == "marionnette.agents"
    assert newest.path.name in warning.getMessage() and f"resuming from {older.path.name}" in warning.getMessage()
    with np.load(short_run.model_path("npz")) as final:
        assert int(final["step"]) == 20_000
    assert [int(r["step"]) for r in read_progress(short_run.progress_path)] == [5000, 10000, 15000, 20000]
    assert tabular.load(newest.path, "td") is not None  # rewritten whole when the run passed it again


def test_resume_when_no_checkpoint_reads_names_them(short_run):
    for checkpoint in short_run.checkpoints():
        cut_short(checkpoint.path)
    with pytest.raises(CheckpointError, match="none of its checkpoints reads") as caught:
        agents.train(resume=short_run.path, steps=20_000, device="cpu")
    message = str(caught.value)
    assert "\n" not in message
    assert all(c.path.name in message for c in short_run.checkpoints())
    assert isinstance(caught.value.__cause__, CheckpointError)
