"""What the segmenter learns from: frames, their class maps, the class names, a held-out flag.

:class:`SegmentationData` is the whole interface between a data set and the segmenters:

=============  ====================  =========================================================
field          shape, type           what it holds
=============  ====================  =========================================================
``images``     ``(N, H, W, 3)`` u8   the frames, RGB
``masks``      ``(N, H, W)`` u8      each pixel's class, an index into ``classes``
``classes``    ``tuple[str, ...]``   the class names (the scenes': background, person, ball)
``held_out``   ``(N,)`` bool         frames kept out of training, on which IoU is reported
``names``      ``tuple[str, ...]``   each frame's name (``<seq>/<frame>``), for messages
=============  ====================  =========================================================

It is read from

- *paired folders* (:func:`load_folder`): ``images/<seq>/<frame>.png|.jpg`` beside
  ``masks/<seq>/<frame>.png`` (the same relative names), which is what
  ``marionnette data scenes`` writes. The held-out sequences and the class names come from
  its manifest ``scenes.yaml`` when there is one (``sequences[].held_out``, ``classes``),
  else from the arguments; with neither, the last sequence (by name) is held out;
- an ``.npz`` (:meth:`SegmentationData.save` / :meth:`SegmentationData.load`), read without
  unpickling.

Every frame has one size (a scenes dataset's do). Training batches (:func:`crop_batch`) are
random square crops of the training frames, flipped left-right and jittered in brightness,
contrast and saturation, batch ``k`` drawn from ``(seed, k)`` alone so that a resumed run
sees the batches an uninterrupted one would. No vertical flips: the camera is upright, and
the sky (stand) is above the pitch.
"""

from __future__ import annotations

import os
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import yaml

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path

CLASSES: tuple[str, ...] = ("background", "person", "ball")
"""The scenes dataset's class map values: 0 pitch and everything else, 1 person, 2 ball."""
MANIFEST = "scenes.yaml"  # what marionnette.datasets.scenes writes (this layer does not import it)
FORMAT = "marionnette.segmentation"
_IMAGE_EXTS = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True)
class SegmentationData:
    """Frames and their class maps; see the module docstring for the fields."""

    images: np.ndarray
    masks: np.ndarray
    classes: tuple[str, ...] = CLASSES
    held_out: np.ndarray | None = None
    """``(N,)`` bool; None: no frame held out."""
    names: tuple[str, ...] = field(default=())
    """Empty: ``000000``, ``000001``, ..."""

    def __post_init__(self) -> None:
        images, masks = np.asarray(self.images), np.asarray(self.masks)
        if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] != 3:
            raise MarionnetteError(f"images of {images.dtype} {images.shape}: give (N, H, W, 3) uint8 RGB frames")
        if masks.dtype != np.uint8 or masks.shape != images.shape[:3]:
            raise MarionnetteError(
                f"masks of {masks.dtype} {masks.shape}: give (N, H, W) uint8 class maps, {images.shape[:3]} here"
            )
        classes = tuple(str(c) for c in self.classes)
        if len(classes) < 2 or len(set(classes)) != len(classes):
            raise MarionnetteError(f"classes {classes}: give two or more distinct class names")
        if masks.size and int(masks.max()) >= len(classes):
            raise MarionnetteError(
                f"a mask holds class {int(masks.max())}, but there are {len(classes)} classes {classes}: "
                "give the class names of every index in the masks"
            )
        held = np.zeros(len(images), bool) if self.held_out is None else np.asarray(self.held_out)
        if held.dtype != np.bool_ or held.shape != (len(images),):
            raise MarionnetteError(f"held_out of {held.dtype} {held.shape}: give ({len(images)},) bool")
        names = tuple(self.names) or tuple(f"{i:06d}" for i in range(len(images)))
        if len(names) != len(images):
            raise MarionnetteError(f"{len(names)} names for {len(images)} frames: give one name a frame")
        for key, value in (("images", images), ("masks", masks), ("classes", classes), ("held_out", held),
                           ("names", names)):  # fmt: skip
            object.__setattr__(self, key, value)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def size(self) -> tuple[int, int]:
        """``(H, W)`` of every frame."""
        return int(self.images.shape[1]), int(self.images.shape[2])

    def subset(self, held_out: bool) -> SegmentationData:
        """The held-out frames (``True``) or the training frames (``False``)."""
        keep = self.held_out == held_out
        return SegmentationData(self.images[keep], self.masks[keep], self.classes, self.held_out[keep],
                                tuple(n for n, k in zip(self.names, keep, strict=True) if k))  # fmt: skip

    def frequencies(self) -> np.ndarray:
        """``(C,)`` float64: the share of pixels of each class."""
        counts = np.bincount(self.masks.ravel(), minlength=len(self.classes)).astype(np.float64)
        return counts / max(counts.sum(), 1.0)

    def save(self, path: str | os.PathLike) -> Path:
        """An ``.npz`` (compressed, atomic) that :meth:`load` reads back without unpickling."""
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, format=np.array(FORMAT), images=self.images, masks=self.masks,
                                classes=np.array(self.classes), held_out=self.held_out,
                                names=np.array(self.names))  # fmt: skip
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> SegmentationData:
        path = Path(path)
        try:
            with np.load(path, allow_pickle=False) as z:
                if str(z["format"]) != FORMAT:
                    raise MarionnetteError(f"{path} is no segmentation data: save one with SegmentationData.save")
                return cls(z["images"], z["masks"], tuple(z["classes"].tolist()), z["held_out"],
                           tuple(z["names"].tolist()))  # fmt: skip
        except FileNotFoundError as e:
            raise MarionnetteError(f"{path} does not exist: pass an .npz SegmentationData.save wrote") from e
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as e:
            raise MarionnetteError(
                f"{path} is not readable segmentation data ({type(e).__name__}): save it again"
            ) from e


def _read(path: Path, grey: bool) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            if not grey:
                image = image.convert("RGB")  # a greyscale or RGBA frame reads as RGB
            array = np.asarray(image)
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise MarionnetteError(f"{path} is not a readable image ({type(e).__name__}): replace it") from e
    if grey and (array.ndim != 2 or array.dtype != np.uint8):
        raise MarionnetteError(f"{path} is {array.dtype} {array.shape}: a class map is a one-channel uint8 PNG")
    return array


def _manifest(folder: Path) -> dict | None:
    if not (folder / MANIFEST).is_file():
        return None
    try:
        manifest = yaml.safe_load((folder / MANIFEST).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise MarionnetteError(f"{folder / MANIFEST} does not read ({type(e).__name__}): make the data again") from e
    if not isinstance(manifest, dict):
        raise MarionnetteError(f"{folder / MANIFEST} holds no mapping: make the data again")
    return manifest


def load_folder(
    folder: str | os.PathLike, held_out: Sequence[str] | None = None, classes: Sequence[str] | None = None
) -> SegmentationData:
    """Paired folders ``images/<seq>/*`` and ``masks/<seq>/*.png``; ``held_out`` names
    sequences (default: the manifest's, else the last one), ``classes`` the class names
    (default: the manifest's, else :data:`CLASSES`)."""
    folder = Path(folder)
    if not (folder / "images").is_dir() or not (folder / "masks").is_dir():
        raise MarionnetteError(
            f"{folder} has no images/ and masks/ folders: pass a scenes dataset (marionnette data scenes --out DIR)"
        )
    manifest = _manifest(folder)
    sequences = sorted(p.name for p in (folder / "images").iterdir() if p.is_dir())
    if not sequences:
        raise MarionnetteError(f"{folder / 'images'} holds no sequence folders: put the frames in images/<seq>/")
    if held_out is None and manifest is not None and "sequences" in manifest:
        held_out = [s["name"] for s in manifest["sequences"] if s.get("held_out")]
    if held_out is None:
        held_out = sequences[-1:] if len(sequences) > 1 else []
    unknown = sorted(set(held_out) - set(sequences))
    if unknown:
        raise MarionnetteError(
            f"held-out sequence {unknown[0]!r} is not in {folder / 'images'}: name one of {sequences}"
        )
    if classes is None:
        classes = manifest.get("classes", CLASSES) if manifest is not None else CLASSES
    images, masks, held, names = [], [], [], []
    for seq in sequences:
        frames = sorted(p for p in (folder / "images" / seq).iterdir() if p.suffix.lower() in _IMAGE_EXTS)
        for frame in frames:
            mask_path = folder / "masks" / seq / f"{frame.stem}.png"
            if not mask_path.is_file():
                raise MarionnetteError(f"{frame} has no class map {mask_path}: give every frame its mask")
            image, mask = _read(frame, grey=False), _read(mask_path, grey=True)
            if mask.shape != image.shape[:2]:
                raise MarionnetteError(f"{mask_path} is {mask.shape}, its frame {image.shape[:2]}: give them one size")
            if images and image.shape != images[0].shape:
                raise MarionnetteError(f"{frame} is {image.shape}, {names[0]} {images[0].shape}: give one frame size")
            images.append(image)
            masks.append(mask)
            held.append(seq in held_out)
            names.append(f"{seq}/{frame.stem}")
    if not images:
        raise MarionnetteError(f"{folder / 'images'} holds no .png or .jpg frames")
    return SegmentationData(np.stack(images), np.stack(masks), tuple(classes), np.array(held), tuple(names))


def read_data(path: str | os.PathLike) -> SegmentationData:
    """An ``.npz`` (:meth:`SegmentationData.save`) or a folder (:func:`load_folder`)."""
    path = Path(path)
    if path.is_dir():
        return load_folder(path)
    if not path.exists():
        raise MarionnetteError(f"{path} does not exist: pass a scenes folder or a segmentation .npz")
    return SegmentationData.load(path)


class Batch(NamedTuple):
    images: np.ndarray  # (B, 3, S, S) float32 in [0, 1]
    masks: np.ndarray  # (B, S, S) int64


def crop_batch(
    data: SegmentationData, k: int, batch_size: int, size: int, seed: int = 0, flip: bool = True, jitter: float = 0.0
) -> Batch:
    """Batch ``k`` of random ``size`` x ``size`` crops of ``data``, from ``(seed, k)`` alone.

    ``jitter`` scales brightness, contrast and saturation by factors drawn in
    ``[1 - jitter, 1 + jitter]`` (the hue is kept: green is what the pitch is)."""
    H, W = data.size
    if size > min(H, W):
        raise MarionnetteError(f"crop {size}: the frames are {W}x{H}; give a crop no larger than {min(H, W)}")
    rng = np.random.default_rng((seed, k))
    frames = rng.integers(len(data), size=batch_size)
    tops, lefts = rng.integers(H - size + 1, size=batch_size), rng.integers(W - size + 1, size=batch_size)
    flips = rng.random(batch_size) < 0.5 if flip else np.zeros(batch_size, bool)
    factors = rng.uniform(1 - jitter, 1 + jitter, size=(batch_size, 3)) if jitter else np.ones((batch_size, 3))
    images = np.empty((batch_size, size, size, 3), np.float32)
    masks = np.empty((batch_size, size, size), np.int64)
    for b, (i, y, x) in enumerate(zip(frames, tops, lefts, strict=True)):
        image = data.images[i, y : y + size, x : x + size].astype(np.float32) / 255.0  # (S, S, 3)
        mask = data.masks[i, y : y + size, x : x + size]
        if flips[b]:
            image, mask = image[:, ::-1], mask[:, ::-1]
        brightness, contrast, saturation = factors[b]
        grey = image.mean(axis=-1, keepdims=True)  # (S, S, 1)
        image = grey + saturation * (image - grey)
        image = image.mean() + contrast * (image - image.mean())
        images[b] = np.clip(brightness * image, 0.0, 1.0)
        masks[b] = mask
    return Batch(np.ascontiguousarray(images.transpose(0, 3, 1, 2)), masks)


__all__ = ["CLASSES", "Batch", "SegmentationData", "crop_batch", "load_folder", "read_data"]
