"""``marionnette colorize``: train on photos or rendered frames, apply, eval; bad input in one line."""

import re

import numpy as np
from typer.testing import CliRunner

from marionnette.cli.colorize import app
from marionnette.generation.images import read_image, save_image


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def tiny(tmp_path, *data):
    args = ["train", "--steps-per-epoch", 2, "--epochs", 1, "--size", 16, "--batch-size", 2, "--channels", 4,
            "--device", "cpu", "--runs-dir", tmp_path / "runs"]  # fmt: skip
    for name in data:
        args += ["--data", name]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return next((tmp_path / "runs").glob("colorize__*"))


def test_train_apply_and_eval_on_photos(tmp_path):
    run = tiny(tmp_path)
    out = tmp_path / "cat.png"
    result = invoke("apply", "skimage:chelsea", "--model", run, "--out", out, "--size", 40)
    assert result.exit_code == 0, result.output
    assert read_image(out).shape == (27, 40, 3)
    assert re.search(r"PSNR \d+\.\d+ dB, SSIM 0\.\d+; mean chroma", result.output)  # a colour input is scored
    grey = tmp_path / "grey.png"
    save_image(grey, np.full((16, 16, 3), 0.5, np.float32))
    result = invoke("apply", grey, "--model", run, "--out", tmp_path / "g.png")
    assert result.exit_code == 0 and "PSNR" not in result.output  # nothing to score a grey picture against
    result = invoke("eval", run, "--size", 32)
    assert result.exit_code == 0, result.output
    assert "1 held-out pictures" in result.output and "grey (ab = 0)" in result.output


def test_rendered_frames_are_made_once_and_held_out_by_seed(tmp_path):
    run = tiny(tmp_path, "arcade:pong")
    folders = sorted(p.name for p in (tmp_path / "runs" / "frames").iterdir())
    assert folders == ["arcade-pong__64px__256__seed0"]
    result = invoke("eval", run, "--size", 32, "--runs-dir", tmp_path / "runs")
    assert result.exit_code == 0, result.output
    assert "32 held-out pictures" in result.output
    assert (tmp_path / "runs" / "frames" / "arcade-pong__64px__32__seed1").is_dir()  # other frames than trained on


def test_bad_input_is_one_line(tmp_path):
    result = invoke("train", "--data", "nowhere", "--runs-dir", tmp_path)
    assert result.exit_code == 2 and "image 'nowhere' does not exist" in result.output
    result = invoke("train", "--head", "softmax", "--runs-dir", tmp_path)
    assert result.exit_code == 2 and "head 'softmax'" in result.output
    result = invoke("apply", "skimage:chelsea", "--model", tmp_path, "--out", tmp_path / "x.gif")
    assert result.exit_code == 2 and "name it .png or .jpg" in result.output
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    run = tiny(tmp_path)
    result = invoke("apply", tmp_path / "bad.png", "--model", run, "--out", tmp_path / "x.png")
    assert result.exit_code == 2 and "bad.png is not a readable image" in result.output
