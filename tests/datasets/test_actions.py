"""The skeleton action dataset the character performs (issue 13): reproducible, varied as
NTU's performers are, filmed from three cameras, in NTU's layout and splits."""

import pickle

import numpy as np
import pytest

from marionnette.body import Character
from marionnette.datasets.actions import ACTIONS, CLASSES, ActionConfig, draw_subject, film, make_actions, perform
from marionnette.errors import MarionnetteError
from marionnette.motion import NTU_25, NTUJoint
from marionnette.perception.action.data import ActionData

SMALL = ActionConfig(subjects=4, replications=1)


@pytest.fixture(scope="module")
def data():
    return make_actions(SMALL)


@pytest.fixture(scope="module")
def character():
    return Character()


def bone_lengths(seq):
    """(T, 24) metres: every bone of an NTU_25 sequence (T, 25, 3)."""
    bones = [(j, p) for j, p in enumerate(NTU_25.parents) if p >= 0]
    return np.stack([np.linalg.norm(seq[:, j] - seq[:, p], axis=-1) for j, p in bones], axis=1)


def test_every_subject_performs_every_class_for_every_view_in_ntus_layout(data):
    assert len(CLASSES) >= 12 and len(set(CLASSES)) == len(CLASSES)
    assert len(data) == 4 * len(CLASSES) * 3
    assert data.keypoint.shape[2:] == (25, 3) and np.isfinite(data.keypoint).all()
    counts = np.bincount(data.label, minlength=len(CLASSES))
    assert (counts == 4 * 3).all()
    assert set(data.view) == {1, 2, 3} and set(data.subject) == {1, 2, 3, 4}
    assert data.name[0] == "S001C001P001R001A001"
    assert (data.length >= 20).all()
    short = data.length < data.keypoint.shape[1]
    assert (data.keypoint[np.flatnonzero(short), data.length[short]] == 0).all()  # padded with zeros
    # the cut ends: lengths of one performance differ between its views
    assert len(np.unique(data.length)) > len(CLASSES)


def test_the_same_seed_makes_the_same_data_and_another_seed_other_data(data):
    again = make_actions(SMALL)
    np.testing.assert_array_equal(again.keypoint, data.keypoint)
    other = make_actions(ActionConfig(subjects=4, replications=1, seed=1))
    assert not np.array_equal(other.length, data.length)


def test_splits_are_ntus_protocols(data):
    train, test = data.split("cs")
    assert set(data.subject[train]) == {1, 3} and set(data.subject[test]) == {2, 4}
    train, test = data.split("cv")
    assert set(data.view[train]) == {2, 3} and set(data.view[test]) == {1}
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(data)
    with pytest.raises(MarionnetteError, match="cs .*cv"):
        data.split("xset")


def test_subjects_differ_in_body_and_keep_theirs_across_actions(data):
    """Bone lengths: the same subject measures the same in every sequence (to the sensor's
    noise), and two subjects measure differently (their own proportions)."""
    medians = {}
    for s in (1, 2):
        rows = np.flatnonzero((data.subject == s) & (data.view == 1))
        per_seq = np.stack([np.median(bone_lengths(data.sequence(i)), axis=0) for i in rows])  # (K, 24)
        medians[s] = np.median(per_seq, axis=0)
        assert np.median(np.abs(per_seq - medians[s])) < 0.015  # metres: the sensor's noise and per-joint bias
    assert np.abs(medians[1] - medians[2]).max() > 0.02


def test_three_cameras_see_one_performance(data):
    """Views 1 and 2 of a performance: the same bones (the same body), other coordinates
    (the camera turned 45 degrees)."""
    i, j = (np.flatnonzero((data.subject == 1) & (data.label == 0) & (data.view == v))[0] for v in (1, 2))
    a, b = bone_lengths(data.sequence(i)), bone_lengths(data.sequence(j))
    assert abs(np.median(a) - np.median(b)) < 0.01
    # a person facing a camera faces its -z: the left shoulder is at larger x than the right (x to the sensor's left)
    front = data.sequence(i)
    assert np.median(front[:, NTUJoint.SHOULDER_LEFT, 0] - front[:, NTUJoint.SHOULDER_RIGHT, 0]) < -0.2
    assert 2.0 < np.median(front[:, NTUJoint.SPINE_BASE, 2]) < 4.0  # metres in front of the sensor


def test_a_jump_leaves_the_floor_and_a_squat_does_not(character):
    rng = np.random.default_rng(0)
    subject = draw_subject(1, rng, SMALL)
    feet = [NTUJoint.FOOT_LEFT, NTUJoint.FOOT_RIGHT, NTUJoint.ANKLE_LEFT, NTUJoint.ANKLE_RIGHT]
    jump = perform(ACTIONS[CLASSES.index("jump")], subject, rng, character)
    squat = perform(ACTIONS[CLASSES.index("squat")], subject, rng, character)
    assert jump[:, feet, 1].min(axis=1).max() > 0.1 + jump[0, feet, 1].min()
    assert squat[:, feet, 1].min(axis=1).max() < 0.03


def test_a_left_handed_subject_waves_with_the_left_hand(character):
    rng = np.random.default_rng(0)
    config = ActionConfig(left_handed=0.0)
    right = draw_subject(1, np.random.default_rng(5), config)
    left = draw_subject(1, np.random.default_rng(5), ActionConfig(left_handed=1.0))
    wave = ACTIONS[CLASSES.index("wave")]
    for subject, up, down in ((right, NTUJoint.WRIST_RIGHT, NTUJoint.WRIST_LEFT),
                              (left, NTUJoint.WRIST_LEFT, NTUJoint.WRIST_RIGHT)):  # fmt: skip
        world = perform(wave, subject, rng, character)
        assert world[:, up, 1].max() > world[:, NTUJoint.HEAD, 1].max() - 0.1
        assert world[:, down, 1].max() < world[:, NTUJoint.SPINE_BASE, 1].max() + 0.1


def test_film_puts_the_world_in_kinects_frame():
    world = np.zeros((1, 25, 3))
    world[0, 0] = [0.0, 1.0, 0.0]  # the point the camera looks at
    world[0, 1] = [1.0, 1.0, 0.0]  # a metre to the performer's left
    seen = film(world, azimuth=0.0, distance=3.0, height=1.0)
    np.testing.assert_allclose(seen[0, 0], [0.0, 0.0, 3.0], atol=1e-12)
    np.testing.assert_allclose(seen[0, 1], [-1.0, 0.0, 3.0], atol=1e-12)  # their left is the sensor's right


def test_files_round_trip_and_bad_ones_are_one_line(data, tmp_path):
    path = data.save(tmp_path / "actions.npz")
    back = ActionData.load(tmp_path)  # the folder finds actions.npz
    np.testing.assert_array_equal(back.keypoint, data.keypoint)
    assert back.classes == data.classes and back.xsub_train == data.xsub_train and back.meta["seed"] == "0"
    cut = tmp_path / "cut.npz"
    cut.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(MarionnetteError, match="truncated or corrupt"):
        ActionData.load(cut)
    with pytest.raises(MarionnetteError, match="marionnette data actions"):
        ActionData.load(tmp_path / "none")
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(MarionnetteError, match="no marionnette action dataset"):
        ActionData.load(other)


def test_the_pyskl_export_is_their_annotation_layout(data, tmp_path):
    with open(data.to_pyskl(tmp_path / "pyskl.pkl"), "rb") as f:
        anno = pickle.load(f)  # noqa: S301 - the file this test just wrote
    assert set(anno["split"]) == {"xsub_train", "xsub_val", "xview_train", "xview_val"}
    assert len(anno["split"]["xsub_train"]) + len(anno["split"]["xsub_val"]) == len(data)
    first = anno["annotations"][0]
    assert first["frame_dir"] == "S001C001P001R001A001" and first["label"] == 0
    assert first["keypoint"].shape == (1, first["total_frames"], 25, 3)


def test_bad_settings_are_one_line():
    for kwargs, says in [({"subjects": 1}, "at least 2"), ({"views": 4}, "1 to 3"), ({"noise": -1.0}, ">= 0")]:
        with pytest.raises(MarionnetteError, match=says):
            ActionConfig(**kwargs)
