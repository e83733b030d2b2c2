"""The classic pipelines: they find the pitch, and colour alone misleads them on people and the ball."""

import numpy as np
import pytest

from marionnette.errors import MarionnetteError
from marionnette.perception.segment.baseline import (
    BACKGROUND,
    PERSON,
    ColourRules,
    HSVBaseline,
    KMeansBaseline,
    ball_blobs,
)


def test_a_white_blob_is_the_ball_when_small_and_compact():
    white = np.zeros((20, 20), bool)
    white[2:5, 2:5] = True  # a 3x3 ball
    white[10, :] = True  # a line
    white[15:17, 15:16] = True  # 2 pixels: noise
    ball = ball_blobs(white, ColourRules())
    assert ball.sum() == 9 and ball[2:5, 2:5].all()


def test_outside_the_grass_hull_is_background():
    # a broadcast frame: a grey stand above the pitch, a red player on it
    image = np.zeros((40, 40, 3), np.uint8)
    image[:12] = (120, 110, 100)  # the stand: neither grass nor white
    image[12:] = (40, 140, 50)  # grass
    image[20:30, 18:22] = (200, 30, 30)  # the player, inside the field
    on = HSVBaseline().predict(image)
    assert (on[:10] == BACKGROUND).all() and (on[21:29, 19:21] == PERSON).all()
    off = HSVBaseline(ColourRules(field=False)).predict(image)
    assert (off[:10] == PERSON).all() and (off[21:29, 19:21] == PERSON).all()


def test_the_baselines_find_the_pitch_not_the_people(baselines):
    hsv, kmeans = baselines["hsv"], baselines["kmeans"]
    # measured: HSV background 0.975, person 0.517, ball 0.098 (mean 0.530); k-means 0.969, 0.444, 0.098 (0.504)
    for s in (hsv, kmeans):
        assert s.per_class["background"] > 0.9 and 0.3 < s.per_class["person"] < 0.7 and s.per_class["ball"] < 0.3
    assert 0.45 < hsv.mean < 0.6 and 0.45 < kmeans.mean < 0.6


def test_bad_input_is_one_line(scenes):
    with pytest.raises(MarionnetteError, match=r"image of uint8 \(64, 64\): give one \(H, W, 3\) uint8"):
        HSVBaseline().predict(scenes.images[0, ..., 0])
    with pytest.raises(MarionnetteError, match="not fitted"):
        KMeansBaseline().predict(scenes.images[0])
    with pytest.raises(MarionnetteError, match="no training frames"):
        KMeansBaseline().fit(scenes.subset(held_out=True))
