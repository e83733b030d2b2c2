"""The autoencoder trainer writes the run directory every trainer writes, resumes to the
exact weights of an uninterrupted run, and meets bad input with one line."""

import logging

import numpy as np
import pytest
import torch
import typer
import yaml
from typer.testing import CliRunner

from marionnette.cli.ae import register
from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.generation.autoencoders.models import AEConfig
from marionnette.generation.autoencoders.train import AETrainConfig, load, read_weights, train
from marionnette.runs import Run, read_progress


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small models: one thread trains them faster than two (see test_learning)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def cli():
    root = typer.Typer()
    register(root)
    return lambda *args: CliRunner().invoke(root, [str(a) for a in args])


def test_the_run_directory_is_every_trainers(tmp_path):
    run = train(AETrainConfig(kind="vae", epochs=3, checkpoint_every=2), device="cpu", runs_dir=tmp_path)
    assert run.path.name.startswith("ae__vae__0__")
    config = yaml.safe_load(run.config_path.read_text())
    assert config["task"] == "ae" and config["kind"] == "vae" and config["data"] == "digits"
    assert config["image_shape"] == [1, 8, 8] and config["model_config"]["code"] == 16
    assert [c.step for c in run.checkpoints()] == [2, 3]
    rows = read_progress(run.progress_path)
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert {"loss", "test_mse", "test_elbo", "test_mean_code", "test_noisy_mse", "samples_per_s"} <= set(rows[0])
    assert rows[0]["test_ssim"] == "" and float(rows[1]["test_ssim"]) > 0  # SSIM at checkpoint epochs
    assert any(run.tensorboard_dir.iterdir())
    payload = torch.load(run.model_path("pt"), weights_only=True)  # tensors, numbers, strings: no unpickling
    assert payload["epoch"] == 3 and payload["image_shape"] == [1, 8, 8] and payload["kind"] == "vae"
    trained = load(run.path)
    held = trained.held_out()
    assert held.shape == (359, 1, 8, 8)
    assert trained.reconstruct(held[0]).shape == (1, 8, 8) and trained.encode(held[:5]).shape == (5, 16)
    assert trained.interpolate(held[0], held[1], steps=6).shape == (6, 1, 8, 8)
    samples = trained.sample(4, seed=3)
    assert samples.shape == (4, 1, 8, 8) and np.array_equal(samples, trained.sample(4, seed=3))


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path, caplog):
    """The denoising AE draws its corruption and the order every epoch: a run cut after
    epoch 2 and resumed reaches the same weights to the last bit, and the same log."""
    config = AETrainConfig(kind="denoise", noise="salt-and-pepper", noise_level=0.2, epochs=4, checkpoint_every=2)
    whole = train(config, device="cpu", runs_dir=tmp_path / "a")
    cut = train(config, device="cpu", runs_dir=tmp_path / "b")
    cut.model_path("pt").unlink()  # as if killed after the checkpoint of epoch 2
    cut.checkpoint_path(4, "pt").write_bytes(cut.checkpoint_path(4, "pt").read_bytes()[:300])  # cut short
    (cut.checkpoint_dir / ".step_000000004.pt.x1.partial").write_bytes(b"half")  # a killed writer's leftover
    kept = cut.checkpoint_path(2, "pt").stat().st_ino
    with caplog.at_level(logging.WARNING, logger="marionnette"):
        resumed = train(resume=cut.path, device="cpu")
    assert "skipping step_000000004.pt" in caplog.text  # the cut checkpoint, named
    assert cut.checkpoint_path(2, "pt").stat().st_ino == kept  # resumed from it, not trained again from 0
    assert not list(cut.checkpoint_dir.glob(".*partial"))
    a, b = (read_weights(r.model_path("pt"))["model"] for r in (whole, resumed))
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    columns = ("loss", "test_mse", "test_noisy_mse")
    rows_a, rows_b = read_progress(whole.progress_path), read_progress(resumed.progress_path)
    assert [[r[c] for c in columns] for r in rows_a] == [[r[c] for c in columns] for r in rows_b]


def test_bad_input_is_one_line(tmp_path):
    with pytest.raises(MarionnetteError, match=r"unknown autoencoder kind 'vea'.*did you mean vae"):
        AETrainConfig(kind="vea")
    with pytest.raises(MarionnetteError, match="unknown autoencoder arch 'cnn'"):
        AETrainConfig(arch="cnn")
    with pytest.raises(MarionnetteError, match="unknown noise 'salt'"):
        AETrainConfig(noise="salt")
    with pytest.raises(MarionnetteError, match="fraction of the pixels"):
        AETrainConfig(noise="masking", noise_level=1.5)
    with pytest.raises(MarionnetteError, match="no setting wings"):
        AETrainConfig(model_config={"wings": 2})
    with pytest.raises(MarionnetteError, match="divides by 4"):
        AEConfig(arch="conv", height=10, width=10)
    with pytest.raises(MarionnetteError, match=r"data 'digts'.*did you mean digits"):
        train(AETrainConfig(data="digts"), device="cpu", runs_dir=tmp_path)
    with pytest.raises(MarionnetteError, match="digits are 8x8"):
        train(AETrainConfig(size=16), device="cpu", runs_dir=tmp_path)

    run = train(AETrainConfig(kind="plain", epochs=1), device="cpu", runs_dir=tmp_path)
    trained = load(run.path)
    with pytest.raises(MarionnetteError, match=r"3 channels for a grey model.*reads \(N, 1, 8, 8\)"):
        trained.reconstruct(np.zeros((2, 3, 8, 8), np.float32))
    with pytest.raises(MarionnetteError, match=r"16x16 images for a 8x8 model"):
        trained.reconstruct(np.zeros((2, 1, 16, 16), np.float32))
    with pytest.raises(MarionnetteError, match="divide 8-bit images by 255"):
        trained.reconstruct(np.full((1, 8, 8), 255.0))
    with pytest.raises(MarionnetteError, match="no prior to sample from"):
        trained.sample(4)
    with pytest.raises(MarionnetteError, match="decodes \\(N, 16\\)"):
        trained.decode(np.zeros((2, 8)))

    # a model for another image size: the config now says 16x16, the weights are for 8x8
    config = yaml.safe_load(run.config_path.read_text())
    config["model_config"] |= {"height": 16, "width": 16}
    Run(run.path).write_config(config)
    with pytest.raises(CheckpointError, match=r"for 1x8x8 images .* this one reads 1x16x16"):
        load(run.path)
    (run.path / "model.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="model.pt is not a readable autoencoder checkpoint"):
        read_weights(run.path / "model.pt")
    with pytest.raises(MarionnetteError, match="not an autoencoder run"):
        other = Run.create(tmp_path, "action", "lstm", 0)
        other.write_config({"task": "action"})
        load(other.path)


def test_the_train_command_writes_a_run_and_resumes_it(cli, tmp_path):
    runs = tmp_path / "runs"
    result = cli("ae", "train", "--kind", "sparse", "--arch", "conv", "--epochs", "2", "--code", "8",
                 "--sparsity", "0.02", "--device", "cpu", "--runs-dir", runs)  # fmt: skip
    assert result.exit_code == 0, result.output
    (run,) = runs.iterdir()
    assert run.name.startswith("ae__sparse__0__") and "marionnette ae show" in result.output
    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["arch"] == "conv" and config["train"]["sparsity"] == 0.02
    result = cli("ae", "train", "--resume", run, "--device", "cpu")
    assert result.exit_code == 0, result.output
    result = cli("ae", "train", "--kind", "gan", "--runs-dir", runs)
    assert result.exit_code == 2 and "unknown autoencoder kind 'gan'" in result.output
    result = cli("ae", "train", "--data", tmp_path / "nowhere", "--runs-dir", runs)
    assert result.exit_code == 2 and "use digits, photos or a folder" in result.output
    assert len(list(runs.iterdir())) == 1  # the bad commands made no run


def test_the_project_renders_are_data_too(cli, tmp_path):
    """``--data arcade:pong`` renders 1,000 frames once into RUNS_DIR/frames and learns from that folder."""
    result = cli("ae", "train", "--data", "arcade:pong", "--epochs", "1", "--size", "16", "--device", "cpu",
                 "--runs-dir", tmp_path)  # fmt: skip
    assert result.exit_code == 0, result.output
    folder = tmp_path / "frames" / "arcade-pong__64px__1000__seed0"
    assert len(list(folder.glob("frame_*.png"))) == 1000
    run = next(tmp_path.glob("ae__plain__*"))
    assert yaml.safe_load((run / "config.yaml").read_text())["data"] == str(folder.resolve())
