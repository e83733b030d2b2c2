"""``marionnette puppet``: the command around the puppet pipeline (tested in tests/pipelines)."""

import os
import subprocess
import sys

import imageio.v2 as imageio
import numpy as np
import pytest
import skimage.data
from typer.testing import CliRunner

from marionnette.body import Character
from marionnette.cli import app
from marionnette.cli.puppet import puppet
from marionnette.motion import CANONICAL, CanonicalJoint, PoseSequence, load_bvh
from marionnette.pipelines import puppet as puppet_module

ANKLES = [CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE]

# MediaPipe's native log lines (mediapipe 0.10.21), which the command keeps off stderr.
NATIVE_LINES = (
    "Created TensorFlow Lite XNNPACK delegate",
    "All log messages before absl::InitializeLog() is called",
    "Feedback manager requires a model with a single signature",
)


def test_called_as_the_demo_calls_it_writes_video_motion_and_bvh(tmp_path, capsys):
    """--npz and --bvh hold the avatar's motion, on the floor; --capture-npz the capture, hip-centred."""
    puppet(source="virtual:wave", out=tmp_path / "p.mp4", npz=tmp_path / "p.npz", bvh=tmp_path / "p.bvh",
           capture_npz=tmp_path / "c.npz", window=False, max_frames=4)  # fmt: skip
    printed = capsys.readouterr().out
    assert "4 frames at" in printed and "a person in 4 of them" in printed and "p.mp4" in printed
    assert (tmp_path / "p.mp4").stat().st_size > 0
    seq = PoseSequence.load(tmp_path / "p.npz")
    assert seq.skeleton == CANONICAL and len(seq) == 4
    character = Character()
    ankle = character.forward_kinematics(character.standing_qpos).positions[0, ANKLES, 1].min()  # 0.105 m
    assert np.abs(seq.positions[:, ANKLES, 1].min(axis=1) - ankle).max() < 0.03  # the avatar's feet on the floor
    bvh = load_bvh(tmp_path / "p.bvh")
    assert len(bvh) == 4 and np.abs(bvh.positions[:, ANKLES, 1].min(axis=1) - ankle).max() < 0.03
    captured = PoseSequence.load(tmp_path / "c.npz")
    assert len(captured) == 4 and np.nanmax(captured.positions[:, ANKLES, 1]) < -0.5  # hip-centred, as captured


def test_a_broken_image_in_a_folder_is_one_line_and_leaves_no_video(tmp_path):
    """The fourth of five photos does not decode: the command stops there, within seconds,
    with one line naming it, and no MP4 (whole or partial) is left."""
    photos = tmp_path / "photos"
    photos.mkdir()
    for i, image in enumerate([skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea()]):
        imageio.imwrite(photos / f"{i}.png", image)
    (photos / "3.png").write_bytes(b"not a png")
    imageio.imwrite(photos / "4.png", skimage.data.astronaut())
    out = tmp_path / "out"
    command = [sys.executable, "-m", "marionnette", "puppet", "--source", str(photos), "--out", str(out / "p.mp4")]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 2, done.stderr[-3000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "3.png" in lines[0], done.stderr[-3000:]
    assert not out.exists() or list(out.iterdir()) == []


def test_options_reach_the_pipeline(monkeypatch):
    asked = {}

    def recording_run(source, config, **kwargs):
        asked.update(kwargs, config=config)
        return puppet_module.PuppetRun([], 30.0, 0.0, None, Character())

    monkeypatch.setattr(puppet_module, "run", recording_run)
    result = CliRunner().invoke(app, ["puppet", "--source", "frames/", "--video-frames", "--travel", "--no-window"])
    assert result.exit_code == 2 and "gave no frames" in result.output
    assert asked["video_frames"] and asked["config"].travel and asked["config"].static_images is None


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
