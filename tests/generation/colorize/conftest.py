"""Shared by the colorization tests: one torch thread (small batches on two shared cores)."""

import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    """Every test here on one thread (tests/conftest.py says why)."""
