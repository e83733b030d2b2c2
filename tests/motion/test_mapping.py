import numpy as np
import pytest

from marionnette.errors import MarionnetteError
from marionnette.motion import (
    CANONICAL,
    MEDIAPIPE_33,
    NTU_25,
    JointMap,
    PoseSequence,
    Skeleton,
    find_mapping,
    register_mapping,
)
from marionnette.motion.mapping import FOOT_POINTS, FootMap, FootPoint, find_foot_map, register_foot_map


def random_sequence(skeleton, T=5, seed=0):
    rng = np.random.default_rng(seed)
    positions = rng.normal(size=(T, len(skeleton), 3)).astype(np.float32)
    confidence = rng.uniform(0.1, 1.0, size=(T, len(skeleton))).astype(np.float32)
    return PoseSequence(positions, 30.0, skeleton, confidence)


def at(seq, name):
    j = seq.skeleton.index(name)
    return seq.positions[:, j].astype(np.float64), seq.confidence[:, j]


def test_mediapipe_to_canonical_averages_as_documented_with_min_confidence():
    src = random_sequence(MEDIAPIPE_33)
    out = src.to(CANONICAL)
    assert out.skeleton == CANONICAL and out.positions.shape == (5, 16, 3) and out.fps == 30.0
    (lh, clh), (rh, crh) = at(src, "left_hip"), at(src, "right_hip")
    (ls, cls), (rs, crs) = at(src, "left_shoulder"), at(src, "right_shoulder")
    (le, cle), (re, cre) = at(src, "left_ear"), at(src, "right_ear")
    expected = {
        "pelvis": ((lh + rh) / 2, np.minimum(clh, crh)),
        "neck": ((ls + rs) / 2, np.minimum(cls, crs)),
        "spine": ((lh + rh + ls + rs) / 4, np.minimum.reduce([clh, crh, cls, crs])),
        "head": ((le + re) / 2, np.minimum(cle, cre)),
        "left_knee": at(src, "left_knee"),
        "right_wrist": at(src, "right_wrist"),
    }
    for name, (position, confidence) in expected.items():
        got_position, got_confidence = at(out, name)
        np.testing.assert_allclose(got_position, position, atol=1e-6, err_msg=name)
        np.testing.assert_array_equal(got_confidence, confidence, err_msg=name)


def test_ntu_to_canonical_uses_hip_and_shoulder_midpoints_and_kinect_head():
    src = random_sequence(NTU_25, seed=1)
    out = src.to(CANONICAL)
    (lh, clh), (rh, crh) = at(src, "hip_left"), at(src, "hip_right")
    (ls, cls), (rs, crs) = at(src, "shoulder_left"), at(src, "shoulder_right")
    np.testing.assert_allclose(at(out, "pelvis")[0], (lh + rh) / 2, atol=1e-6)
    np.testing.assert_allclose(at(out, "neck")[0], (ls + rs) / 2, atol=1e-6)
    np.testing.assert_allclose(at(out, "spine")[0], (lh + rh + ls + rs) / 4, atol=1e-6)
    np.testing.assert_array_equal(at(out, "spine")[1], np.minimum.reduce([clh, crh, cls, crs]))
    for canonical, ntu in [("head", "head"), ("left_elbow", "elbow_left"), ("right_ankle", "ankle_right")]:
        np.testing.assert_array_equal(at(out, canonical)[0], at(src, ntu)[0])
        np.testing.assert_array_equal(at(out, canonical)[1], at(src, ntu)[1])


def test_a_missing_source_joint_spoils_only_the_joints_that_average_it():
    src = random_sequence(MEDIAPIPE_33)
    positions, confidence = src.positions.copy(), src.confidence.copy()
    j = MEDIAPIPE_33.index("left_hip")
    positions[2, j], confidence[2, j] = np.nan, 0.0
    out = PoseSequence(positions, 30.0, MEDIAPIPE_33, confidence).to(CANONICAL)
    missing = {CANONICAL.joints[k] for k in np.flatnonzero(out.confidence[2] == 0)}
    assert missing == {"pelvis", "spine", "left_hip"}
    assert np.isnan(out.positions[2, [CANONICAL.index(n) for n in missing]]).all()
    assert np.isfinite(np.delete(out.positions[2], [CANONICAL.index(n) for n in missing], axis=0)).all()
    assert np.isfinite(out.positions[[0, 1, 3, 4]]).all()


def test_the_same_skeleton_is_the_identity_and_a_wider_one_selects_by_name():
    seq = random_sequence(CANONICAL)
    assert seq.to(CANONICAL) is seq
    wider = Skeleton("body", (*CANONICAL.joints, "left_toe"), (*CANONICAL.parents, CANONICAL.index("left_ankle")))
    big = random_sequence(wider)
    np.testing.assert_array_equal(big.to(CANONICAL).positions, big.positions[:, :16])


def test_cmu_and_mixamo_names_map_onto_canonical():
    names = ["Hips", "Spine", "Neck", "Head", "LeftShoulder", "LeftArm", "LeftForeArm", "LeftHand",
             "RightShoulder", "RightArm", "RightForeArm", "RightHand", "LeftUpLeg", "LeftLeg", "LeftFoot",
             "RightUpLeg", "RightLeg", "RightFoot"]  # fmt: skip
    parents = [-1, 0, 1, 2, 2, 4, 5, 6, 2, 8, 9, 10, 0, 12, 13, 0, 15, 16]
    for prefix in ("", "mixamorig:"):
        skeleton = Skeleton("rig", tuple(prefix + n for n in names), tuple(parents))
        src = random_sequence(skeleton)
        out = src.to(CANONICAL)
        np.testing.assert_array_equal(at(out, "left_shoulder")[0], at(src, prefix + "LeftArm")[0])
        np.testing.assert_array_equal(at(out, "right_ankle")[0], at(src, prefix + "RightFoot")[0])
        np.testing.assert_allclose(
            at(out, "pelvis")[0], (at(src, prefix + "LeftUpLeg")[0] + at(src, prefix + "RightUpLeg")[0]) / 2, atol=1e-6
        )


def test_an_unmapped_skeleton_says_to_register_a_map_and_a_registered_one_is_used():
    odd = Skeleton("odd_rig", ("root", "tip"), (-1, 0))
    with pytest.raises(MarionnetteError) as e:
        random_sequence(odd).to(CANONICAL)
    assert "\n" not in str(e.value) and "odd_rig" in str(e.value) and "register_mapping" in str(e.value)

    register_mapping(JointMap.from_dict(odd, CANONICAL, {j: {"root": 0.5, "tip": 0.5} for j in CANONICAL.joints}))
    seq = random_sequence(odd)
    out = seq.to(CANONICAL)
    np.testing.assert_allclose(out.positions[:, 3], seq.positions.mean(axis=1), atol=1e-6)
    assert find_mapping(odd, CANONICAL).matrix().sum(axis=1) == pytest.approx(np.ones(16))


@pytest.mark.parametrize(
    "weights, says",
    [
        ({"nope": 1.0}, "did you mean"),
        ({"left_hip": 0.5}, "sum to 1"),
        ({"left_hip": 2.0, "right_hip": -1.0}, "positive"),
    ],
)
def test_a_bad_joint_map_says_what_is_wrong(weights, says):
    with pytest.raises(MarionnetteError) as e:
        JointMap.from_dict(MEDIAPIPE_33, CANONICAL, {j: weights for j in CANONICAL.joints})
    assert "\n" not in str(e.value) and says in str(e.value)
    with pytest.raises(MarionnetteError, match="no entry for"):
        JointMap.from_dict(MEDIAPIPE_33, CANONICAL, {"pelvis": {"left_hip": 1.0}})


# -- foot points --------------------------------------------------------------------------


def test_foot_points_are_found_on_mediapipe_ntu_and_bvh_rigs():
    cases = {
        MEDIAPIPE_33: {"left_heel": "left_heel", "left_toe_tip": "left_foot_index", "right_heel": "right_heel",
                       "right_toe_tip": "right_foot_index"},
        NTU_25: {"left_toe_base": "foot_left", "right_toe_base": "foot_right"},
    }  # fmt: skip
    cmu = ["Hips", "LeftUpLeg", "LeftLeg", "LeftFoot", "LeftToeBase", "RightUpLeg", "RightLeg", "RightFoot",
           "RightToeBase"]  # fmt: skip
    cmu_parents = (-1, 0, 1, 2, 3, 0, 5, 6, 7)
    cases[Skeleton("cmu", tuple(cmu), cmu_parents)] = {"left_toe_base": "LeftToeBase", "right_toe_base": "RightToeBase"}
    mixamo = [f"mixamorig:{n}" for n in (*cmu, "LeftToe_End", "RightToe_End")]
    cases[Skeleton("mixamo", tuple(mixamo), (*cmu_parents, 4, 8))] = {
        "left_toe_base": "mixamorig:LeftToeBase",
        "right_toe_base": "mixamorig:RightToeBase",
        "left_toe_tip": "mixamorig:LeftToe_End",
        "right_toe_tip": "mixamorig:RightToe_End",
    }
    lafan = Skeleton("lafan", ("Hips", "LeftFoot", "LeftToe"), (-1, 0, 1))  # LAFAN1 names its toe base LeftToe
    cases[lafan] = {"left_toe_base": "LeftToe"}
    for skeleton, expected in cases.items():
        found = find_foot_map(skeleton)
        assert dict(zip(FOOT_POINTS, found.joints, strict=True)) == {p: expected.get(p) for p in FOOT_POINTS}
    assert find_foot_map(CANONICAL).empty


def test_foot_points_come_out_in_order_missing_ones_nan_with_no_confidence():
    src = random_sequence(MEDIAPIPE_33)
    feet, confidence = find_foot_map(MEDIAPIPE_33).apply(src.positions, src.confidence)  # (5, 6, 3), (5, 6)
    assert feet.shape == (5, 6, 3) and confidence.shape == (5, 6)
    heel, tip = FootPoint.RIGHT_HEEL, FootPoint.RIGHT_TOE_TIP
    np.testing.assert_array_equal(feet[:, heel], at(src, "right_heel")[0])
    np.testing.assert_array_equal(confidence[:, tip], at(src, "right_foot_index")[1])
    base = [FootPoint.LEFT_TOE_BASE, FootPoint.RIGHT_TOE_BASE]  # MediaPipe has none
    assert np.isnan(feet[:, base]).all() and (confidence[:, base] == 0).all()


def test_a_registered_foot_map_is_used_and_a_bad_one_is_one_line():
    rig = Skeleton("feet_rig", ("root", "heel_l", "toe_l"), (-1, 0, 0))
    assert find_foot_map(rig).empty
    register_foot_map(FootMap.from_dict(rig, {"left_heel": "heel_l", "left_toe_tip": "toe_l"}))
    assert find_foot_map(rig).joints[FootPoint.LEFT_TOE_TIP] == "toe_l"
    for call, says in [
        (lambda: FootMap.from_dict(rig, {"left_toe": "toe_l"}), "not foot points"),
        (lambda: FootMap.from_dict(rig, {"left_heel": "heel"}), "did you mean"),
        (lambda: FootMap(rig, ("heel_l",)), "one per foot point"),
    ]:
        with pytest.raises(MarionnetteError) as e:
            call()
        assert "\n" not in str(e.value) and says in str(e.value)
