"""``marionnette data actions`` and ``data ntu``: the datasets the recognizers read, made from the command line."""

import numpy as np
from typer.testing import CliRunner

from marionnette.cli import app
from marionnette.perception.action.data import ActionData


def ntu_file(path, frames=3, dx=0.01):
    """An NTU RGB+D .skeleton file: one body, 25 joints a frame, each moving ``dx`` a frame."""
    lines = [str(frames)]
    for t in range(frames):
        lines += ["1", "72057594037931101 0 1 1 1 1 0 0.1 0.2 2", "25"]
        for j in range(25):
            lines.append(f"{0.01 * j + dx * t:.4f} {0.05 * j:.4f} 3.0 200 200 900 500 1 0 0 0 {2 if j else 1}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_data_actions_writes_a_seeded_dataset_and_the_pyskl_file(tmp_path):
    args = ["data", "actions", "--out", str(tmp_path / "a"), "--subjects", "2", "--views", "2", "--replications", "1",
            "--pyskl"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    data = ActionData.load(tmp_path / "a")
    assert len(data) == 2 * 14 * 2 and set(data.view) == {1, 2}
    assert (tmp_path / "a" / "pyskl.pkl").stat().st_size > 0 and "performances" in result.output
    result = CliRunner().invoke(app, ["data", "actions", "--out", str(tmp_path / "b"), "--subjects", "1"])
    assert result.exit_code == 2 and "at least 2" in result.output


def test_data_ntu_reads_a_folder_of_skeleton_files_and_skips_a_cut_one(tmp_path):
    source = tmp_path / "nturgbd_skeletons"
    source.mkdir()
    ntu_file(source / "S001C001P001R001A001.skeleton")
    ntu_file(source / "S001C002P002R001A002.skeleton", frames=4)
    cut = ntu_file(source / "S001C003P003R001A003.skeleton")
    cut.write_text(cut.read_text()[:500])
    result = CliRunner().invoke(app, ["data", "ntu", str(source), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "skipped 1" in result.output
    data = ActionData.load(tmp_path / "out")
    assert list(data.label) == [0, 1] and list(data.subject) == [1, 2] and list(data.view) == [1, 2]
    assert list(data.length) == [3, 4] and data.classes[0] == "drink water"
    np.testing.assert_allclose(data.keypoint[1, 3, 2], [0.02 + 0.03, 0.10, 3.0], atol=1e-6)
    assert data.score[0, 0, 0] == 0.5 and data.score[0, 0, 1] == 1.0  # joint 0 inferred, the rest tracked
    result = CliRunner().invoke(app, ["data", "ntu", str(tmp_path), "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and "no .skeleton file" in result.output
