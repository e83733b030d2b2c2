"""Retargeting against the character's own forward kinematics: poses it can reach exactly."""

import mujoco
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from marionnette.body import Character, Retargeter
from marionnette.body.clips import clip_qpos
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, MEDIAPIPE_33, CanonicalJoint, PoseSequence, Skeleton
from marionnette.motion.mapping import FOOT_POINTS

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


def clearances(character, qpos):
    """``(T,)`` metres from the floor to the lowest geometry of each pose."""
    data = mujoco.MjData(character.model)
    out = []
    for q in np.atleast_2d(qpos):
        data.qpos[:] = q
        mujoco.mj_kinematics(character.model, data)
        out.append(character.floor_clearance(data))
    return np.array(out)


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
    standing = character.forward_kinematics(character.standing_qpos).positions[0]
    ankles = [CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE]
    for ground in (True, "frame", "auto"):  # "auto": the pelvis never moves, so per frame
        retarget = Retargeter(character, ground=ground, floor=False)
        solved = retarget.solve(PoseSequence(person, 30, CANONICAL))
        assert retarget.scale_factor == pytest.approx(1 / 0.8, rel=1e-5)
        out = character.forward_kinematics(solved).positions  # (30, 16, 3)
        np.testing.assert_allclose(out[:, ankles, 1].min(axis=1), standing[ankles, 1].min(), atol=1e-3)
        body = out - out[:, :1]  # the shape of the pose, wherever it stands
        assert np.linalg.norm(body - person / 0.8, axis=-1).max() < CM
    # Without the floor, these poses' feet (the ankles' angles unknown, so 0) go up to 9 cm
    # through it. With it (the default) the ankles bend instead, and where their range runs
    # out (-30 degrees) the legs give way: never below the floor, the upper body as it was.
    assert clearances(character, solved).min() < -0.05
    retarget = Retargeter(character, ground="frame")
    solved = retarget.solve(PoseSequence(person, 30, CANONICAL))
    out = character.forward_kinematics(solved).positions
    assert np.all(out[:, ankles, 1].min(axis=1) >= standing[ankles, 1].min() - 1e-3)
    assert clearances(character, solved).min() >= 0
    shape = np.linalg.norm((out - out[:, :1]) - person / 0.8, axis=-1)  # (30, 16)
    assert shape[:, : CanonicalJoint.LEFT_HIP].max() < CM and shape.max() < 6 * CM
    # a fixed factor, and no grounding: the positions as given
    fixed = Retargeter(character, scale=0.5)
    fixed.solve_frame(2 * seq.positions[0])
    assert fixed.scale_factor == 0.5 and np.nanmax(fixed.residual) < CM


def test_other_skeletons_are_mapped_onto_canonical(character):
    """A MediaPipe sequence goes through seq.to(CANONICAL): its pelvis, spine and neck are
    averages of hips and shoulders, close to (not exactly) the character's; its heels and
    foot indices are the character's foot sites."""
    standing = character.forward_kinematics(character.standing_qpos).positions[0]
    feet = character.foot_kinematics(character.standing_qpos)[0]
    canonical = {name: standing[i] for i, name in enumerate(CANONICAL.joints)}
    canonical |= {
        f"{side}_{mp}": feet[FOOT_POINTS.index(f"{side}_{point}")]
        for side in ("left", "right")
        for mp, point in (("heel", "heel"), ("foot_index", "toe_tip"))
    }
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
        (lambda: Retargeter(character, ground="floor"), r"ground 'floor': give 'clip'"),
        (lambda: Retargeter(character, recover=-1.0), "recover -1.0"),
        (lambda: Retargeter(character, foot_cost=np.nan), "foot_cost nan"),
        (
            lambda: retarget.solve_frame(np.zeros((16, 3)), None, np.zeros((2, 3))),
            r"feet of shape \(2, 3\): expected \(6, 3\)",
        ),
        (
            lambda: retarget.solve_frame(np.zeros((16, 3)), None, np.ones((6, 3)), np.full(6, -1.0)),
            r"feet_confidence spans \[-1, -1\]",
        ),
    ]
    stick = Skeleton("stick", ("top", "bottom"), (-1, 0))
    seq = PoseSequence(np.zeros((2, 2, 3)), 30, stick)
    cases.append((lambda: retarget.solve(seq), "cannot retarget skeleton 'stick' onto the character"))
    for call, message in cases:
        with pytest.raises(MarionnetteError, match=message) as error:
            call()
        assert "\n" not in str(error.value)


# -- motion as users bring it: T-pose starts, jumps, feet --------------------------------


def t_pose_then(character, clip_name, arms_ahead=0.0, elbows_back=False, fps=30):
    """``(qpos (T, nq), positions (T, 16, 3))``: one T-pose frame, then the built-in clip.

    ``arms_ahead``: every frame's shoulders, elbows and wrists moved this far forward (a
    person whose arms sit ahead of the character's shoulder line, as mocap rigs often do);
    ``elbows_back``: the T-pose's forearms bent 5 degrees backwards (a locked elbow),
    which the character makes only on the extreme shoulder branch (flexed 180, abducted 90).
    """
    base = clip_qpos(clip_name, fps=fps, character=character)
    t_pose = base[0].copy()
    for side in ("left", "right"):
        t_pose[character.qpos_address(f"{side}_shoulder_abduct")] = np.radians(90)
        if elbows_back:
            t_pose[character.qpos_address(f"{side}_shoulder_flex")] = np.radians(180)
            t_pose[character.qpos_address(f"{side}_elbow")] = np.radians(5)
    qpos = np.concatenate([t_pose[None], base])
    positions = character.forward_kinematics(qpos, fps).positions.copy()
    arms = [CanonicalJoint[f"{s}_{j}"] for s in ("LEFT", "RIGHT") for j in ("SHOULDER", "ELBOW", "WRIST")]
    positions[:, arms, 2] += arms_ahead  # motion frame: +z is the character's forward
    return qpos, positions


WRISTS = [CanonicalJoint.LEFT_WRIST, CanonicalJoint.RIGHT_WRIST]


@pytest.mark.parametrize(
    ("clip_name", "arms_ahead", "elbows_back"), [("wave", 0.03, False), ("wave", 0.0, True), ("march", 0.0, True)]
)
def test_a_t_pose_first_frame_does_not_trap_the_arms(character, clip_name, arms_ahead, elbows_back):
    """CMU clips start in a T-pose and bring the arms down at once. Seeded on the extreme
    shoulder branch, the warm start stays caught at the joint limits (before this, wrists
    13-50 cm off over 10-40 frames; started one frame later, no error); the cold re-solve
    brings it back within a frame or two."""
    _, positions = t_pose_then(character, clip_name, arms_ahead, elbows_back)
    seq = PoseSequence(positions, 30, CANONICAL)
    retarget = Retargeter(character, scale=False, ground="clip")
    wrists = errors(character, retarget.solve(seq), positions)[:, WRISTS]  # (T, 2)
    assert wrists.max() < 3 * CM and retarget.recovered >= 1
    trapped = Retargeter(character, scale=False, ground="clip", recover=None)  # no re-solve
    assert errors(character, trapped.solve(seq), positions)[:, WRISTS].max() > 10 * CM


def test_the_seed_puts_a_t_pose_on_the_natural_shoulder_branch(character):
    """Arms straight out, 3 cm below the character's shoulders: the straight arm's twist
    would have to pass its limit by a few degrees for the natural branch to be exact, so
    the seed used to take the equivalent extreme one (flexed 180). It misses by ~1 cm on
    the natural one instead, and the arms come down without any re-solve: in two frames,
    as the second frame teleports them ~60 cm (from straight out to the clip's first pose)
    and the error-scaled damping shortens the steps of a frame that far off."""
    _, positions = t_pose_then(character, "wave")
    arms = [CanonicalJoint[f"{s}_{j}"] for s in ("LEFT", "RIGHT") for j in ("SHOULDER", "ELBOW", "WRIST")]
    positions[:, arms, 1] -= 0.03
    retarget = Retargeter(character, scale=False, recover=None)
    solved = retarget.solve(PoseSequence(positions, 30, CANONICAL))
    flex = [character.qpos_address(f"{side}_shoulder_flex") for side in ("left", "right")]
    assert np.degrees(np.abs(solved[0, flex])).max() < 30
    wrists = errors(character, solved, positions)[:, WRISTS]  # (T, 2)
    assert wrists[0].max() < 2.5 * CM and wrists[2:].max() < 2.5 * CM


def jump(character, height=0.38, fps=30):
    """``qpos (T, nq)``: the built-in march with the whole body thrown ``height`` metres up
    and down again over 0.6 s in its middle (a parabola), feet and all."""
    qpos = clip_qpos("march", fps=fps, character=character)
    frames = np.arange(len(qpos))
    start, span = len(qpos) // 2, round(0.6 * fps)
    s = np.clip((frames - start) / span, 0, 1)  # (T,) 0 -> 1 through the flight
    qpos[:, 2] += height * 4 * s * (1 - s)
    return qpos


def test_clip_ground_keeps_a_jump_and_frame_ground_flattens_it(character):
    qpos = jump(character)
    seq = character.forward_kinematics(qpos, fps=30)
    truth = qpos[:, 2] - qpos[0, 2]  # (T,) the pelvis's rise
    for ground in ("clip", "auto"):  # the pelvis moves vertically: "auto" keeps the clip's floor
        solved = Retargeter(character, ground=ground).solve(seq)
        rise = solved[:, 2] - solved[0, 2]
        assert np.abs(rise - truth).max() < 2 * CM, ground
        assert rise.max() == pytest.approx(0.38, abs=2 * CM)
    flat = Retargeter(character, ground="frame").solve(seq)  # every frame's lowest ankle on the floor
    assert (flat[:, 2] - flat[0, 2]).max() < 0.1
    # A stream takes the clip's floor from its first frame and keeps it.
    stream = Retargeter(character, ground="clip")
    rise = np.array([stream.solve_frame(p)[2] for p in seq.positions]) - qpos[0, 2]
    assert np.abs(rise - truth).max() < 2 * CM


def with_feet(character, qpos, fps=30, points=FOOT_POINTS):
    """The forward kinematics of ``qpos`` on a skeleton of the 16 canonical joints and the
    foot ``points`` (the character's foot sites), each hanging from its ankle."""
    feet = character.foot_kinematics(qpos)[:, [FOOT_POINTS.index(p) for p in points]]  # (T, K, 3)
    joints = character.forward_kinematics(qpos, fps).positions
    parents = tuple(CANONICAL.index(p.split("_")[0] + "_ankle") for p in points)
    skeleton = Skeleton("with_feet", CANONICAL.joints + tuple(points), CANONICAL.parents + parents)
    return PoseSequence(np.concatenate([joints, feet], axis=1), fps, skeleton)


def on_the_toes(character, fps=30):
    """``qpos (T, nq)``: rising onto the toes (ankles flexed 35 degrees, toes down, heels
    up) and back, while the left leg lifts its foot and points it; the lowest geometry 1 cm
    above the floor in every frame, as standing."""
    T = 2 * fps
    qpos = np.tile(character.standing_qpos, (T, 1))
    s = np.sin(np.linspace(0, np.pi, T)) ** 2  # (T,) 0 -> 1 -> 0
    for side, degrees in (("left", 45), ("right", 35)):
        qpos[:, character.qpos_address(f"{side}_ankle_flex")] = np.radians(degrees) * s
    qpos[:, character.qpos_address("left_hip_flex")] = np.radians(30) * s
    qpos[:, character.qpos_address("left_knee")] = np.radians(40) * s
    qpos[:, 2] += 0.01 - clearances(character, qpos)
    return qpos


@pytest.mark.parametrize(
    "points",
    [FOOT_POINTS, ("left_toe_base", "right_toe_base"), ("left_heel", "left_toe_tip", "right_heel", "right_toe_tip")],
    ids=["all", "toe base (BVH)", "heel and toe tip (MediaPipe)"],
)
def test_foot_points_set_the_ankles_and_keep_the_feet_out_of_the_floor(character, points):
    qpos = on_the_toes(character)
    seq = with_feet(character, qpos, points=points)
    ankles = [character.qpos_address(f"{side}_ankle_flex") for side in ("left", "right")]
    for ground in ("clip", "frame"):  # per frame, the toes (not the ankles) stand on the floor
        solved = Retargeter(character, ground=ground).solve(seq)
        assert np.degrees(np.abs(solved[:, ankles] - qpos[:, ankles])).max() < 3, ground
        assert clearances(character, solved).min() > -CM
        assert errors(character, solved, seq.to(CANONICAL).positions).max() < 2 * CM
    # The 16 joints alone say nothing of the ankles: they stay near 0, 35-45 degrees off.
    blind = Retargeter(character, ground="clip").solve(seq.to(CANONICAL))
    assert np.degrees(np.abs(blind[:, ankles] - qpos[:, ankles])).max() > 30


def test_the_floor_bends_the_ankles_rather_than_let_feet_through(character):
    """The built-in walk places its root by the ankles only, so its heels and toes dip up
    to 5 cm below the floor. Retargeted with a floor, none does, and the joints hardly move:
    the ankles take it (by up to 15 degrees)."""
    qpos = clip_qpos("walk", fps=30, character=character)
    seq = character.forward_kinematics(qpos, fps=30)
    assert clearances(character, qpos).min() < -0.04
    solved = Retargeter(character, ground="clip").solve(seq)
    assert clearances(character, solved).min() >= 0
    assert errors(character, solved, seq.positions).max() < 0.5 * CM
    sunk = Retargeter(character, ground="clip", floor=False).solve(seq)
    assert clearances(character, sunk).min() < -0.04
