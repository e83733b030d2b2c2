"""The images an autoencoder learns from, none of them downloaded.

- ``digits``: scikit-learn's handwritten digits (:func:`sklearn.datasets.load_digits`, shipped
  inside the package): 1797 grey 8x8 images, their 17 grey levels scaled to ``[0, 1]``.
- ``photos``: scikit-image's photographs (:mod:`skimage.data`: camera, astronaut, coffee,
  chelsea, rocket, coins, moon, immunohistochemistry) cut into non-overlapping square tiles
  (32x32 by default). Tiles do not overlap, so a held-out tile shares no pixel with a
  training one. Grey (all eight, colour ones by luminance) or RGB (the five colour ones).
- a folder: every ``.png``/``.jpg``/``.jpeg`` in it, centre-cropped to a square and resized
  (32x32 by default). Images of another mode than the model reads (greyscale for an RGB
  model, RGB for a grey one, RGBA, palette) are converted, and a warning says how many; a
  file that does not decode is named in one line.

The frames the project renders of its games and character come as a folder too
(:mod:`marionnette.datasets.frames`, which this layer does not import): ``marionnette data
frames`` writes one, and ``ae train --data arcade|character`` renders one first.

Images are ``(N, C, H, W)`` float32 in ``[0, 1]``. This module needs numpy, Pillow,
scikit-learn and scikit-image, not torch.
"""

from __future__ import annotations

import difflib
import logging
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np

from marionnette.errors import MarionnetteError

log = logging.getLogger(__name__)

SOURCES = ("digits", "photos")  # besides a folder
PHOTOS = ("camera", "astronaut", "coffee", "chelsea", "rocket", "coins", "moon", "immunohistochemistry")
SUFFIXES = (".png", ".jpg", ".jpeg")
DEFAULT_SIZE = 32  # photos and folders, pixels a side
DIGITS_SIZE = 8
_GREY_MODES = ("1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F")


class ImageSet(NamedTuple):
    """Images and where they came from."""

    images: np.ndarray  # (N, C, H, W) float32 in [0, 1]
    source: str  # digits, photos, or the folder's path
    labels: np.ndarray | None = None  # (N,) int64 digit classes for digits; None otherwise

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)``."""
        C, H, W = self.images.shape[1:]
        return (int(C), int(H), int(W))


class Split(NamedTuple):
    """Indices into an :class:`ImageSet`: the training half and the held-out one."""

    train: np.ndarray  # (N_train,) int64
    test: np.ndarray  # (N_test,) int64


def digits(channels: int | None = None, size: int | None = None) -> ImageSet:
    """scikit-learn's 8x8 digits, ``(1797, 1, 8, 8)``."""
    if channels not in (None, 1):
        raise MarionnetteError(f"channels {channels}: the digits are grey; leave --channels out (or give 1)")
    if size not in (None, DIGITS_SIZE):
        raise MarionnetteError(f"size {size}: the digits are {DIGITS_SIZE}x{DIGITS_SIZE}; leave --size out")
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:
        raise MarionnetteError("the digits come with scikit-learn: pip install scikit-learn") from e
    found = load_digits()
    images = (found.images / 16.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8): grey levels 0..16
    return ImageSet(images, "digits", found.target.astype(np.int64))


def photo_tiles(size: int | None = None, channels: int | None = None) -> ImageSet:
    """scikit-image's photographs as non-overlapping ``size`` x ``size`` tiles, grey
    (``channels`` 1, the default) or RGB (3: the colour photographs only)."""
    import skimage.data
    from skimage.color import rgb2gray

    size = DEFAULT_SIZE if size is None else size
    channels = 1 if channels is None else channels
    if channels not in (1, 3):
        raise MarionnetteError(f"channels {channels}: give 1 (grey) or 3 (RGB)")
    if not 4 <= size <= 128:
        raise MarionnetteError(f"size {size}: the photo tiles are 4 to 128 pixels a side")
    tiles = []
    for name in PHOTOS:
        photo = getattr(skimage.data, name)()  # (H, W) or (H, W, 3) uint8
        if channels == 3 and photo.ndim != 3:
            continue
        if channels == 1:
            picture = (rgb2gray(photo) if photo.ndim == 3 else photo / 255.0)[..., None]  # (H, W, 1)
        else:
            picture = photo / 255.0  # (H, W, 3)
        rows, cols = picture.shape[0] // size, picture.shape[1] // size
        grid = picture[: rows * size, : cols * size].reshape(rows, size, cols, size, channels)
        tiles.append(grid.transpose(0, 2, 4, 1, 3).reshape(rows * cols, channels, size, size))  # (n, C, s, s)
    return ImageSet(np.concatenate(tiles).astype(np.float32), "photos")


def _square(image, size: int):
    """Centre-crop a PIL image to a square and resize it to ``size`` x ``size``."""
    from PIL import Image

    w, h = image.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    return image.crop((left, top, left + side, top + side)).resize((size, size), Image.Resampling.LANCZOS)


def read_image(path: str | os.PathLike, size: int, channels: int) -> tuple[np.ndarray, str]:
    """One image file as ``(channels, size, size)`` float32 in ``[0, 1]``, and its PIL mode
    (``RGBA``, ``L``, ...) before conversion; one line naming the file when it does not decode."""
    from PIL import Image

    path = Path(path)
    try:
        with Image.open(path) as image:
            image.load()
            mode = image.mode
            if mode.startswith("I") or mode == "F":  # 16- or 32-bit grey: scale by the range it holds
                values = np.asarray(image, np.float64)
                image = Image.fromarray((255 * values / max(values.max(), 1.0)).astype(np.uint8))
            converted = _square(image.convert("L" if channels == 1 else "RGB"), size)
    except (OSError, SyntaxError, ValueError) as e:  # PIL: UnidentifiedImageError (an OSError), truncated data
        raise MarionnetteError(
            f"{path} is not a readable image ({type(e).__name__}: {str(e)[:100]}): remove it from the folder or "
            "save it again as PNG or JPG"
        ) from e
    array = np.asarray(converted, np.float32) / 255.0  # (size, size) or (size, size, 3)
    return (array[None] if channels == 1 else array.transpose(2, 0, 1)), mode


def image_folder(path: str | os.PathLike, size: int | None = None, channels: int | None = None) -> ImageSet:
    """Every PNG/JPG in the folder ``path`` (sorted by name), ``(N, C, size, size)``; with
    ``channels`` None, RGB when any image has colour, else grey. Conversions are warned of."""
    from PIL import Image

    folder = Path(path)
    size = DEFAULT_SIZE if size is None else size
    if not 4 <= size <= 512:
        raise MarionnetteError(f"size {size}: give 4 to 512 pixels a side")
    if channels not in (None, 1, 3):
        raise MarionnetteError(f"channels {channels}: give 1 (grey) or 3 (RGB)")
    if not folder.is_dir():
        raise MarionnetteError(f"{folder} is not a folder: give a folder of PNG/JPG images, digits or photos")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
    if not files:
        raise MarionnetteError(f"{folder} holds no .png, .jpg or .jpeg image: put the images to learn from there")
    if channels is None:  # one cheap look at each header, to pick what the model reads
        modes = []
        for p in files:
            try:
                with Image.open(p) as image:
                    modes.append(image.mode)
            except (OSError, SyntaxError, ValueError):
                modes.append("")  # read_image names it below
        channels = 3 if any(m and m not in _GREY_MODES for m in modes) else 1
    images, converted = [], {}
    for p in files:
        image, mode = read_image(p, size, channels)
        images.append(image)
        if (channels == 3 and mode != "RGB") or (channels == 1 and mode not in ("L", "1")):
            converted.setdefault(mode, []).append(p.name)
    target = "RGB" if channels == 3 else "greyscale"
    for mode, names in converted.items():
        log.warning("converted %d %s image(s) of %s to %s (the model reads %d channel(s)), e.g. %s",
                    len(names), mode, folder, target, channels, names[0])  # fmt: skip
    return ImageSet(np.stack(images).astype(np.float32), str(folder))


def load_images(data: str | os.PathLike, size: int | None = None, channels: int | None = None) -> ImageSet:
    """``digits``, ``photos``, or a folder of images."""
    name = str(data)
    if name == "digits":
        return digits(channels, size)
    if name == "photos":
        return photo_tiles(size, channels)
    if Path(name).is_dir():
        return image_folder(name, size, channels)
    close = difflib.get_close_matches(name, SOURCES, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise MarionnetteError(f"data {name!r}: use digits, photos or a folder of PNG/JPG images{hint}")


def held_out(count: int, fraction: float = 0.2, seed: int = 0) -> Split:
    """A seeded split of ``count`` images: ``fraction`` of them (at least one) held out."""
    if count < 2:
        raise MarionnetteError(f"{count} image(s): an autoencoder needs at least 2 (one to train, one to test)")
    if not 0 < fraction < 1:
        raise MarionnetteError(f"test fraction {fraction}: give a fraction between 0 and 1")
    order = np.random.default_rng(seed).permutation(count)
    n_test = min(max(1, round(fraction * count)), count - 1)
    return Split(np.sort(order[n_test:]), np.sort(order[:n_test]))


__all__ = ["PHOTOS", "SOURCES", "ImageSet", "Split", "digits", "held_out", "image_folder", "load_images",
           "photo_tiles", "read_image"]  # fmt: skip
