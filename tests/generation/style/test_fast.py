"""The fast style network: its sizes, the run directory, exact resume, and what short training buys."""

import pytest
import torch
import yaml

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.generation.images import load_image, read_image, to_tensor
from marionnette.generation.style.content import HELD_OUT_PHOTOS, ContentCrops
from marionnette.generation.style.fast import FastTrainConfig, load, read_weights, stylize, train
from marionnette.generation.style.gatys import GatysConfig
from marionnette.generation.style.gatys import stylize as gatys
from marionnette.generation.style.losses import PerceptualConfig
from marionnette.generation.style.transformer import TransformerConfig, TransformerNet
from marionnette.runs import read_progress

STYLE = "skimage:immunohistochemistry"
TINY = TransformerConfig(channels=8, residual_blocks=1)
RANDOM = PerceptualConfig(features="random")


def tiny(**kwargs) -> FastTrainConfig:
    """Two epochs of three batches of two 32-pixel crops through an 8-channel network (~2 s)."""
    settings = dict(style=STYLE, size=32, epochs=2, steps_per_epoch=3, batch_size=2, net=TINY, loss=RANDOM)
    return FastTrainConfig(**{**settings, **kwargs})


def held_out_losses(net: TransformerNet, perceptual, size: int, style: torch.Tensor) -> list[tuple[float, float]]:
    """``(network's style loss, the photograph's own)`` on each held-out photograph at ``size``."""
    out = []
    for photo in HELD_OUT_PHOTOS:
        content = to_tensor(load_image(photo, size, multiple=4))
        targets = perceptual.targets(content, style)
        with torch.no_grad():
            out.append((float(perceptual.losses(stylize(net, content), targets).style),
                        float(perceptual.losses(content, targets).style)))  # fmt: skip
    return out


def test_the_network_keeps_sizes_that_are_multiples_of_4():
    torch.manual_seed(0)
    net = TransformerNet(TINY).eval()
    for shape in ((1, 3, 8, 8), (2, 3, 32, 44)):
        assert net(torch.rand(shape)).shape == shape
    with pytest.raises(MarionnetteError, match="an image of 44x30 pixels: .* multiples of 4 and at least 8.* 44x28"):
        net(torch.rand(1, 3, 30, 44))
    with pytest.raises(MarionnetteError, match="an image of 4x4 pixels"):
        net(torch.rand(1, 3, 4, 4))
    with pytest.raises(MarionnetteError, match="takes \\(N, 3, H, W\\) RGB batches"):
        net(torch.rand(1, 1, 8, 8))
    johnson = TransformerNet()  # the paper's size: 32 channels, 5 residual blocks
    assert sum(p.numel() for p in johnson.parameters()) == 1_679_235


def test_content_crops_are_drawn_from_the_seed_and_the_batch_number():
    crops = ContentCrops(("skimage:astronaut", "skimage:camera"), 32, seed=3)
    a, b = crops.batch(5, 4), crops.batch(5, 4)
    assert a.shape == (4, 3, 32, 32) and torch.equal(a, b)
    assert not torch.equal(a, crops.batch(6, 4))
    with pytest.raises(MarionnetteError, match="smaller than the 600-pixel crops"):
        ContentCrops(("skimage:chelsea",), 600)


def test_the_run_directory_is_every_trainers(tmp_path):
    run = train(tiny(), device="cpu", runs_dir=tmp_path)
    assert run.path.name.startswith("style__fast__0__")
    config = yaml.safe_load(run.config_path.read_text())
    assert config["task"] == "style" and config["model"] == "fast"
    assert config["train"]["style"] == STYLE and config["train"]["net"] == {"channels": 8, "residual_blocks": 1}
    assert config["train"]["loss"]["features"] == "random" and config["train"]["loss"]["style_weight"] == 1e8
    assert read_image(run.path / "style.png").shape == (32, 32, 3)  # the style as trained on
    assert [c.step for c in run.checkpoints()] == [3, 6]
    rows = read_progress(run.progress_path)
    assert [int(r["epoch"]) for r in rows] == [1, 2] and {"loss", "content", "style", "seconds"} <= set(rows[0])
    assert any(run.tensorboard_dir.iterdir())
    payload = torch.load(run.model_path("pt"), weights_only=True)  # plain tensors: no unpickling
    assert payload["step"] == 6
    net = load(run.path)
    assert isinstance(net, TransformerNet) and not net.training
    assert stylize(net, torch.rand(1, 3, 16, 24)).shape == (1, 3, 16, 24)


def test_a_resumed_run_ends_where_an_uninterrupted_one_does(tmp_path):
    whole = train(tiny(), device="cpu", runs_dir=tmp_path / "a")
    cut = train(tiny(), device="cpu", runs_dir=tmp_path / "b")
    cut.model_path("pt").unlink()  # as if killed after the checkpoint of epoch 1
    cut.checkpoint_path(6, "pt").write_bytes(cut.checkpoint_path(6, "pt").read_bytes()[:200])  # cut short
    resumed = train(resume=cut.path, device="cpu")
    a, b = (read_weights(r.model_path("pt"))["model"] for r in (whole, resumed))
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    assert len(read_progress(resumed.progress_path)) == 2


def test_bad_input_is_one_line(tmp_path):
    with pytest.raises(MarionnetteError, match="size 30: the training crops need a multiple of 4"):
        tiny(size=30)
    with pytest.raises(MarionnetteError, match="epochs is 0"):
        tiny(epochs=0)
    with pytest.raises(MarionnetteError, match="give the style image"):
        train(device="cpu", runs_dir=tmp_path)
    with pytest.raises(MarionnetteError, match="image 'nowhere.png' does not exist"):
        train(tiny(style="nowhere.png"), device="cpu", runs_dir=tmp_path / "none")
    assert not (tmp_path / "none").exists()  # no run made for bad input
    before = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))  # no ImageNet file there
    try:
        with pytest.raises(MarionnetteError, match="vgg19-dcbb9e9d.pth.*--features random"):
            train(tiny(loss=PerceptualConfig()), device="cpu", runs_dir=tmp_path / "none")
    finally:
        torch.hub.set_dir(before)
    assert not (tmp_path / "none").exists()
    run = train(tiny(epochs=1), device="cpu", runs_dir=tmp_path)
    config = yaml.safe_load(run.config_path.read_text())
    config["train"]["net"]["channels"] = 16  # a config that does not describe the weights
    run.config_path.write_text(yaml.safe_dump(config))
    with pytest.raises(CheckpointError, match="holds another network than its config.yaml describes"):
        load(run.path)
    run.model_path("pt").write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="not a readable style checkpoint"):
        read_weights(run.model_path("pt"))
    config["task"] = "action"
    run.config_path.write_text(yaml.safe_dump(config))
    with pytest.raises(MarionnetteError, match="is not a fast style run"):
        load(run.path)


def test_a_few_dozen_batches_already_move_held_out_photographs_toward_the_style(tmp_path, random_vgg):
    """40 batches of two 32-pixel crops, 16 channels, 2 residual blocks (~4 s on one
    thread). Measured on the held-out chelsea and hubble_deep_field at 32 px: the
    network's style loss 1.2e-7 and 1.8e-7, 4.3x and 27x below the photographs' own (5.0e-7,
    4.9e-6) and ~30x below the untrained network's (4.4e-6, 5.4e-6)."""
    run = train(tiny(epochs=1, steps_per_epoch=40, net=TransformerConfig(channels=16, residual_blocks=2)),
                device="cpu", runs_dir=tmp_path)  # fmt: skip
    style = to_tensor(read_image(run.path / "style.png"))
    for painted, photograph in held_out_losses(load(run.path), random_vgg, 32, style):
        assert painted * 1.5 < photograph


@pytest.mark.slow
def test_after_300_batches_the_network_comes_within_reach_of_gatys(tmp_path, random_vgg):
    """Johnson et al.'s network (32 channels, 5 blocks), 300 batches of two 64-pixel crops
    with Gatys' loss on random VGG features (~110 s on one thread), against Gatys' L-BFGS
    on the held-out chelsea and hubble_deep_field. Measured style losses: network 1.5e-7
    and 1.3e-7, each photograph as it is 6.0e-7 and 5.6e-6; Gatys passes the network after
    6 and 19 steps (Johnson et al.'s Figure 5 measure) and ends 2,000x and 4,900x lower
    after 100. The 16-channel network measured 2.6e-7 and 8.6e-8 (Gatys passes it after 5
    and 19 steps). Johnson et al. train 40,000 batches; this is what 300 reach on a CPU."""
    run = train(FastTrainConfig(style=STYLE, size=64, epochs=1, steps_per_epoch=300, batch_size=2, loss=RANDOM),
                device="cpu", runs_dir=tmp_path)  # fmt: skip
    style = to_tensor(read_image(run.path / "style.png"))
    net = load(run.path)
    for photo, (painted, photograph) in zip(HELD_OUT_PHOTOS, held_out_losses(net, random_vgg, 64, style),
                                            strict=True):  # fmt: skip
        content = to_tensor(load_image(photo, 64, multiple=4))
        curve = gatys(content, style, GatysConfig(steps=100, loss=RANDOM), perceptual=random_vgg).style
        assert painted < float(curve[2]), photo  # better than 3 steps of the optimisation
        assert painted < 2e4 * float(curve[-1]), photo
        assert painted * 2 < photograph, photo
