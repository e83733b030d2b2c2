"""The U-Net keeps the size, uses its skip connections, pads in predict, and refuses bad input in one line."""

import numpy as np
import pytest
import torch

from marionnette.errors import MarionnetteError
from marionnette.perception.segment.unet import UNet, UNetConfig, parameters


@pytest.mark.parametrize("upsample", ["bilinear", "transposed"])
def test_the_output_has_the_inputs_size(upsample):
    net = UNet(UNetConfig(channels=4, depth=3, upsample=upsample))
    assert net(torch.rand(2, 3, 16, 24)).shape == (2, 3, 16, 24)
    assert parameters(UNet(UNetConfig())) == 450_515  # channels 16, depth 3, bilinear


def test_the_first_level_learns_through_its_skip_connection():
    net = UNet(UNetConfig(channels=4, depth=2))
    # Cut the contracting path below the first level: whatever gradient reaches it comes through the skip
    net.encoder[1].register_forward_hook(lambda module, inputs, output: output.detach())
    net(torch.rand(1, 3, 16, 16)).sum().backward()
    first = net.encoder[0][0].weight.grad
    assert first is not None and first.abs().sum() > 0
    assert net.encoder[1][0].weight.grad is None  # the hook did cut the path
    assert net.decoder[0][0].in_channels == 2 * 4  # skip (c) and upsampled (c), concatenated


def test_predict_pads_to_a_multiple_and_crops_back():
    net = UNet(UNetConfig(channels=4, depth=3)).train()
    image = np.random.default_rng(0).integers(0, 256, (21, 30, 3), dtype=np.uint8)
    labels = net.predict(image)
    assert labels.shape == (21, 30) and labels.dtype == np.uint8 and labels.max() < 3
    assert net.training  # the mode is restored
    batch = net.predict(np.stack([image, image]))
    assert batch.shape == (2, 21, 30) and np.array_equal(batch[1], net.predict(image))


def test_bad_input_is_one_line():
    net = UNet(UNetConfig(channels=4, depth=3))
    with pytest.raises(MarionnetteError, match=r"H and W multiples of 8 \(or call predict"):
        net(torch.rand(1, 3, 20, 16))
    with pytest.raises(MarionnetteError, match=r"input of shape \(1, 1, 16, 16\)"):
        net(torch.rand(1, 1, 16, 16))
    with pytest.raises(MarionnetteError, match=r"image of float32 \(8, 8, 3\): give \(H, W, 3\) uint8"):
        net.predict(np.zeros((8, 8, 3), np.float32))
    with pytest.raises(MarionnetteError, match="image of uint8 \\(8, 8, 4\\)"):
        net.predict(np.zeros((8, 8, 4), np.uint8))
    with pytest.raises(MarionnetteError, match="upsample 'nearest'"):
        UNetConfig(upsample="nearest")
    with pytest.raises(MarionnetteError, match="depth is 0"):
        UNetConfig(depth=0)
