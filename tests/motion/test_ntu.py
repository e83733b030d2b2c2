"""NTU RGB+D .skeleton files: read exactly as written, main bodies, the NTU-60 benchmarks, one-line errors."""

import numpy as np
import pytest

from marionnette.errors import MarionnetteError
from marionnette.motion import (
    NTU60_ACTIONS,
    NTU60_TRAIN_CAMERAS,
    NTU60_TRAIN_PERFORMERS,
    NTU_25,
    NTUBody,
    NTUJoint,
    NTUSample,
    PoseSequence,
    TrackingState,
    ntu_split,
    read_ntu_skeleton,
)

# A hand-written file: 3 frames. Frame 0 holds body A (72057594037931101; hand_left inferred,
# hand_right not tracked), frame 1 no body, frame 2 bodies A and B (72057594037931102; head
# inferred). A's joints: x = -0.1 + 0.01 j, y = 0.2 + 0.02 j + 0.001 t, z = 3 + 0.001 j; B's
# spread twice as wide: x = 0.5 + 0.02 j, y = 0.1 + 0.03 j, z = 3.5 - 0.002 j.
# Lines: 1 frame count; 2-29 frame 0 (body line 3, joints 5-29); 30 frame 1; 31-85 frame 2
# (A: body line 32, joints 34-58; B: body line 59, joint count 60, joints 61-85).
SKELETON = """\
3
1
72057594037931101 0 1 1 1 1 0 -0.2 0.1 2
25
-0.1000 0.2000 3.0000 250.5 200.25 960.5 540.75 0.7071 0 0.7071 0 2
-0.0900 0.2200 3.0010 251.5 201.25 961.5 541.75 0.7071 0 0.7071 0 2
-0.0800 0.2400 3.0020 252.5 202.25 962.5 542.75 0.7071 0 0.7071 0 2
-0.0700 0.2600 3.0030 253.5 203.25 963.5 543.75 0.7071 0 0.7071 0 2
-0.0600 0.2800 3.0040 254.5 204.25 964.5 544.75 0.7071 0 0.7071 0 2
-0.0500 0.3000 3.0050 255.5 205.25 965.5 545.75 0.7071 0 0.7071 0 2
-0.0400 0.3200 3.0060 256.5 206.25 966.5 546.75 0.7071 0 0.7071 0 2
-0.0300 0.3400 3.0070 257.5 207.25 967.5 547.75 0.7071 0 0.7071 0 1
-0.0200 0.3600 3.0080 258.5 208.25 968.5 548.75 0.7071 0 0.7071 0 2
-0.0100 0.3800 3.0090 259.5 209.25 969.5 549.75 0.7071 0 0.7071 0 2
0.0000 0.4000 3.0100 260.5 210.25 970.5 550.75 0.7071 0 0.7071 0 2
0.0100 0.4200 3.0110 261.5 211.25 971.5 551.75 0.7071 0 0.7071 0 0
0.0200 0.4400 3.0120 262.5 212.25 972.5 552.75 0.7071 0 0.7071 0 2
0.0300 0.4600 3.0130 263.5 213.25 973.5 553.75 0.7071 0 0.7071 0 2
0.0400 0.4800 3.0140 264.5 214.25 974.5 554.75 0.7071 0 0.7071 0 2
0.0500 0.5000 3.0150 265.5 215.25 975.5 555.75 0.7071 0 0.7071 0 2
0.0600 0.5200 3.0160 266.5 216.25 976.5 556.75 0.7071 0 0.7071 0 2
0.0700 0.5400 3.0170 267.5 217.25 977.5 557.75 0.7071 0 0.7071 0 2
0.0800 0.5600 3.0180 268.5 218.25 978.5 558.75 0.7071 0 0.7071 0 2
0.0900 0.5800 3.0190 269.5 219.25 979.5 559.75 0.7071 0 0.7071 0 2
0.1000 0.6000 3.0200 270.5 220.25 980.5 560.75 0.7071 0 0.7071 0 2
0.1100 0.6200 3.0210 271.5 221.25 981.5 561.75 0.7071 0 0.7071 0 2
0.1200 0.6400 3.0220 272.5 222.25 982.5 562.75 0.7071 0 0.7071 0 2
0.1300 0.6600 3.0230 273.5 223.25 983.5 563.75 0.7071 0 0.7071 0 2
0.1400 0.6800 3.0240 274.5 224.25 984.5 564.75 0.7071 0 0.7071 0 2
0
2
72057594037931101 0 1 1 1 1 0 -0.2 0.1 2
25
-0.1000 0.2020 3.0000 250.5 200.25 960.5 540.75 0.7071 0 0.7071 0 2
-0.0900 0.2220 3.0010 251.5 201.25 961.5 541.75 0.7071 0 0.7071 0 2
-0.0800 0.2420 3.0020 252.5 202.25 962.5 542.75 0.7071 0 0.7071 0 2
-0.0700 0.2620 3.0030 253.5 203.25 963.5 543.75 0.7071 0 0.7071 0 2
-0.0600 0.2820 3.0040 254.5 204.25 964.5 544.75 0.7071 0 0.7071 0 2
-0.0500 0.3020 3.0050 255.5 205.25 965.5 545.75 0.7071 0 0.7071 0 2
-0.0400 0.3220 3.0060 256.5 206.25 966.5 546.75 0.7071 0 0.7071 0 2
-0.0300 0.3420 3.0070 257.5 207.25 967.5 547.75 0.7071 0 0.7071 0 2
-0.0200 0.3620 3.0080 258.5 208.25 968.5 548.75 0.7071 0 0.7071 0 2
-0.0100 0.3820 3.0090 259.5 209.25 969.5 549.75 0.7071 0 0.7071 0 2
0.0000 0.4020 3.0100 260.5 210.25 970.5 550.75 0.7071 0 0.7071 0 2
0.0100 0.4220 3.0110 261.5 211.25 971.5 551.75 0.7071 0 0.7071 0 2
0.0200 0.4420 3.0120 262.5 212.25 972.5 552.75 0.7071 0 0.7071 0 2
0.0300 0.4620 3.0130 263.5 213.25 973.5 553.75 0.7071 0 0.7071 0 2
0.0400 0.4820 3.0140 264.5 214.25 974.5 554.75 0.7071 0 0.7071 0 2
0.0500 0.5020 3.0150 265.5 215.25 975.5 555.75 0.7071 0 0.7071 0 2
0.0600 0.5220 3.0160 266.5 216.25 976.5 556.75 0.7071 0 0.7071 0 2
0.0700 0.5420 3.0170 267.5 217.25 977.5 557.75 0.7071 0 0.7071 0 2
0.0800 0.5620 3.0180 268.5 218.25 978.5 558.75 0.7071 0 0.7071 0 2
0.0900 0.5820 3.0190 269.5 219.25 979.5 559.75 0.7071 0 0.7071 0 2
0.1000 0.6020 3.0200 270.5 220.25 980.5 560.75 0.7071 0 0.7071 0 2
0.1100 0.6220 3.0210 271.5 221.25 981.5 561.75 0.7071 0 0.7071 0 2
0.1200 0.6420 3.0220 272.5 222.25 982.5 562.75 0.7071 0 0.7071 0 2
0.1300 0.6620 3.0230 273.5 223.25 983.5 563.75 0.7071 0 0.7071 0 2
0.1400 0.6820 3.0240 274.5 224.25 984.5 564.75 0.7071 0 0.7071 0 2
72057594037931102 0 0 0 0 0 0 0.05 -0.1 2
25
0.5000 0.1000 3.5000 250.5 200.25 960.5 540.75 0.7071 0 0.7071 0 2
0.5200 0.1300 3.4980 251.5 201.25 961.5 541.75 0.7071 0 0.7071 0 2
0.5400 0.1600 3.4960 252.5 202.25 962.5 542.75 0.7071 0 0.7071 0 2
0.5600 0.1900 3.4940 253.5 203.25 963.5 543.75 0.7071 0 0.7071 0 1
0.5800 0.2200 3.4920 254.5 204.25 964.5 544.75 0.7071 0 0.7071 0 2
0.6000 0.2500 3.4900 255.5 205.25 965.5 545.75 0.7071 0 0.7071 0 2
0.6200 0.2800 3.4880 256.5 206.25 966.5 546.75 0.7071 0 0.7071 0 2
0.6400 0.3100 3.4860 257.5 207.25 967.5 547.75 0.7071 0 0.7071 0 2
0.6600 0.3400 3.4840 258.5 208.25 968.5 548.75 0.7071 0 0.7071 0 2
0.6800 0.3700 3.4820 259.5 209.25 969.5 549.75 0.7071 0 0.7071 0 2
0.7000 0.4000 3.4800 260.5 210.25 970.5 550.75 0.7071 0 0.7071 0 2
0.7200 0.4300 3.4780 261.5 211.25 971.5 551.75 0.7071 0 0.7071 0 2
0.7400 0.4600 3.4760 262.5 212.25 972.5 552.75 0.7071 0 0.7071 0 2
0.7600 0.4900 3.4740 263.5 213.25 973.5 553.75 0.7071 0 0.7071 0 2
0.7800 0.5200 3.4720 264.5 214.25 974.5 554.75 0.7071 0 0.7071 0 2
0.8000 0.5500 3.4700 265.5 215.25 975.5 555.75 0.7071 0 0.7071 0 2
0.8200 0.5800 3.4680 266.5 216.25 976.5 556.75 0.7071 0 0.7071 0 2
0.8400 0.6100 3.4660 267.5 217.25 977.5 557.75 0.7071 0 0.7071 0 2
0.8600 0.6400 3.4640 268.5 218.25 978.5 558.75 0.7071 0 0.7071 0 2
0.8800 0.6700 3.4620 269.5 219.25 979.5 559.75 0.7071 0 0.7071 0 2
0.9000 0.7000 3.4600 270.5 220.25 980.5 560.75 0.7071 0 0.7071 0 2
0.9200 0.7300 3.4580 271.5 221.25 981.5 561.75 0.7071 0 0.7071 0 2
0.9400 0.7600 3.4560 272.5 222.25 982.5 562.75 0.7071 0 0.7071 0 2
0.9600 0.7900 3.4540 273.5 223.25 983.5 563.75 0.7071 0 0.7071 0 2
0.9800 0.8200 3.4520 274.5 224.25 984.5 564.75 0.7071 0 0.7071 0 2
"""


def write(tmp_path, text, name="S001C002P003R002A013.skeleton"):
    path = tmp_path / name
    path.write_text(text)
    return path


def expected_positions(body, t):
    """The pattern the file above was written in: (25, 3) as float32 of the 4-decimal text."""
    j = range(25)
    if body == 0:
        xyz = [(-0.1 + 0.01 * k, 0.2 + 0.02 * k + 0.001 * t, 3.0 + 0.001 * k) for k in j]
    else:
        xyz = [(0.5 + 0.02 * k, 0.1 + 0.03 * k, 3.5 - 0.002 * k) for k in j]
    return np.array([[float(f"{v:.4f}") for v in row] for row in xyz], dtype=np.float32)


A, B = "72057594037931101", "72057594037931102"


def test_reads_exactly_the_numbers_written(tmp_path):
    sample = read_ntu_skeleton(write(tmp_path, SKELETON))
    assert sample.name == "S001C002P003R002A013" and sample.frames == 3
    assert (sample.setup, sample.camera, sample.performer, sample.replication, sample.action) == (1, 2, 3, 2, 13)
    assert sample.action_name == "tear up paper"
    assert [b.body_id for b in sample.bodies] == [A, B]  # first appearance
    a, b = sample.bodies
    assert a.frames.tolist() == [0, 2] and b.frames.tolist() == [2]  # frame 1 holds no body
    assert a.positions.shape == (2, 25, 3) and a.positions.dtype == np.float32
    assert a.tracking.shape == (2, 25) and a.tracking.dtype == np.int8
    # Spot checks, straight from the text: lines 5, 12, 29, 34, 64 and 85.
    assert a.positions[0, NTUJoint.SPINE_BASE].tolist() == [np.float32(-0.1), np.float32(0.2), np.float32(3.0)]
    assert a.positions[0, NTUJoint.HAND_LEFT].tolist() == [np.float32(-0.03), np.float32(0.34), np.float32(3.007)]
    assert a.positions[0, NTUJoint.THUMB_RIGHT].tolist() == [np.float32(0.14), np.float32(0.68), np.float32(3.024)]
    assert a.positions[1, NTUJoint.SPINE_BASE].tolist() == [np.float32(-0.1), np.float32(0.202), np.float32(3.0)]
    assert b.positions[0, NTUJoint.HEAD].tolist() == [np.float32(0.56), np.float32(0.19), np.float32(3.494)]
    assert b.positions[0, NTUJoint.THUMB_RIGHT].tolist() == [np.float32(0.98), np.float32(0.82), np.float32(3.452)]
    # Every number, against the pattern it was written in.
    np.testing.assert_array_equal(a.positions, np.stack([expected_positions(0, 0), expected_positions(0, 2)]))
    np.testing.assert_array_equal(b.positions[0], expected_positions(1, 2))
    states = np.full((2, 25), TrackingState.TRACKED)
    states[0, NTUJoint.HAND_LEFT], states[0, NTUJoint.HAND_RIGHT] = TrackingState.INFERRED, TrackingState.NOT_TRACKED
    np.testing.assert_array_equal(a.tracking, states)
    assert b.tracking[0, NTUJoint.HEAD] == 1 and (np.delete(b.tracking[0], NTUJoint.HEAD) == 2).all()
    assert not a.positions.flags.writeable and not a.frames.flags.writeable  # a frozen sample stays as read
    assert repr(a) == f"NTUBody('{A}', 2 frames)"


def test_the_main_body_has_the_most_motion_energy_not_the_most_frames(tmp_path):
    sample = read_ntu_skeleton(write(tmp_path, SKELETON))
    a, b = sample.bodies
    # The gendata scripts' get_nonzero_std: the sum over x, y, z of the std over frames and joints.
    for body in (a, b):
        want = sum(body.positions[..., c].astype(np.float64).std() for c in range(3))
        assert body.energy == pytest.approx(want, rel=1e-12)
    assert b.energy > a.energy  # B's joints spread twice as wide, though it is seen in 1 frame to A's 2
    assert sample.main_bodies() == (b, a) and sample.main_bodies(1) == (b,) and sample.main_bodies(6) == (b, a)
    # Equal energy: more frames first, then the body seen first.
    still = NTUBody("1", np.array([0]), np.zeros((1, 25, 3), np.float32), np.full((1, 25), 2, np.int8))
    longer = NTUBody("2", np.array([0, 1]), np.zeros((2, 25, 3), np.float32), np.full((2, 25), 2, np.int8))
    again = NTUBody("3", np.array([1]), np.zeros((1, 25, 3), np.float32), np.full((1, 25), 2, np.int8))
    tie = NTUSample("clip", None, None, None, None, None, (still, longer, again), 2)
    assert tie.main_bodies(3) == (longer, still, again)


def test_sequences_span_the_whole_file_with_absent_frames_nan_and_confidence_from_tracking(tmp_path):
    sample = read_ntu_skeleton(write(tmp_path, SKELETON))
    main, second = sample.sequence()
    for seq in (main, second):
        assert isinstance(seq, PoseSequence) and seq.skeleton == NTU_25 and seq.fps == 30.0 and len(seq) == 3
    # B, the main body, is only in frame 2.
    assert np.isnan(main.positions[:2]).all() and (main.confidence[:2] == 0).all()
    np.testing.assert_array_equal(main.positions[2], expected_positions(1, 2))
    assert main.confidence[2, NTUJoint.HEAD] == 0.5 and main.confidence[2, NTUJoint.NECK] == 1.0
    # A is in frames 0 and 2; frame 1 has no body at all.
    np.testing.assert_array_equal(second.positions[0], expected_positions(0, 0))
    np.testing.assert_array_equal(second.positions[2], expected_positions(0, 2))
    assert np.isnan(second.positions[1]).all() and (second.confidence[1] == 0).all()
    assert second.confidence[0, NTUJoint.HAND_LEFT] == 0.5  # inferred
    assert second.confidence[0, NTUJoint.HAND_RIGHT] == 0.0  # not tracked: Kinect's numbers kept, confidence 0
    assert second.positions[0, NTUJoint.HAND_RIGHT].tolist() == [np.float32(0.01), np.float32(0.42), np.float32(3.011)]
    assert (np.delete(second.confidence[0], [NTUJoint.HAND_LEFT, NTUJoint.HAND_RIGHT]) == 1.0).all()
    (only,) = sample.sequence(max_bodies=1, fps=15.0)
    assert only.fps == 15.0 and np.array_equal(only.positions, main.positions, equal_nan=True)


def test_keypoint_is_pyskls_m_t_v_c_array_with_zeros_where_a_body_is_absent(tmp_path):
    sample = read_ntu_skeleton(write(tmp_path, SKELETON))
    keypoint = sample.keypoint()
    assert keypoint.shape == (2, 3, 25, 3) and keypoint.dtype == np.float32
    np.testing.assert_array_equal(keypoint[0, 2], expected_positions(1, 2))  # the main body first
    np.testing.assert_array_equal(keypoint[1, 0], expected_positions(0, 0))
    np.testing.assert_array_equal(keypoint[1, 2], expected_positions(0, 2))
    assert (keypoint[0, :2] == 0).all() and (keypoint[1, 1] == 0).all()
    padded = sample.keypoint(max_bodies=3)
    assert padded.shape == (3, 3, 25, 3) and (padded[2] == 0).all() and np.array_equal(padded[:2], keypoint)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(MarionnetteError, match="max_bodies"):
            sample.keypoint(max_bodies=bad)
        with pytest.raises(MarionnetteError, match="max_bodies"):
            sample.sequence(max_bodies=bad)


def test_the_ntu60_benchmarks(tmp_path):
    sample = read_ntu_skeleton(write(tmp_path, SKELETON))
    assert ntu_split(sample, "cs") == "test"  # performer 3 is not among the training 20
    assert ntu_split(sample, "cv") == "train"  # camera 2 trains
    assert ntu_split("S001C001P003R002A013", "cv") == "test"  # camera 1 tests
    assert (
        ntu_split("S017C003P001R001A060", "xsub") == "train" and ntu_split("S017C003P001R001A060", "XVIEW") == "train"
    )
    assert ntu_split(tmp_path / "S005C001P038R002A001.skeleton", "cs") == "train"
    assert ntu_split("S005C001P040R002A001", "cs") == "test"
    assert len(NTU60_TRAIN_PERFORMERS) == 20 and NTU60_TRAIN_CAMERAS == {2, 3}
    train = [p for p in range(1, 41) if ntu_split(f"S001C001P{p:03d}R001A001", "cs") == "train"]
    assert train == [1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38]

    with pytest.raises(MarionnetteError) as e:
        ntu_split(sample, "cross-setup")
    assert "\n" not in str(e.value) and "'cs'" in str(e.value) and "'cv'" in str(e.value)
    with pytest.raises(MarionnetteError, match="not an NTU RGB[+]D sample name"):
        ntu_split("walk_01", "cs")
    with pytest.raises(MarionnetteError, match="not an NTU RGB[+]D 60 sample"):
        ntu_split("S018C001P045R001A001", "cs")  # an NTU-120 setup
    with pytest.raises(MarionnetteError, match="not an NTU RGB[+]D 60 sample"):
        ntu_split("S001C001P001R001A061", "cv")  # an NTU-120 action


def test_the_sixty_action_names():
    assert len(NTU60_ACTIONS) == 60 and len(set(NTU60_ACTIONS)) == 60
    assert NTU60_ACTIONS[0] == "drink water" and NTU60_ACTIONS[59] == "walking apart from each other"
    assert NTU60_ACTIONS[42] == "falling" and NTU60_ACTIONS[57] == "handshaking"  # A043, A058


def test_a_file_under_another_name_is_read_with_no_name_fields(tmp_path):
    sample = read_ntu_skeleton(write(tmp_path, SKELETON, name="my_capture.skeleton"))
    assert sample.name == "my_capture" and sample.frames == 3 and len(sample.bodies) == 2
    assert (sample.setup, sample.camera, sample.performer, sample.replication, sample.action) == (None,) * 5
    assert sample.action_name is None
    assert read_ntu_skeleton(write(tmp_path, SKELETON, name="S001C002P003R002A099.skeleton")).action_name is None


LINES = SKELETON.splitlines(keepends=True)


def replaced(line, old, new):
    """SKELETON with ``old`` replaced by ``new`` on (1-based) line ``line``."""
    assert old in LINES[line - 1]
    return "".join(LINES[: line - 1] + [LINES[line - 1].replace(old, new, 1)] + LINES[line:])


BAD = {
    "empty": ("", ["is empty"]),
    "blank": ("\n  \n", ["is empty"]),
    "cut_between_frames": ("".join(LINES[:29]), ["looks cut short", "after line 29", "body count of frame 1",
                                                 "promises 3 frames", "again"]),
    "cut_between_joints": ("".join(LINES[:70]), ["looks cut short", "after line 70",
                                                 "joint 10 (wrist_right) of body 1 of frame 2", "promises 3 frames"]),
    "cut_mid_line": ("".join(LINES[:70]) + LINES[70][:20], ["looks cut short", "last line 71", "of the 12 values",
                                                            "joint 10 (wrist_right) of body 1 of frame 2"]),
    "cut_in_body_line": ("".join(LINES[:58]) + "72057594037931102 0 0", ["looks cut short", "last line 59",
                                                                         "3 of the 10 values", "body 1 of frame 2"]),
    "24_joints": (replaced(60, "25", "24"), ["line 60", "body 1 of frame 2 has 24 joints", "25"]),
    "text_in_a_joint": (replaced(40, "3.0060", "3.0O60"), ["line 40", "'3.0O60'", "not a finite number",
                                                            "joint 6 (wrist_left) of body 0 of frame 2"]),
    "nan_in_a_joint": (replaced(40, "3.0060", "nan"), ["line 40", "'nan'", "not a finite number"]),
    "text_in_a_body_line": (replaced(32, "-0.2", "lean"), ["line 32", "'lean'", "body line of body 0 of frame 2"]),
    "bad_body_id": (replaced(3, "72057594037931101", "body7"), ["line 3", "'body7'", "body ID"]),
    "bad_frame_count": (replaced(1, "3", "three"), ["line 1", "frame count", "'three'", "whole number"]),
    "bad_body_count": (replaced(31, "2", "-2"), ["line 31", "body count of frame 2", "'-2'"]),
    "short_joint_line": (replaced(12, " 0.7071 0 0.7071 0 1", " 1"), ["line 12", "should hold 12 values, found 8"]),
    "bad_tracking_state": (replaced(12, "0.7071 0 1", "0.7071 0 3"), ["line 12", "tracking state", "'3'",
                                                                       "not 0, 1 or 2"]),
    "same_body_twice": ("".join(LINES[:30]) + "2\n" + "".join(LINES[31:58]) + "".join(LINES[31:58]),
                        ["line 59", f"body ID {A} appears twice in frame 2 (lines 32 and 59)"]),
    "lines_after_the_last_frame": (SKELETON + "1\n", ["line 86", "more lines follow the 3 frames", "line 1"]),
    "no_body_at_all": ("2\n0\n0\n", ["none of its 2 frames holds a body", "missing skeletons", "leave it out"]),
    "no_frames": ("0\n", ["none of its 0 frames holds a body"]),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD, ids=str)
def test_bad_files_get_one_helpful_line(tmp_path, case):
    text, says = BAD[case]
    path = write(tmp_path, text)
    with pytest.raises(MarionnetteError) as e:
        read_ntu_skeleton(path)
    message = str(e.value)
    assert "\n" not in message and str(path) in message, message
    assert "index" not in message and "Traceback" not in message and "out of range" not in message, message
    for part in says:
        assert part in message, (part, message)


def test_a_missing_file_and_a_binary_one(tmp_path):
    with pytest.raises(MarionnetteError) as e:
        read_ntu_skeleton(tmp_path / "S001C001P001R001A001.skeleton")
    assert "no such file" in str(e.value) and "S001C001P001R001A001.skeleton" in str(e.value)
    with pytest.raises(MarionnetteError, match="no such file"):
        read_ntu_skeleton(tmp_path)  # a folder
    binary = tmp_path / "S001C001P001R001A001.skeleton"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    with pytest.raises(MarionnetteError) as e:
        read_ntu_skeleton(binary)
    assert "not a readable text file" in str(e.value) and isinstance(e.value.__cause__, UnicodeDecodeError)
