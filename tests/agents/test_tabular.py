import numpy as np
import pytest

from marionnette import agents
from marionnette.agents.evaluate import certify, tictactoe_score
from marionnette.envs import tictactoe as t3
from marionnette.errors import MarionnetteError

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
    assert [s for s, _ in td_run.checkpoints()] == [50_000, 100_000, 150_000, 200_000]
    assert td_run.model_path("npz").exists()
    rows = (td_run.progress_path).read_text().splitlines()
    assert rows[0].startswith("step,") and len(rows) == 1 + 10  # log_every 20k
    assert any(td_run.tensorboard_dir.glob("events.out.tfevents.*"))


@pytest.mark.slow
def test_qlearning_is_certified_perfect_from_self_play(tmp_path):
    run = agents.train(ID, "qlearning", seed=0, device="cpu", runs_dir=tmp_path)
    assert certify(agents.load(run.path)).perfect


def test_a_foreign_table_is_refused(td_run, tmp_path):
    from marionnette.agents import tabular

    path = tmp_path / "q.npz"
    np.savez(path, algo=np.array("qlearning"), step=np.array(1), table=np.zeros((3**9, 9)))
    with pytest.raises(MarionnetteError, match="qlearning table"):
        tabular.load(path, "td")
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(MarionnetteError, match="corrupt"):
        tabular.load(path, "td")
