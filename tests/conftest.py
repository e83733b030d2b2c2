"""Test-wide setup: MuJoCo renders headless (it reads MUJOCO_GL when first imported, which
may be before any marionnette import in a test module)."""

import numpy as np
import pytest

import marionnette  # noqa: F401  (sets MUJOCO_GL=egl on a Linux machine with no display)


@pytest.fixture
def one_thread():
    """One torch thread for the test (``pytestmark = pytest.mark.usefixtures("one_thread")``):
    seeded runs repeat exactly, and on 2 cores shared with other work one thread is the
    fastest for small tensors (two threads, waiting on each other at every layer, ran VGG at
    64 px in 800 ms against 54 ms, and an LSTM in two processes 200× slower)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def two_cutouts():
    """The character rendered by its front camera (640x480), standing (A) and waving with the
    right arm up (B, frame 40 of ``wave``), each as ``(image, mask)``: the mask keeps the
    character's own pixels (floor and sky left out), so a test can paste people into a scene."""
    import mujoco

    from marionnette.body import BodyCamera, Character, clip_qpos

    character = Character()
    data = mujoco.MjData(character.model)
    people = []
    with BodyCamera(character.model, "front", 640, 480) as camera:
        for qpos in (character.standing_qpos, clip_qpos("wave", fps=30, character=character)[40]):
            data.qpos[:] = qpos
            mujoco.mj_forward(character.model, data)
            geom = camera.segmentation(data)  # (480, 640) geom id, -1 for none
            mask = (geom >= 0) & (character.model.geom_bodyid[np.maximum(geom, 0)] > 0)
            people.append((camera.render(data), mask))
    return tuple(people)
