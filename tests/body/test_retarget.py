"""Retargeting against the character's own forward kinematics: poses it can reach exactly."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from marionnette.body import Character, Retargeter
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, MEDIAPIPE_33, CanonicalJoint, PoseSequence, Skeleton

CM = 0.01  # the bar: retargeted joints within 1 cm of the character's own pose


@pytest.fixture(scope="module")
def character():
    return Character()


def random_qpos(character, rng, n, reach=1.0):
    """Poses with every hinge in ``reach`` times its limits (0 is the zero pose, 1 the full
    range), the root anywhere and turned any way."""
    qpos = np.tile(character.model.qpos0, (n, 1))
    qpos[:, :3] = rng.uniform([-2, -2, 0.5], [2, 2, 1.5], (n, 3))
    qpos[:, 3:7] = Rotation.random(n, random_state=rng).as_quat(scalar_first=True)
    low, high = character.hinge_range.T * reach
    qpos[:, character.hinge_qpos] = rng.uniform(low, high, (n, len(low)))
    return qpos


def smooth_trajectory(character, rng, frames, keys=5, reach=0.7):
    """``(frames, nq)``: random key poses joined by straight lines in angle (and root) space."""
    key = random_qpos(character, rng, keys, reach)
    key[:, :3] = key[0, :3] + rng.normal(0, 0.3, (keys, 3))  # walking about, not teleporting
    for k in range(1, keys):  # q and -q are the same turn: take the one nearer the last key
        key[k, 3:7] *= np.sign(key[k, 3:7] @ key[k - 1, 3:7])
    t = np.linspace(0, keys - 1, frames)
    qpos = np.stack([np.interp(t, np.arange(keys), key[:, k]) for k in range(key.shape[1])], axis=1)
    qpos[:, 3:7] /= np.linalg.norm(qpos[:, 3:7], axis=1, keepdims=True)
    return qpos


def assert_within_limits(character, qpos):
    angles = qpos[..., character.hinge_qpos]
    low, high = character.hinge_range.T
    assert np.all(angles >= low) and np.all(angles <= high)


def errors(character, qpos, positions):
    """``(T, 16)`` metres between the joints of ``qpos`` and ``positions``."""
    return np.linalg.norm(character.forward_kinematics(qpos).positions - positions, axis=-1)


def test_cold_solves_recover_poses_over_the_whole_joint_range(character):
    rng = np.random.default_rng(0)
    qpos = random_qpos(character, rng, 40)
    seq = character.forward_kinematics(qpos)
    retarget = Retargeter(character, scale=False)
    solved = np.empty_like(qpos)
    for t in range(len(qpos)):
        retarget.reset()  # every frame cold: no previous solution to start from
        solved[t] = retarget.solve_frame(seq.positions[t])
        np.testing.assert_allclose(retarget.residual, errors(character, solved[t], seq.positions[t])[0], atol=1e-5)
    assert errors(character, solved, seq.positions).max() < CM
    assert_within_limits(character, solved)
    # The root is pinned by the pelvis, spine and hips: its position and turn come back.
    np.testing.assert_allclose(solved[:, :3], qpos[:, :3], atol=1e-3)
    turn = (
        Rotation.from_quat(solved[:, 3:7], scalar_first=True)
        * Rotation.from_quat(qpos[:, 3:7], scalar_first=True).inv()
    )
    assert np.degrees(turn.magnitude()).max() < 1


def test_cold_solves_from_the_zero_pose_without_the_seed(character):
    """Plain differential IK (no closed-form seed) from the zero pose, for poses within 40%
    of each joint's range: from half of it on, some stall on a joint limit (the module says
    why), and the weak pull towards the zero pose leaves a few millimetres."""
    qpos = random_qpos(character, np.random.default_rng(1), 30, reach=0.4)
    seq = character.forward_kinematics(qpos)
    retarget = Retargeter(character, scale=False, seed=False, cold_iterations=40)
    solved = np.empty_like(qpos)
    for t in range(len(qpos)):
        retarget.reset()
        solved[t] = retarget.solve_frame(seq.positions[t])
    assert errors(character, solved, seq.positions).max() < CM
    assert_within_limits(character, solved)


def test_a_smooth_motion_solved_warm_frame_by_frame(character):
    qpos = smooth_trajectory(character, np.random.default_rng(2), 90)
    seq = character.forward_kinematics(qpos, fps=30)
    retarget = Retargeter(character, scale=False, iterations=3)
    solved = retarget.solve(seq)
    assert solved.shape == (90, character.model.nq)
    e = errors(character, solved, seq.positions)  # (90, 16)
    assert e.max() < CM and e.mean() < 0.1 * CM
    assert_within_limits(character, solved)
    # solve is solve_frame from a reset, frame after frame (the live puppet's path)
    retarget.reset()
    live = np.stack([retarget.solve_frame(p) for p in seq.positions])
    np.testing.assert_allclose(live, solved)
    # warm frames move little: no flips between equivalent solutions
    assert np.abs(np.diff(solved[:, character.hinge_qpos], axis=0)).max() < 0.5


def test_missing_joints_leave_their_limb_be_and_the_rest_fits(character):
    qpos = smooth_trajectory(character, np.random.default_rng(3), 40)
    seq = character.forward_kinematics(qpos)
    positions, confidence = seq.positions.copy(), seq.confidence.copy()
    hidden = slice(10, 25)
    arm = [CanonicalJoint.LEFT_ELBOW, CanonicalJoint.LEFT_WRIST]
    positions[hidden, arm] = np.nan  # what capture writes for a joint it did not see
    confidence[hidden, arm] = 0
    confidence[30, CanonicalJoint.RIGHT_KNEE] = 0  # a finite guess with no confidence: ignored
    positions[30, CanonicalJoint.RIGHT_KNEE] += 1.0
    retarget = Retargeter(character, scale=False)
    solved = np.stack([retarget.solve_frame(p, c) for p, c in zip(positions, confidence, strict=True)])
    e = errors(character, solved, seq.positions)
    seen = confidence > 0
    assert e[seen].max() < CM
    # the left arm's hinges hold the angles of the last frame that showed it
    left_arm = [i for i, name in enumerate(character.joint_names) if name.startswith(("left_shoulder", "left_elbow"))]
    held = solved[hidden][:, character.hinge_qpos[left_arm]]
    np.testing.assert_allclose(held, np.broadcast_to(solved[9, character.hinge_qpos[left_arm]], held.shape), atol=1e-7)
    assert np.isnan(retarget.residual).sum() == 0
    # NaN confidence counts as missing; a frame with nothing seen holds the last pose
    c = np.ones(16)
    c[CanonicalJoint.HEAD] = np.nan
    retarget.solve_frame(seq.positions[-1], c)
    assert np.isnan(retarget.residual[CanonicalJoint.HEAD]) and np.nanmax(retarget.residual) < CM
    before = retarget.solve_frame(seq.positions[-1])
    np.testing.assert_array_equal(retarget.solve_frame(np.full((16, 3), np.nan), np.zeros(16)), before)


def test_scale_and_ground_put_a_small_hip_centred_person_on_the_floor(character):
    """MediaPipe's world landmarks are hip-centred, in the person's own size."""
    qpos = smooth_trajectory(character, np.random.default_rng(4), 30, reach=0.4)
    qpos[:, 3:7] = [1, 0, 0, 0]  # upright, so the ankles are lowest
    seq = character.forward_kinematics(qpos)
    person = 0.8 * (seq.positions - seq.positions[:, :1])  # (30, 16, 3), pelvis at the origin
    retarget = Retargeter(character, ground=True)
    solved = retarget.solve(PoseSequence(person, 30, CANONICAL))
    assert retarget.scale_factor == pytest.approx(1 / 0.8, rel=1e-5)
    out = character.forward_kinematics(solved).positions  # (30, 16, 3)
    standing = character.forward_kinematics(character.standing_qpos).positions[0]
    ankles = [CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE]
    np.testing.assert_allclose(out[:, ankles, 1].min(axis=1), standing[ankles, 1].min(), atol=1e-3)
    body = out - out[:, :1]  # the shape of the pose, wherever it stands
    assert np.linalg.norm(body - person / 0.8, axis=-1).max() < CM
    # a fixed factor, and no grounding: the positions as given
    fixed = Retargeter(character, scale=0.5)
    fixed.solve_frame(2 * seq.positions[0])
    assert fixed.scale_factor == 0.5 and np.nanmax(fixed.residual) < CM


def test_other_skeletons_are_mapped_onto_canonical(character):
    """A MediaPipe sequence goes through seq.to(CANONICAL): its pelvis, spine and neck are
    averages of hips and shoulders, close to (not exactly) the character's."""
    standing = character.forward_kinematics(character.standing_qpos).positions[0]
    canonical = {name: standing[i] for i, name in enumerate(CANONICAL.joints)}
    positions = np.stack(
        [
            canonical.get(name, canonical["head"] if "ear" in name else canonical["pelvis"])
            for name in MEDIAPIPE_33.joints
        ]
    )
    seq = PoseSequence(np.repeat(positions[None], 3, axis=0), 30, MEDIAPIPE_33)
    retarget = Retargeter(character, scale=False)
    solved = retarget.solve(seq)
    assert solved.shape == (3, character.model.nq) and np.isfinite(solved).all()
    assert np.nanmax(retarget.residual) < 3 * CM


def test_bad_input_is_one_line(character):
    retarget = Retargeter(character)
    cases = [
        (lambda: retarget.solve_frame(np.zeros((33, 3))), r"positions of shape \(33, 3\): expected \(16, 3\)"),
        (
            lambda: retarget.solve_frame(np.zeros((16, 3)), np.ones(15)),
            r"confidence of shape \(15,\): expected \(16,\)",
        ),
        (lambda: retarget.solve_frame(np.zeros((16, 3)), np.full(16, 2.0)), r"confidence spans \[2, 2\].*\[0, 1\]"),
        (lambda: retarget.solve(np.zeros((5, 16, 3))), "takes a PoseSequence, got ndarray"),
        (lambda: Retargeter(character, scale=-1.0), "scale -1.0"),
        (lambda: Retargeter(character, iterations=0), "at least 1 step"),
    ]
    stick = Skeleton("stick", ("top", "bottom"), (-1, 0))
    seq = PoseSequence(np.zeros((2, 2, 3)), 30, stick)
    cases.append((lambda: retarget.solve(seq), "cannot retarget skeleton 'stick' onto the character"))
    for call, message in cases:
        with pytest.raises(MarionnetteError, match=message) as error:
            call()
        assert "\n" not in str(error.value)
