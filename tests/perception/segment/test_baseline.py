"""The classic pipelines: they find the pitch, and colour alone misleads them on people and the ball."""

import numpy as np
import pytest

from marionnette.errors import MarionnetteError
from marionnette.perception.segment.baseline import ColourRules, HSVBaseline, KMeansBaseline, ball_blobs


def test_a_white_blob_is_the_ball_when_small_and_compact():
    white = np.zeros((20, 20), bool)
    white[2:5, 2:5] = True  # a 3x3 ball
    white[10, :] = True  # a line
    white[15:17, 15:16] = True  # 2 pixels: noise
    ball = ball_blobs(white, ColourRules())
    assert ball.sum() == 9 and ball[2:5, 2:5].all()


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
