"""``marionnette puppet``: the command around the puppet pipeline (tested in tests/pipelines)."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from marionnette.cli import app
from marionnette.cli.puppet import puppet
from marionnette.motion import CANONICAL, PoseSequence, load_bvh

# MediaPipe's native log lines (mediapipe 0.10.21), which the command keeps off stderr.
NATIVE_LINES = (
    "Created TensorFlow Lite XNNPACK delegate",
    "All log messages before absl::InitializeLog() is called",
    "Feedback manager requires a model with a single signature",
)


def test_called_as_the_demo_calls_it_writes_video_motion_and_bvh(tmp_path, capsys):
    puppet(source="virtual:wave", out=tmp_path / "p.mp4", npz=tmp_path / "p.npz", bvh=tmp_path / "p.bvh",
           window=False, max_frames=4)  # fmt: skip
    printed = capsys.readouterr().out
    assert "4 frames at" in printed and "a person in 4 of them" in printed and "p.mp4" in printed
    assert (tmp_path / "p.mp4").stat().st_size > 0
    seq = PoseSequence.load(tmp_path / "p.npz")
    assert seq.skeleton == CANONICAL and len(seq) == 4
    assert len(load_bvh(tmp_path / "p.bvh")) == 4


def test_a_missing_source_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["puppet", "--source", str(tmp_path / "nothing.mp4"), "--no-window"])
    assert result.exit_code == 2
    assert "error:" in result.output and "nothing.mp4" in result.output


@pytest.mark.parametrize("verbose", [False, True])
def test_mediapipes_log_lines_only_with_verbose(tmp_path, verbose):
    command = [sys.executable, "-m", "marionnette", "puppet", "--source", "virtual:wave", "--max-frames", "3",
               "--out", str(tmp_path / "p.mp4")] + (["--verbose"] if verbose else [])  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=180, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "3 frames at" in done.stdout
    for line in NATIVE_LINES:
        assert (line in done.stderr) == verbose, (line, done.stderr[-3000:])
    if not verbose:
        assert done.stderr == "", done.stderr[-3000:]
