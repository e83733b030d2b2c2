import logging
import re
import warnings

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from marionnette.errors import MarionnetteError
from marionnette.motion import (
    CANONICAL,
    MEDIAPIPE_33,
    NTU_25,
    UNITS,
    PoseSequence,
    Skeleton,
    bvh_units,
    load_bvh,
    save_bvh,
)

with warnings.catch_warnings():  # bvhio's `import glm` warns that PyGLM will rename itself
    warnings.simplefilter("ignore", PendingDeprecationWarning)
    import bvhio

# Bone offsets of a standing canonical body, metres (x = the person's left, y up).
REST = {
    "spine": (0, 0.25, 0), "neck": (0, 0.25, 0), "head": (0, 0.2, 0.02),
    "left_shoulder": (0.18, 0, 0), "left_elbow": (0.28, 0, 0), "left_wrist": (0.25, 0, 0),
    "right_shoulder": (-0.18, 0, 0), "right_elbow": (-0.28, 0, 0), "right_wrist": (-0.25, 0, 0),
    "left_hip": (0.1, 0, 0), "left_knee": (0, -0.42, 0), "left_ankle": (0, -0.4, 0),
    "right_hip": (-0.1, 0, 0), "right_knee": (0, -0.42, 0), "right_ankle": (0, -0.4, 0),
}  # fmt: skip


def rigid_motion(T=40, fps=30.0, seed=0, skeleton=CANONICAL, offsets=None):
    """Forward kinematics of random joint rotations: every bone keeps its length."""
    rng = np.random.default_rng(seed)
    offsets = offsets or {j: tuple(rng.normal(size=3) * 0.2) for j in skeleton.joints}
    world = [None] * len(skeleton)
    positions = np.zeros((T, len(skeleton), 3))
    for j in skeleton.order:
        local = Rotation.random(T, random_state=int(rng.integers(2**31)))  # big, arbitrary turns
        p = skeleton.parents[j]
        if p < 0:
            world[j] = local
            positions[:, j] = [0.0, 1.0, 0.0] + np.cumsum(rng.normal(scale=0.01, size=(T, 3)), axis=0)
        else:
            world[j] = world[p] * local
            positions[:, j] = positions[:, p] + world[p].apply(offsets[skeleton.joints[j]])
    return PoseSequence(positions, fps, skeleton)


def channels(path):
    return {line.split()[1]: line.split()[3:] for line in _joint_lines(path)}


def _joint_lines(path):
    lines = [line.strip() for line in open(path)]
    out = []
    for k, line in enumerate(lines):
        if line.startswith(("ROOT", "JOINT")):
            out.append(f"{line} {lines[k + 3]}")  # name, {, OFFSET, CHANNELS
    return out


def test_rigid_motion_round_trips_within_1e5_m_through_rotations_alone(tmp_path):
    seq = rigid_motion(offsets=REST)
    path = save_bvh(seq, tmp_path / "walk.bvh")
    found = channels(path)
    assert found["pelvis"] == ["6", "Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation"]
    assert all(c == ["3", "Zrotation", "Xrotation", "Yrotation"] for j, c in found.items() if j != "pelvis")
    back = load_bvh(path)
    assert back.skeleton.joints == CANONICAL.joints and back.skeleton.parents == CANONICAL.parents
    assert back.skeleton.name == "walk" and back.fps == 30.0 and len(back) == len(seq)
    assert np.abs(back.positions - seq.positions).max() < 1e-5
    assert back.to(CANONICAL).skeleton == CANONICAL


def test_the_file_is_a_real_bvh_that_bvhio_reads_back_on_its_own(tmp_path):
    seq = rigid_motion(T=12, seed=3)
    path = save_bvh(seq, tmp_path / "clip.bvh")
    text = path.read_text()
    assert text.startswith("HIERARCHY\nROOT pelvis\n") and "\nMOTION\nFrames: 12\nFrame Time: 0.0333" in text
    assert text.count("End Site") == 5  # head, wrists, ankles

    container = bvhio.readAsBvh(str(path))
    assert container.FrameCount == 12 and container.FrameTime == pytest.approx(1 / 30)
    root = bvhio.readAsHierarchy(str(path))  # bvhio's own forward kinematics
    for frame in (0, 5, 11):
        root.loadPose(frame, recursive=True)
        joints = [joint for joint, _, _ in root.layout()]
        assert [j.Name for j in joints] == list(CANONICAL.joints)
        world = np.array([[*j.PositionWorld] for j in joints])
        assert np.abs(world - seq.positions[frame]).max() < 1e-5


def test_rotations_are_real_swings_of_the_rest_bones(tmp_path):
    seq = rigid_motion(T=8, offsets=REST, seed=5)
    path = save_bvh(seq, tmp_path / "clip.bvh")
    container = bvhio.readAsBvh(str(path))
    elbow = next(j for j, _, _ in container.Root.layout() if j.Name == "left_elbow")
    assert elbow.Channels == ["Zrotation", "Xrotation", "Yrotation"]  # a rotation, no translation
    wrist_rest = np.array([*elbow.Children[0].Offset])
    assert np.linalg.norm(wrist_rest) == pytest.approx(0.25, abs=1e-6)  # the rest bone has the sequence's length
    angles = [
        Rotation.from_quat([k.Rotation.x, k.Rotation.y, k.Rotation.z, k.Rotation.w]).magnitude()
        for k in elbow.Keyframes
    ]
    assert angles[0] < 1e-6 and max(angles) > 0.1  # the rest pose is frame 0; later frames turn


@pytest.mark.parametrize("skeleton", [MEDIAPIPE_33, NTU_25], ids=lambda s: s.name)
def test_stretching_bones_get_position_channels_and_still_round_trip(tmp_path, skeleton):
    rng = np.random.default_rng(1)
    seq = PoseSequence(rng.normal(scale=0.3, size=(15, len(skeleton), 3)), 25.0, skeleton)
    path = save_bvh(seq, tmp_path / "captured.bvh")
    assert all(c[0] == "6" for c in channels(path).values())
    back = load_bvh(path)
    assert set(back.skeleton.joints) == set(skeleton.joints)
    assert np.abs(back.to(skeleton).positions - seq.positions).max() < 1e-5


def test_exact_false_writes_rotations_only_with_median_bone_lengths(tmp_path):
    rng = np.random.default_rng(2)
    seq = rigid_motion(T=20, offsets=REST, seed=2)
    noisy = PoseSequence(seq.positions + rng.normal(scale=0.01, size=seq.positions.shape), 30.0, CANONICAL)
    path = save_bvh(noisy, tmp_path / "smooth.bvh", exact=False)
    assert sum(c[0] == "6" for c in channels(path).values()) == 1
    back = load_bvh(path)
    bone = np.linalg.norm(back.positions[:, 1:] - back.positions[:, list(CANONICAL.parents[1:])], axis=-1)  # (T, 15)
    assert np.ptp(bone, axis=0).max() < 1e-5  # rigid
    assert np.abs(back.positions - noisy.positions).max() < 0.1


def standing_motion(T=5, fps=30.0, seed=0):
    """A body standing up (frame 0: every bone as in REST) and then moving a little."""
    rng = np.random.default_rng(seed)
    world = [None] * len(CANONICAL)
    positions = np.zeros((T, len(CANONICAL), 3))
    for j in CANONICAL.order:
        local = Rotation.from_rotvec(np.vstack([np.zeros(3), rng.normal(scale=0.2, size=(T - 1, 3))]))
        p = CANONICAL.parents[j]
        if p < 0:
            world[j], positions[:, j] = local, [0.0, 0.95, 0.0]
        else:
            world[j] = world[p] * local
            positions[:, j] = positions[:, p] + world[p].apply(REST[CANONICAL.joints[j]])
    return PoseSequence(positions, fps, CANONICAL)


def height(seq):
    """Metres from the lowest to the highest joint of frame 0."""
    return float(np.ptp(seq.positions[0, :, 1]))


# The numbers per metre: what an exporter multiplies metres by.
PER_METRE = {"m": 1.0, "cmu": 1 / 0.056444, "cm": 100.0, "mm": 1000.0, "inch": 39.37}


@pytest.mark.parametrize("unit", PER_METRE)
def test_a_file_in_any_unit_loads_back_at_its_height_with_the_unit_named(tmp_path, caplog, unit):
    seq = standing_motion()
    assert height(seq) == pytest.approx(1.52, abs=0.01)  # ankle to head
    path = save_bvh(PoseSequence(seq.positions * PER_METRE[unit], 30.0, CANONICAL), tmp_path / f"in_{unit}.bvh")
    with caplog.at_level(logging.INFO, logger="marionnette.motion.bvh"):
        back = load_bvh(path)
    assert height(back) == pytest.approx(height(seq), rel=1e-3)
    assert np.abs(back.positions - seq.positions).max() < 2e-4  # the factors are rounded (39.37 per metre)
    (record,) = caplog.records
    assert record.levelno == (logging.INFO if unit == "m" else logging.WARNING)  # metres are read as written
    words = {"m": "metres", "cmu": "CMU units", "cm": "centimetres", "mm": "millimetres", "inch": "inches"}[unit]
    assert str(path) in record.getMessage() and words in record.getMessage() and "units=" in record.getMessage()
    found = bvh_units(path)
    assert found.name == unit and found.metres == UNITS[unit] and found.guessed
    assert found.size == pytest.approx(1.52, abs=0.01)


def test_units_given_win_over_the_guess_and_scale_still_works(tmp_path, caplog):
    seq = standing_motion()
    path = save_bvh(PoseSequence(seq.positions * 100, 30.0, CANONICAL), tmp_path / "cm.bvh")
    with caplog.at_level(logging.INFO, logger="marionnette.motion.bvh"):
        assert height(load_bvh(path, units="mm")) == pytest.approx(height(seq) / 10, rel=1e-5)  # a 15 cm doll
        assert height(load_bvh(path, units="inch")) == pytest.approx(height(seq) * 2.54, rel=1e-5)
        for given in ("cm", "CM", "centimetres", 0.01, "0.01"):
            assert np.abs(load_bvh(path, units=given).positions - seq.positions).max() < 1e-5, given
        assert np.abs(load_bvh(path, scale=0.01).positions - seq.positions).max() < 1e-5
        assert np.abs(load_bvh(path, 0.01).positions - seq.positions).max() < 1e-5  # the old positional scale
    assert not caplog.records  # nothing guessed, nothing said
    given = bvh_units(path, "cmu")
    assert given.name == "cmu" and not given.guessed and given.size == pytest.approx(1.52 * 100 * UNITS["cmu"], 0.01)
    assert bvh_units(path, 0.02).name is None
    for bad, says in [("feet", "'feet'"), ("inchs", "did you mean 'inch'"), (-1.0, "positive"),
                      (float("nan"), "positive"), (True, "True"), ([0.01], "[0.01]")]:  # fmt: skip
        with pytest.raises(MarionnetteError) as e:
            load_bvh(path, units=bad)
        assert "\n" not in str(e.value) and says in str(e.value) and "inch" in str(e.value), (bad, str(e.value))
    with pytest.raises(MarionnetteError, match="give one"):
        load_bvh(path, units="cm", scale=0.01)


def test_a_body_of_no_human_size_in_any_unit_is_refused_and_units_reads_it(tmp_path):
    seq = standing_motion()
    odd = save_bvh(PoseSequence(seq.positions * 5, 30.0, CANONICAL), tmp_path / "odd.bvh")  # 7.6 units across
    with pytest.raises(MarionnetteError) as e:
        load_bvh(odd)
    assert "\n" not in str(e.value) and str(odd) in str(e.value) and "units=" in str(e.value), str(e.value)
    assert "7.6" in str(e.value)
    assert np.abs(load_bvh(odd, units=0.2).positions - seq.positions).max() < 1e-5


def test_the_size_comes_from_frame_0_when_every_offset_is_zero(tmp_path):
    seq = standing_motion()
    text = save_bvh(PoseSequence(seq.positions * 100, 30.0, CANONICAL), tmp_path / "cm.bvh").read_text()
    # Every joint placed by position channels alone: OFFSETs zeroed, frame 0's positions kept.
    rest = load_bvh(tmp_path / "cm.bvh")
    zeroed = re.sub(r"OFFSET [^\n]+", "OFFSET 0 0 0", text)
    assert zeroed != text
    path = tmp_path / "zeroed.bvh"
    path.write_text(zeroed)
    found = bvh_units(path)
    assert found.name == "cm" and found.size == pytest.approx(np.ptp(rest.positions[0], axis=0).max(), rel=1e-3)


def test_a_mixamo_rig_maps_onto_canonical(tmp_path):
    names = ["Hips", "Spine", "Neck", "Head", "LeftArm", "LeftForeArm", "LeftHand", "RightArm", "RightForeArm",
             "RightHand", "LeftUpLeg", "LeftLeg", "LeftFoot", "RightUpLeg", "RightLeg", "RightFoot"]  # fmt: skip
    rig = Skeleton("rig", tuple(f"mixamorig:{n}" for n in names), CANONICAL.parents)
    offsets = {f"mixamorig:{n}": REST.get(c, (0, 0, 0)) for n, c in zip(names, CANONICAL.joints, strict=True)}
    seq = rigid_motion(T=6, skeleton=rig, offsets=offsets)
    back = load_bvh(save_bvh(seq, tmp_path / "mixamo.bvh")).to(CANONICAL)
    np.testing.assert_allclose(back.positions[:, 5], seq.positions[:, 5], atol=1e-5)  # left_elbow <- LeftForeArm
    np.testing.assert_allclose(back.positions[:, 0], seq.positions[:, [10, 13]].mean(axis=1), atol=1e-5)


def test_bad_bvh_files_get_one_line_errors_and_never_hang(tmp_path):
    good = save_bvh(rigid_motion(T=6), tmp_path / "good.bvh").read_text()
    lines = good.splitlines(keepends=True)
    cases = {
        "cut_in_hierarchy.bvh": ("".join(lines[:10]), "truncated"),
        "cut_in_motion.bvh": ("".join(lines[:-3]), "truncated"),
        "cut_mid_line.bvh": (good[: len(good) - 40], "truncated"),
        "not_bvh.bvh": ("hello\n", "not a BVH"),
        "bad_number.bvh": (good.replace("OFFSET 0.0 0.0 0.0", "OFFSET 0.0 zero 0.0"), "OFFSET 0.0 zero 0.0"),
    }
    for name, (text, says) in cases.items():
        path = tmp_path / name
        path.write_text(text)
        with pytest.raises(MarionnetteError) as e:
            load_bvh(path)
        assert "\n" not in str(e.value) and str(path) in str(e.value) and says in str(e.value), (name, str(e.value))
    with pytest.raises(MarionnetteError, match="no such"):
        load_bvh(tmp_path / "absent.bvh")


def test_a_cut_last_frame_line_names_the_frames_promised_and_found_and_the_fix_works(tmp_path):
    good = save_bvh(rigid_motion(T=6), tmp_path / "good.bvh").read_text()
    width = len(good.splitlines()[-1].split())  # numbers in one frame line
    cut = tmp_path / "cut.bvh"
    cut.write_text(good[: len(good) - 40])  # the copy stopped inside the last frame line
    with pytest.raises(MarionnetteError) as e:
        load_bvh(cut)
    message = str(e.value)
    assert "\n" not in message and str(cut) in message and "index" not in message, message
    assert "promises 6 frames" in message and "holds 5 whole frame lines" in message, message
    assert f"of {width} numbers" in message and "export it again" in message and "'Frames: 5'" in message, message
    # The fix it names: delete the cut line, set Frames: 5.
    lines = cut.read_text().splitlines()[:-1]
    fixed = tmp_path / "fixed.bvh"
    fixed.write_text("\n".join(line.replace("Frames: 6", "Frames: 5") for line in lines) + "\n")
    assert len(load_bvh(fixed)) == 5
    missing = tmp_path / "missing.bvh"  # the last line gone whole
    missing.write_text("".join(good.splitlines(keepends=True)[:-1]))
    with pytest.raises(MarionnetteError) as e:
        load_bvh(missing)
    assert "holds 5 whole frame lines;" in str(e.value) and "set 'Frames: 5'" in str(e.value), str(e.value)
    short = tmp_path / "short.bvh"  # a line inside the motion with a number too few
    lines = good.splitlines()
    k = lines.index("MOTION") + 4  # frame 1
    lines[k] = " ".join(lines[k].split()[:-1])
    short.write_text("\n".join(lines) + "\n")
    with pytest.raises(MarionnetteError) as e:
        load_bvh(short)
    assert f"frame 1 (line {k + 1}) holds {width - 1} numbers" in str(e.value) and str(width) in str(e.value)


def test_an_unknown_channel_is_refused_naming_the_joint_the_channel_and_the_six(tmp_path):
    good = save_bvh(rigid_motion(T=4, offsets=REST), tmp_path / "good.bvh").read_text()
    elbow = good.index("JOINT left_elbow")
    channels = good.index("CHANNELS 3 Zrotation Xrotation Yrotation", elbow)
    bad = tmp_path / "w.bvh"
    bad.write_text(good[:channels] + good[channels:].replace("Xrotation", "Wrotation", 1))
    bvhio.readAsBvh(str(bad))  # bvhio reads it without a word, each later number on the wrong channel
    with pytest.raises(MarionnetteError) as e:
        load_bvh(bad)
    message = str(e.value)
    assert "\n" not in message and str(bad) in message and "'left_elbow'" in message and "'Wrotation'" in message
    assert all(c in message for c in ("Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation"))
    for text, says in [
        (good.replace("Yposition Zposition", "Yposition ZPosition", 1), "spell it Zposition"),
        (good[:channels] + good[channels:].replace("Zrotation Xrotation", "Zrotation Zrotation", 1), "twice"),
    ]:
        bad.write_text(text)
        with pytest.raises(MarionnetteError, match=says):
            load_bvh(bad)


def test_missing_joints_cannot_be_written(tmp_path):
    seq = rigid_motion(T=4)
    positions, confidence = seq.positions.copy(), seq.confidence.copy()
    positions[2, 6], confidence[2, 6] = np.nan, 0.0
    with pytest.raises(MarionnetteError) as e:
        save_bvh(PoseSequence(positions, 30.0, CANONICAL, confidence), tmp_path / "gap.bvh")
    assert "\n" not in str(e.value) and "left_wrist" in str(e.value) and "frame 2" in str(e.value)
    assert not (tmp_path / "gap.bvh").exists()


def test_one_way_to_bvh_and_no_import_circle_with_the_sequence():
    import ast

    import marionnette.motion
    import marionnette.motion.bvh as bvh
    import marionnette.motion.sequence as sequence

    assert marionnette.motion.save_bvh is bvh.save_bvh and marionnette.motion.load_bvh is bvh.load_bvh
    assert not hasattr(PoseSequence, "save_bvh") and not hasattr(PoseSequence, "load_bvh")
    tree = ast.parse(open(sequence.__file__).read())  # every import statement, inside functions too
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert "marionnette.motion.bvh" not in imported and "marionnette.motion" not in imported  # bvh imports sequence


def test_a_writer_asking_for_another_euler_order_is_an_error_not_an_assert():
    from marionnette.motion.bvh import _Key

    key = _Key(np.zeros(3), np.array([10.0, 20.0, 30.0]))
    assert tuple(key.getEuler("ZXY")) == (10.0, 20.0, 30.0)
    for order, extrinsic in [("XYZ", False), ("ZXY", True)]:
        with pytest.raises(MarionnetteError) as e:
            key.getEuler(order, extrinsic=extrinsic)
        assert "\n" not in str(e.value) and order in str(e.value) and "bvhio" in str(e.value)
