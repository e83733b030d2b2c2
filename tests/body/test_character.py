"""The character's forward kinematics, frames and cameras against MuJoCo itself."""

import mujoco
import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from marionnette.body import BodyCamera, Character, from_motion_frame, to_motion_frame
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, CanonicalJoint


@pytest.fixture(scope="module")
def character():
    return Character()


def random_qpos(character, rng, n):
    """Poses anywhere in the joint limits, the root anywhere and turned any way."""
    m = character.model
    qpos = np.tile(m.qpos0, (n, 1))
    qpos[:, :3] = rng.uniform([-2, -2, 0.5], [2, 2, 1.5], (n, 3))
    qpos[:, 3:7] = Rotation.random(n, random_state=rng).as_quat(scalar_first=True)
    low, high = character.hinge_range.T
    qpos[:, character.hinge_qpos] = rng.uniform(low, high, (n, len(low)))
    return qpos


def tree_positions(model, qpos):
    """Forward kinematics written from the MJCF's offsets with scipy's rotations: an
    independent route to the bodies' world positions (MuJoCo z-up)."""
    rotation = [Rotation.identity()] * model.nbody
    position = [np.zeros(3)] * model.nbody
    for b in range(1, model.nbody):
        parent = model.body_parentid[b]
        rot = rotation[parent] * Rotation.from_quat(model.body_quat[b], scalar_first=True)
        pos = position[parent] + rotation[parent].apply(model.body_pos[b])
        for j in range(model.body_jntadr[b], model.body_jntadr[b] + model.body_jntnum[b]):
            q = qpos[model.jnt_qposadr[j] :]
            if model.jnt_type[j] == mujoco.mjtJoint.mjJNT_FREE:
                pos, rot = q[:3].copy(), Rotation.from_quat(q[3:7], scalar_first=True)
            else:  # a hinge about its axis, through its anchor (the neck's sits below the head)
                anchor = pos + rot.apply(model.jnt_pos[j])
                turn = Rotation.from_rotvec(rot.apply(model.jnt_axis[j]) * q[0])
                pos, rot = anchor + turn.apply(pos - anchor), turn * rot
        rotation[b], position[b] = rot, pos
    return np.array(position)


def test_forward_kinematics_agrees_with_mujoco_and_with_the_tree(character):
    rng = np.random.default_rng(0)
    qpos = random_qpos(character, rng, 40)
    seq = character.forward_kinematics(qpos, fps=25)
    assert seq.skeleton == CANONICAL and seq.positions.shape == (40, 16, 3) and seq.fps == 25
    data = mujoco.MjData(character.model)
    for t, q in enumerate(qpos):
        data.qpos[:] = q
        mujoco.mj_forward(character.model, data)
        mj = data.xpos[[character.model.body(j).id for j in CANONICAL.joints]]
        np.testing.assert_allclose(from_motion_frame(seq.positions[t]), mj, atol=1e-5)
        tree = tree_positions(character.model, q)[[character.model.body(j).id for j in CANONICAL.joints]]
        np.testing.assert_allclose(from_motion_frame(seq.positions[t]), tree, atol=1e-5)


def test_zero_pose_is_an_upright_adult_facing_plus_z(character):
    pose = character.forward_kinematics(character.standing_qpos).positions[0]  # (16, 3), y up
    j = {name: pose[i] for i, name in enumerate(CANONICAL.joints)}
    assert 0.9 < j["pelvis"][1] < 1.0 and 1.55 < j["head"][1] < 1.7
    assert j["left_shoulder"][0] > 0 > j["right_shoulder"][0]  # the character's left is +x
    assert j["left_hip"][0] > 0 > j["right_hip"][0]
    np.testing.assert_allclose(j["spine"], (j["pelvis"] + j["neck"]) / 2, atol=1e-6)  # CANONICAL's convention
    np.testing.assert_allclose(j["neck"], (j["left_shoulder"] + j["right_shoulder"]) / 2 + [0, 0.02, 0], atol=1e-6)
    data = mujoco.MjData(character.model)
    mujoco.mj_forward(character.model, data)
    nose = to_motion_frame(data.geom_xpos[character.model.geom("nose").id])
    assert nose[2] > j["head"][2] + 0.05  # the face looks along +z
    assert 60 < character.mass < 75


def test_frames_are_a_rotation():
    p = np.random.default_rng(1).normal(size=(10, 3))
    np.testing.assert_allclose(from_motion_frame(to_motion_frame(p)), p)
    np.testing.assert_allclose(np.linalg.norm(to_motion_frame(p), axis=1), np.linalg.norm(p, axis=1))
    assert np.allclose(to_motion_frame([1, 0, 0]), [0, 0, 1])  # MuJoCo's forward is motion's +z
    assert np.allclose(to_motion_frame([0, 0, 1]), [0, 1, 0])  # and up is up


def test_the_state_reads_by_name(character):
    m = character.model
    data = mujoco.MjData(m)
    qpos = random_qpos(character, np.random.default_rng(2), 1)[0]
    data.qpos[:] = qpos
    data.qvel[:] = np.arange(m.nv)
    mujoco.mj_forward(m, data)
    np.testing.assert_array_equal(character.root_position(data), qpos[:3])
    np.testing.assert_array_equal(character.root_orientation(data), qpos[3:7])
    assert character.pelvis_height(data) == qpos[2]
    character.root_position(data)[0] += 1.0  # a view: it writes through
    assert data.qpos[0] == qpos[0] + 1.0
    np.testing.assert_array_equal(data.qvel[character.root_dof], np.arange(6))
    np.testing.assert_array_equal(data.qvel[character.hinge_dof], np.arange(6, m.nv))
    np.testing.assert_array_equal(character.center_of_mass(data), data.subtree_com[m.body("pelvis").id])
    pelvis = character.joint_positions(data)[CanonicalJoint.PELVIS]
    np.testing.assert_allclose(from_motion_frame(pelvis), data.xpos[m.body("pelvis").id], atol=1e-6)
    knee = character.qpos_address("right_knee")
    assert knee == character.hinge_qpos[character.joint_names.index("right_knee")] == m.joint("right_knee").qposadr[0]
    assert character.qpos_address("root") == 0
    no_such = r"joint 'right_kne': the character has no such joint; did you mean right_knee"
    with pytest.raises(MarionnetteError, match=no_such):
        character.qpos_address("right_kne")


def test_fk_rejects_the_wrong_qpos_shape(character):
    with pytest.raises(MarionnetteError, match=r"qpos of shape \(5, 30\).*\(T, 33\)"):
        character.forward_kinematics(np.zeros((5, 30)))


@pytest.mark.parametrize("camera", ["front", "track"])
def test_projected_joints_land_on_the_character(character, camera):
    data = mujoco.MjData(character.model)
    mujoco.mj_forward(character.model, data)
    with BodyCamera(character.model, camera, 320, 240) as cam:
        ids = cam.segmentation(data)  # (240, 320) geom ids
        uv = cam.project(data, data.xpos[character.body_ids])
        frame = cam.render(data)
    assert frame.shape == (240, 320, 3) and frame.dtype == np.uint8
    floor = character.model.geom("floor").id
    inside = (uv[:, 0] >= 0) & (uv[:, 0] < 320) & (uv[:, 1] >= 0) & (uv[:, 1] < 240)
    assert inside.all()
    seen = ids[np.round(uv[:, 1]).astype(int), np.round(uv[:, 0]).astype(int)]
    assert ((seen >= 0) & (seen != floor)).mean() >= 0.9  # on a body geom, not floor or sky
    u, v = uv[CANONICAL.index("head")]
    assert ids[int(round(v)), int(round(u))] == character.model.geom("head").id


def test_unknown_camera_is_one_line(character):
    with pytest.raises(MarionnetteError, match="camera 'side'.*track, front"):
        BodyCamera(character.model, "side")


def test_rendering_then_training_does_not_crash():
    """Mesa's LLVM loaded before triton's used to segfault the first torch optimizer step
    (see body.camera._load_triton_first); in a child process, since a segfault kills pytest."""
    import subprocess
    import sys

    script = (
        "import marionnette, mujoco, torch\n"
        "from marionnette.body import BodyCamera, Character\n"
        "c = Character(); mujoco.mj_forward(c.model, c.data)\n"
        "with BodyCamera(c.model, 'front', 64, 48) as cam: assert cam.render(c.data).std() > 0\n"
        "net = torch.nn.Linear(4, 2); opt = torch.optim.Adam(net.parameters())\n"
        "net(torch.zeros(1, 4)).sum().backward(); opt.step(); print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-500:]
