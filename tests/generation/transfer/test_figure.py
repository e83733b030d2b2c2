"""Stick figures: each bone in its colour where it lies, black elsewhere, lost joints skipped."""

import numpy as np
import pytest

from marionnette.errors import MarionnetteError
from marionnette.generation.transfer.figure import (
    bone_colours,
    bones,
    default_thickness,
    draw_figure,
    draw_figures,
    joint_colours,
    label_maps,
)
from marionnette.motion.skeleton import CANONICAL, MEDIAPIPE_33

SIZE = (64, 64)

# A T-pose in a 64 × 64 image (x right, y down): arms along y = 16, legs apart, head up.
# Even coordinates, so every bone's midpoint is a pixel centre.
T_POSE = {
    "pelvis": (32, 36),
    "spine": (32, 26),
    "neck": (32, 16),
    "head": (32, 8),
    "left_shoulder": (40, 16),
    "left_elbow": (48, 16),
    "left_wrist": (56, 16),
    "right_shoulder": (24, 16),
    "right_elbow": (16, 16),
    "right_wrist": (8, 16),
    "left_hip": (38, 36),
    "left_knee": (40, 46),
    "left_ankle": (40, 56),
    "right_hip": (26, 36),
    "right_knee": (24, 46),
    "right_ankle": (24, 56),
}


def t_pose() -> np.ndarray:
    return np.array([T_POSE[j] for j in CANONICAL.joints], dtype=np.float64)  # (16, 2)


def midpoint(points: np.ndarray, bone: tuple[int, int]) -> tuple[int, int]:
    """(row, column) of the bone's midpoint pixel."""
    x, y = (points[bone[0]] + points[bone[1]]) / 2
    return int(round(y)), int(round(x))


def distance_to_bones(points: np.ndarray, skeleton, size) -> np.ndarray:
    """(H, W): each pixel centre's distance to the nearest bone segment."""
    H, W = size
    ys, xs = np.mgrid[0:H, 0:W]
    pixels = np.stack([xs, ys], axis=-1).astype(float)
    nearest = np.full(size, np.inf)
    for parent, child in bones(skeleton):
        a, b = points[parent], points[child]
        t = np.clip(((pixels - a) @ (b - a)) / ((b - a) @ (b - a)), 0, 1)
        nearest = np.minimum(nearest, np.linalg.norm(pixels - (a + t[..., None] * (b - a)), axis=-1))
    return nearest


def test_bones_are_the_tree_and_colours_are_distinct_and_fixed():
    assert bones(CANONICAL) == [(CANONICAL.parents[j], j) for j in range(1, 16)]
    for skeleton in (CANONICAL, MEDIAPIPE_33):
        colours = bone_colours(skeleton)
        assert colours.shape == (len(skeleton) - 1, 3) and colours.dtype == np.uint8
        assert len({tuple(c) for c in colours}) == len(colours)
        np.testing.assert_array_equal(colours, bone_colours(skeleton))
    assert tuple(bone_colours(CANONICAL)[0]) == (255, 0, 0)  # the wheel starts at red
    assert tuple(joint_colours(CANONICAL)[CANONICAL.root]) == (255, 255, 255)
    assert default_thickness((64, 64)) == 1 and default_thickness((512, 256)) == 4


def test_each_bone_has_its_colour_along_it_and_the_rest_is_black():
    points = t_pose()
    image = draw_figure(points, CANONICAL, SIZE, thickness=2)
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    colours = bone_colours(CANONICAL)
    for b, bone in enumerate(bones(CANONICAL)):
        a, c = points[bone[0]], points[bone[1]]
        length = np.linalg.norm(c - a)
        for f in np.linspace(0, 1, 21):  # along the segment, clear of the dots (1.5 px) and their edges
            if min(f, 1 - f) * length >= 2.6:
                x, y = a + f * (c - a)
                assert tuple(image[int(round(y)), int(round(x))]) == tuple(colours[b]), (CANONICAL.joints[bone[1]], f)
    far = distance_to_bones(points, CANONICAL, SIZE) > 2.5  # beyond a line 2 wide, its dots (1.5) and edges
    assert far.sum() > 3000 and not image[far].any()
    assert not image[60, 2].any()


def test_axis_aligned_bones_at_the_default_width_hit_pixel_centres_exactly():
    points = t_pose()
    image = draw_figure(points, CANONICAL, SIZE)  # thickness 1 at 64 px, anti-aliased
    colours = bone_colours(CANONICAL)
    for name in ("left_elbow", "left_wrist", "right_wrist", "spine", "left_ankle"):
        b = CANONICAL.index(name) - 1  # bone b ends at joint b + 1
        assert tuple(image[midpoint(points, bones(CANONICAL)[b])]) == tuple(colours[b]), name


def test_a_lost_or_hidden_joint_skips_its_bones_but_not_the_rest():
    points = t_pose()
    elbow, knee = CANONICAL.index("left_elbow"), CANONICAL.index("left_knee")
    points[elbow] = np.nan
    visible = np.ones(16, dtype=bool)
    visible[knee] = False
    image = draw_figure(points, CANONICAL, SIZE, thickness=2, visible=visible)
    whole = draw_figure(t_pose(), CANONICAL, SIZE, thickness=2)
    colours = bone_colours(CANONICAL)
    for b, bone in enumerate(bones(CANONICAL)):
        at = midpoint(t_pose(), bone)
        if elbow in bone or knee in bone:
            assert not image[at].any(), CANONICAL.joints[bone[1]]
        else:
            assert tuple(image[at]) == tuple(colours[b])
    assert not image[16, 44:48].any() and whole[16, 44:48].any()  # shoulder to elbow: gone
    wrist = CANONICAL.index("left_wrist")  # its bones are gone, its dot stays
    assert tuple(image[16, 56]) == tuple(joint_colours(CANONICAL)[wrist])
    assert not draw_figure(np.full((16, 2), np.nan), CANONICAL, SIZE).any()


def test_label_maps_one_channel_per_bone_the_shape_draw_figure_draws():
    points = t_pose()
    maps = label_maps(points, CANONICAL, SIZE, thickness=2)
    assert maps.shape == (15, 64, 64) and maps.dtype == np.float32
    assert set(np.unique(maps)) == {0.0, 1.0}
    mids = [midpoint(points, bone) for bone in bones(CANONICAL)]
    for b in range(15):
        assert [maps[b][at] for at in mids] == [1.0 if c == b else 0.0 for c in range(15)]
    image = draw_figure(points, CANONICAL, SIZE, thickness=2)
    smooth = label_maps(points, CANONICAL, SIZE, thickness=2, antialias=True)
    assert 0.0 <= smooth.min() and smooth.max() == 1.0 and len(np.unique(smooth)) > 2
    for b, colour in enumerate(bone_colours(CANONICAL)):
        painted = (image == colour).all(axis=-1)
        assert painted.any() and (smooth[b][painted] > 0).all()  # where bone b shows, its channel covers
    points[CANONICAL.index("head")] = np.nan
    assert not label_maps(points, CANONICAL, SIZE)[CANONICAL.index("head") - 1].any()


def test_draw_figures_stacks_frames_and_takes_one_mask_or_one_per_frame():
    raised = t_pose()
    raised[CANONICAL.index("left_wrist")] = (52, 6)
    clip = np.stack([t_pose(), raised, t_pose() + 3])  # (3, 16, 2)
    frames = draw_figures(clip, CANONICAL, SIZE)
    assert frames.shape == (3, 64, 64, 3) and frames.dtype == np.uint8
    for t in range(3):
        np.testing.assert_array_equal(frames[t], draw_figure(clip[t], CANONICAL, SIZE))
    assert (frames[0] != frames[1]).any()
    visible = np.ones(16, dtype=bool)
    visible[CANONICAL.index("head")] = False
    once = draw_figures(clip, CANONICAL, SIZE, visible=visible)
    np.testing.assert_array_equal(once, draw_figures(clip, CANONICAL, SIZE, visible=np.tile(visible, (3, 1))))
    np.testing.assert_array_equal(once[1], draw_figure(clip[1], CANONICAL, SIZE, visible=visible))
    assert draw_figures(np.zeros((0, 16, 2)), CANONICAL, SIZE).shape == (0, 64, 64, 3)


@pytest.mark.parametrize("antialias", [False, True])
def test_thickness_grows_the_bone(antialias):
    points = t_pose()
    points[CANONICAL.index("left_elbow")] = (44, 16)
    points[CANONICAL.index("left_wrist")] = (62, 16)  # column 53 is clear of both dots at every width
    colour = bone_colours(CANONICAL)[CANONICAL.index("left_wrist") - 1]
    widths = []
    for thickness in (1, 3, 5, 9):
        column = draw_figure(points, CANONICAL, SIZE, thickness=thickness, antialias=antialias)[:, 53]
        widths.append(int((column == colour).all(axis=-1).sum()))  # across the elbow → wrist bone
    assert widths == [1, 3, 5, 9]


def test_a_joint_far_outside_the_image_still_draws_its_bone_to_the_edge():
    points = t_pose()
    points[CANONICAL.index("left_wrist")] = (1e12, 16)  # Pillow alone overflows its int coordinates here
    image = draw_figure(points, CANONICAL, SIZE, thickness=2)
    colour = bone_colours(CANONICAL)[CANONICAL.index("left_wrist") - 1]
    assert (image[16, 52:64] == colour).all()
    assert not image[20:, 50:].any()  # the legs lie left of x = 50: nothing else there
    assert not image[0:12, 50:].any()


def test_mediapipe_33_draws_its_tree():
    layout = {
        "nose": (32, 10),
        "left_eye_inner": (34, 8),
        "left_eye": (35, 8),
        "left_eye_outer": (36, 8),
        "right_eye_inner": (30, 8),
        "right_eye": (29, 8),
        "right_eye_outer": (28, 8),
        "left_ear": (38, 9),
        "right_ear": (26, 9),
        "mouth_left": (34, 12),
        "mouth_right": (30, 12),
        "left_shoulder": (40, 18),
        "right_shoulder": (24, 18),
        "left_elbow": (48, 18),
        "right_elbow": (16, 18),
        "left_wrist": (56, 18),
        "right_wrist": (8, 18),
        "left_pinky": (60, 20),
        "right_pinky": (4, 20),
        "left_index": (61, 18),
        "right_index": (3, 18),
        "left_thumb": (59, 15),
        "right_thumb": (5, 15),
        "left_hip": (38, 36),
        "right_hip": (26, 36),
        "left_knee": (40, 46),
        "right_knee": (24, 46),
        "left_ankle": (40, 56),
        "right_ankle": (24, 56),
        "left_heel": (39, 60),
        "right_heel": (25, 60),
        "left_foot_index": (44, 60),
        "right_foot_index": (20, 60),
    }
    points = np.array([layout[j] for j in MEDIAPIPE_33.joints], dtype=np.float64)  # (33, 2)
    image = draw_figure(points, MEDIAPIPE_33, SIZE)
    colours = bone_colours(MEDIAPIPE_33)
    for child in ("left_elbow", "right_wrist", "left_hip", "right_knee", "left_ankle"):
        b = MEDIAPIPE_33.index(child) - 1
        assert tuple(image[midpoint(points, bones(MEDIAPIPE_33)[b])]) == tuple(colours[b]), child
    shown = {tuple(c) for c in image.reshape(-1, 3)}
    assert sum(tuple(c) in shown for c in colours) >= 24  # face bones are short and overlap; most still show
    assert label_maps(points, MEDIAPIPE_33, SIZE).shape == (32, 64, 64)


@pytest.mark.parametrize(
    "call, shape",
    [
        (lambda: draw_figure(np.zeros((15, 2)), CANONICAL, SIZE), "(15, 2)"),
        (lambda: draw_figure(np.zeros((16, 3)), CANONICAL, SIZE), "(16, 3)"),
        (lambda: draw_figure(np.zeros((2, 16, 2)), CANONICAL, SIZE), "(2, 16, 2)"),
        (lambda: draw_figures(np.zeros((16, 2)), CANONICAL, SIZE), "(16, 2)"),
        (lambda: label_maps(np.zeros((16, 2)), MEDIAPIPE_33, SIZE), "(16, 2)"),
    ],
)
def test_points_of_the_wrong_shape_name_the_shape_and_the_skeleton(call, shape):
    with pytest.raises(MarionnetteError) as error:
        call()
    message = str(error.value)
    assert "\n" not in message and shape in message and "expected" in message
    assert "'canonical'" in message or "'mediapipe_33'" in message
    assert "(J, 2) = (33, 2)" in message if "mediapipe" in message else "16" in message


def test_bad_size_thickness_and_mask_are_one_line_errors():
    points = t_pose()
    for size in [(4, 64), (64, 7), (64,), "64"]:
        with pytest.raises(MarionnetteError, match="size") as error:
            draw_figure(points, CANONICAL, size)
        assert "\n" not in str(error.value)
    with pytest.raises(MarionnetteError, match="thickness"):
        draw_figure(points, CANONICAL, SIZE, thickness=0)
    with pytest.raises(MarionnetteError, match="visible.*'canonical'"):
        draw_figure(points, CANONICAL, SIZE, visible=np.ones(15, dtype=bool))
    with pytest.raises(MarionnetteError, match="visible"):
        draw_figures(points[None], CANONICAL, SIZE, visible=np.ones((2, 16), dtype=bool))


@pytest.mark.parametrize("thickness", [1, 2, 3, 4])
def test_anti_aliased_bones_lie_symmetrically_about_their_line_and_are_as_wide_as_asked(thickness):
    maps = label_maps(t_pose(), CANONICAL, SIZE, thickness=thickness, antialias=True)
    spine, arm = CANONICAL.index("spine") - 1, CANONICAL.index("left_wrist") - 1
    across = {"vertical": maps[spine][31, 24:41], "horizontal": maps[arm][8:25, 52]}  # centred on the bone
    for name, profile in across.items():
        np.testing.assert_allclose(profile, profile[::-1], err_msg=name)
        assert thickness <= profile.sum() <= thickness + 0.21, name  # even widths: a fifth of a pixel over
