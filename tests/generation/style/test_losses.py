"""Gram matrices and the content, style and total-variation losses on tensors made by hand."""

import pytest
import torch

from marionnette.errors import MarionnetteError
from marionnette.generation.style.losses import (
    CONTENT_LAYERS,
    STYLE_LAYERS,
    PerceptualConfig,
    Targets,
    content_loss,
    gram_matrix,
    style_loss,
    total_variation,
)


def test_the_gram_matrix_is_f_ft_over_chw():
    # Two channels on a 2x2 map: F = [[1, 0, 0, 1], [1, 1, 0, 0]], so F F^T = [[2, 1], [1, 2]],
    # divided by C H W = 8.
    features = torch.tensor([[[[1.0, 0.0], [0.0, 1.0]], [[1.0, 1.0], [0.0, 0.0]]]])  # (1, 2, 2, 2)
    gram = gram_matrix(features)
    assert gram.shape == (1, 2, 2)
    torch.testing.assert_close(gram, torch.tensor([[[0.25, 0.125], [0.125, 0.25]]]))
    # a batch is one matrix per image; the scale is the map's, not its size's: a map tiled 2x2 has the same Gram
    batch = torch.cat([features, 2 * features])
    torch.testing.assert_close(gram_matrix(batch)[1], 4 * gram[0])
    torch.testing.assert_close(gram_matrix(features.repeat(1, 1, 2, 2)), gram)


def test_content_and_style_losses_are_mean_squared_differences():
    a = torch.zeros(1, 2, 3, 3)
    b = torch.full((1, 2, 3, 3), 2.0)
    assert content_loss(a, b).item() == pytest.approx(4.0)  # every difference is 2
    grams = {"relu1_1": torch.tensor([[[1.0, 0.0], [0.0, 1.0]]]), "relu2_1": torch.zeros(1, 3, 3)}
    targets = {"relu1_1": torch.tensor([[[0.0, 0.0], [0.0, 1.0]]]), "relu2_1": torch.ones(1, 3, 3)}
    # relu1_1: one entry of four off by 1 -> 0.25; relu2_1: all nine off by 1 -> 1; summed over the layers
    assert style_loss(grams, targets).item() == pytest.approx(1.25)
    # a batch of two against one style image: the target broadcasts
    twice = {k: torch.cat([v, v]) for k, v in grams.items()}
    assert style_loss(twice, targets).item() == pytest.approx(1.25)
    with pytest.raises(MarionnetteError, match="no Gram matrix for the layers relu2_1"):
        style_loss({"relu1_1": grams["relu1_1"]}, targets)


def test_total_variation_counts_neighbour_differences():
    flat = torch.ones(1, 3, 4, 4)
    assert total_variation(flat).item() == 0
    stripes = torch.zeros(1, 3, 4, 4)
    stripes[..., ::2] = 1.0  # columns alternate 1, 0, 1, 0: every horizontal step is off by 1
    assert total_variation(stripes).item() == pytest.approx(1.0)


def test_the_perceptual_loss_reads_gatys_layers(random_vgg):
    assert random_vgg.config.content_layers == CONTENT_LAYERS == ("relu4_2",)
    assert random_vgg.config.style_layers == STYLE_LAYERS
    assert random_vgg.config.style_weight == 1e8  # the random features' default
    images = torch.rand(2, 3, 32, 48, generator=torch.Generator().manual_seed(0))
    features = random_vgg(images)
    assert {k: tuple(v.shape) for k, v in features.items()} == {
        "relu1_1": (2, 64, 32, 48),
        "relu2_1": (2, 128, 16, 24),
        "relu3_1": (2, 256, 8, 12),
        "relu4_1": (2, 512, 4, 6),
        "relu4_2": (2, 512, 4, 6),
        "relu5_1": (2, 512, 2, 3),
    }
    targets = random_vgg.targets(images, images[:1])
    losses = random_vgg.losses(images, targets)
    assert losses.content.item() == 0  # the content is itself
    assert losses.style.item() > 0  # the second image has other statistics than the first
    assert losses.total.item() == pytest.approx(1e8 * losses.style.item(), rel=1e-5)
    texture = random_vgg.losses(images[:1], Targets(None, targets.grams))
    assert texture.content.item() == 0 and texture.style.item() == pytest.approx(0.0, abs=1e-12)


def test_bad_settings_are_one_line():
    with pytest.raises(MarionnetteError, match="features 'vgg16': use imagenet"):
        PerceptualConfig(features="vgg16")
    with pytest.raises(MarionnetteError, match="no layer 'relu6_1'"):
        PerceptualConfig(style_layers=("relu1_1", "relu6_1"))
    with pytest.raises(MarionnetteError, match="style_weight is -1"):
        PerceptualConfig(style_weight=-1)
    assert PerceptualConfig().style_weight == 1e6  # ImageNet's default (the PyTorch tutorial's)
