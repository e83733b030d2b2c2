import pytest

from marionnette.errors import MarionnetteError
from marionnette.runs import ProgressLog, Run, read_progress, write_video


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
    assert [c.step for c in a.checkpoints()] == [50, 200, 1000]
    assert a.latest_checkpoint().step == 1000
    assert a.latest_checkpoint().path == a.checkpoint_path(1000, "npz")


def test_open_names_what_is_wrong(tmp_path):
    with pytest.raises(MarionnetteError, match="does not exist"):
        Run.open(tmp_path / "nope")
    with pytest.raises(MarionnetteError, match="not a run directory"):
        Run.open(tmp_path)


def test_write_video_encodes_frames_as_they_come(tmp_path):
    """A generator is consumed one frame at a time: memory stays flat in the video's length."""
    import tracemalloc

    import imageio.v2 as imageio
    import numpy as np

    n, shape = 1200, (128, 128, 3)  # 59 MB of frames, were they held at once
    made = []

    def frames():
        for i in range(n):
            made.append(i)
            yield np.full(shape, i % 256, dtype=np.uint8)

    tracemalloc.start()
    try:
        path = write_video(tmp_path / "long.mp4", frames(), fps=30)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(made) == n
    assert peak < n * np.prod(shape) / 10, f"peak {peak / 1e6:.1f} MB"  # measured: 0.44 MB of 59
    assert sum(1 for _ in imageio.get_reader(path)) == n
