"""Shared by the segmentation tests: one torch thread (small batches on two shared cores), the toy scenes."""

import pytest

from .synthetic import synthetic_scenes


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    """Every test here on one thread (tests/conftest.py says why)."""


@pytest.fixture(scope="session")
def scenes():
    """64 toy scenes of 64 x 64, the last 16 held out."""
    return synthetic_scenes(64, (64, 64), held_out=16, seed=0)


@pytest.fixture(scope="session")
def baselines(scenes):
    """The classic baselines' IoU on the held-out toy scenes: ``{"hsv": IoU, "kmeans": IoU}``, measured once."""
    from marionnette.perception.segment.baseline import HSVBaseline, KMeansBaseline
    from marionnette.perception.segment.evaluate import evaluate

    return {"hsv": evaluate(HSVBaseline(), scenes),
            "kmeans": evaluate(KMeansBaseline(pixels=10_000, seed=0).fit(scenes), scenes)}  # fmt: skip
