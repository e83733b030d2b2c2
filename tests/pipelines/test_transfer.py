"""``transfer run``: a source's motion painted as the target person, side by side.

The model is trained for a few steps only (its pictures are not the point here: the
generation tests check learning); what is checked is the pipeline around it: where the
poses come from, how they are moved into the target's frame, gaps, the view, bad input.
"""

import shutil

import imageio.v2 as imageio
import numpy as np
import pytest
import yaml

from marionnette.datasets.dancer import DancerConfig, make_dancer
from marionnette.errors import MarionnetteError
from marionnette.generation.transfer.models import GeneratorConfig
from marionnette.generation.transfer.normalize import ankle_lines, foot_stats
from marionnette.generation.transfer.paint import Painter
from marionnette.generation.transfer.train import TransferTrainConfig, load, train
from marionnette.motion import CANONICAL
from marionnette.pipelines.transfer import (
    TransferConfig,
    captured_target,
    check_skeleton,
    fill_gaps,
    into_frame,
    motion_source,
    run,
)
from marionnette.runs import write_video

SIZE = 32

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A run on the dancer at 32 px, trained for two batches; and its target video."""
    root = tmp_path_factory.mktemp("transfer")
    video = make_dancer(DancerConfig(size=SIZE, repeats=1, clips=("squat", "reach"))).target_video()
    path = video.save(root / "target.npz")
    config = TransferTrainConfig(video=str(path), epochs=1, steps_per_epoch=2, batch_size=2, features="random",
                                 net=GeneratorConfig(channels=8, downs=2, blocks=1), d_channels=8)  # fmt: skip
    return train(config, device="cpu", runs_dir=root / "runs").path, video


def test_a_clip_the_target_never_performed_lands_on_its_feet_side_by_side(trained, tmp_path):
    run_dir, video = trained
    done = run(run_dir, "virtual:wave", tmp_path / "out.mp4", config=TransferConfig(panel=64, source_size=64),
               max_frames=8)  # fmt: skip
    views = [view for view in imageio.get_reader(done.video)]
    assert len(views) == done.frames == 8 and not len(done.filled)
    assert views[0].shape[0] == 64 and views[0].shape[1] >= 3 * 64  # source | figure | result
    # Waving on the spot: one depth, so the target's close end and its size there.
    target = foot_stats(video.points[~video.held_out], CANONICAL)
    line = ankle_lines(done.points, CANONICAL)
    height = line - done.points[..., 1].min(axis=1)
    assert np.abs(line - target.close).max() < 1.0, (line, target)
    assert np.abs(height[0] / target.close_height - 1) < 0.1, (height, target)


def test_frames_with_no_person_are_filled_and_flagged(trained, tmp_path):
    """The character squatting, filmed at 256 px, with four black frames: MediaPipe finds
    nobody there; the poses are interpolated across them and the frames listed."""
    run_dir, _ = trained
    _, films = motion_source("virtual:squat", 15.0, 256, max_frames=24)
    films = films.copy()
    films[12:16] = 0
    source = write_video(tmp_path / "squat.mp4", films, 15.0)
    done = run(run_dir, str(source), tmp_path / "out.mp4", config=TransferConfig(panel=64))
    assert done.frames == 24 and set(range(12, 16)) <= set(done.filled) and len(done.filled) < 16
    assert np.isfinite(done.points).all()
    a, b = done.points[11], done.points[16]  # found either side: the gap is the line between them
    np.testing.assert_allclose(done.points[13], a + (b - a) * 2 / 5, atol=1e-3)


def test_a_users_own_video_becomes_a_target_video_through_pose_capture(tmp_path):
    """A landscape recording (the character squatting, 256 px high, 32 px of wall either side), two
    frames with nobody: the square crop, its poses where the camera saw the joints, the gap a cut."""
    poses, films = motion_source("virtual:squat", 15.0, 256, max_frames=20)
    films = np.pad(films, ((0, 0), (0, 0), (32, 32), (0, 0)), constant_values=90)
    films[8:10] = 0
    video = captured_target(str(write_video(tmp_path / "me.mp4", films, 15.0)), size=64, held_out=0.25)
    kept = np.r_[0:8, 10:20]
    assert video.frames.shape == (18, 64, 64, 3) and video.fps == 15.0 and video.skeleton == "canonical"
    error = np.linalg.norm(video.points - poses.points[kept] * 64 / 256, axis=-1)  # the crop took the padding off
    assert np.nanmean(error) < 1.5, np.nanmean(error)
    assert video.held_out.tolist() == [False] * 14 + [True] * 4  # the last quarter (of 18, rounded), whole
    assert video.piece.tolist() == [0] * 8 + [1] * 6 + [2] * 4  # cut at the gap and before the held-out end
    with pytest.raises(MarionnetteError, match="record it to a file first"):
        captured_target("webcam", 64)


def test_gaps_interpolate_per_joint_and_the_source_is_letterboxed():
    points = np.full((5, 16, 2), np.nan)
    points[1], points[3] = 10.0, 20.0
    filled = fill_gaps(points)
    assert filled[:, 0, 0].tolist() == [10, 10, 15, 20, 20]  # held at the ends, linear inside
    with pytest.raises(MarionnetteError, match="no person was found in any of the 5 frames"):
        fill_gaps(np.full((5, 16, 2), np.nan))
    corner = into_frame(np.array([[[0.0, 0.0], [640.0, 480.0]]]), (480, 640), (32, 32))
    np.testing.assert_allclose(corner[0], [[-5.333333, 0], [37.333333, 32]], atol=1e-5)  # 4:3 centred in a square


def test_a_source_or_model_it_cannot_paint_is_one_line(trained, tmp_path):
    run_dir, _ = trained
    with pytest.raises(MarionnetteError, match="trained on mediapipe_33 poses and a motion source"):
        check_skeleton("mediapipe_33", motion=True)
    with pytest.raises(MarionnetteError, match="trained on 'ntu_25' poses, which no source gives"):
        check_skeleton("ntu_25", motion=False)
    with pytest.raises(MarionnetteError, match=r"a stick figure of shape \(64, 64, 3\): this model paints \(32, 32"):
        Painter(load(run_dir))(np.zeros((64, 64, 3), np.uint8))
    moved = shutil.copytree(run_dir, tmp_path / "copied")
    target = load(moved).config.video
    shutil.move(target, tmp_path / "elsewhere.npz")
    try:  # the run holds what it needs of its target; an older one (no `target` in config.yaml) says what to do
        assert run(moved, "virtual:wave", None, max_frames=2).frames == 2
        config = yaml.safe_load((moved / "config.yaml").read_text())
        del config["target"]
        (moved / "config.yaml").write_text(yaml.safe_dump(config))
        with pytest.raises(MarionnetteError, match="the target video this run was trained on is gone and its config"):
            run(moved, "virtual:wave", tmp_path / "out.mp4", max_frames=2)
        assert not (tmp_path / "out.mp4").exists()
    finally:
        shutil.move(tmp_path / "elsewhere.npz", target)
