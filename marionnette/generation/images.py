"""Images in and out of style transfer: a file or a picture scikit-image ships, as RGB floats.

Every function of :mod:`marionnette.generation.style` takes RGB in ``[0, 1]``: a numpy
``(H, W, 3)`` float32 array here, a torch ``(N, 3, H, W)`` batch inside the networks
(:func:`to_tensor`, :func:`to_image`).

Sources
    A path (anything Pillow opens: PNG, JPEG, BMP, TIFF, WebP, ...) or ``skimage:NAME``,
    one of the pictures scikit-image installs with itself (:data:`SKIMAGE_IMAGES`: the
    textures ``brick``, ``grass``, ``gravel``, photographs such as ``astronaut``, ``coffee``,
    ``chelsea``); nothing is downloaded. scikit-image is needed only for those names.

Conversions, each said once as a logging warning
    A greyscale image (Pillow's ``L``, ``I;16``, ``1``, a 2-D array) becomes RGB by copying
    its grey into the three channels; an image with alpha (``RGBA``, ``LA``, a palette with
    a transparent colour) is laid over white, as a viewer shows it. 16-bit and float
    images are scaled to ``[0, 1]`` from their own range (65535, or as they are).

A file that does not open (missing, cut short, not an image) is one
:class:`~marionnette.errors.MarionnetteError` line naming its path; the cause is chained.
"""

from __future__ import annotations

import difflib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path

log = logging.getLogger(__name__)

SKIMAGE_PREFIX = "skimage:"
SKIMAGE_TEXTURES: tuple[str, ...] = ("brick", "grass", "gravel")
"""scikit-image's texture photographs (512x512, greyscale)."""
SKIMAGE_PHOTOS: tuple[str, ...] = (
    "astronaut", "camera", "chelsea", "coffee", "rocket", "coins", "moon", "clock",
    "hubble_deep_field", "immunohistochemistry", "retina", "colorwheel", "logo", "page", "text",
)  # fmt: skip
"""scikit-image's photographs and pictures that ship inside its wheel (0.22-0.26); the
others in :mod:`skimage.data` (``lily``, ``brain``, ...) need a download and are not offered."""
SKIMAGE_IMAGES: tuple[str, ...] = SKIMAGE_TEXTURES + SKIMAGE_PHOTOS

_WHITE = 1.0  # what shows through a transparent pixel
SUFFIXES = (".png", ".jpg", ".jpeg")  # what a folder of pictures is read for


def read_image(source: str | os.PathLike, quiet: bool = False) -> np.ndarray:
    """The RGB picture at ``source`` (a path or ``skimage:NAME``) as ``(H, W, 3)`` float32 in
    ``[0, 1]``; ``quiet`` converts a grey or transparent one without the warning.

    :raises MarionnetteError: an unknown ``skimage:`` name (with the nearest one), a missing
        file, or a file that is not a whole image (its path named, the cause chained).
    """
    text = str(source)
    if text.startswith(SKIMAGE_PREFIX):
        name = text[len(SKIMAGE_PREFIX) :]
        return as_rgb(_skimage(name), text, quiet)
    path = Path(source)
    if not path.is_file():
        hint = f"; did you mean {SKIMAGE_PREFIX}{text}?" if text in SKIMAGE_IMAGES else ""
        raise MarionnetteError(
            f"image {str(path)!r} does not exist: pass an image file or a scikit-image name such as "
            f"{SKIMAGE_PREFIX}brick{hint}"
        )
    from PIL import Image

    try:
        with Image.open(path) as picture:
            picture.load()  # decode now, so that a cut file fails here and not later
            array = _pillow_array(picture)
    except (OSError, SyntaxError) as e:
        # Measured on cut and bit-flipped PNGs and JPEGs: UnidentifiedImageError (an OSError)
        # for a file Pillow does not recognise or an empty one, OSError "image file is
        # truncated" / "broken data stream" for a damaged one; Pillow's plugins raise
        # SyntaxError for some broken headers.
        reason = (str(e).splitlines() or [""])[0][:120] or type(e).__name__
        raise MarionnetteError(
            f"{path} is not a readable image ({reason}): it is cut short or not a picture; pass a PNG or JPEG file"
        ) from e
    return as_rgb(array, str(path), quiet)


def _skimage(name: str) -> np.ndarray:
    """One of :data:`SKIMAGE_IMAGES`, as scikit-image returns it."""
    if name not in SKIMAGE_IMAGES:
        close = difflib.get_close_matches(name, SKIMAGE_IMAGES, n=1)
        hint = f"did you mean {SKIMAGE_PREFIX}{close[0]}?" if close else f"use one of {', '.join(SKIMAGE_IMAGES)}"
        raise MarionnetteError(f"scikit-image ships no picture {name!r} that loads offline: {hint}")
    try:
        import skimage.data
    except ImportError as e:
        raise MarionnetteError(
            f"{SKIMAGE_PREFIX}{name} is one of scikit-image's pictures: pip install scikit-image, or pass an image file"
        ) from e
    try:
        return np.asarray(getattr(skimage.data, name)())
    except (ImportError, AttributeError) as e:  # an older or newer scikit-image that fetches it (needs pooch)
        raise MarionnetteError(
            f"this scikit-image ({skimage.__version__}) does not ship {name!r} in its wheel (it would download it): "
            f"use another of {', '.join(SKIMAGE_TEXTURES)} or a photograph, or pass an image file"
        ) from e


def _pillow_array(picture) -> np.ndarray:
    """A Pillow image as an array :func:`as_rgb` reads: ``(H, W)``, ``(H, W, 3)`` or ``(H, W, 4)``."""
    mode = picture.mode
    if mode == "P":  # a palette: its colours, with the transparent one as alpha if it has one
        picture = picture.convert("RGBA" if "transparency" in picture.info else "RGB")
    elif mode == "1":
        picture = picture.convert("L")
    elif mode in ("CMYK", "YCbCr", "LAB", "HSV", "RGBX", "RGBa", "La", "PA"):
        picture = picture.convert("RGBA" if mode in ("RGBa", "La", "PA") else "RGB")
    array = np.asarray(picture)
    if array.dtype.kind in "iu" and picture.mode.startswith("I"):  # 16- or 32-bit grey
        array = array.astype(np.float64) / (65535.0 if array.max() > 255 else 255.0)
    return array


def as_rgb(array: np.ndarray, name: str = "the image", quiet: bool = False) -> np.ndarray:
    """``array`` (``(H, W)``, ``(H, W, 1|2|3|4)``; uint8, uint16, bool or float) as
    ``(H, W, 3)`` float32 RGB in ``[0, 1]``; a grey or transparent image is converted and
    a warning naming ``name`` says how (unless ``quiet``)."""
    array = np.asarray(array)
    if array.ndim == 3 and array.shape[-1] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[-1] not in (2, 3, 4)) or min(array.shape[:2]) < 1:
        raise MarionnetteError(
            f"{name} has shape {array.shape}: give an image of shape (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA"
        )
    if array.dtype == bool:
        values = array.astype(np.float32)
    elif array.dtype == np.uint8:
        values = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        values = array.astype(np.float32) / 65535.0
    elif array.dtype.kind == "f":
        values = np.clip(array.astype(np.float32), 0.0, 1.0)
    else:
        raise MarionnetteError(f"{name} holds {array.dtype} pixels: give uint8, uint16 or float values in [0, 1]")
    if values.ndim == 2:
        if not quiet:
            log.warning("%s is greyscale: using it as RGB (its grey in all three channels)", name)
        return np.repeat(values[..., None], 3, axis=2)
    if values.shape[-1] in (2, 4):  # grey + alpha, RGB + alpha
        if not quiet:
            log.warning("%s has an alpha channel: laying it over white to make RGB", name)
        alpha = values[..., -1:]
        colour = values[..., :-1] if values.shape[-1] == 4 else np.repeat(values[..., :1], 3, axis=2)
        values = colour * alpha + _WHITE * (1.0 - alpha)
    return np.ascontiguousarray(values, dtype=np.float32)


def image_sources(sources: Sequence[str | os.PathLike]) -> tuple[str, ...]:
    """``sources`` with each folder replaced by the image files in it (sorted by name)."""
    found: list[str] = []
    for source in sources:
        text = str(source)
        path = Path(text)
        if not text.startswith(SKIMAGE_PREFIX) and path.is_dir():
            files = sorted(str(p) for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
            if not files:
                raise MarionnetteError(f"{path} holds no .png, .jpg or .jpeg image: put the pictures there")
            found += files
        else:
            found.append(text)
    if not found:
        raise MarionnetteError("no images: give image files, a folder of them, or skimage:NAME")
    return tuple(found)


def resize(image: np.ndarray, size: int, multiple: int = 1) -> np.ndarray:
    """``image (H, W, 3)`` scaled so its longer side is ``size`` pixels (aspect kept), each
    side rounded to a multiple of ``multiple`` (the fast network takes multiples of 4);
    antialiased bilinear, as :func:`torch.nn.functional.interpolate` does it."""
    import torch
    import torch.nn.functional as F

    if size < multiple or size < 1:
        raise MarionnetteError(f"image size {size}: give at least {max(multiple, 1)} pixels")
    H, W = image.shape[:2]
    scale = size / max(H, W)
    h = max(multiple, int(round(H * scale / multiple)) * multiple)
    w = max(multiple, int(round(W * scale / multiple)) * multiple)
    if (h, w) == (H, W):
        return image
    x = to_tensor(image)  # (1, 3, H, W)
    with torch.no_grad():
        x = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=(h < H or w < W))
    return to_image(x.clamp_(0.0, 1.0))


def load_image(source: str | os.PathLike, size: int | None = None, multiple: int = 1) -> np.ndarray:
    """:func:`read_image` then, when ``size`` is given, :func:`resize`: ``(H, W, 3)`` float32."""
    image = read_image(source)
    return image if size is None else resize(image, size, multiple)


def to_tensor(image: np.ndarray):
    """``(H, W, 3)`` array → ``(1, 3, H, W)`` float32 tensor (a batch of one)."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(image, dtype=np.float32)).permute(2, 0, 1)[None].contiguous()


def to_image(images) -> np.ndarray:
    """``(1, 3, H, W)`` or ``(3, H, W)`` tensor → ``(H, W, 3)`` float32 array clipped to ``[0, 1]``."""
    x = images.detach()
    if x.ndim == 4:
        if x.shape[0] != 1:
            raise MarionnetteError(f"a batch of {x.shape[0]} images: convert one at a time (images[i:i + 1])")
        x = x[0]
    return np.ascontiguousarray(x.clamp(0.0, 1.0).permute(1, 2, 0).cpu().numpy(), dtype=np.float32)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """``(H, W, 3)`` float in ``[0, 1]`` → uint8, rounded (what a PNG or a video frame holds)."""
    return (np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def save_image(path: str | os.PathLike, image: np.ndarray) -> Path:
    """Write ``image`` (``(H, W, 3)`` float in ``[0, 1]``, or uint8) at ``path`` in the format
    its suffix names (``.png``, ``.jpg``, ...), atomically."""
    from PIL import Image

    path = Path(path)
    fmt = Image.registered_extensions().get(path.suffix.lower())
    if fmt is None or fmt not in Image.SAVE:
        raise MarionnetteError(f"{path}: name the picture .png or .jpg (Pillow writes no {path.suffix or 'bare'} file)")
    pixels = image if image.dtype == np.uint8 else to_uint8(image)
    with atomic_path(path) as tmp:
        Image.fromarray(pixels).save(tmp, format=fmt)
    return path


__all__ = [
    "SKIMAGE_IMAGES",
    "SKIMAGE_PHOTOS",
    "SKIMAGE_TEXTURES",
    "SUFFIXES",
    "as_rgb",
    "image_sources",
    "load_image",
    "read_image",
    "resize",
    "save_image",
    "to_image",
    "to_tensor",
    "to_uint8",
]
