"""MediaPipe Pose on real photographs that scikit-image ships (no download, no network).

``skimage.data.astronaut()`` is a 512x512 RGB portrait of Eileen Collins, upper body,
facing the camera: her left (MediaPipe's ``LEFT_*``) is on the image's right. Keeping the
person followed is tested on two of the character's renders pasted into one image.
"""

import cv2
import numpy as np
import pytest
import skimage.data

from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, MEDIAPIPE_33, CanonicalJoint, MediaPipeJoint
from marionnette.perception.pose import (
    POSE_CONNECTIONS,
    WORLD_FROM_MEDIAPIPE,
    Capture,
    CaptureConfig,
    PoseCapture,
    backend,
    draw_pose,
    to_sequence,
)

# Hand-checked positions in the astronaut photo, pixels (x right, y down; (0, 0) is the
# image's top-left corner). Checked by eye on 2x-5x enlargements of the photo with a grid
# every 10 or 20 px, before comparing with MediaPipe: the eyes are the pupil centres and
# the nose its tip; the shoulders and elbow are the joint centres guessed inside the padded
# spacesuit (about a quarter of the arm's width inside its outline, where the top of the
# shoulder turns down into the arm; the elbow where the forearm turns towards the glove),
# so they are only good to about 15 px. Her left elbow and both wrists are hidden behind
# the helmet she holds or her glove. MediaPipe 0.10.21 (static mode) lands 1-10 px from
# the face points (the left eye 10 px low) and 19-21 px from the body joints.
FACE_BOUND_PX = 15.0
BODY_BOUND_PX = 25.0
HAND_CHECKED = {  # joint: ((x, y) in pixels, bound in pixels)
    MediaPipeJoint.NOSE: ((224, 128), FACE_BOUND_PX),
    MediaPipeJoint.RIGHT_EYE: ((203, 101), FACE_BOUND_PX),
    MediaPipeJoint.LEFT_EYE: ((245, 103), FACE_BOUND_PX),
    MediaPipeJoint.RIGHT_SHOULDER: ((95, 252), BODY_BOUND_PX),
    MediaPipeJoint.LEFT_SHOULDER: ((325, 265), BODY_BOUND_PX),
    MediaPipeJoint.RIGHT_ELBOW: ((55, 430), BODY_BOUND_PX),
}


def one_line_naming(error, *names):
    message = str(error.value)
    assert "\n" not in message, message
    for name in names:
        assert str(name) in message, message
    return message


@pytest.fixture(scope="module")
def astronaut():
    return skimage.data.astronaut()  # (512, 512, 3) uint8 RGB


@pytest.fixture(scope="module")
def still(astronaut):
    """The astronaut and a photo with nobody in it, each captured as an independent image."""
    with PoseCapture(CaptureConfig(static_image_mode=True)) as capture:
        return capture.process(astronaut, 1.5), capture.process(skimage.data.coffee(), 2.0)


def test_astronaut_landmarks_where_checked_by_hand(still):
    found, _ = still
    assert found.found and found.image_size == (512, 512) and found.timestamp == 1.5
    assert found.pixels.shape == (33, 2) and found.visibility.shape == (33,) and found.world.shape == (33, 3)
    for joint, (expected, bound) in HAND_CHECKED.items():
        error = np.linalg.norm(found.pixels[joint] - expected)
        assert error <= bound, f"{joint.name} at {found.pixels[joint]}, {error:.1f} px from {expected}"
        assert found.visibility[joint] > 0.5, joint.name
    assert found.visibility[MediaPipeJoint.LEFT_WRIST] < 0.5  # behind the helmet


def test_world_landmarks_are_in_the_motion_frame(still):
    """y up, the person's left on +x, their forward (towards the camera) on +z."""
    world = still[0].world
    left, right = world[MediaPipeJoint.LEFT_SHOULDER], world[MediaPipeJoint.RIGHT_SHOULDER]
    nose = world[MediaPipeJoint.NOSE]
    assert left[0] - right[0] > 0.2  # shoulders about 30 cm apart, her left at larger x
    assert nose[1] > max(left[1], right[1]) > 0.2  # head above shoulders above the hips (origin)
    assert nose[2] > 0.1  # she leans towards the camera: the nose is in front of the hips
    assert 0.25 < np.linalg.norm(left - right) < 0.5  # metres
    ears = (world[MediaPipeJoint.LEFT_EAR] + world[MediaPipeJoint.RIGHT_EAR]) / 2
    assert nose[2] - ears[2] > 0.05  # her face points to +z, towards the camera
    assert np.linalg.det(WORLD_FROM_MEDIAPIPE) == 1  # a rotation: both frames right-handed


def test_no_person_is_not_an_error(still):
    _, nobody = still
    assert not nobody.found and nobody.timestamp == 2.0 and nobody.image_size == (400, 600)
    assert np.isnan(nobody.pixels).all() and np.isnan(nobody.world).all()
    assert (nobody.visibility == 0).all()


def test_tracking_a_stream_into_a_pose_sequence(astronaut):
    blank = np.zeros((480, 640, 3), dtype=np.uint8)
    frames = [astronaut, astronaut, blank, astronaut]
    with PoseCapture() as capture:  # tracking mode
        captures = [capture.process(image, t / 30) for t, image in enumerate(frames)]
    assert [c.found for c in captures] == [True, True, False, True]
    seq = to_sequence(captures, fps=30)
    assert seq.skeleton == MEDIAPIPE_33 and seq.positions.shape == (4, 33, 3) and seq.fps == 30
    assert np.isnan(seq.positions[2]).all() and (seq.confidence[2] == 0).all()
    np.testing.assert_array_equal(seq.confidence[0], captures[0].visibility)
    canonical = seq.to(CANONICAL)
    assert canonical.positions.shape == (4, 16, 3) and (canonical.confidence[2] == 0).all()
    neck = canonical.positions[0, CanonicalJoint.NECK]
    assert np.isfinite(neck).all() and neck[1] > 0.2  # the shoulders' midpoint, above the hips


def test_bad_image_is_one_line(astronaut):
    with PoseCapture(CaptureConfig(static_image_mode=True)) as capture:
        for image, says in [
            (astronaut.astype(np.float32), "float32"),
            (astronaut[..., 0], "(512, 512)"),
            ("astronaut.png", "str"),
        ]:
            with pytest.raises(MarionnetteError) as e:
                capture.process(image)
            one_line_naming(e, "(H, W, 3) uint8", says)


def test_config_is_checked():
    for config, says in [
        (dict(min_detection_confidence=1.5), "min_detection_confidence"),
        (dict(max_jump=0.0), "max_jump"),
        (dict(forget_after=-1.0), "forget_after"),
    ]:
        with pytest.raises(MarionnetteError) as e:
            CaptureConfig(**config)
        one_line_naming(e, says, next(iter(config.values())))


def test_missing_model_file_says_where_it_belongs(monkeypatch):
    monkeypatch.setattr(backend, "POSE_MODEL_FILES", ("modules/pose_landmark/pose_landmark_gone.tflite",))
    with pytest.raises(MarionnetteError) as e:
        PoseCapture()
    message = one_line_naming(e, "pose_landmark_gone.tflite", "mediapipe/modules/pose_landmark", "reinstall")
    assert message.count("/") > 3  # the absolute path inside the installed package


def test_connections_are_mediapipes():
    import mediapipe as mp

    assert {tuple(sorted(pair)) for pair in POSE_CONNECTIONS} == {
        tuple(sorted(pair)) for pair in mp.solutions.pose.POSE_CONNECTIONS
    }


def test_draw_pose_marks_the_landmarks_and_leaves_the_input(astronaut, still):
    found, nobody = still
    before = astronaut.copy()
    drawn = draw_pose(astronaut, found)
    np.testing.assert_array_equal(astronaut, before)
    assert drawn.shape == astronaut.shape and drawn.dtype == np.uint8
    changed = (drawn != astronaut).any(axis=-1)  # (H, W)
    for joint in HAND_CHECKED:
        x, y = np.round(found.pixels[joint]).astype(int)
        assert changed[y, x], joint.name  # a dot at every visible landmark
    x, y = np.round(found.pixels[MediaPipeJoint.LEFT_WRIST]).astype(int)
    assert not changed[y - 1 : y + 2, x - 1 : x + 2].any()  # hidden: not drawn
    half = draw_pose(astronaut[::2, ::2], found)  # scaled to a smaller image
    x, y = np.round(found.pixels[MediaPipeJoint.NOSE] / 2).astype(int)
    assert (half[y, x] != astronaut[::2, ::2][y, x]).any()
    np.testing.assert_array_equal(draw_pose(astronaut, nobody), astronaut)
    assert isinstance(Capture.missing(0.0, (10, 10)), Capture)


# -- keeping the person followed ------------------------------------------------------------------


def scene(*people):
    """A 640x480 grey image with each ``(image, mask, dx, scale)`` pasted in turn (later ones in
    front): the cut-out scaled about the feet and moved ``dx`` pixels right of the centre."""
    out = np.full((480, 640, 3), 120, np.uint8)
    for image, mask, dx, scale in people:
        about = np.float32([[scale, 0, dx + 320 * (1 - scale)], [0, scale, 390 * (1 - scale)]])  # (2, 3): feet fixed
        shown = cv2.warpAffine(mask.astype(np.uint8), about, (640, 480), flags=cv2.INTER_NEAREST) > 0  # (480, 640)
        out[shown] = cv2.warpAffine(image, about, (640, 480))[shown]
    return out


@pytest.fixture(scope="module")
def two_people(two_cutouts):
    """The character standing (the person followed, A) and waving (someone else, B)."""
    return two_cutouts


def torso_x(capture):
    return float(capture.pixels[[11, 12, 23, 24], 0].mean())  # the shoulders' and hips' mean, pixels


def track(frames, **config):
    with PoseCapture(CaptureConfig(**config)) as capture:
        return [capture.process(image, t / 30) for t, image in enumerate(frames)]


def test_when_the_person_leaves_someone_else_is_not_followed(two_people):
    """A stands at x = 140 for 4 frames, leaves while B stands at x = 500, then comes back
    beside B. MediaPipe alone (``keep_person=False``) loses A, takes B, and stays on B once A
    is back (measured); kept to A, the frames with B only are no person (marked
    ``other_person``) and A is found again when back; B only once A is forgotten."""
    (a, a_mask), (b, b_mask) = two_people
    frames = [scene((a, a_mask, -180, 1.0))] * 4 + [scene((b, b_mask, 180, 1.0))] * 4
    frames += [scene((b, b_mask, 180, 1.0), (a, a_mask, -180, 1.0))] * 4
    alone = track(frames, keep_person=False)
    assert all(c.found for c in alone[5:]) and all(torso_x(c) > 400 for c in alone[5:])  # the switch, and no way back
    kept = track(frames)
    assert all(c.found and abs(torso_x(c) - 140) < 20 for c in kept[:4])
    assert not any(c.found for c in kept[4:8]) and all(c.other_person for c in kept[5:8])
    assert (np.stack([c.visibility for c in kept[4:8]]) == 0).all()
    assert all(c.found and abs(torso_x(c) - 140) < 20 for c in kept[8:])  # back on A, beside B
    forgetful = track(frames[:8], forget_after=0.05)  # A forgotten 2 frames after they were last seen
    assert all(c.found and torso_x(c) > 400 for c in forgetful[6:])


def test_someone_walking_in_front_is_not_followed(two_people):
    """B, nearer the camera (1.25x), walks from the right across A and on to the left. MediaPipe
    alone follows B through 4 of the frames (measured); kept to A, a frame is either A or no person."""
    (a, a_mask), (b, b_mask) = two_people
    frames = [scene((a, a_mask, -120, 1.0))] * 3
    frames += [scene((a, a_mask, -120, 1.0), (b, b_mask, 250 - 50 * k, 1.25)) for k in range(16)]
    alone = track(frames, keep_person=False)
    assert sum(c.found and abs(torso_x(c) - 200) > 20 for c in alone) >= 2  # the test can tell a switch
    kept = track(frames)
    assert all(abs(torso_x(c) - 200) < 20 for c in kept if c.found)
    assert all(c.found for c in kept[:10]) and all(c.found for c in kept[-3:])  # before B reaches A, after B passed


def test_still_images_do_not_keep_anyone(two_people):
    (a, a_mask), (b, b_mask) = two_people
    captures = track([scene((a, a_mask, -180, 1.0)), scene((b, b_mask, 180, 1.0))], static_image_mode=True)
    assert [c.found for c in captures] == [True, True] and torso_x(captures[1]) > 400
