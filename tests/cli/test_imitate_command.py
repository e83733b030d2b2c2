"""``marionnette imitate``: a recording in, a capture, a training run and its MPJPE out."""

import yaml
from typer.testing import CliRunner

from marionnette.body import Character, VirtualCamera, clip_qpos
from marionnette.body.clips import clip
from marionnette.cli import app
from marionnette.motion import UNITS, PoseSequence, save_bvh
from marionnette.runs import write_video


def test_imitate_a_video_captures_then_trains(tmp_path, capfd):
    character = Character()
    qpos = clip_qpos("wave", fps=15, character=character)[:24]
    video = write_video(tmp_path / "me.mp4", [image for _, image in VirtualCamera(character, qpos, fps=15)], 15)
    result = CliRunner().invoke(
        app,
        ["imitate", str(video), "--steps", "512", "--runs-dir", str(tmp_path / "runs"), "--max-frames", "24"],
    )
    assert result.exit_code == 0, result.output
    captured = PoseSequence.load(tmp_path / "runs" / "captures" / "me.raw.npz")
    reference = PoseSequence.load(tmp_path / "runs" / "captures" / "me.npz")
    assert len(captured) == len(reference) == 24 and captured.fps == reference.fps == 15
    # the reference trained on is the plausible one: on the floor (the capture is hip-centred, feet below it)
    assert captured.positions[..., 1].min() < -0.5 and abs(reference.positions[..., 1].min()) < 0.1
    config = yaml.safe_load(next((tmp_path / "runs").glob("*/config.yaml")).read_text())
    assert config["hyperparams"]["env_kwargs"]["clip"].endswith("me.npz")
    assert "MPJPE over the clip" in result.output and "standing still" in result.output
    native = capfd.readouterr().err  # what reached file descriptor 2: none of MediaPipe's own lines
    assert "XNNPACK delegate" not in native and "Feedback manager" not in native, native[-2000:]


def test_verbose_is_an_option_of_the_capture():
    result = CliRunner().invoke(app, ["imitate", "--help"])
    assert result.exit_code == 0 and "--verbose" in result.output


def test_an_unknown_clip_is_one_line_and_leaves_no_run_directory(tmp_path):
    runs = tmp_path / "runs"
    result = CliRunner().invoke(
        app, ["imitate", str(tmp_path / "nothing.npz"), "--steps", "512", "--runs-dir", str(runs)]
    )
    assert result.exit_code == 2
    assert "error:" in result.output and "nothing.npz" in result.output
    assert not runs.exists() or not any(runs.iterdir()), list(runs.iterdir())  # the run never started


def squat_bvh(path, per_metre):
    squat = clip("squat", fps=30)
    return save_bvh(PoseSequence(squat.positions * per_metre, 30.0, squat.skeleton), path)


def test_a_bvh_in_cmu_units_trains_its_unit_said_and_kept_in_the_config(tmp_path):
    path = squat_bvh(tmp_path / "squat.bvh", 1 / UNITS["cmu"])
    runs = tmp_path / "runs"
    result = CliRunner().invoke(app, ["imitate", str(path), "--steps", "512", "--runs-dir", str(runs)])
    assert result.exit_code == 0, result.output
    assert "reading" in result.output and "in CMU units" in result.output and "--units" in result.output
    assert "MPJPE over the clip" in result.output and "warning:" not in result.output  # no env guessed again
    (run,) = [p for p in runs.iterdir() if p.is_dir()]
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["hyperparams"]["env_kwargs"]["units"] == "cmu"  # the envs were told, not left to guess again
    assert config["hyperparams"]["env_kwargs"]["clip"] == str(path.resolve())


def test_units_that_do_not_fit_are_one_line_before_anything_is_written(tmp_path):
    runs = tmp_path / "runs"
    odd = squat_bvh(tmp_path / "odd.bvh", 5)  # 7.5 units across: no person in any unit
    cut = tmp_path / "cut.bvh"
    cut.write_text(squat_bvh(tmp_path / "whole.bvh", 100).read_text()[:-40])
    clip("wave", fps=30).save(tmp_path / "wave.npz")
    for args, says in [
        ([str(odd)], "--units"),
        ([str(odd), "--units", "feet"], "'feet'"),
        ([str(cut)], "truncated"),
        ([str(tmp_path / "wave.npz"), "--units", "cm"], "no .bvh file"),
        (["wave", "--units", "cm"], "no .bvh file"),
    ]:
        result = CliRunner().invoke(app, ["imitate", *args, "--steps", "512", "--runs-dir", str(runs)])
        assert result.exit_code == 2, (args, result.output)
        assert "error:" in result.output and says in result.output, (args, result.output)
        assert not runs.exists(), (args, list(runs.iterdir()))
