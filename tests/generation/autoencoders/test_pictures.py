"""The pictures: the 2-D point-cloud demo (an autoencoder projects onto the curve it
learned), and ``ae show`` drawing a run's PNGs."""

import numpy as np
import pytest
import torch
import typer
from PIL import Image
from typer.testing import CliRunner

from marionnette.cli.ae import register
from marionnette.generation.autoencoders.pictures import mosaic
from marionnette.generation.autoencoders.pointcloud import curve_distance, point_cloud_demo, sine_curve


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small models: one thread trains them faster than two (see test_learning)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_the_autoencoder_projects_points_onto_the_curve():
    """Seed 0, 800 full-batch steps: points off the sine (mean distance 0.318) come back at
    a mean distance of 0.0048, 66x closer (seeds 1 and 2: 55x and 58x); and near where they
    started: 0.126 from the curve point nearest each input, against offsets of sd 0.35."""
    demo = point_cloud_demo(0)
    assert demo.inputs.shape == demo.projected.shape == (150, 2)
    assert demo.before == pytest.approx(curve_distance(demo.inputs, demo.curve).mean())
    assert demo.after < demo.before / 10, (demo.before, demo.after)
    nearest = demo.curve[np.linalg.norm(demo.inputs[:, None] - demo.curve[None], axis=2).argmin(1)]
    assert np.linalg.norm(demo.projected - nearest, axis=1).mean() < 0.25  # projected, not collapsed to a point


def test_curve_distance_and_mosaic():
    curve = sine_curve()
    assert curve_distance(np.array([[0.0, 0.0], [np.pi / 2, 1.5]]), curve) == pytest.approx([0.0, 0.5], abs=2e-3)
    tiles = np.arange(3 * 2 * 2, dtype=np.float32).reshape(3, 1, 2, 2) / 12
    picture = mosaic(tiles, columns=2)
    assert picture.shape == (5, 5) and picture[3, 0] == tiles[2, 0, 0, 0] and picture[0, 2] == 1.0  # white gap


@pytest.mark.parametrize("kind", ["denoise", "vae"])
def test_ae_show_writes_its_pictures(tmp_path, kind):
    root = typer.Typer()
    register(root)
    runs = tmp_path / "runs"
    done = CliRunner().invoke(root, ["ae", "train", "--kind", kind, "--epochs", "2", "--device", "cpu",
                                     "--runs-dir", str(runs)])  # fmt: skip
    assert done.exit_code == 0, done.output
    (run,) = runs.iterdir()
    out = tmp_path / "pictures"
    done = CliRunner().invoke(root, ["ae", "show", str(run), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "held out (359 images): MSE" in done.output and ("ELBO" in done.output) == (kind == "vae")
    expected = {"reconstructions.png", "interpolation.png", "point_cloud.png",
                "denoising.png" if kind == "denoise" else "samples.png"}  # fmt: skip
    assert {p.name for p in out.iterdir()} == expected
    for path in out.iterdir():
        with Image.open(path) as image:
            assert image.format == "PNG" and min(image.size) > 100
    done = CliRunner().invoke(root, ["ae", "show", str(tmp_path / "nowhere")])
    assert done.exit_code == 2 and "does not exist" in done.output
