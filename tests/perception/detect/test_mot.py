"""MOTChallenge files and the tracking metrics, on hand-made sequences whose scores are worked out by hand."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from marionnette.errors import MarionnetteError
from marionnette.perception.detect.mot import mot_scores, read_mot, write_mot


def rows(*boxes) -> np.ndarray:
    """MOT rows ``(N, 10)`` from ``(frame, id, left)`` triples: 40 x 80 boxes at top 10, conf 1."""
    return np.array([[f, i, left, 10, 40, 80, 1, -1, -1, -1] for f, i, left in boxes], dtype=np.float64)


def two_objects() -> np.ndarray:
    """Ground truth: objects 1 (at left 0) and 2 (at left 200) in frames 1-4, 8 boxes."""
    return rows(*[(f, i, 0 if i == 1 else 200) for f in range(1, 5) for i in (1, 2)])


def test_perfect_hypotheses_score_one():
    gt = two_objects()
    hyp = gt.copy()
    hyp[:, 1] += 100  # the tracker's own ids: names do not matter, only their consistency
    s = mot_scores(gt, hyp)
    assert (s.mota, s.idf1, s.id_switches, s.fp, s.fn) == (1.0, 1.0, 0, 0, 0)
    assert (s.mostly_tracked, s.frames, s.gt_boxes) == (2, 4, 8)
    assert s.hota == pytest.approx(1.0)


def test_hand_computed_miss_false_positive_and_switch():
    gt = two_objects()
    hyp = rows(
        (1, 10, 0), (2, 10, 0), (3, 11, 0), (4, 11, 0),  # object 1: track 10, then 11 (one id switch)
        (1, 20, 200), (2, 20, 200), (4, 20, 200),  # object 2: missed in frame 3 (one miss)
        (4, 30, 500),  # a box on nothing (one false positive)
    )  # fmt: skip
    s = mot_scores(gt, hyp)
    assert (s.fn, s.fp, s.id_switches, s.gt_boxes) == (1, 1, 1, 8)
    assert s.mota == pytest.approx(1 - (1 + 1 + 1) / 8)
    # IDF1: best trajectory pairing 1-10 (or 1-11, 2 boxes) and 2-20 (3 boxes): IDTP 5, IDFN 8 - 5, IDFP 8 - 5.
    assert s.idf1 == pytest.approx(2 * 5 / (2 * 5 + 3 + 3))
    assert s.fragmentations == 1  # object 2 went untracked in frame 3 and came back
    assert 0.0 < s.hota < 1.0


def test_ignored_ground_truth_neither_counts_nor_punishes():
    gt = two_objects()
    gt[gt[:, 1] == 2, 6] = 0  # object 2 marked "do not count" (say, a reflection)
    hyp = two_objects()  # the tracker follows both
    s = mot_scores(gt, hyp)
    assert (s.gt_boxes, s.fp, s.fn, s.mota) == (4, 0, 0, 1.0)
    # Unmatched, a box beside an ignored one is still a false positive.
    s = mot_scores(gt, np.concatenate([hyp, rows((2, 50, 400))]))
    assert s.fp == 1


def test_iou_threshold_decides_a_match():
    gt = rows((1, 1, 0))
    shifted = rows((1, 1, 20))  # 20 of 40 px across: IoU 20 * 80 / (2 * 3200 - 1600) = 1 / 3
    assert mot_scores(gt, shifted, iou=0.5).fp == 1
    assert mot_scores(gt, shifted, iou=0.3).fp == 0


def test_hota_is_none_without_trackeval(monkeypatch):
    monkeypatch.setitem(sys.modules, "trackeval", None)  # import trackeval now raises ImportError
    monkeypatch.setitem(sys.modules, "trackeval.metrics", None)
    s = mot_scores(two_objects(), two_objects())
    assert s.hota is None and s.mota == 1.0


def test_write_then_read_round_trip(tmp_path):
    data = two_objects()
    data[0, 2] = 12.25
    back = read_mot(write_mot(tmp_path / "gt.txt", data))
    np.testing.assert_allclose(back, data[np.lexsort((data[:, 1], data[:, 0]))], atol=0.01)


def test_bad_input_gets_one_line(tmp_path):
    bad = tmp_path / "dets.txt"
    bad.write_text("1,-1,10,10,40,80,0.9\n2,-1,ten,10,40,80,0.9\n")
    with pytest.raises(MarionnetteError, match=r"line 2: .* not comma-separated numbers"):
        read_mot(bad)
    bad.write_text("1,-1,10,10,0,80,0.9\n")
    with pytest.raises(MarionnetteError, match="row 1 has a box of width or height 0"):
        read_mot(bad)
    hyp = two_objects()
    hyp[3, 4] = 0
    with pytest.raises(MarionnetteError, match="tracker rows: row 4 has a box of width or height 0"):
        mot_scores(two_objects(), hyp)
    with pytest.raises(MarionnetteError, match=r"shape \(8, 4\)"):
        mot_scores(two_objects()[:, :4], two_objects())
    gt = two_objects()
    gt[:, 6] = 0
    with pytest.raises(MarionnetteError, match="no box that counts") as e:
        mot_scores(gt, two_objects())
    assert "\n" not in str(e.value)
