"""``marionnette imitate``: a recording in, a capture, a training run and its MPJPE out."""

from typer.testing import CliRunner

from marionnette.body import Character, VirtualCamera, clip_qpos
from marionnette.cli import app
from marionnette.motion import PoseSequence
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
    captured = PoseSequence.load(tmp_path / "runs" / "captures" / "me.npz")
    assert len(captured) == 24 and captured.fps == 15
    assert "MPJPE over the clip" in result.output and "standing still" in result.output
    native = capfd.readouterr().err  # what reached file descriptor 2: none of MediaPipe's own lines
    assert "XNNPACK delegate" not in native and "Feedback manager" not in native, native[-2000:]


def test_verbose_is_an_option_of_the_capture():
    result = CliRunner().invoke(app, ["imitate", "--help"])
    assert result.exit_code == 0 and "--verbose" in result.output


def test_an_unknown_clip_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["imitate", str(tmp_path / "nothing.npz"), "--steps", "512"])
    assert result.exit_code == 2
    assert "error:" in result.output and "nothing.npz" in result.output
