"""IoU against hand-counted values, classes absent from both, bad maps, and the painted overlay."""

import math

import numpy as np
import pytest

from marionnette.errors import MarionnetteError
from marionnette.perception.segment.evaluate import evaluate, iou, paint

TRUTH = np.array([[0, 0, 1], [1, 2, 2]], np.uint8)
GUESS = np.array([[0, 1, 1], [1, 2, 0]], np.uint8)


def test_iou_is_the_hand_counted_one():
    s = iou(GUESS, TRUTH, ("background", "person", "ball"))
    # background: TP 1, FP 1 (a ball pixel), FN 1 (a person guess): 1/3; person: 2 / (2 + 1); ball: 1 / (1 + 1)
    assert s.per_class == pytest.approx({"background": 1 / 3, "person": 2 / 3, "ball": 1 / 2})
    assert s.mean == pytest.approx(0.5)
    assert s.confusion.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]  # rows the truth
    both = iou(np.stack([GUESS, TRUTH]), np.stack([TRUTH, TRUTH]), ("background", "person", "ball"))
    assert both.per_class["background"] == pytest.approx((1 + 2) / (1 + 2 + 1 + 1))  # pixels pooled over frames


def test_a_class_in_neither_map_is_left_out_of_the_mean():
    s = iou(GUESS, TRUTH, ("background", "person", "ball", "referee"))
    assert math.isnan(s.per_class["referee"]) and s.mean == pytest.approx(0.5)
    assert iou(TRUTH, TRUTH, ("a", "b", "c")).mean == 1.0


def test_bad_maps_are_one_line(scenes):
    with pytest.raises(MarionnetteError, match=r"a prediction of shape \(2, 2\) for a mask of \(2, 3\)"):
        iou(GUESS[:, :2], TRUTH, ("a", "b", "c"))
    with pytest.raises(MarionnetteError, match="a mask holds class 2: give indices in 0..1"):
        iou(GUESS.clip(0, 1), TRUTH, ("a", "b"))
    with pytest.raises(MarionnetteError, match="a prediction of float64"):
        iou(GUESS.astype(float), TRUTH, ("a", "b", "c"))
    with pytest.raises(MarionnetteError, match="no held-out frames"):
        evaluate(None, scenes.subset(held_out=False))


def test_paint_colours_the_classes_only():
    image = np.full((2, 3, 3), 100, np.uint8)
    painted = paint(image, TRUTH, alpha=0.5)
    assert painted[0, 0].tolist() == [100, 100, 100]  # background untouched
    assert painted[0, 2].tolist() == [178, 120, 50]  # person: halfway to orange (255, 140, 0)
    with pytest.raises(MarionnetteError, match=r"a class map of shape \(2, 2\)"):
        paint(image, TRUTH[:, :2])
