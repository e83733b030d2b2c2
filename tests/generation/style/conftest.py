"""Shared by the style tests: one torch thread, and the loss networks made once."""

import pytest

from marionnette.generation.style.losses import Perceptual, PerceptualConfig


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    """Every test here on one thread (tests/conftest.py says why)."""


@pytest.fixture(scope="session")
def random_vgg():
    """The perceptual loss on the seeded random VGG (seed 0), as the tests' style transfer uses it."""
    return Perceptual(PerceptualConfig(features="random", seed=0))


@pytest.fixture(scope="session")
def judge_vgg():
    """A random VGG of another seed (1): scores textures without the network that made them."""
    return Perceptual(PerceptualConfig(features="random", seed=1))
