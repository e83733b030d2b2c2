"""The face GAN's crop: where it goes, what it takes and gives back (hand-made cases)."""

import numpy as np
import pytest
import torch

from marionnette.errors import MarionnetteError
from marionnette.generation.transfer.face import FaceConfig, FaceGAN, corners, crop, head_index, paste
from marionnette.generation.transfer.models import GeneratorConfig
from marionnette.motion.skeleton import CANONICAL, MEDIAPIPE_33


def test_the_crop_is_centred_on_the_head_and_kept_inside_the_frame():
    head = head_index(CANONICAL)
    points = np.full((4, len(CANONICAL.joints), 2), 30.0)
    points[:, head] = [[30, 20], [2, 1], [63, 63], [np.nan, np.nan]]  # (x, y): inside, two corners, unseen
    at = corners(points, head, side=16, size=(64, 64))
    assert at.tolist() == [[12, 22], [0, 0], [48, 48], [-1, -1]]  # (y, x) of the top-left
    assert head_index(MEDIAPIPE_33) == MEDIAPIPE_33.index("nose")
    assert FaceConfig(crop=0.25).side(64) == 16 and FaceConfig(crop=0.01).side(64) == 4  # a multiple of G_f's 4
    with pytest.raises(MarionnetteError, match="a face crop of 80 px does not fit a 64x64 frame"):
        corners(points, head, side=80, size=(64, 64))
    with pytest.raises(MarionnetteError, match="give 0 or more epochs and a crop in"):
        FaceConfig(crop=1.5)


def test_crop_and_paste_are_each_others_inverse_and_unseen_heads_are_left_alone():
    images = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).reshape(2, 3, 8, 8)
    at = np.array([[1, 2], [-1, -1]])
    faces = crop(images, np.array([[1, 2], [0, 0]]), 4)
    assert torch.equal(faces[0], images[0, :, 1:5, 2:6])
    pasted = paste(images, torch.zeros_like(faces), at)
    assert pasted[0, :, 1:5, 2:6].eq(0).all() and pasted[0].ne(0).sum() == 3 * 64 - 3 * 16 - 1  # one pixel was 0
    assert torch.equal(pasted[1], images[1])
    torch.manual_seed(0)
    gan = FaceGAN(FaceConfig(net=GeneratorConfig(channels=4, downs=2, blocks=1)), d_channels=4)
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    out = gan.apply(torch.zeros_like(x), x, np.array([[8, 8], [-1, -1]]))  # side 8 at height 32
    inside = torch.zeros(32, 32, dtype=torch.bool)
    inside[8:16, 8:16] = True
    assert torch.equal(out[0][:, ~inside], x[0][:, ~inside]) and not torch.equal(out[0], x[0])
    assert torch.equal(out[1], x[1]) and out.abs().max() <= 1
