"""``marionnette style``: apply (Gatys, a trained network, a video), train, texture; bad input in one line."""

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from marionnette.cli.style import app
from marionnette.generation.images import read_image
from marionnette.runs import write_video


def invoke(*args: str):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_apply_optimises_a_picture(tmp_path):
    out = tmp_path / "cat.png"
    result = invoke("apply", "skimage:chelsea", "skimage:immunohistochemistry", "--out", out, "--steps", 3,
                    "--size", 32, "--features", "random", "--device", "cpu")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 steps" in result.output and read_image(out).shape == (21, 32, 3)


def test_the_default_imagenet_features_never_switch_silently(tmp_path):
    before = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    try:
        result = invoke("apply", "skimage:chelsea", "skimage:gravel", "--out", tmp_path / "x.png", "--steps", 1,
                        "--size", 16, "--device", "cpu")  # fmt: skip
    finally:
        torch.hub.set_dir(before)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "vgg19-dcbb9e9d.pth" in lines[0] and "--features random" in lines[0]
    assert str(tmp_path / "hub" / "checkpoints") in " ".join(result.output.split())
    assert not (tmp_path / "x.png").exists()


def test_train_then_paint_a_picture_and_a_video(tmp_path):
    runs = tmp_path / "runs"
    result = invoke("train", "skimage:immunohistochemistry", "--epochs", 1, "--steps-per-epoch", 2, "--size", 32,
                    "--batch-size", 1, "--channels", 8, "--features", "random", "--device", "cpu",
                    "--runs-dir", runs)  # fmt: skip
    assert result.exit_code == 0, result.output
    (run,) = runs.iterdir()
    assert run.name.startswith("style__fast__0__")
    result = invoke("apply", "skimage:chelsea", "--model", run, "--out", tmp_path / "p.png", "--size", 40)
    assert result.exit_code == 0, result.output
    assert read_image(tmp_path / "p.png").shape == (28, 40, 3)  # sides rounded to multiples of 4
    result = invoke("apply", "skimage:chelsea", "--model", run, "--out", tmp_path / "p.png", "--size", 4)
    assert result.exit_code == 2 and "multiples of 4 and at least 8" in result.output
    result = invoke("apply", "skimage:chelsea", "skimage:brick", "--model", run, "--out", tmp_path / "p.png")
    assert result.exit_code == 2 and "drop STYLE" in result.output
    # a video through the network: 6 frames of 64x48 noise in, painted at 48x32 (36 rounded to
    # 16-pixel blocks), an MP4 of 6 frames out
    frames = (np.random.default_rng(0).random((6, 48, 64, 3)) * 255).astype(np.uint8)
    write_video(tmp_path / "in.mp4", frames, fps=10)
    result = invoke("apply", "--model", run, "--source", tmp_path / "in.mp4", "--out", tmp_path / "out.mp4",
                    "--size", 48)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "6 frames" in result.output
    import imageio.v2 as imageio

    with imageio.get_reader(tmp_path / "out.mp4") as reader:
        painted = [frame for frame in reader]
    assert len(painted) == 6 and painted[0].shape[:2] == (32, 48)
    result = invoke("apply", "--model", run, "--source", tmp_path / "none.mp4", "--out", tmp_path / "o.mp4")
    assert result.exit_code == 2 and "does not exist" in result.output
    result = invoke("train", "--resume", run, "--device", "cpu")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("method", ["efros-leung", "gatys"])
def test_texture_grows_a_square(tmp_path, method):
    out = tmp_path / f"{method}.png"
    result = invoke("texture", "skimage:gravel", "--out", out, "--method", method, "--size", 16, "--sample-size", 24,
                    "--window", 7, "--steps", 5, "--features", "random", "--device", "cpu")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "warning: skimage:gravel is greyscale" in result.output  # converted, and said so
    assert read_image(out).shape == (16, 16, 3)


def test_bad_input_is_one_line(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n cut")
    cases = [
        (("texture", "skimage:brick", "--method", "quilting"), "--method 'quilting': use efros-leung or gatys"),
        (("texture", tmp_path / "broken.png", "--out", tmp_path / "t.png"), f"{tmp_path / 'broken.png'} is not a"),
        (("apply", "skimage:chelsea", "--out", tmp_path / "a.png"), "give CONTENT and STYLE"),
        (("apply", "skimage:chelsea", "skimage:bricks", "--features", "random"), "did you mean skimage:brick"),
        (("apply", "skimage:chelsea", "skimage:brick", "--out", tmp_path / "a.gif", "--features", "random"),
         "name it .png or .jpg"),
        (("train",), "give the STYLE image"),
    ]  # fmt: skip
    for args, message in cases:
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in " ".join(result.output.split()), (args, result.output)
