"""The EDN networks' shapes and the pix2pixHD objective on hand-made tensors."""

import pytest
import torch

from marionnette.errors import MarionnetteError
from marionnette.generation.transfer.losses import VGGLoss, feature_matching, lsgan
from marionnette.generation.transfer.models import (
    Generator,
    GeneratorConfig,
    MultiscaleDiscriminator,
    PatchDiscriminator,
)

SMALL = GeneratorConfig(channels=4, downs=2, blocks=1)

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.parametrize("in_channels", [3, 9])  # one figure; or EDN's temporal input: two figures, last frame
def test_the_generator_keeps_the_size_and_ends_in_tanh(in_channels):
    g = Generator(in_channels, SMALL)
    y = g(torch.rand(2, in_channels, 32, 48) * 10)
    assert y.shape == (2, 3, 32, 48) and y.abs().max() <= 1
    with pytest.raises(MarionnetteError, match=r"takes 9 channels and sides that are multiples of 4"):
        Generator(9, SMALL)(torch.rand(1, 9, 30, 32))
    with pytest.raises(MarionnetteError, match="takes 3 channels"):
        Generator(3, SMALL)(torch.rand(1, 9, 32, 32))


def test_the_local_enhancer_works_at_full_size_around_a_global_generator_at_half():
    """pix2pixHD's LocalEnhancer: the global generator (twice as wide) sees the input pooled once,
    the enhancer the input at full size, and both shape the output."""
    torch.manual_seed(0)
    local = GeneratorConfig(channels=4, downs=2, blocks=1, local=1)
    g = Generator(3, local)
    assert local.multiple == 8 and g.body[1].out_channels == 8 and len(g.enhancers) == 1
    y = g(torch.rand(1, 3, 32, 32))
    assert y.shape == (1, 3, 32, 32) and y.abs().max() <= 1
    y.square().sum().backward()
    assert g.body[1].weight.grad.abs().sum() > 0 and g.enhancers[0].front[1].weight.grad.abs().sum() > 0
    assert g.head[1].in_channels == 4  # the finest enhancer's width ends in the output layer
    with pytest.raises(MarionnetteError, match="multiples of 8"):
        g(torch.rand(1, 3, 36, 36))
    plain = Generator(3, SMALL)  # the global generator alone keeps one Sequential, output layers included
    assert isinstance(plain.body[-1], torch.nn.Tanh) and not len(plain.enhancers)


def test_discriminators_give_every_layer_and_shrink_by_scale():
    patch = PatchDiscriminator(6, channels=4, layers=3)
    outputs = patch(torch.rand(1, 6, 64, 64))
    assert [o.shape[1] for o in outputs] == [4, 8, 16, 32, 1]
    assert outputs[-1].shape[2] < 64 // 4  # patch scores, not one number
    multi = MultiscaleDiscriminator(6, channels=4, layers=3, scales=3)(torch.rand(1, 6, 64, 64))
    sides = [scale[-1].shape[-1] for scale in multi]
    assert len(multi) == 3 and sides[0] > sides[1] > sides[2]


def test_lsgan_and_feature_matching_on_hand_made_scores():
    ones = [[torch.zeros(1, 2, 3, 3), torch.ones(1, 1, 2, 2)], [torch.zeros(1, 2, 2, 2), torch.ones(1, 1, 1, 1)]]
    assert lsgan(ones, real=True) == 0 and lsgan(ones, real=False) == 1
    halves = [[f, s * 0.5] for f, s in ones]
    assert lsgan(halves, real=True) == pytest.approx(0.25)
    shifted = [[f + 2.0, s] for f, s in ones]
    # one feature layer per scale: weight 4 / (1 + 1) / 2 scales = 1 per scale, L1 of 2 each
    assert feature_matching(shifted, ones) == pytest.approx(4.0)
    assert feature_matching(ones, ones) == 0


def test_the_vgg_loss_is_zero_for_the_same_frame_and_grows_with_the_difference():
    loss = VGGLoss(features="random", seed=0)
    frame = torch.rand(1, 3, 32, 32) * 2 - 1
    assert loss(frame, frame) == 0
    near, far = loss(frame * 0.9, frame), loss(-frame, frame)
    assert 0 < near < far
    fake = frame.clone().requires_grad_(True)
    loss(fake, torch.zeros_like(frame)).backward()
    assert fake.grad.abs().sum() > 0  # the generator gets a gradient through it
