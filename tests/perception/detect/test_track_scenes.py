"""The tracker on the held-out pitch sequences of the default scenes: given the true boxes (ids
hidden), it gives every player back one identity through crossings, occlusions and the moving camera."""

import pytest

from marionnette.datasets.scenes import PERSON, ScenesConfig, make_scenes, mot_rows
from marionnette.perception.detect.mot import mot_scores
from marionnette.perception.detect.track import TrackerConfig, track_sequence

DEFAULT = ScenesConfig()  # what `marionnette data scenes` writes: pitch-06 and pitch-07 held out
# the shipped detector on them, measured: mAP@0.5 0.879, person AP@0.5 0.987; ByteTrack on pitch-07
# MOTA 0.942, IDF1 0.836 (pitch-06: 0.983, 0.921)
MAP50, PERSON_AP50, MOTA, IDF1 = 0.8, 0.95, 0.85, 0.75


@pytest.fixture(scope="module")
def held_out_scenes():
    """~10 s: the two held-out sequences alone, the same frames as in the whole set."""
    first = DEFAULT.sequences - DEFAULT.held_out
    return make_scenes(DEFAULT, only=range(first, DEFAULT.sequences))


@pytest.fixture(scope="module")
def held_out(held_out_scenes):
    return held_out_scenes.sequences


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


def test_the_shipped_detector_finds_and_tracks_the_held_out_players(held_out_scenes, tmp_path):
    """The package's small detector (what `make demo` runs) on frames it never saw. Measured on
    pitch-06/07: see docs/BENCHMARKS.md; the bounds leave a margin under those figures."""
    import torch

    from marionnette.perception.detect.coco import read_coco
    from marionnette.perception.detect.metrics import coco_map
    from marionnette.pipelines.detect import PITCH_DETECTOR, open_detector, track

    torch.set_num_threads(1)
    folder = held_out_scenes.save(tmp_path / "scenes")
    scores = coco_map(open_detector(PITCH_DETECTOR), read_coco(folder / "val.json"))
    assert scores.map50 >= MAP50 and scores.per_class["person"][0] >= PERSON_AP50, scores
    sequence = held_out_scenes.sequences[1]
    done = track(PITCH_DETECTOR, str(folder / "images" / sequence.name), None, fps=sequence.fps)
    gt = mot_rows(sequence)
    s = mot_scores(gt[gt[:, 7] == PERSON], done.rows)
    assert s.mota >= MOTA and s.idf1 >= IDF1, s
