"""The clips of Ke et al. (CVPR 2017) on a hand-built body whose every vector is known."""

import math

import numpy as np
import pytest
import torch

from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, NTU_25, NTUJoint, PoseSequence
from marionnette.perception.action import (
    BODY_PARTS,
    CHAIN,
    CHANNELS,
    FRAME_ROWS,
    REFERENCE_JOINTS,
    relative_positions,
    skeleton_clips,
    to_cylindrical,
)

# A person 1.75 m tall standing at the origin, facing +z, their left on +x, arms out
# sideways (a T-pose), metres.
STANDING = {
    "spine_base": (0.0, 1.0, 0.0), "spine_mid": (0.0, 1.25, 0.0), "spine_shoulder": (0.0, 1.5, 0.0),
    "neck": (0.0, 1.6, 0.0), "head": (0.0, 1.75, 0.0),
    "shoulder_left": (0.2, 1.5, 0.0), "elbow_left": (0.45, 1.5, 0.0), "wrist_left": (0.7, 1.5, 0.0),
    "hand_left": (0.8, 1.5, 0.0), "hand_tip_left": (0.9, 1.5, 0.0), "thumb_left": (0.8, 1.55, 0.05),
    "hip_left": (0.1, 1.0, 0.0), "knee_left": (0.1, 0.55, 0.0), "ankle_left": (0.1, 0.1, 0.0),
    "foot_left": (0.1, 0.05, 0.1),
}  # fmt: skip
STANDING |= {k.replace("left", "right"): (-x, y, z) for k, (x, y, z) in STANDING.items() if "left" in k}
# Frame 2 raises the left arm straight up.
ARM_UP = {
    "elbow_left": (0.2, 1.75, 0.0), "wrist_left": (0.2, 2.0, 0.0), "hand_left": (0.2, 2.1, 0.0),
    "hand_tip_left": (0.2, 2.2, 0.0), "thumb_left": (0.25, 2.1, 0.05),
}  # fmt: skip


def three_frames() -> np.ndarray:
    """``(3, 25, 3)``: standing; standing 0.5 m further forward and 0.3 m to the left (the
    same relative vectors); the left arm raised."""
    pose = np.array([STANDING[name] for name in NTU_25.joints])  # (25, 3)
    raised = pose.copy()
    for name, p in ARM_UP.items():
        raised[NTU_25.index(name)] = p
    return np.stack([pose, pose + (0.3, 0.0, 0.5), raised]).astype(np.float32)


def row(frame: int, joint: NTUJoint) -> int:
    return FRAME_ROWS[frame].index(joint)


def test_the_chain_is_trunk_left_arm_right_arm_left_leg_right_leg_from_the_body_outward():
    assert [part for part, _ in BODY_PARTS] == ["trunk", "left_arm", "right_arm", "left_leg", "right_leg"]
    assert [j.name.lower() for j in CHAIN] == [
        "spine_base", "spine_mid", "spine_shoulder", "neck", "head",
        "shoulder_left", "elbow_left", "wrist_left", "hand_left", "hand_tip_left", "thumb_left",
        "shoulder_right", "elbow_right", "wrist_right", "hand_right", "hand_tip_right", "thumb_right",
        "hip_left", "knee_left", "ankle_left", "foot_left",
        "hip_right", "knee_right", "ankle_right", "foot_right",
    ]  # fmt: skip
    # each part is a path along NTU_25's bones, from the body outward (the thumb excepted:
    # it hangs from the wrist and follows the hand's tip)
    for _, joints in BODY_PARTS:
        for a, b in zip(joints, joints[1:], strict=False):
            if b.name.startswith("THUMB"):
                assert NTU_25.parents[b] == NTUJoint[b.name.replace("THUMB", "WRIST")]
            else:
                assert NTU_25.parents[b] == a, (a.name, b.name)
    assert [j.name for j in REFERENCE_JOINTS] == ["SHOULDER_LEFT", "SHOULDER_RIGHT", "HIP_LEFT", "HIP_RIGHT"]
    for reference, rows in zip(REFERENCE_JOINTS, FRAME_ROWS, strict=True):
        assert len(rows) == 24 and reference not in rows and list(rows) == [j for j in CHAIN if j != reference]
    assert CHANNELS == ("rho", "theta", "z")


def test_relative_vectors_are_from_each_reference_joint_in_every_frame():
    x = torch.from_numpy(three_frames())[None]  # (1, 3, 25, 3)
    rel = relative_positions(x)  # (1, 4, T, 24, 3)
    assert rel.shape == (1, 4, 3, 24, 3)
    J = NTUJoint
    # left shoulder → right shoulder: 0.4 m to the person's right
    assert rel[0, 0, 0, row(0, J.SHOULDER_RIGHT)].tolist() == pytest.approx([-0.4, 0.0, 0.0])
    # left shoulder → left wrist: out to the side, then straight up with the arm raised
    assert rel[0, 0, 0, row(0, J.WRIST_LEFT)].tolist() == pytest.approx([0.5, 0.0, 0.0])
    assert rel[0, 0, 2, row(0, J.WRIST_LEFT)].tolist() == pytest.approx([0.0, 0.5, 0.0])
    # right hip → left foot
    assert rel[0, 3, 0, row(3, J.FOOT_LEFT)].tolist() == pytest.approx([0.2, -0.95, 0.1])
    # frame 1 only moved the whole body: the same vectors as frame 0
    assert torch.allclose(rel[0, :, 1], rel[0, :, 0], atol=1e-6)
    # every entry, by the definition
    for k, (reference, rows) in enumerate(zip(REFERENCE_JOINTS, FRAME_ROWS, strict=True)):
        assert torch.equal(rel[0, k], x[0][:, list(rows)] - x[0][:, [reference]])


def test_the_cylindrical_coordinates_of_known_vectors():
    vectors = torch.tensor([[3.0, 4.0, 5.0], [0.0, -2.0, 1.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, -2.0]])
    rho, theta, z = to_cylindrical(vectors).T
    assert rho.tolist() == pytest.approx([5.0, 2.0, 1.0, 0.0, math.sqrt(2)])
    assert theta.tolist() == pytest.approx([math.atan2(4, 3), -math.pi / 2, math.pi, 0.0, math.pi / 4])
    assert z.tolist() == [5.0, 1.0, 0.0, 0.0, -2.0]


def test_clips_at_their_own_size_are_the_scaled_cylindrical_arrays():
    """At ``size = (24, T)`` no resizing happens: each clip frame is its reference joint's
    (24 joints x T frames) array of one cylindrical coordinate, scaled by the clip's own
    minimum and maximum over its four frames."""
    frames = three_frames()
    clips = skeleton_clips(frames, size=(24, 3))
    assert clips.shape == (3, 4, 24, 3) and clips.dtype == np.float32
    cylindrical = to_cylindrical(relative_positions(torch.from_numpy(frames)[None]))[0].numpy()  # (4, T, 24, 3)
    for c in range(3):
        values = cylindrical[..., c]  # (4, T, 24)
        expected = (values - values.min()) / (values.max() - values.min())
        np.testing.assert_allclose(clips[c], expected.transpose(0, 2, 1), atol=1e-6)  # rows joints, columns time
        assert clips[c].min() == 0.0 and clips[c].max() == pytest.approx(1.0)
    # one known pixel: the rho clip, left-shoulder frame, left wrist's row, arm raised (t = 2)
    rho = cylindrical[..., 0]
    wrist = row(0, NTUJoint.WRIST_LEFT)
    assert clips[0, 0, wrist, 2] == pytest.approx((0.5 - rho.min()) / (rho.max() - rho.min()))
    # the theta clip: the wrist went from theta 0 (out to the left) to pi/2 (up)
    theta = cylindrical[..., 1]
    span = theta.max() - theta.min()
    assert clips[1, 0, wrist, 0] == pytest.approx((0.0 - theta.min()) / span)
    assert clips[1, 0, wrist, 2] == pytest.approx((np.pi / 2 - theta.min()) / span)


def test_the_frames_are_resized_to_the_cnn_input_and_stay_in_zero_one():
    clips = skeleton_clips(three_frames())
    assert clips.shape == (3, 4, 224, 224)
    assert clips.min() >= 0.0 and clips.max() <= 1.0
    small = skeleton_clips(three_frames(), size=(32, 48))
    assert small.shape == (3, 4, 32, 48)
    # a long sequence squeezed into a narrow image (antialiased) stays in range too
    long = np.tile(three_frames(), (100, 1, 1)) + np.random.default_rng(0).normal(0, 0.05, (300, 25, 3))
    squeezed = skeleton_clips(long, size=(24, 32))
    assert squeezed.shape == (3, 4, 24, 32) and squeezed.min() >= 0.0 and squeezed.max() <= 1.0


def test_scaling_is_per_clip_so_rho_and_theta_ignore_the_body_s_size():
    frames = three_frames()
    a, b = skeleton_clips(frames, size=(24, 3)), skeleton_clips(2.5 * frames, size=(24, 3))
    np.testing.assert_allclose(a, b, atol=1e-5)  # every channel scales linearly (theta not at all)


def test_a_flat_channel_is_zeros_not_nan():
    frames = three_frames()
    frames[..., 2] = 0.0  # everyone in the z = 0 plane
    clips = skeleton_clips(frames, size=(24, 3))
    assert np.all(clips[2] == 0.0) and np.isfinite(clips).all()


def test_a_batch_is_each_sequence_s_clips_and_torch_stays_torch():
    rng = np.random.default_rng(1)
    batch = three_frames()[None] + rng.normal(0, 0.05, size=(2, 3, 25, 3)).astype(np.float32)
    clips = skeleton_clips(torch.from_numpy(batch), size=(32, 32))
    assert isinstance(clips, torch.Tensor) and clips.shape == (2, 3, 4, 32, 32)
    for n in range(2):
        np.testing.assert_allclose(clips[n].numpy(), skeleton_clips(batch[n], size=(32, 32)), atol=1e-6)
    seq = PoseSequence(batch[0], 30.0, NTU_25)
    np.testing.assert_array_equal(skeleton_clips(seq, size=(32, 32)), skeleton_clips(batch[0], size=(32, 32)))


@pytest.mark.parametrize(
    ("positions", "message"),
    [
        (np.zeros((3, 16, 3)), "16 joints of 3 coordinates .* NTU_25's 25 Kinect joints"),
        (np.zeros((3, 25, 2)), "25 joints of 2 coordinates"),
        (np.zeros((25, 3)), r"shape \(25, 3\): give \(T, 25, 3\) for one sequence or \(N, T, 25, 3\)"),
        (np.zeros((1, 2, 3, 25, 3)), r"shape \(1, 2, 3, 25, 3\)"),
        (np.zeros((0, 25, 3)), "no frames"),
    ],
    ids=["16-joints", "2d", "one-frame-rank-2", "rank-5", "empty"],
)
def test_bad_shapes_are_one_line_with_the_fix(positions, message):
    with pytest.raises(MarionnetteError, match=message) as e:
        skeleton_clips(positions)
    assert "\n" not in str(e.value)


def test_a_missing_joint_says_where_and_to_fill_the_gaps_first():
    frames = three_frames()
    frames[1, NTUJoint.HAND_LEFT] = np.nan
    with pytest.raises(MarionnetteError, match=r"NaN \(frame 1, joint hand_left\).*PoseSequence\.fill_gaps"):
        skeleton_clips(frames)
    batch = np.stack([three_frames(), frames])
    with pytest.raises(MarionnetteError, match=r"sequence 1, frame 1, joint hand_left"):
        skeleton_clips(batch)
    frames[1, NTUJoint.HAND_LEFT] = np.inf
    with pytest.raises(MarionnetteError, match="an infinite value"):
        skeleton_clips(frames)


def test_a_sequence_on_another_skeleton_is_refused():
    seq = PoseSequence(np.zeros((3, len(CANONICAL), 3)), 30.0, CANONICAL)
    with pytest.raises(MarionnetteError, match="NTU_25's 25 Kinect joints, not on 'canonical'"):
        skeleton_clips(seq)
