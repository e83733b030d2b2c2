"""``marionnette data frames``: a folder of rendered frames from the command line."""

from PIL import Image
from typer.testing import CliRunner

from marionnette.cli import app


def test_data_frames_writes_the_folder_and_names_a_bad_source(tmp_path):
    out = tmp_path / "frames"
    args = ["data", "frames", "arcade", "--out", str(out), "--count", "5", "--size", "16", "--seed", "1"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "5 frames of arcade" in result.output and "frames" in result.output
    assert len(list(out.glob("frame_*.png"))) == 5 and (out / "frames.yaml").is_file()
    with Image.open(out / "frame_00004.png") as image:
        assert image.size == (16, 16)
    result = CliRunner().invoke(app, ["data", "frames", "charactr", "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "'charactr'" in result.output and "did you mean character" in result.output
    assert not (tmp_path / "x").exists()
