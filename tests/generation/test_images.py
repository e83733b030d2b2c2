"""Reading and writing images: scikit-image's pictures by name, conversions said once, bad files in one line."""

import logging

import numpy as np
import pytest
from PIL import Image

from marionnette.errors import MarionnetteError
from marionnette.generation.images import (
    SKIMAGE_IMAGES,
    as_rgb,
    load_image,
    read_image,
    resize,
    save_image,
    to_image,
    to_tensor,
)


def test_every_offered_skimage_picture_loads_offline_as_rgb(caplog):
    for name in SKIMAGE_IMAGES:
        image = read_image(f"skimage:{name}", quiet=True)
        assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.float32, name
        assert 0.0 <= image.min() and image.max() <= 1.0 and image.max() > 0.2, name
    with caplog.at_level(logging.WARNING):
        brick = read_image("skimage:brick")
    assert "skimage:brick is greyscale" in caplog.text
    assert np.array_equal(brick[..., 0], brick[..., 2])


def test_grey_and_transparent_files_are_converted_and_said_so(tmp_path, caplog):
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8) * 4
    Image.fromarray(grey).save(tmp_path / "grey.png")
    rgba = np.zeros((8, 8, 4), np.uint8)
    rgba[..., 0] = 255  # red
    rgba[:4, :, 3] = 255  # opaque on the top half, transparent below
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    with caplog.at_level(logging.WARNING):
        g = read_image(tmp_path / "grey.png")
        a = read_image(tmp_path / "rgba.png")
    assert f"{tmp_path / 'grey.png'} is greyscale" in caplog.text
    assert f"{tmp_path / 'rgba.png'} has an alpha channel" in caplog.text
    np.testing.assert_allclose(g[..., 1], grey / 255.0, atol=1e-6)
    np.testing.assert_allclose(a[0, 0], [1, 0, 0])  # opaque red stays red
    np.testing.assert_allclose(a[-1, 0], [1, 1, 1])  # transparent shows white
    sixteen = (np.arange(64, dtype=np.uint16).reshape(8, 8) * 1000).astype(np.uint16)
    Image.fromarray(sixteen).save(tmp_path / "deep.png")
    np.testing.assert_allclose(read_image(tmp_path / "deep.png", quiet=True)[..., 0], sixteen / 65535.0, atol=1e-5)


def test_bad_images_are_one_line_naming_them(tmp_path):
    Image.fromarray((np.random.default_rng(0).random((32, 32, 3)) * 255).astype(np.uint8)).save(tmp_path / "a.png")
    whole = (tmp_path / "a.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "notes.png").write_text("not a picture")
    for name in ("cut.png", "notes.png"):
        with pytest.raises(MarionnetteError, match=f"{tmp_path / name} is not a readable image") as caught:
            read_image(tmp_path / name)
        assert "\n" not in str(caught.value) and caught.value.__cause__ is not None
    with pytest.raises(MarionnetteError, match="does not exist.*did you mean skimage:brick"):
        read_image("brick")
    with pytest.raises(MarionnetteError, match="did you mean skimage:gravel"):
        read_image("skimage:gravell")
    with pytest.raises(MarionnetteError, match="has shape \\(4, 4, 5\\)"):
        as_rgb(np.zeros((4, 4, 5)))
    with pytest.raises(MarionnetteError, match="name the picture .png or .jpg"):
        save_image(tmp_path / "out.xyz", np.zeros((4, 4, 3), np.float32))


def test_resize_keeps_the_aspect_and_rounds_to_multiples(tmp_path):
    chelsea = load_image("skimage:chelsea")  # 451 x 300
    assert chelsea.shape == (300, 451, 3)
    assert resize(chelsea, 90).shape == (60, 90, 3)
    assert resize(chelsea, 90, multiple=4).shape == (60, 88, 3)
    assert load_image("skimage:chelsea", 64, multiple=4).shape == (44, 64, 3)
    image = resize(chelsea, 64)
    save_image(tmp_path / "c.png", image)
    back = read_image(tmp_path / "c.png")
    assert np.abs(back - image).max() <= 0.5 / 255 + 1e-6  # 8 bits, rounded
    assert not list(tmp_path.glob(".*partial"))  # written atomically
    np.testing.assert_array_equal(to_image(to_tensor(image)), image)


def test_a_folder_stands_for_the_pictures_in_it(tmp_path):
    from marionnette.generation.images import image_sources
    from marionnette.generation.style.content import ContentCrops

    for name in ("b.png", "a.jpg"):
        save_image(tmp_path / name, np.full((40, 40, 3), 0.5, np.float32))
    (tmp_path / "readme.txt").write_text("not a picture")
    found = image_sources([tmp_path, "skimage:coffee"])
    assert [s.rsplit("/", 1)[-1] for s in found] == ["a.jpg", "b.png", "skimage:coffee"]
    assert ContentCrops([tmp_path], 16).batch(0, 2).shape == (2, 3, 16, 16)  # the style network's content too
    (tmp_path / "empty").mkdir()
    with pytest.raises(MarionnetteError, match="holds no .png, .jpg or .jpeg image"):
        image_sources([tmp_path / "empty"])
