"""COCO detection files: the ground truth a detector trains and is scored on, and its results.

The format is COCO's (https://cocodataset.org/#format-data), the one every detection tool
reads and writes::

    {"images":      [{"id": 1, "file_name": "000001.png", "width": 96, "height": 96}, ...],
     "annotations": [{"id": 1, "image_id": 1, "category_id": 3, "bbox": [x, y, w, h],
                      "iscrowd": 0, "track_id": 7}, ...],
     "categories":  [{"id": 3, "name": "disc"}, ...]}

``bbox`` is ``[x, y, width, height]`` in pixels from the image's top-left corner. Here boxes
become ``xyxy`` float32 pixels and category ids (any integers) become contiguous class
indices ``0..C-1`` in the order of the ids; :attr:`CocoDataset.category_ids` maps back
and :attr:`CocoDataset.names` names them. ``track_id`` (COCO-video, TAO and our own scenes
write it) is kept when the file has it. ``iscrowd`` regions are left out of the training
targets (a crowd box is no one object; Ultralytics drops them too) but stay in the ground
truth COCOeval scores against, where a detection inside one is neither right nor wrong.

``file_name`` is read relative to ``images`` (a folder) when given, else to the json's own
folder. Pixels are read with PIL: grey, palette, RGBA and CMYK images are converted to RGB;
16-bit and float images are refused, because whether their range is 0-65535, a 12-bit
sensor's 0-4095 or metres of depth cannot be told from the file.

:func:`write_coco_results` writes detections back in COCO's results format (a list of
``{"image_id", "category_id", "bbox", "score"}``), which ``pycocotools``'s ``COCO.loadRes``
reads (:mod:`~.metrics`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from PIL import Image, UnidentifiedImageError
from torchvision.ops import box_convert

from marionnette.errors import MarionnetteError
from marionnette.perception.detect.boxes import Detections

_REFUSED_MODES = ("I", "F")  # PIL's 32-bit int and float modes; its 16-bit ones all start with "I;16"


class CocoSample(NamedTuple):
    """One image and what is in it (crowd regions left out)."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    boxes: np.ndarray  # (N, 4) float32 xyxy pixels
    classes: np.ndarray  # (N,) int64 class indices 0..C-1
    track_ids: np.ndarray | None  # (N,) int64 (-1 where an annotation has none), None when the file has none
    image_id: int  # COCO's id of the image


class _Image(NamedTuple):
    id: int
    path: Path
    width: int | None
    height: int | None


def read_image(path: str | os.PathLike) -> np.ndarray:
    """The picture at ``path`` as ``(H, W, 3)`` uint8 RGB; grey, palette, RGBA and CMYK converted."""
    path = Path(path)
    try:
        with Image.open(path) as im:
            if im.mode in _REFUSED_MODES or im.mode.startswith("I;16"):
                raise MarionnetteError(
                    f"{path} is a {im.mode!r} (16-bit or float) image: its range cannot be guessed; "
                    "save it as 8-bit RGB (e.g. scaled to 0-255) and try again"
                )
            if im.mode != "RGB":
                im = im.convert("RGB")
            array = np.array(im, dtype=np.uint8)  # a copy torch may write to
    except FileNotFoundError as e:
        raise MarionnetteError(f"image {path} does not exist: put it there or pass the folder that holds it") from e
    except (UnidentifiedImageError, OSError) as e:  # not a picture PIL knows, or one cut short
        raise MarionnetteError(f"{path} is not a readable image ({e}): replace the file") from e
    return array


class CocoDataset:
    """A COCO detection file and its images; ``dataset[i]`` is a :class:`CocoSample` read from disk."""

    def __init__(self, path: Path, images: list[_Image], annotations: list[list[dict]],
                 category_ids: tuple[int, ...], names: tuple[str, ...], has_tracks: bool):  # fmt: skip
        self.path = path
        self._images = images
        self._annotations = annotations  # per image, the checked annotation dicts
        self.category_ids = category_ids  # class index -> COCO category id
        self.names = names  # class index -> name
        self.has_tracks = has_tracks
        self._index = {c: k for k, c in enumerate(category_ids)}

    def __repr__(self) -> str:
        return f"CocoDataset({str(self.path)!r}, {len(self)} images, classes {list(self.names)})"

    def __len__(self) -> int:
        return len(self._images)

    @property
    def image_ids(self) -> list[int]:
        return [im.id for im in self._images]

    def targets(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Image ``i``'s non-crowd ``boxes (N, 4)`` xyxy, ``classes (N,)``, ``track_ids (N,)``, without its pixels."""
        kept = [a for a in self._annotations[i] if not a.get("iscrowd", 0)]
        boxes = np.array([a["bbox"] for a in kept], np.float32).reshape(-1, 4)  # (N, 4) xywh
        boxes[:, 2:] += boxes[:, :2]  # -> xyxy
        classes = np.array([self._index[a["category_id"]] for a in kept], np.int64)
        tracks = np.array([a.get("track_id", -1) for a in kept], np.int64) if self.has_tracks else None
        return boxes, classes, tracks

    def __getitem__(self, i: int) -> CocoSample:
        record = self._images[i]
        image = read_image(record.path)
        H, W = image.shape[:2]
        if (record.width, record.height) not in ((None, None), (W, H)):
            raise MarionnetteError(
                f"{record.path} is {W}x{H} but {self.path} says {record.width}x{record.height}: "
                "its boxes would be off; fix the image's width and height in the json"
            )
        boxes, classes, tracks = self.targets(i)
        return CocoSample(image, boxes, classes, tracks, record.id)

    def ground_truth(self) -> dict[str, Any]:
        """The dataset as a clean COCO dict (what ``pycocotools.coco.COCO`` indexes), crowd regions included."""
        images, annotations = [], []
        for record, anns in zip(self._images, self._annotations, strict=True):
            entry: dict[str, Any] = {"id": record.id, "file_name": record.path.name}
            if record.width is not None:
                entry.update(width=record.width, height=record.height)
            images.append(entry)
            for a in anns:
                x, y, w, h = (float(v) for v in a["bbox"])
                area, crowd = float(a.get("area", w * h)), int(a.get("iscrowd", 0))
                annotations.append({"id": len(annotations) + 1, "image_id": record.id, "category_id": a["category_id"],
                                    "bbox": [x, y, w, h], "area": area, "iscrowd": crowd})  # fmt: skip
        categories = [{"id": c, "name": n} for c, n in zip(self.category_ids, self.names, strict=True)]
        return {"images": images, "annotations": annotations, "categories": categories}


def _need(entry: Any, keys: Sequence[str], what: str, where: Path, fix: str) -> dict:
    if not isinstance(entry, dict):
        raise MarionnetteError(f"{where}: {what} is {type(entry).__name__}, not an object: {fix}")
    for key in keys:
        if key not in entry:
            raise MarionnetteError(f"{where}: {what} has no {key!r}: {fix}")
    return entry


def read_coco(path: str | os.PathLike, images: str | os.PathLike | None = None) -> CocoDataset:
    """The COCO detection file at ``path``; ``file_name`` s relative to ``images`` (default: the json's folder).

    Every key the detector needs is checked here, and every image file's presence, so a
    bad file fails before training starts; pixels are read when a sample is asked for.
    """
    path = Path(path)
    root = Path(images) if images is not None else path.parent
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as e:
        raise MarionnetteError(f"COCO file {path} does not exist: pass the annotations json") from e
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise MarionnetteError(f"{path} is not JSON ({e}): pass a COCO annotations file") from e
    _need(data, ("images", "annotations", "categories"), "the file", path,
          "a COCO detection file has images, annotations and categories lists")  # fmt: skip
    for key in ("images", "annotations", "categories"):
        if not isinstance(data[key], list):
            raise MarionnetteError(f"{path}: {key!r} is not a list: give a list of objects")

    category_ids, names = [], {}
    for k, c in enumerate(data["categories"]):
        _need(c, ("id",), f"category {k}", path, 'give each category an "id" (and a "name")')
        names[c["id"]] = str(c.get("name", c["id"]))
    category_ids = sorted(names)
    if not category_ids:
        raise MarionnetteError(f"{path} has no categories: list the classes under 'categories'")

    records: list[_Image] = []
    position: dict[int, int] = {}
    for k, im in enumerate(data["images"]):
        _need(im, ("id", "file_name"), f"image {k}", path, 'give each image an "id" and a "file_name"')
        if im["id"] in position:
            raise MarionnetteError(f"{path}: image id {im['id']} appears twice: give each image its own id")
        file = root / im["file_name"]
        if not file.is_file():
            raise MarionnetteError(
                f"{path}: image {im['id']}'s file {file} does not exist: put it there, or pass the images folder"
            )
        position[im["id"]] = len(records)
        records.append(_Image(im["id"], file, im.get("width"), im.get("height")))

    annotations: list[list[dict]] = [[] for _ in records]
    has_tracks = False
    for k, a in enumerate(data["annotations"]):
        what = f"annotation {a.get('id', k) if isinstance(a, dict) else k}"
        _need(a, ("image_id", "category_id", "bbox"), what, path,
              'give each annotation an "image_id", a "category_id" and a "bbox" [x, y, width, height]')  # fmt: skip
        if a["image_id"] not in position:
            raise MarionnetteError(f"{path}: {what} points to image {a['image_id']}, which is not under 'images'")
        if a["category_id"] not in names:
            raise MarionnetteError(
                f"{path}: {what} has category {a['category_id']}, which is not under 'categories' "
                f"(those are {category_ids})"
            )
        bbox = a["bbox"]
        if (not isinstance(bbox, list) or len(bbox) != 4 or not all(isinstance(v, (int, float)) for v in bbox)
                or bbox[2] < 0 or bbox[3] < 0):  # fmt: skip
            raise MarionnetteError(f"{path}: {what} has bbox {bbox!r}: give [x, y, width, height], sizes >= 0")
        has_tracks |= "track_id" in a
        annotations[position[a["image_id"]]].append(a)
    return CocoDataset(path, records, annotations, tuple(category_ids), tuple(names[c] for c in category_ids),
                       has_tracks)  # fmt: skip


def write_coco_results(detections: Sequence[Detections], dataset: CocoDataset) -> list[dict]:
    """``detections[i]`` (xyxy pixels, the detections of ``dataset[i]``) in COCO's results format."""
    if len(detections) != len(dataset):
        raise MarionnetteError(f"{len(detections)} detection lists for {len(dataset)} images: give one per image")
    results = []
    for image_id, found in zip(dataset.image_ids, detections, strict=True):
        boxes = found.boxes.detach().cpu().double()
        xywh = box_convert(boxes, "xyxy", "xywh").tolist()
        for box, score, cls in zip(xywh, found.scores.tolist(), found.classes.tolist(), strict=True):
            results.append({"image_id": image_id, "category_id": dataset.category_ids[int(cls)],
                            "bbox": [round(v, 3) for v in box], "score": round(float(score), 5)})  # fmt: skip
    return results


__all__ = ["CocoDataset", "CocoSample", "read_coco", "read_image", "write_coco_results"]
