"""Test-wide setup: MuJoCo renders headless (it reads MUJOCO_GL when first imported, which
may be before any marionnette import in a test module)."""

import numpy as np
import pytest

import marionnette  # noqa: F401  (sets MUJOCO_GL=egl on a Linux machine with no display)


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
