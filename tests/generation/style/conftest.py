"""Shared by the style tests: one torch thread, and the loss networks made once."""

import pytest
import torch

from marionnette.generation.style.losses import Perceptual, PerceptualConfig


@pytest.fixture(autouse=True)
def one_thread():
    """Small images on one thread: on two cores shared with other work, VGG's forward and
    backward at 64 px measured 54 ms on one thread and 800 ms on two (the threads wait on
    each other at every layer)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def random_vgg():
    """The perceptual loss on the seeded random VGG (seed 0), as the tests' style transfer uses it."""
    return Perceptual(PerceptualConfig(features="random", seed=0))


@pytest.fixture(scope="session")
def judge_vgg():
    """A random VGG of another seed (1): scores textures without the network that made them."""
    return Perceptual(PerceptualConfig(features="random", seed=1))
