"""A recording into a canonical PoseSequence: the puppet's pipeline without the render."""

import numpy as np
import pytest

from marionnette.body import Character, VirtualCamera, clip_qpos
from marionnette.errors import MarionnetteError
from marionnette.motion import CANONICAL
from marionnette.perception.pose import Frames
from marionnette.pipelines.capture import capture
from marionnette.runs import write_video


def test_a_video_becomes_canonical_motion_and_gaps_stay_marked(tmp_path):
    character = Character()
    qpos = clip_qpos("wave", fps=15, character=character)[:6]
    frames = [image for _, image in VirtualCamera(character, qpos, fps=15)]
    frames[3] = np.full_like(frames[3], 200)  # nobody in frame 3
    video = write_video(tmp_path / "me.mp4", frames, 15)
    seq = capture(str(video), max_frames=5)
    assert seq.skeleton == CANONICAL and len(seq) == 5 and seq.fps == 15
    assert (seq.confidence[3] == 0).all() and np.isnan(seq.positions[3]).all()
    seen = np.delete(seq.confidence, 3, axis=0) > 0
    assert seen.mean() > 0.9 and np.isfinite(np.delete(seq.positions, 3, axis=0)[seen]).all()
    filled = seq.fill_gaps()
    np.testing.assert_array_equal(filled.positions[3], filled.positions[2])  # frame 3 holds frame 2


def test_a_source_with_no_frames_is_one_line():
    with pytest.raises(MarionnetteError) as e:
        capture(Frames([], fps=30))
    assert "\n" not in str(e.value) and "gave no frames" in str(e.value)
