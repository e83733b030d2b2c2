"""The sketch avatar (OpenCV from the character's geometry) against MuJoCo's own render of the
same camera, and the choice between the two (``avatar``: auto, mujoco, sketch)."""

import mujoco
import numpy as np
import pytest
from typer.testing import CliRunner

from marionnette.body import BodyCamera, Character, VirtualCamera, clip_qpos
from marionnette.body import sketch as sketch_module
from marionnette.body.sketch import SketchCamera, open_avatar, renders_in_software
from marionnette.cli import app
from marionnette.errors import MarionnetteError
from marionnette.pipelines.puppet import Puppet, PuppetConfig

H, W = 480, 360  # the puppet's avatar panel


@pytest.fixture(scope="module")
def character():
    return Character()


@pytest.fixture(scope="module")
def poses(character):
    """Standing, waving (right arm up, frame 40 of ``wave``) and squatting (frame 30 of ``squat``)."""
    return {
        "stand": character.standing_qpos,
        "wave": clip_qpos("wave", fps=30, character=character)[40],
        "squat": clip_qpos("squat", fps=30, character=character)[30],
    }


def posed(model, qpos):
    data = mujoco.MjData(model)
    data.qpos[:] = qpos
    mujoco.mj_forward(model, data)
    return data


def without_the_body(character):
    """The character's model with its body's geoms transparent: the floor and the sky alone."""
    empty = Character().model
    empty.geom_rgba[character.model.geom_bodyid > 0, 3] = 0.0
    return empty


def drawn(image, background):
    """Pixels of ``image`` that differ from the empty scene's ``background``: what the body covers."""
    return np.abs(image.astype(int) - background.astype(int)).max(axis=-1) > 12


def iou(a, b):
    return (a & b).sum() / (a | b).sum()


@pytest.mark.parametrize(
    ("camera", "pose"), [("front", "stand"), ("front", "wave"), ("front", "squat"), ("track", "wave")]
)
def test_the_sketch_has_its_silhouette_where_mujocos_render_has_it(character, poses, camera, pose):
    """The non-background masks of the two images (each against its own render of the empty
    scene) overlap with IoU 0.93-0.95, measured on these poses and on frames of march, reach
    and walk, from both cameras; the bound leaves room for another Mesa's anti-aliasing. The
    geom seen at each pixel is the same one in 81-86% of the body's pixels (where limbs
    overlap, the sketch's per-geom depth order is not MuJoCo's per-pixel one)."""
    model, empty = character.model, without_the_body(character)
    data, data_empty = posed(model, poses[pose]), posed(empty, poses[pose])
    with BodyCamera(model, camera, W, H) as mj, BodyCamera(empty, camera, W, H) as mj_empty:
        theirs = drawn(mj.render(data), mj_empty.render(data_empty))
        their_geoms = mj.segmentation(data)
    with SketchCamera(model, camera, W, H) as sk, SketchCamera(empty, camera, W, H) as sk_empty:
        image = sk.render(data)
        ours = drawn(image, sk_empty.render(data_empty))
        our_geoms = sk.segmentation(data)
    assert image.shape == (H, W, 3) and image.dtype == np.uint8
    assert 0.03 < theirs.mean() < 0.3  # the body is in view, not filling it
    assert iou(ours, theirs) >= 0.85
    body = (their_geoms >= 0) & (model.geom_bodyid[np.maximum(their_geoms, 0)] > 0)
    sketched = (our_geoms >= 0) & (model.geom_bodyid[np.maximum(our_geoms, 0)] > 0)
    assert iou(sketched, body) >= 0.9  # measured 0.95-0.97
    assert (our_geoms == their_geoms)[body | sketched].mean() >= 0.75


def test_raising_the_right_arm_moves_pixels_where_the_right_arm_is(character):
    """Abducting the right shoulder by 90 degrees, the camera held still, changes the sketch only
    where its right arm was or now is, out to the image's left (the character's right), and
    where the arm now is agrees with MuJoCo's segmentation of the same pose."""
    model = character.model
    arm = [model.geom(g).id for g in ("right_upper_arm", "right_forearm", "right_hand")]
    raised = character.standing_qpos.copy()
    raised[character.qpos_address("right_shoulder_abduct")] = np.radians(90)
    before, after = posed(model, character.standing_qpos), posed(model, raised)
    after.cam_xpos[:], after.cam_xmat[:] = before.cam_xpos, before.cam_xmat  # held still (they follow the COM)
    with SketchCamera(model, "front", W, H) as sk:
        changed = np.abs(sk.render(after).astype(int) - sk.render(before).astype(int)).max(axis=-1) > 0
        was, now = np.isin(sk.segmentation(before), arm), np.isin(sk.segmentation(after), arm)
    with BodyCamera(model, "front", W, H) as mj:
        theirs = np.isin(mj.segmentation(after), arm)
    region = was | now
    grown = np.zeros_like(region)  # the arm's region, two pixels wider (anti-aliased edges)
    for dv in range(-2, 3):
        for du in range(-2, 3):
            grown |= np.roll(region, (dv, du), axis=(0, 1))
    assert changed.sum() > 1500  # the arm moved a visible amount
    assert (changed & ~grown).sum() == 0  # and nothing else did
    assert np.nonzero(now)[1].min() < np.nonzero(was)[1].min() - 40
    assert iou(now, theirs) >= 0.8


def test_project_is_the_mujoco_cameras(character, poses):
    data = posed(character.model, poses["wave"])
    points = np.random.default_rng(0).uniform([-1, -1, 0], [1, 1, 2], (50, 3))
    points[0] = data.cam_xpos[character.model.camera("front").id] + [1.0, 0.0, 0.0]  # behind it: NaN
    with SketchCamera(character.model, "front", W, H) as sk, BodyCamera(character.model, "front", W, H) as mj:
        np.testing.assert_allclose(sk.project(data, points), mj.project(data, points), rtol=1e-12, atol=1e-9)
    assert np.isnan(sk.project(data, points[:1])).all()


def test_boxes_cylinders_and_a_finite_plane_are_drawn_where_mujoco_draws_them():
    """Geoms the character lacks: per geom IoU with MuJoCo's segmentation, measured 0.90 (the
    cylinder, whose flat ends are ellipses) to 0.99 (the plane)."""
    xml = """<mujoco><visual><global offwidth="640" offheight="480"/></visual><worldbody>
      <light pos="0 0 3" dir="0 0 -1" directional="true"/>
      <geom type="plane" size="2 2 .1" rgba=".8 .8 .8 1"/>
      <camera name="front" pos="3 0 1" xyaxes="0 1 0 -.2 0 1" fovy="50"/>
      <geom type="box" pos="0 -.6 .3" size=".2 .3 .25" euler="0 0 30" rgba=".8 .2 .2 1"/>
      <geom type="cylinder" fromto="0 0 .1 .2 .1 .8" size=".1" rgba=".2 .8 .2 1"/>
      <geom type="sphere" pos=".5 .5 1.1" size=".1" rgba=".8 .8 .2 1"/>
    </worldbody></mujoco>"""
    model = mujoco.MjModel.from_xml_string(xml)
    data = posed(model, model.qpos0)
    with SketchCamera(model, "front", 320, 240) as sk, BodyCamera(model, "front", 320, 240) as mj:
        ours, theirs = sk.segmentation(data), mj.segmentation(data)
        image = sk.render(data)
    for g in range(model.ngeom):
        assert iou(ours == g, theirs == g) >= 0.85, model.geom(g).name
    red, green, blue = np.median(image[ours == 1], axis=0)
    assert red > 60 and red > 2 * green and red > 2 * blue  # in the box's own red, lit


def test_a_bad_avatar_is_one_line_naming_it_and_the_choices(character):
    with pytest.raises(MarionnetteError, match=r"^avatar 'vulkan': choose one of auto, mujoco, sketch$"):
        PuppetConfig(avatar="vulkan")
    with pytest.raises(MarionnetteError, match="'gpu'"):
        open_avatar(character.model, "gpu")
    result = CliRunner().invoke(app, ["puppet", "--avatar", "vulkan", "--source", "virtual", "--no-window"])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "vulkan" in lines[0], result.output


def test_the_avatar_option_reaches_the_pipeline(monkeypatch):
    from marionnette.pipelines import puppet as puppet_module

    asked = {}

    def recording_run(source, config, **kwargs):
        asked["config"] = config
        return puppet_module.PuppetRun([], 30.0, 0.0, None, Character(), "sketch")

    monkeypatch.setattr(puppet_module, "run", recording_run)
    result = CliRunner().invoke(app, ["puppet", "--avatar", "sketch", "--source", "frames/", "--no-window"])
    assert result.exit_code == 2 and "gave no frames" in result.output  # the run was faked empty
    assert asked["config"].avatar == "sketch"
    assert PuppetConfig().avatar == "auto"


def test_auto_takes_the_sketch_where_opengl_renders_in_software(character, monkeypatch):
    assert renders_in_software("llvmpipe (LLVM 15.0.6, 256 bits)")
    assert renders_in_software("softpipe") and renders_in_software("Google SwiftShader")
    assert not renders_in_software("NVIDIA H200/PCIe/SSE2") and not renders_in_software("AMD Radeon Pro W7900")
    model = character.model
    assert isinstance(open_avatar(model, "sketch", "front", W, H), SketchCamera)
    monkeypatch.setattr(sketch_module, "opengl_renderer", lambda: "llvmpipe (LLVM 15.0.6, 256 bits)")
    assert isinstance(open_avatar(model, "auto", "front", W, H), SketchCamera)
    monkeypatch.setattr(sketch_module, "opengl_renderer", lambda: "NVIDIA H200/PCIe/SSE2")
    with open_avatar(model, "auto", "front", W, H) as camera:
        assert isinstance(camera, BodyCamera)

    def no_opengl(*args, **kwargs):
        raise MarionnetteError("cannot open an OpenGL context for rendering")

    monkeypatch.setattr(sketch_module, "opengl_renderer", lambda: None)
    monkeypatch.setattr(sketch_module, "BodyCamera", no_opengl)
    assert isinstance(open_avatar(model, "auto", "front", W, H), SketchCamera)  # no OpenGL at all: the sketch


def test_a_puppet_with_the_sketch_avatar_steps_on_a_frame(character):
    """The view's avatar panel is the sketch of the pose the step solved."""
    frames = list(VirtualCamera(character, np.tile(character.standing_qpos, (2, 1)), fps=30))
    with Puppet(PuppetConfig(avatar="sketch"), fps=30) as puppet:
        assert puppet.avatar == "sketch" and isinstance(puppet.camera, SketchCamera)
        for t, image in frames:
            frame = puppet.step(t, image)
    assert frame.found and frame.view.shape[0] == H and frame.view.shape[1] % 16 == 0
    with SketchCamera(character.model, "front", W, H) as sk:
        avatar = sk.render(posed(character.model, frame.qpos))
    panel = round(640 * H / 480)  # the camera image, scaled to the avatar's height
    np.testing.assert_array_equal(frame.view[:, panel : panel + W], avatar)
