"""The images an autoencoder reads without a download: the digits, photo tiles, a folder."""

import logging

import numpy as np
import pytest
import torch
from PIL import Image

from marionnette.errors import MarionnetteError
from marionnette.generation.autoencoders.data import digits, held_out, image_folder, load_images, photo_tiles
from marionnette.generation.autoencoders.train import AETrainConfig, load, train


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small models: one thread trains them faster than two (see test_learning)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_the_digits_are_8x8_grey_in_0_1():
    found = digits()
    assert found.images.shape == (1797, 1, 8, 8) and found.images.dtype == np.float32
    assert found.images.min() == 0 and found.images.max() == 1 and set(found.labels) == set(range(10))


def test_photo_tiles_do_not_overlap():
    import skimage.data

    grey = photo_tiles(32)
    assert grey.images.shape[1:] == (1, 32, 32) and len(grey.images) > 1500
    camera = skimage.data.camera() / 255.0  # the first photograph: its tiles come first, row by row
    np.testing.assert_allclose(grey.images[1, 0], camera[:32, 32:64], atol=1e-6)
    colour = photo_tiles(16, channels=3)
    assert colour.images.shape[1:] == (3, 16, 16) and 0 <= colour.images.min() and colour.images.max() <= 1


def test_the_held_out_split_is_seeded_and_disjoint():
    a, b, c = held_out(100, 0.2, seed=0), held_out(100, 0.2, seed=0), held_out(100, 0.2, seed=1)
    assert np.array_equal(a.test, b.test) and not np.array_equal(a.test, c.test)
    assert len(a.test) == 20 and sorted(np.concatenate(a)) == list(range(100))


def _folder(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "pictures"
    folder.mkdir()
    Image.fromarray(rng.integers(0, 255, (40, 60, 3), np.uint8)).save(folder / "a.png")  # RGB, not square
    Image.fromarray(rng.integers(0, 255, (20, 20), np.uint8)).save(folder / "b.png")  # greyscale
    Image.fromarray(rng.integers(0, 255, (24, 24, 4), np.uint8)).save(folder / "c.png")  # RGBA
    Image.fromarray(rng.integers(0, 255, (30, 30, 3), np.uint8)).save(folder / "d.JPG")
    (folder / "notes.txt").write_text("not an image: skipped")
    return folder


def test_a_folder_is_converted_to_what_the_model_reads_and_says_so(tmp_path, caplog):
    folder = _folder(tmp_path)
    with caplog.at_level(logging.WARNING, logger="marionnette"):
        found = image_folder(folder, size=8)
    assert found.images.shape == (4, 3, 8, 8)  # any colour: RGB
    assert "converted 1 L image(s)" in caplog.text and "converted 1 RGBA image(s)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="marionnette"):
        grey = load_images(folder, size=8, channels=1)
    assert grey.images.shape == (4, 1, 8, 8) and "converted 2 RGB image(s)" in caplog.text


def test_a_bad_folder_is_one_line(tmp_path):
    folder = _folder(tmp_path)
    (folder / "e.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not the rest of a PNG")
    with pytest.raises(MarionnetteError, match=r"e\.png is not a readable image"):
        image_folder(folder)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(MarionnetteError, match="holds no .png, .jpg or .jpeg image"):
        image_folder(empty)
    with pytest.raises(MarionnetteError, match="the digits are grey"):
        digits(channels=3)


def test_an_autoencoder_trains_on_a_folder_and_on_photos(tmp_path):
    folder = _folder(tmp_path)
    run = train(AETrainConfig(data=str(folder), size=8, epochs=1, test_fraction=0.5), device="cpu",
                runs_dir=tmp_path / "runs")  # fmt: skip
    trained = load(run.path)
    assert trained.image_shape == (3, 8, 8) and trained.held_out().shape == (2, 3, 8, 8)
    run = train(AETrainConfig(data="photos", channels=3, epochs=1), device="cpu", runs_dir=tmp_path / "runs")
    assert load(run.path).image_shape == (3, 32, 32)
