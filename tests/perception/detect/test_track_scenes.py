"""The tracker on the held-out pitch sequences of the default scenes: given the true boxes (ids
hidden), it gives every player back one identity through crossings, occlusions and the moving camera."""

import pytest

from marionnette.datasets.scenes import PERSON, ScenesConfig, make_scenes, mot_rows
from marionnette.perception.detect.mot import mot_scores
from marionnette.perception.detect.track import TrackerConfig, track_sequence

DEFAULT = ScenesConfig()  # what `marionnette data scenes` writes: pitch-06 and pitch-07 held out


@pytest.fixture(scope="module")
def held_out():
    """~10 s: the two held-out sequences alone, the same frames as in the whole set."""
    first = DEFAULT.sequences - DEFAULT.held_out
    return make_scenes(DEFAULT, only=range(first, DEFAULT.sequences)).sequences


def test_held_out_are_the_whole_sets_sequences(held_out):
    assert [q.name for q in held_out] == ["pitch-06", "pitch-07"] and all(q.held_out for q in held_out)


@pytest.mark.parametrize("mode", ["byte", "sort"])
def test_true_boxes_keep_every_players_identity(held_out, mode):
    """Measured: IDF1 1.000 and MOTA 1.000 on both (docs/BENCHMARKS.md); the bound is the issue's 0.95."""
    for sequence in held_out:
        gt = mot_rows(sequence)
        gt = gt[gt[:, 7] == PERSON]  # the ball, 4 pixels and fast, is no Kalman filter's object
        detections = gt[gt[:, 6] > 0].copy()  # visible boxes, ids hidden, every score 1
        detections[:, 1], detections[:, 6] = -1, 1.0
        s = mot_scores(gt, track_sequence(detections, TrackerConfig(mode=mode, frame_rate=sequence.fps)))
        assert s.idf1 >= 0.95 and s.mota >= 0.95, (sequence.name, s)
