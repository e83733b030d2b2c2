"""The character's feet: the sites the retargeter pulls, and the clearance to the floor."""

import mujoco
import numpy as np
import pytest

from marionnette.body import Character
from marionnette.motion import CanonicalJoint
from marionnette.motion.mapping import FOOT_POINTS, FootPoint


@pytest.fixture(scope="module")
def character():
    return Character()


def test_the_foot_sites_sit_on_each_foot_heel_behind_toes_ahead(character):
    feet = character.foot_kinematics(character.standing_qpos)[0]  # (6, 3) motion frame: +z forward, +x left
    standing = character.forward_kinematics(character.standing_qpos).positions[0]
    assert feet.shape == (len(FOOT_POINTS), 3)
    for side, ankle in (("LEFT", CanonicalJoint.LEFT_ANKLE), ("RIGHT", CanonicalJoint.RIGHT_ANKLE)):
        heel, base, tip = (feet[FootPoint[f"{side}_{p}"]] for p in ("HEEL", "TOE_BASE", "TOE_TIP"))
        np.testing.assert_allclose([heel[0], base[0], tip[0]], standing[ankle, 0], atol=1e-6)  # in the foot's plane
        assert heel[2] < standing[ankle, 2] < base[2] < tip[2]
        assert 0.01 < min(heel[1], tip[1]) < base[1] < standing[ankle, 1]  # the ball above the sole
    # Turning the left ankle (toes down) moves its sites and no other.
    qpos = character.standing_qpos.copy()
    qpos[character.qpos_address("left_ankle_flex")] = np.radians(30)
    turned = character.foot_kinematics(qpos)[0]
    assert turned[FootPoint.LEFT_TOE_TIP, 1] < feet[FootPoint.LEFT_TOE_TIP, 1] - 0.05
    np.testing.assert_allclose(turned[FootPoint.RIGHT_HEEL :], feet[FootPoint.RIGHT_HEEL :], atol=1e-7)


def test_floor_clearance_is_the_lowest_geometry_above_the_floor(character):
    data = mujoco.MjData(character.model)
    mujoco.mj_kinematics(character.model, data)
    assert character.floor_clearance(data) == pytest.approx(0.01, abs=1e-9)  # standing: soles 1 cm up
    data.qpos[character.root_position_qpos.start + 2] -= 0.05
    mujoco.mj_kinematics(character.model, data)
    assert character.floor_clearance(data) == pytest.approx(-0.04, abs=1e-9)
    data.qpos[:] = character.standing_qpos
    data.qpos[character.qpos_address("right_ankle_flex")] = np.radians(40)  # toes down into the floor
    mujoco.mj_kinematics(character.model, data)
    assert character.floor_clearance(data) < -0.03
