import pytest

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_open
from marionnette.runs import ProgressLog, Run, read_progress


def test_atomic_open_keeps_the_old_file_when_the_write_fails(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_open(path) as f:
            f.write(b"half of the ne")
            raise RuntimeError("killed mid-write")
    assert path.read_bytes() == b"old"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind
    with atomic_open(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"


def test_progress_log_drops_rows_past_the_resumed_checkpoint(tmp_path):
    log = ProgressLog(tmp_path / "progress.csv")
    for step in (100, 200, 300):
        log.append(step, {"loss": step / 1000})
    log.append(400, {"loss": 0.4, "new_column": 1})  # a key that appears later widens the table
    rows = read_progress(tmp_path / "progress.csv")
    assert [r["step"] for r in rows] == ["100", "200", "300", "400"]
    assert rows[0]["new_column"] == "" and rows[3]["new_column"] == "1"

    resumed = ProgressLog(tmp_path / "progress.csv", resume_step=200)
    resumed.append(300, {"loss": 0.29})
    assert [(r["step"], r["loss"]) for r in read_progress(tmp_path / "progress.csv")] == [
        ("100", "0.1"), ("200", "0.2"), ("300", "0.29"),
    ]  # fmt: skip


def test_run_names_and_checkpoints(tmp_path):
    a = Run.create(tmp_path, "marionnette/TicTacToe-v0", "td", 3)
    b = Run.create(tmp_path, "marionnette/TicTacToe-v0", "td", 3)  # the same second
    assert a.path != b.path
    assert a.path.name.startswith("marionnette-TicTacToe-v0__td__3__")
    for step in (50, 1000, 200):
        a.checkpoint_path(step, "npz").parent.mkdir(exist_ok=True)
        a.checkpoint_path(step, "npz").write_bytes(b"")
    assert [s for s, _ in a.checkpoints()] == [50, 200, 1000]
    assert a.latest_checkpoint()[0] == 1000


def test_open_names_what_is_wrong(tmp_path):
    with pytest.raises(MarionnetteError, match="does not exist"):
        Run.open(tmp_path / "nope")
    with pytest.raises(MarionnetteError, match="not a run directory"):
        Run.open(tmp_path)
