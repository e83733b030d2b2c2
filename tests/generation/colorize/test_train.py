"""The colorizer's run directory, exact resume, the network's sizes, and bad input as one line."""

import numpy as np
import pytest
import torch
import yaml

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.generation.colorize.data import LabCrops, lab_to_rgb, rgb_to_lab
from marionnette.generation.colorize.evaluate import colorize_image, grey_baseline, score
from marionnette.generation.colorize.model import ColorNet, ColorNetConfig
from marionnette.generation.colorize.train import ColorizeTrainConfig, load, train
from marionnette.generation.images import image_sources, load_image, save_image
from marionnette.nets.training import read_weights
from marionnette.runs import read_progress


def tiny(**changes):
    settings = dict(images=("skimage:coffee",), size=16, epochs=2, steps_per_epoch=3, batch_size=2, prior_batches=2,
                    net=ColorNetConfig(channels=4))  # fmt: skip
    return ColorizeTrainConfig(**{**settings, **changes})


def test_lab_round_trip_and_the_grey_baseline():
    rgb = torch.rand(2, 3, 8, 8)
    L, ab = rgb_to_lab(rgb)
    assert L.shape == (2, 1, 8, 8) and ab.shape == (2, 2, 8, 8) and 0 <= L.min() and L.max() <= 100
    back = lab_to_rgb(L[0, 0].numpy(), ab[0].permute(1, 2, 0).numpy())
    np.testing.assert_allclose(back, rgb[0].permute(1, 2, 0).numpy(), atol=1e-4)
    coffee = load_image("skimage:coffee", 64)
    grey = grey_baseline(coffee)
    assert np.ptp(grey, axis=-1).max() < 0.01  # no colour left
    s = score([grey], [coffee])
    assert s.chroma < 0.5 < 10 < s.true_chroma and 10 < s.psnr < 20  # coffee: 14.3 dB without its colour
    assert score([coffee], [coffee]).psnr == np.inf


@pytest.mark.parametrize("head, channels", [("classes", 261), ("regression", 2)])
def test_the_network_takes_any_size_and_outputs_at_a_quarter(head, channels):
    net = ColorNet(ColorNetConfig(channels=4, head=head)).eval()
    assert net(torch.rand(2, 1, 32, 48) * 100).shape == (2, channels, 8, 12)
    assert net.colorize(torch.rand(1, 1, 37, 50) * 100).shape == (1, 2, 37, 50)  # padded, cropped back
    image = colorize_image(net, load_image("skimage:chelsea", 40))
    assert image.shape == (27, 40, 3) and image.dtype == np.float32
    with pytest.raises(MarionnetteError, match="needs at least 8 pixels a side"):
        net.colorize(torch.rand(1, 1, 5, 50))
    with pytest.raises(MarionnetteError, match=r"L of shape \(1, 3, 8, 8\)"):
        net.colorize(torch.rand(1, 3, 8, 8))


def test_the_run_directory_is_every_trainers(tmp_path):
    run = train(tiny(), device="cpu", runs_dir=tmp_path)
    assert run.path.name.startswith("colorize__classes__0__")
    config = yaml.safe_load(run.config_path.read_text())
    assert config["task"] == "colorize" and config["train"]["images"] == ["skimage:coffee"]
    assert [c.step for c in run.checkpoints()] == [3, 6]
    rows = read_progress(run.progress_path)
    assert [int(r["epoch"]) for r in rows] == [1, 2] and float(rows[0]["loss"]) > 0
    assert any(run.tensorboard_dir.iterdir())
    payload = torch.load(run.model_path("pt"), weights_only=True)
    weights = payload["model"]["weights"]  # the rebalancing weights travel with the network
    assert weights.shape == (261,) and weights.max() > 5 * weights.min()
    net = load(run.path)
    assert not net.training and torch.equal(net.weights, weights)


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    whole = train(tiny(), device="cpu", runs_dir=tmp_path / "a")
    cut = train(tiny(), device="cpu", runs_dir=tmp_path / "b")
    cut.model_path("pt").unlink()
    cut.checkpoint_path(6, "pt").write_bytes(cut.checkpoint_path(6, "pt").read_bytes()[:200])  # cut short
    resumed = train(resume=cut.path, device="cpu")
    a, b = (read_weights(r.model_path("pt"))["model"] for r in (whole, resumed))
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    assert len(read_progress(resumed.progress_path)) == 2


def test_folders_and_regression(tmp_path):
    folder = tmp_path / "pictures"
    folder.mkdir()
    for name in ("coffee", "astronaut"):
        save_image(folder / f"{name}.png", load_image(f"skimage:{name}", 40))
    (folder / "notes.txt").write_text("not a picture")
    assert [p.rsplit("/", 1)[-1] for p in image_sources([folder])] == ["astronaut.png", "coffee.png"]
    L, ab = LabCrops([folder], 16, seed=0).batch(0, 3)
    assert L.shape == (3, 1, 16, 16) and ab.shape == (3, 2, 16, 16)
    run = train(tiny(images=(str(folder),), epochs=1, net=ColorNetConfig(channels=4, head="regression")),
                device="cpu", runs_dir=tmp_path)  # fmt: skip
    assert run.path.name.startswith("colorize__regression__")
    assert torch.equal(load(run.path).weights, torch.ones(261))  # regression is not rebalanced


def test_bad_input_is_one_line(tmp_path):
    with pytest.raises(MarionnetteError, match="size 20: the crops need a multiple of 8"):
        tiny(size=20)
    with pytest.raises(MarionnetteError, match="rebalance 0"):
        tiny(rebalance=0)
    with pytest.raises(MarionnetteError, match="head 'softmax'"):
        ColorNetConfig(head="softmax")
    (tmp_path / "empty").mkdir()
    with pytest.raises(MarionnetteError, match="holds no .png"):
        train(tiny(images=(str(tmp_path / "empty"),)), device="cpu", runs_dir=tmp_path / "none")
    with pytest.raises(MarionnetteError, match="image 'nowhere.png' does not exist"):
        train(tiny(images=("nowhere.png",)), device="cpu", runs_dir=tmp_path / "none")
    assert not (tmp_path / "none").exists()  # no run made for bad input
    run = train(tiny(epochs=1), device="cpu", runs_dir=tmp_path)
    config = yaml.safe_load(run.config_path.read_text())
    config["train"]["net"]["channels"] = 8
    run.config_path.write_text(yaml.safe_dump(config))
    with pytest.raises(CheckpointError, match="holds another network than its config.yaml describes"):
        load(run.path)
    run.model_path("pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable colorize checkpoint"):
        load(run.path)
    config["task"] = "style"
    run.config_path.write_text(yaml.safe_dump(config))
    with pytest.raises(MarionnetteError, match="is not a colorize run"):
        load(run.path)
