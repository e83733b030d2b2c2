import zipfile

import numpy as np
import pytest

from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, MEDIAPIPE_33, PoseSequence, Skeleton, load_bvh, save_bvh
from marionnette.motion.sequence import FORMAT


def sequence(T=10, skeleton=CANONICAL, fps=30.0, seed=0):
    rng = np.random.default_rng(seed)
    positions = rng.normal(size=(T, len(skeleton), 3)).astype(np.float32)
    confidence = rng.uniform(0.2, 1.0, size=(T, len(skeleton))).astype(np.float32)
    return PoseSequence(positions, fps, skeleton, confidence)


def one_line_naming(error, *names):
    message = str(error.value)
    assert "\n" not in message, message
    for name in names:
        assert str(name) in message, message
    return message


# -- construction -------------------------------------------------------------------------


def test_defaults_and_dtypes():
    seq = PoseSequence(np.zeros((4, 16, 3)), 25, CANONICAL)
    assert seq.positions.dtype == np.float32 and seq.confidence.dtype == np.float32
    assert (seq.confidence == 1).all() and seq.fps == 25.0 and isinstance(seq.fps, float)
    assert len(seq) == 4 and seq.duration == pytest.approx(4 / 25)


@pytest.mark.parametrize(
    "positions, confidence, fps, says",
    [
        (np.zeros((4, 15, 3)), None, 30, "(T, 16, 3)"),
        (np.zeros((4, 16)), None, 30, "(T, 16, 3)"),
        (np.zeros((4, 16, 3)), np.ones((4, 15)), 30, "confidence has shape"),
        (np.zeros((4, 16, 3)), np.full((4, 16), 1.5), 30, "[0, 1]"),
        (np.full((4, 16, 3), np.inf), None, 30, "inf"),
        (np.full((4, 16, 3), np.nan), None, 30, "confidence 0"),
        (np.zeros((4, 16, 3)), None, 0, "fps"),
    ],
)
def test_bad_arrays_are_refused_in_one_line(positions, confidence, fps, says):
    with pytest.raises(MarionnetteError) as e:
        PoseSequence(positions, fps, CANONICAL, confidence)
    one_line_naming(e, says)


def test_a_missing_joint_is_nan_with_confidence_zero():
    positions, confidence = np.zeros((3, 16, 3)), np.ones((3, 16))
    positions[1, 4], confidence[1, 4] = np.nan, 0.0
    seq = PoseSequence(positions, 30, CANONICAL, confidence)
    assert np.isnan(seq.positions[1, 4]).all() and seq.confidence[1, 4] == 0


# -- time ---------------------------------------------------------------------------------


def test_slicing_keeps_the_skeleton_and_a_step_divides_the_fps():
    seq = sequence(T=30)
    part = seq[10:20]
    assert len(part) == 10 and part.skeleton == CANONICAL and part.fps == 30.0
    np.testing.assert_array_equal(part.positions, seq.positions[10:20])
    np.testing.assert_array_equal(part.confidence, seq.confidence[10:20])
    every_other = seq[::2]
    assert len(every_other) == 15 and every_other.fps == 15.0
    with pytest.raises(MarionnetteError):
        seq[::-1]


def linear_motion(T, fps):
    t = np.arange(T)[:, None, None] / fps  # (T, 1, 1) seconds
    velocity = np.linspace(-1, 1, 16 * 3).reshape(1, 16, 3)
    return PoseSequence(0.1 + velocity * t, fps, CANONICAL)


def test_resample_halves_and_doubles_the_frame_count_and_interpolates_linearly():
    seq = linear_motion(100, 30.0)
    half, double = seq.resample(15.0), seq.resample(60.0)
    assert (len(half), half.fps, len(double), double.fps) == (50, 15.0, 200, 60.0)
    assert half.duration == pytest.approx(seq.duration) and double.duration == pytest.approx(seq.duration)
    np.testing.assert_allclose(half.positions, seq.positions[::2], atol=1e-6)
    np.testing.assert_allclose(double.positions[::2], seq.positions, atol=1e-6)
    np.testing.assert_allclose(double.positions[1:-1:2], (seq.positions[:-1] + seq.positions[1:]) / 2, atol=1e-6)
    np.testing.assert_array_equal(double.positions[-1], seq.positions[-1])  # past the end: hold the last frame
    odd = seq.resample(24.0)
    assert len(odd) == 80
    np.testing.assert_allclose(odd.positions, linear_motion(80, 24.0).positions, atol=1e-6)


def test_resample_keeps_missing_joints_missing_between_frames():
    seq = linear_motion(10, 10.0)
    positions, confidence = seq.positions.copy(), seq.confidence.copy()
    positions[4, 0], confidence[4, 0] = np.nan, 0.0
    confidence[6, 1] = 0.5
    double = PoseSequence(positions, 10.0, CANONICAL, confidence).resample(20.0)
    assert list(np.flatnonzero(double.confidence[:, 0] == 0)) == [7, 8, 9]  # frames 3.5, 4 and 4.5
    assert np.isnan(double.positions[[7, 8, 9], 0]).all() and np.isfinite(double.positions[[6, 10], 0]).all()
    assert double.confidence[11:14, 1].tolist() == [0.5, 0.5, 0.5]


# -- npz files ----------------------------------------------------------------------------


def test_npz_round_trip_is_exact_with_missing_joints_and_custom_skeletons(tmp_path):
    seq = sequence(skeleton=MEDIAPIPE_33, fps=29.97)
    seq.positions[3, 7] = np.nan
    seq.confidence[3, 7] = 0.0
    path = seq.save(tmp_path / "clip.npz")
    back = PoseSequence.load(path)
    assert back.skeleton == MEDIAPIPE_33 and back.fps == 29.97
    np.testing.assert_array_equal(back.positions, seq.positions)
    np.testing.assert_array_equal(back.confidence, seq.confidence)
    assert [p.name for p in tmp_path.iterdir()] == ["clip.npz"]  # no temporary file left

    custom = Skeleton("puppet", ("root", "arm", "hand"), (-1, 0, 1))
    seq = sequence(skeleton=custom)
    back = PoseSequence.load(seq.save(tmp_path / "puppet.npz"))
    assert back.skeleton == custom
    np.testing.assert_array_equal(back.positions, seq.positions)


def write_npz(path, **changes):
    seq = sequence(T=4)
    data = dict(
        format=np.array(FORMAT), version=np.array(1), positions=seq.positions, confidence=seq.confidence,
        fps=np.array(30.0), skeleton=np.array("canonical"), joints=np.array(CANONICAL.joints),
        parents=np.array(CANONICAL.parents), units=np.array("m"), up=np.array("y"),
    )  # fmt: skip
    data.update(changes)
    np.savez(path, **{k: v for k, v in data.items() if v is not None})
    return path


@pytest.mark.parametrize(
    "changes, says",
    [
        (dict(units=np.array("cm")), "units are 'cm'"),
        (dict(up=np.array("z")), "up axis"),
        (dict(fps=None), "'fps'"),
        (dict(positions=np.zeros((4, 15, 3), np.float32)), "(T, 16, 3)"),
        (dict(positions=np.zeros((4, 16), np.float32)), "(T, 16, 3)"),
        (dict(confidence=np.ones((3, 16), np.float32)), "confidence has shape"),
        (dict(joints=np.array(["pelvis", "spline", *CANONICAL.joints[2:]])), "unknown joint names spline"),
        (dict(version=np.array(7)), "format version 7"),
        (dict(format=np.array("something.else")), "format"),
        (dict(fps=np.array("fast")), "'fps'"),
        (dict(skeleton=np.array("mine"), parents=np.array([-1] * 16)), "16 roots"),
    ],
)
def test_load_says_in_one_line_what_is_wrong_with_the_file(tmp_path, changes, says):
    path = write_npz(tmp_path / "bad.npz", **changes)
    with pytest.raises(MarionnetteError) as e:
        PoseSequence.load(path)
    one_line_naming(e, path, says)


def test_load_refuses_truncated_corrupt_and_missing_files(tmp_path):
    good = sequence().save(tmp_path / "good.npz").read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(good[: len(good) // 2])
    text = tmp_path / "text.npz"
    text.write_text("not an archive")
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    flipped = bytearray(good)
    flipped[len(good) // 3 : len(good) // 3 + 40] = bytes(40)  # inside the positions: a bad CRC
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(bytes(flipped))
    for path, says, cause in [
        (truncated, "truncated or corrupt", zipfile.BadZipFile),
        (text, "truncated or corrupt", ValueError),  # numpy takes it for a pickle and refuses
        (empty, "truncated or corrupt", EOFError),
        (corrupt, "truncated or corrupt", zipfile.BadZipFile),
        (tmp_path / "nope.npz", "no such", type(None)),
    ]:
        with pytest.raises(MarionnetteError) as e:
            PoseSequence.load(path)
        one_line_naming(e, path, says)
        assert isinstance(e.value.__cause__, cause), (path.name, repr(e.value.__cause__))


def test_load_names_the_right_reader_for_other_files(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(MarionnetteError) as e:
        PoseSequence.load(tmp_path / "one.npy")
    one_line_naming(e, "one.npy", "single .npy array")
    walk = save_bvh(sequence(T=3, skeleton=CANONICAL), tmp_path / "walk.bvh")  # a valid BVH, not a corrupt .npz
    assert len(load_bvh(walk, units="m")) == 3
    for path in (walk, walk.rename(tmp_path / "WALK.BVH"), (tmp_path / "WALK.BVH").rename(tmp_path / "walk.npz")):
        with pytest.raises(MarionnetteError) as e:
            PoseSequence.load(path)
        message = one_line_naming(e, path.name, "is a BVH file", "marionnette.motion.load_bvh", "units=")
        assert "corrupt" not in message and "truncated" not in message, message
    with zipfile.ZipFile(tmp_path / "raw.npz", "w") as z:  # a member that is no .npy file
        z.writestr("positions.npy", b"raw bytes")
    with pytest.raises(MarionnetteError) as e:
        PoseSequence.load(tmp_path / "raw.npz")
    one_line_naming(e, "raw.npz", "'positions' is not a numpy array")


def test_load_checks_the_expected_skeleton(tmp_path):
    path = sequence(skeleton=MEDIAPIPE_33).save(tmp_path / "mp.npz")
    with pytest.raises(MarionnetteError) as e:
        PoseSequence.load(path, skeleton=CANONICAL)
    one_line_naming(e, path, "unknown joint names nose", "missing pelvis", "canonical")
    assert PoseSequence.load(path, skeleton=MEDIAPIPE_33).skeleton == MEDIAPIPE_33


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    path = sequence().save(tmp_path / "clip.npz")
    before = path.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(RuntimeError):
        sequence(seed=1).save(path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["clip.npz"]


# -- gaps ---------------------------------------------------------------------------------


def test_gaps_are_filled_with_the_last_seen_position_and_a_joint_never_seen_is_one_line():
    positions = np.zeros((4, 16, 3), np.float32)
    positions[:, :, 1] = np.arange(4)[:, None]
    confidence = np.ones((4, 16), np.float32)
    confidence[1:3, 5] = 0
    positions[1:3, 5] = np.nan
    confidence[0:2, 6] = 0  # missing from the start: takes its first seen position
    positions[0:2, 6] = np.nan
    seq = PoseSequence(positions=positions, confidence=confidence, fps=30, skeleton=CANONICAL)
    filled = seq.fill_gaps()
    assert filled.positions[1:3, 5, 1].tolist() == [0.0, 0.0]  # held from frame 0
    assert filled.positions[:, 6, 1].tolist() == [2.0, 2.0, 2.0, 3.0]
    np.testing.assert_array_equal(np.delete(filled.positions, [5, 6], axis=1), np.delete(positions, [5, 6], axis=1))
    assert (filled.confidence == 1).all() and filled.fps == 30 and filled.skeleton == CANONICAL
    confidence[:, 7] = 0
    positions[:, 7] = np.nan
    with pytest.raises(MarionnetteError, match="right_shoulder was never seen") as e:
        PoseSequence(positions=positions, confidence=confidence, fps=30, skeleton=CANONICAL).fill_gaps()
    one_line_naming(e, "right_shoulder")
