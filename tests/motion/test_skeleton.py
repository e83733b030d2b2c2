import pytest

from marionnette.errors import MarionnetteError
from marionnette.motion import (
    BUILTIN_SKELETONS,
    CANONICAL,
    MEDIAPIPE_33,
    NTU_25,
    CanonicalJoint,
    MediaPipeJoint,
    NTUJoint,
    Skeleton,
)

CANONICAL_JOINTS = [
    "pelvis", "spine", "neck", "head",
    "left_shoulder", "left_elbow", "left_wrist",
    "right_shoulder", "right_elbow", "right_wrist",
    "left_hip", "left_knee", "left_ankle",
    "right_hip", "right_knee", "right_ankle",
]  # fmt: skip
CANONICAL_PARENTS = {
    "pelvis": None, "spine": "pelvis", "neck": "spine", "head": "neck",
    "left_shoulder": "neck", "left_elbow": "left_shoulder", "left_wrist": "left_elbow",
    "right_shoulder": "neck", "right_elbow": "right_shoulder", "right_wrist": "right_elbow",
    "left_hip": "pelvis", "left_knee": "left_hip", "left_ankle": "left_knee",
    "right_hip": "pelvis", "right_knee": "right_hip", "right_ankle": "right_knee",
}  # fmt: skip
MEDIAPIPE_JOINTS = [
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_pinky", "right_pinky", "left_index", "right_index",
    "left_thumb", "right_thumb", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
    "left_heel", "right_heel", "left_foot_index", "right_foot_index",
]  # fmt: skip
NTU_JOINTS = [
    "spine_base", "spine_mid", "neck", "head", "shoulder_left", "elbow_left", "wrist_left", "hand_left",
    "shoulder_right", "elbow_right", "wrist_right", "hand_right", "hip_left", "knee_left", "ankle_left",
    "foot_left", "hip_right", "knee_right", "ankle_right", "foot_right", "spine_shoulder", "hand_tip_left",
    "thumb_left", "hand_tip_right", "thumb_right",
]  # fmt: skip


def parent_names(skeleton):
    return {j: (None if p < 0 else skeleton.joints[p]) for j, p in zip(skeleton.joints, skeleton.parents, strict=True)}


def test_canonical_is_the_16_joints_in_their_exact_order_and_tree():
    assert list(CANONICAL.joints) == CANONICAL_JOINTS
    assert parent_names(CANONICAL) == CANONICAL_PARENTS
    assert [j.name.lower() for j in CanonicalJoint] == CANONICAL_JOINTS
    assert CANONICAL.index("left_wrist") == CanonicalJoint.LEFT_WRIST == 6


def test_mediapipe_and_ntu_keep_their_official_joint_order():
    assert list(MEDIAPIPE_33.joints) == MEDIAPIPE_JOINTS
    assert [j.name.lower() for j in MediaPipeJoint] == MEDIAPIPE_JOINTS
    assert list(NTU_25.joints) == NTU_JOINTS
    assert NTUJoint.SPINE_SHOULDER == 20 and NTU_25.index("spine_shoulder") == 20
    ntu = parent_names(NTU_25)
    assert ntu["spine_base"] is None and ntu["neck"] == "spine_shoulder" and ntu["shoulder_left"] == "spine_shoulder"
    assert (
        ntu["thumb_left"] == "wrist_left" and ntu["hand_tip_right"] == "hand_right" and ntu["hip_right"] == "spine_base"
    )


@pytest.mark.parametrize("skeleton", BUILTIN_SKELETONS, ids=lambda s: s.name)
def test_builtin_skeletons_are_trees_walked_parents_first(skeleton):
    assert skeleton.parents.count(-1) == 1
    assert sorted(skeleton.order) == list(range(len(skeleton)))
    seen = set()
    for j in skeleton.order:
        assert skeleton.parents[j] < 0 or skeleton.parents[j] in seen
        seen.add(j)
    assert len(skeleton.bones) == len(skeleton) - 1
    assert all(skeleton.parents[c] == p for p, kids in enumerate(skeleton.children) for c in kids)


@pytest.mark.parametrize("skeleton", [CANONICAL, MEDIAPIPE_33], ids=lambda s: s.name)
def test_canonical_and_mediapipe_store_parents_before_children(skeleton):
    assert all(p < j for j, p in enumerate(skeleton.parents))
    assert skeleton.order == tuple(range(len(skeleton)))


def test_mirror_pairs_come_from_the_side_in_the_names():
    def named(skeleton):
        return {(skeleton.joints[a], skeleton.joints[b]) for a, b in skeleton.mirror}

    assert named(CANONICAL) == {
        (f"left_{part}", f"right_{part}") for part in ("shoulder", "elbow", "wrist", "hip", "knee", "ankle")
    }
    assert len(MEDIAPIPE_33.mirror) == 16 and ("mouth_left", "mouth_right") in named(MEDIAPIPE_33)
    assert len(NTU_25.mirror) == 10 and ("hand_tip_left", "hand_tip_right") in named(NTU_25)
    cmu = Skeleton("cmu", ("Hips", "LeftUpLeg", "RightUpLeg"), (-1, 0, 0))
    assert cmu.mirror == ((1, 2),)
    for skeleton in BUILTIN_SKELETONS:
        perm = skeleton.mirror_permutation
        assert [perm[p] for p in perm] == list(range(len(skeleton)))  # an involution
    assert CANONICAL.mirror_permutation[CANONICAL.index("pelvis")] == CANONICAL.index("pelvis")


def test_index_of_an_unknown_joint_suggests_close_names():
    with pytest.raises(MarionnetteError) as e:
        CANONICAL.index("left_wirst")
    message = str(e.value)
    assert "\n" not in message and "'left_wirst'" in message and "'left_wrist'" in message and "canonical" in message


@pytest.mark.parametrize(
    "joints, parents, says",
    [
        ((), (), "no joints"),
        (("a", "b", "a"), (-1, 0, 0), "twice"),
        (("a", "b"), (-1,), "parents"),
        (("a", "b"), (-1, 5), "outside"),
        (("a", "b"), (-1, -1), "2 roots"),
        (("a", "b", "c"), (-1, 2, 1), "cycle"),
    ],
)
def test_a_malformed_skeleton_says_what_is_wrong_in_one_line(joints, parents, says):
    with pytest.raises(MarionnetteError) as e:
        Skeleton("mine", joints, parents)
    assert "\n" not in str(e.value) and says in str(e.value) and "'mine'" in str(e.value)


def test_skeletons_are_values():
    copy = Skeleton("canonical", tuple(CANONICAL.joints), list(CANONICAL.parents))
    assert copy == CANONICAL and hash(copy) == hash(CANONICAL)
    assert "pelvis" in CANONICAL and "nose" not in CANONICAL
