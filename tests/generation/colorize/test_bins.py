"""The ab bins: the gamut's cells, soft encoding, rebalancing and the annealed mean on hand-made values."""

import numpy as np
import pytest
import torch

from marionnette.generation.colorize.bins import (
    GRID,
    annealed_mean,
    gamut_bins,
    nearest_bin,
    rebalance_weights,
    smoothed_prior,
    soft_encode,
)


def test_gamut_bins_cover_srgb_and_nothing_far_outside():
    centres = gamut_bins()
    assert 240 <= len(centres) <= 320  # the paper's 313 on ImageNet's; sRGB's on this lattice: 261
    assert np.all(np.abs(centres / GRID - np.round(centres / GRID)) < 1e-6)  # on the grid
    assert [0.0, 0.0] in centres.tolist()  # grey
    from skimage.color import rgb2lab

    primaries = rgb2lab(np.eye(3)[None])[0, :, 1:]  # pure red, green, blue: the gamut's corners
    distance = np.linalg.norm(primaries[:, None] - centres[None], axis=-1).min(axis=1)
    assert distance.max() <= GRID / np.sqrt(2) + 1e-6  # each falls in a kept cell
    assert np.abs(centres).max() < 130  # no cell outside what sRGB reaches


def test_soft_encoding_is_a_gaussian_over_the_five_nearest():
    centres = torch.from_numpy(gamut_bins())
    ab = torch.tensor([0.0, 0.0]).reshape(1, 2, 1, 1)  # exactly on the grey bin
    target = soft_encode(ab, centres)[0, :, 0, 0]  # (Q,)
    assert torch.isclose(target.sum(), torch.tensor(1.0))
    assert (target > 0).sum() == 5
    grey = int(np.flatnonzero((gamut_bins() == 0).all(axis=1))[0])
    assert target.argmax() == grey
    # four neighbours at distance 10: exp(-100 / 50) relative to the centre's exp(0)
    others = target[target > 0].sort(descending=True).values[1:]
    assert torch.allclose(others / target[grey], torch.full((4,), np.exp(-2.0)), atol=1e-5)
    assert nearest_bin(ab + 3.0, centres).item() == grey


def test_rebalancing_weights_rare_bins_up_and_averages_to_one():
    centres = gamut_bins()
    counts = np.zeros(len(centres))
    grey = int(np.flatnonzero((centres == 0).all(axis=1))[0])
    counts[grey] = 1000.0
    counts[0] = 1.0
    prior = smoothed_prior(counts, centres)
    assert np.isclose(prior.sum(), 1.0) and prior[grey] == prior.max()
    w = rebalance_weights(prior, 0.5)
    assert np.isclose((prior * w).sum(), 1.0)
    assert w[grey] < 0.2 * w.max()  # the common colour's pixels count for little
    assert np.allclose(rebalance_weights(prior, 1.0), 1.0)  # λ = 1: plain cross-entropy


def test_annealed_mean_goes_from_the_mean_to_the_mode():
    centres = torch.tensor([[0.0, 0.0], [50.0, 0.0], [0.0, 50.0]])
    p = torch.tensor([0.5, 0.3, 0.2]).log().reshape(1, 3, 1, 1)
    mean = annealed_mean(p, centres, 1.0)[0, :, 0, 0]
    assert torch.allclose(mean, torch.tensor([15.0, 10.0]), atol=1e-4)
    mode = annealed_mean(p, centres, 0.0)[0, :, 0, 0]
    assert torch.equal(mode, torch.tensor([0.0, 0.0]))
    sharper = annealed_mean(p, centres, 0.38)[0, :, 0, 0]
    assert 0 < sharper[0] < mean[0] and 0 < sharper[1] < mean[1]  # between the two


@pytest.mark.parametrize("shape", [(2, 2, 3, 5), (1, 2, 1, 1)])
def test_soft_encoding_keeps_the_layout(shape):
    centres = torch.from_numpy(gamut_bins())
    ab = torch.rand(shape) * 120 - 60
    target = soft_encode(ab, centres)
    assert target.shape == (shape[0], len(centres), *shape[2:])
    assert torch.allclose(target.sum(dim=1), torch.ones(shape[0], *shape[2:]))
    # the heaviest bin is the nearest one, pixel by pixel
    assert torch.equal(target.argmax(dim=1), nearest_bin(ab, centres))
