"""VGG19 features: the cached-weights rule (never a download), seeded random weights, shapes."""

import random
from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.nets import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    VGG19_FILE,
    VGG19_LAYERS,
    imagenet_normalize,
    vgg19_cache_path,
    vgg19_features,
)


@pytest.fixture
def hub(tmp_path):
    """An empty torch hub folder in place of the machine's (restored afterwards)."""
    before = torch.hub.get_dir()
    torch.hub.set_dir(str(tmp_path / "hub"))
    yield tmp_path / "hub"
    torch.hub.set_dir(before)


@pytest.fixture(scope="module")
def torchvision_vgg19():
    """torchvision's own VGG19 with its random initialisation (seeded), in eval mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        return torchvision.models.vgg19(weights=None).eval()


def test_the_names_are_torchvision_file_and_layers():
    assert VGG19_FILE == Path(torchvision.models.VGG19_Weights.IMAGENET1K_V1.url).name
    features = torchvision.models.vgg19(weights=None).features
    assert len(VGG19_LAYERS) == len(features) == 37
    kinds = {"conv": nn.Conv2d, "relu": nn.ReLU, "pool": nn.MaxPool2d}
    for name, module in zip(VGG19_LAYERS, features, strict=True):
        assert isinstance(module, kinds[name[:4]]), name
    assert VGG19_LAYERS.index("conv5_1") == 28 and VGG19_LAYERS[29] == "relu5_1"


def test_the_imagenet_constants_are_torchvision_presets():
    preset = torchvision.models.VGG19_Weights.IMAGENET1K_V1.transforms()
    assert list(IMAGENET_MEAN) == list(preset.mean) and list(IMAGENET_STD) == list(preset.std)
    grey = torch.full((1, 3, 2, 2), 0.5)
    expected = (0.5 - torch.tensor(IMAGENET_MEAN)) / torch.tensor(IMAGENET_STD)
    assert torch.allclose(imagenet_normalize(grey)[0, :, 0, 0], expected)


def test_a_missing_file_is_one_line_naming_the_file_the_folder_and_the_alternative(hub):
    assert vgg19_cache_path() == hub / "checkpoints" / VGG19_FILE
    with pytest.raises(MarionnetteError) as e:
        vgg19_features()
    message = str(e.value)
    assert "\n" not in message
    assert VGG19_FILE in message and str(hub / "checkpoints") in message and "--features random" in message
    assert not (hub / "checkpoints").exists()  # nothing was downloaded, nothing was made


def test_torch_home_moves_the_cache_too(tmp_path, monkeypatch):
    """Without set_dir, torch.hub reads $TORCH_HOME: the message follows it."""
    monkeypatch.setattr(torch.hub, "_hub_dir", None)  # as on a fresh process
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(MarionnetteError, match=str(tmp_path / "hub" / "checkpoints")):
        vgg19_features()


# random.Random(2)'s bytes stop torch's weights-only unpickler with IndexError (what os.urandom once did here)
GARBAGE = [random.Random(0).randbytes(4096), random.Random(2).randbytes(4096)]


@pytest.mark.parametrize("content", [*GARBAGE, b"", b"PK\x03\x04 cut short"],
                         ids=["garbage", "garbage-index-error", "empty", "cut"])  # fmt: skip
def test_a_corrupt_file_is_one_clear_line_with_its_cause(hub, content):
    (hub / "checkpoints").mkdir(parents=True)
    vgg19_cache_path().write_bytes(content)
    with pytest.raises(CheckpointError) as e:
        vgg19_features()
    assert "\n" not in str(e.value)
    assert str(vgg19_cache_path()) in str(e.value) and "--features random" in str(e.value)
    assert e.value.__cause__ is not None


def test_a_file_of_another_network_says_what_it_lacks(hub):
    (hub / "checkpoints").mkdir(parents=True)
    torch.save({"features.0.weight": torch.zeros(8, 3, 3, 3)}, vgg19_cache_path())
    with pytest.raises(CheckpointError, match=r"features\.0\.weight of shape \(8, 3, 3, 3\), expected \(64, 3, 3, 3\)"):
        vgg19_features()


def test_the_cached_weights_give_torchvision_outputs(hub, torchvision_vgg19):
    """A state dict in torchvision's layout (its `features.<i>` keys; the classifier left out
    to keep the file small) loads into the named layers and computes what torchvision does."""
    (hub / "checkpoints").mkdir(parents=True)
    state = {k: v for k, v in torchvision_vgg19.state_dict().items() if k.startswith("features.")}
    torch.save(state, vgg19_cache_path())
    ours = vgg19_features("conv5_1", "imagenet")
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.equal(ours(x), torchvision_vgg19.features[:29](x))
    assert torch.equal(ours.conv5_1.weight, torchvision_vgg19.features[28].weight)
    assert not any(p.requires_grad for p in ours.parameters()) and not ours.training


def test_random_weights_are_the_seed_s_and_leave_the_global_stream_alone():
    state = torch.random.get_rng_state()
    a, b, c = (vgg19_features("conv5_1", "random", seed=seed) for seed in (3, 3, 4))
    assert torch.equal(torch.random.get_rng_state(), state)
    for name in ("conv1_1", "conv3_2", "conv5_1"):
        assert torch.equal(getattr(a, name).weight, getattr(b, name).weight)
        assert not torch.equal(getattr(a, name).weight, getattr(c, name).weight)
    # torchvision's init: Kaiming normal with fan-out, zero biases
    w = a.conv4_1.weight
    assert torch.all(a.conv4_1.bias == 0)
    assert w.std().item() == pytest.approx((2 / (512 * 9)) ** 0.5, rel=0.02)


def test_the_output_at_conv5_1_for_a_224_image_is_512_by_14_by_14():
    features = vgg19_features("conv5_1", "random")
    assert list(features._modules)[-1] == "conv5_1" and len(features) == 29
    with torch.no_grad():
        x = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))
        out = features(x)
        assert out.shape == (1, 512, 14, 14)
        assert out.min() < 0  # the conv itself, before its ReLU
        assert vgg19_features("relu5_1", "random")(x).min() >= 0
    trainable = vgg19_features("pool5", "random", frozen=False)
    assert isinstance(trainable[-1], nn.MaxPool2d) and trainable.training
    assert all(p.requires_grad for p in trainable.parameters())


def test_unknown_layer_and_weights_are_one_line_with_a_fix():
    with pytest.raises(MarionnetteError, match="VGG19 has no layer 'conv5-1': did you mean 'conv5_1'"):
        vgg19_features("conv5-1")
    with pytest.raises(MarionnetteError, match="use 'imagenet'"):
        vgg19_features(weights="pretrained")
