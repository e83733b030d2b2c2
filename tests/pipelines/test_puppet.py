"""The puppet pipeline end to end, on the character's virtual camera (no camera, no person).

Capture (MediaPipe) → canonical → One-Euro → retarget (mink), measured against the true
pose of the character it filmed; folders of scikit-image's photographs; the character's
renders pasted twice into one image (two people).
"""

import os
import subprocess
import sys
import time

import cv2
import imageio.v2 as imageio
import numpy as np
import pytest
import skimage.data

from marionnette.body import Character, VirtualCamera, clip_qpos
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL, CanonicalJoint
from marionnette.motion.geometry import rotate_about_x
from marionnette.perception.pose import Frames, ImageFolder
from marionnette.pipelines import puppet as puppet_module
from marionnette.pipelines.capture import capture
from marionnette.pipelines.puppet import Puppet, PuppetConfig, lean, motion_of, run, side_by_side
from marionnette.runs import write_video

ANKLES = [CanonicalJoint.LEFT_ANKLE, CanonicalJoint.RIGHT_ANKLE]


def held_out_motion(character, seed, keys=50, between=2):
    """A smooth motion through ``keys`` random poses (each hinge within half its range),
    ``between`` frames from one to the next. Seed 123 was used to choose the bound; the test
    uses others."""
    rng = np.random.default_rng(seed)
    low, high = character.hinge_range.T
    key = np.clip(rng.uniform(low, high, (keys, len(low))) * 0.5, low, high)
    w = (1 - np.cos(np.pi * np.linspace(0, 1, between, endpoint=False))) / 2
    angles = np.concatenate([key[i] + w[:, None] * (key[(i + 1) % keys] - key[i]) for i in range(keys)])
    qpos = np.tile(character.standing_qpos, (len(angles), 1))
    qpos[:, character.hinge_qpos] = angles
    return qpos


def root_aligned_mpjpe(a, b):
    """Mean per-joint position error after moving both pelvises to the origin (metres)."""
    return float(np.linalg.norm((a - a[:, :1]) - (b - b[:, :1]), axis=-1).mean())


def test_capture_filter_retarget_against_the_true_pose():
    """Measured (seeds 123 and 7, after a 5-frame calibration stance): every frame detected,
    root-aligned MPJPE 11.4-11.6 cm (p90 15.5-16.3 cm), against ~18 cm for a character that
    stands still. Without the calibration it was 13.0-14.0 cm."""
    character = Character()
    stance = np.tile(character.standing_qpos, (5, 1))  # the calibration stance a user is asked for
    camera = VirtualCamera(character, np.concatenate([stance, held_out_motion(character, seed=2024)]), fps=30)
    truth = camera.truth().positions  # (105, 16, 3)
    solved, found = [], []
    with Puppet(PuppetConfig(), fps=camera.fps, render=False) as puppet:
        for t, image in camera:
            frame = puppet.step(t, image)
            found.append(frame.found)
            solved.append(frame.qpos)
    found = np.array(found)
    ours = character.forward_kinematics(np.array(solved)).positions
    error = root_aligned_mpjpe(ours[found], truth[found])
    standing = character.forward_kinematics(character.standing_qpos).positions
    still = root_aligned_mpjpe(np.broadcast_to(standing, truth.shape)[found], truth[found])
    print(
        f"detected {found.mean():.0%} of {len(found)} frames; "
        f"MPJPE {100 * error:.1f} cm, standing still {100 * still:.1f} cm"
    )
    assert found.mean() >= 0.95
    assert error < 0.14
    assert error < 0.75 * still


def test_a_frame_with_no_person_holds_the_last_pose():
    character = Character()
    camera = VirtualCamera(character, held_out_motion(character, seed=5, keys=3, between=1), fps=30)
    frames = list(camera)
    blank = np.full_like(frames[0][1], 200)
    with Puppet(PuppetConfig(), fps=30) as puppet:
        first = puppet.step(0.0, frames[0][1])
        gap = puppet.step(1 / 30, blank)
        after = puppet.step(2 / 30, frames[1][1])
    assert first.found and not gap.found and after.found
    assert (gap.confidence == 0).all()
    np.testing.assert_array_equal(gap.qpos, first.qpos)  # the avatar held still
    assert gap.view.shape == first.view.shape and gap.view.shape[1] % 16 == 0


def test_side_by_side_matches_heights_and_pads_to_16():
    view = side_by_side(np.zeros((480, 640, 3), np.uint8), np.zeros((360, 270, 3), np.uint8))
    assert view.shape[0] == 360 and view.shape[1] % 16 == 0


def test_lean_is_the_pitch_between_two_poses_about_the_pelvis():
    character = Character()
    upright = character.forward_kinematics(character.standing_qpos).positions[0]  # (16, 3)
    confidence = np.ones(len(CANONICAL), np.float32)
    leaning = rotate_about_x(upright - upright[0], 0.25) + upright[0] + [0.1, 0.0, 0.3]
    assert lean(leaning, confidence, upright) == pytest.approx(0.25, abs=1e-6)
    confidence[0] = 0  # no pelvis: nothing to turn about
    assert lean(leaning, confidence, upright) == 0.0


def test_a_run_streams_its_views_and_keeps_only_the_motion(tmp_path, monkeypatch):
    """Each view reaches the MP4 writer before the next image is read, and no frame the run
    keeps holds its image: a long video never sits in memory."""
    character = Character()
    camera = VirtualCamera(character, np.tile(character.standing_qpos, (6, 1)), fps=30)
    read, written = [], []  # images read from the source; how many had been read as each view was written

    def source():
        for _, image in camera:
            read.append(1)
            yield image

    def recording_writer(path, frames, fps):
        return write_video(path, (written.append(len(read)) or view for view in frames), fps)

    monkeypatch.setattr(puppet_module, "write_video", recording_writer)
    done = run(Frames(source(), fps=30), out=tmp_path / "puppet.mp4", max_frames=4)
    assert written == [1, 2, 3, 4] and len(read) == 4  # one image at a time, none past max_frames
    assert len(done.frames) == 4 and done.found == 4 and all(f.view is None for f in done.frames)
    assert done.video == tmp_path / "puppet.mp4" and done.video.stat().st_size > 0 and done.rate > 0
    for seq in (done.motion(), done.captured()):
        assert seq.skeleton == CANONICAL and seq.positions.shape == (4, 16, 3) and seq.fps == 30


# -- folders: still images and video frames -------------------------------------------------------


def photographs():
    """Five photographs scikit-image ships, in five sizes; a person in 1, 4 and 5."""
    astronaut = skimage.data.astronaut()  # (512, 512): a person, upper body
    return [
        astronaut,
        skimage.data.coffee(),  # (400, 600): a cup
        skimage.data.chelsea(),  # (300, 451): a cat
        np.repeat(skimage.data.camera()[..., None], 3, axis=2),  # (512, 512) grey: the cameraman
        cv2.resize(astronaut[:, ::-1], (400, 600), interpolation=cv2.INTER_AREA),  # (600, 400): mirrored, taller
    ]


def folder_of(path, images):
    path.mkdir()
    for i, image in enumerate(images):
        imageio.imwrite(path / f"{i}.png", image)
    return path


def test_a_folder_of_photos_is_still_images_and_makes_one_video(tmp_path):
    """Each photo on its own: its result does not depend on the photos before it (the same
    photos in reverse order give the same poses, exactly), and the photos' five sizes make
    one video. Tracked as if a video (measured), the same folder found a person in the coffee
    cup and none in the mirrored astronaut."""
    photos = photographs()
    forward = run(folder_of(tmp_path / "forward", photos), out=tmp_path / "photos.mp4")
    backward = run(folder_of(tmp_path / "backward", photos[::-1]))
    assert [f.found for f in forward.frames] == [True, False, False, True, True]
    for a, b in zip(forward.frames, backward.frames[::-1], strict=True):
        assert a.found == b.found
        np.testing.assert_array_equal(a.qpos, b.qpos)  # nothing carried from one photo to the next
        np.testing.assert_array_equal(a.positions, b.positions)
    standing = Character().standing_qpos
    np.testing.assert_array_equal(forward.frames[1].qpos, standing)  # nobody: the avatar stands
    video = [frame for frame in imageio.get_reader(forward.video)]
    assert len(video) == 5 and {frame.shape for frame in video} == {(480, 848, 3)}  # 640 + 360, padded to 16
    assert not list(tmp_path.glob(".*"))  # no partial file left beside it


def test_a_folder_of_video_frames_is_tracked_like_a_stream(tmp_path):
    """``video_frames``: the folder's frames go through exactly as the same images streamed
    (tracked, filtered, calibrated); as still images they come out otherwise."""
    character = Character()
    images = [image for _, image in VirtualCamera(character, clip_qpos("wave", fps=30, character=character)[::4][:8])]
    folder = folder_of(tmp_path / "frames", images)
    stream = capture(Frames(images, fps=30))
    as_video = capture(str(folder))  # a recording: a folder given by name holds video frames
    assert as_video.confidence.min() > 0
    np.testing.assert_array_equal(as_video.positions, stream.positions)
    np.testing.assert_array_equal(
        run(folder, video_frames=True, max_frames=3).captured().positions, stream.positions[:3]
    )
    stills = capture(ImageFolder(folder))  # the same images, each on its own
    assert np.abs(stills.positions - stream.positions).max() > 0.01


# -- failures -------------------------------------------------------------------------------------

FAILING_RUN = """
import sys
import numpy as np
from marionnette.body import Character, VirtualCamera
from marionnette.perception.pose import Frames
from marionnette.pipelines import puppet

character = Character()
camera = VirtualCamera(character, np.tile(character.standing_qpos, (6, 1)), fps=30)

def images():
    for k, (_, image) in enumerate(camera):
        if k == 3 and sys.argv[2] == "source":
            raise RuntimeError("the source broke at frame 3")
        yield image

real_writer = puppet.write_video

def writer(path, views, fps):  # the writer gives up on frame 2, as imageio does on a frame of another size
    def failing():
        for k, view in enumerate(views):
            if k == 2:
                raise ValueError("All images in a movie should have same size")
            yield view
    return real_writer(path, failing(), fps)

if sys.argv[2] == "writer":
    puppet.write_video = writer
puppet.run(Frames(images(), fps=30), out=sys.argv[1])
"""


FAILURES = [
    ("source", "RuntimeError: the source broke at frame 3"),
    ("writer", "ValueError: All images in a movie should have same size"),
]


@pytest.mark.parametrize("where, says", FAILURES)
def test_a_failure_mid_stream_cannot_hang(tmp_path, where, says):
    """A failure in the source or in the video writer, with MediaPipe, the renderer and an
    ffmpeg child running: the process ends at once (it hung in MediaPipe's close at exit, the
    ffmpeg child waiting on its stdin), the error said, no partial MP4 left."""
    out = tmp_path / "out"
    out.mkdir()
    started = time.perf_counter()
    command = [sys.executable, "-c", FAILING_RUN, str(out / "p.mp4"), where]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env={**os.environ, "MUJOCO_GL": "egl"})
    print(f"{where}: exited in {time.perf_counter() - started:.1f} s")
    assert done.returncode == 1 and says in done.stderr, done.stderr[-3000:]
    assert list(out.iterdir()) == []


def test_a_video_that_cannot_be_written_is_one_line(tmp_path):
    (tmp_path / "file").write_text("a file, not a folder")
    character = Character()
    camera = VirtualCamera(character, np.tile(character.standing_qpos, (2, 1)), fps=30)
    with pytest.raises(MarionnetteError) as e:
        run(camera, out=tmp_path / "file" / "p.mp4")
    assert "\n" not in str(e.value) and "p.mp4" in str(e.value) and "could not be written" in str(e.value)


# -- the avatar's motion --------------------------------------------------------------------------


def test_the_motion_kept_is_the_avatars_on_the_floor():
    """``virtual:walk``: the capture is hip-centred (its lowest ankle ~0.76 m under the
    pelvis's origin, measured), the avatar's motion stands on the floor: every frame's
    lowest ankle at the character's standing ankle height (0.105 m; measured 0.111-0.120)."""
    done = run("virtual:walk")
    character = done.character
    standing = character.forward_kinematics(character.standing_qpos).positions[0]  # (16, 3)
    motion, captured = done.motion(), done.captured()
    assert done.found == len(done.frames) == 33 and motion.confidence.min() == 1
    lowest = motion.positions[:, ANKLES, 1].min(axis=1)  # (T,) metres above the floor
    assert np.abs(lowest - standing[ANKLES, 1].min()).max() < 0.03, lowest
    assert np.nanmax(captured.positions[:, ANKLES, 1]) < -0.6  # hip-centred: the feet under the origin
    assert np.abs(motion.positions[:, 0, 1] - standing[0, 1]).max() < 0.06  # the pelvis at its height
    np.testing.assert_allclose(
        motion.positions, character.forward_kinematics(np.stack([f.qpos for f in done.frames])).positions
    )


def test_travel_carries_the_avatar_with_its_supporting_foot():
    """The walk (2.2 s, 2.15 m) seen from the side: carried by its feet the avatar travels
    1.06 m (measured), along the way it faces; without ``travel`` it walks on the spot."""
    character = Character()
    camera = VirtualCamera(character, clip_qpos("walk", fps=30, seconds=2.2, character=character), camera="track")
    images = list(camera)
    moved = {}
    for travel in (True, False):
        with Puppet(PuppetConfig(travel=travel), fps=30, render=False) as puppet:
            frames = list(puppet.stream(images))
            motion = motion_of(frames, puppet.character, fps=30).positions  # (T, 16, 3)
        step = (motion[-1, 0] - motion[0, 0])[[0, 2]]  # (2,) the pelvis's move along the floor (x, z)
        left = (motion[:, CanonicalJoint.LEFT_HIP] - motion[:, CanonicalJoint.RIGHT_HIP]).mean(axis=0)
        facing = np.cross(left, [0.0, 1.0, 0.0])[[0, 2]]  # the person's left x up = their forward
        moved[travel] = float(np.linalg.norm(step)), float(step @ facing / np.linalg.norm(facing))
    print(f"travelled {moved[True][0]:.2f} m ({moved[True][1]:.2f} m forward); without travel {moved[False][0]:.2f} m")
    assert moved[True][0] > 0.7 and moved[True][1] > 0.7 * moved[True][0]
    assert moved[False][0] < 0.15


# -- someone else ---------------------------------------------------------------------------------


def scene(*people):
    """A 640x480 grey image with each ``(image, mask, dx)`` pasted ``dx`` pixels right of the centre."""
    out = np.full((480, 640, 3), 120, np.uint8)
    for image, mask, dx in people:
        shown = np.roll(mask, dx, axis=1)
        out[shown] = np.roll(image, dx, axis=1)[shown]
    return out


def test_someone_else_holds_the_avatar(two_cutouts):
    """The person followed (A, standing, at x = 140) leaves, someone else (B, waving, at
    x = 500) stays, A comes back beside B: while only B is there the frames have confidence 0
    and the avatar holds A's last pose; it never takes B's raised arm."""
    a, b = two_cutouts
    character = Character()
    images = [scene((*a, -180))] * 3 + [scene((*b, 180))] * 3 + [scene((*b, 180), (*a, -180))] * 3
    with Puppet(PuppetConfig(), fps=30) as puppet:
        frames = list(puppet.stream(Frames(images, fps=30)))
    assert [f.found for f in frames] == [True] * 3 + [False] * 3 + [True] * 3
    assert [f.other_person for f in frames[4:6]] == [True, True]
    for f in frames[3:6]:
        assert (f.confidence == 0).all()
        np.testing.assert_array_equal(f.qpos, frames[2].qpos)  # held
    avatar = character.forward_kinematics(np.stack([f.qpos for f in frames])).positions  # (9, 16, 3)
    wrist, pelvis = avatar[:, CanonicalJoint.RIGHT_WRIST, 1], avatar[:, CanonicalJoint.PELVIS, 1]
    assert (wrist < pelvis).all()  # A's arms stay down in every frame: B's raised one is never taken
