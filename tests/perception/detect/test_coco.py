"""COCO files in and out, and COCOeval's mAP on cases worked out by hand."""

import json

import numpy as np
import pytest
import torch
from PIL import Image

from marionnette.errors import MarionnetteError
from marionnette.perception.detect.coco import read_coco, read_image, write_coco_results
from marionnette.perception.detect.metrics import as_detections, coco_map

torch.set_num_threads(1)

NAMES = ("disc", "square")
CATEGORY_IDS = (3, 7)  # not 0..C-1 on purpose: the reader renumbers them


def write_shapes(folder, n, size=64, seed=0, name="shapes"):
    """``n`` pictures ``size x size`` of 1-3 coloured discs and squares on a noisy textured background,
    as PNGs and a COCO json in ``folder``; returns the json's path."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    images, annotations = [], []
    yy, xx = np.mgrid[:size, :size]
    for i in range(n):
        # background: a smooth colour gradient plus pixel noise
        base = rng.uniform(40, 200, 3)
        tilt = rng.uniform(-60, 60, (2, 3))
        picture = base + tilt[0] * (xx / size)[..., None] + tilt[1] * (yy / size)[..., None]
        picture = picture + rng.normal(0, 8, (size, size, 3))
        for _ in range(rng.integers(1, 4)):
            kind = int(rng.integers(2))
            side = int(rng.integers(size // 5, size // 2.2))
            x0, y0 = (int(v) for v in rng.integers(0, size - side, 2))
            colour = rng.uniform(0, 255, 3)
            if kind == 0:  # a disc of diameter side
                r = side / 2
                inside = (xx - x0 - r + 0.5) ** 2 + (yy - y0 - r + 0.5) ** 2 <= r**2
            else:
                inside = (xx >= x0) & (xx < x0 + side) & (yy >= y0) & (yy < y0 + side)
            picture[inside] = colour
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1, "category_id": CATEGORY_IDS[kind],
                                "bbox": [x0, y0, side, side], "iscrowd": 0, "track_id": len(annotations)})  # fmt: skip
        file = f"{name}_{i:04d}.png"
        Image.fromarray(picture.clip(0, 255).astype(np.uint8)).save(folder / file)
        images.append({"id": i + 1, "file_name": file, "width": size, "height": size})
    categories = [{"id": c, "name": k} for c, k in zip(CATEGORY_IDS, NAMES, strict=True)]
    path = folder / f"{name}.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations, "categories": categories}))
    return path


def _coco(tmp_path, images, annotations, categories=None):
    path = tmp_path / "data.json"
    cats = [{"id": 1, "name": "thing"}] if categories is None else categories
    path.write_text(json.dumps({"images": images, "annotations": annotations, "categories": cats}))
    return path


def test_read_renumbers_categories_and_converts_boxes(tmp_path):
    path = write_shapes(tmp_path, 3)
    data = read_coco(path)
    assert len(data) == 3 and data.names == NAMES and data.category_ids == CATEGORY_IDS
    raw = json.loads(path.read_text())
    first = [a for a in raw["annotations"] if a["image_id"] == 1]
    sample = data[0]
    assert sample.image.shape == (64, 64, 3) and sample.image.dtype == np.uint8
    x, y, w, h = first[0]["bbox"]
    np.testing.assert_allclose(sample.boxes[0], [x, y, x + w, y + h])
    assert sample.classes.tolist() == [CATEGORY_IDS.index(a["category_id"]) for a in first]
    assert sample.track_ids.tolist() == [a["track_id"] for a in first]


def test_images_folder_grey_rgba_and_16_bit(tmp_path):
    pictures = tmp_path / "pictures"
    pictures.mkdir()
    Image.fromarray(np.full((8, 10), 77, np.uint8)).save(pictures / "grey.png")
    Image.fromarray(np.full((8, 10, 4), 200, np.uint8)).save(pictures / "rgba.png")
    Image.fromarray(np.full((8, 10), 4000, np.uint16)).save(pictures / "deep.png")
    images = [{"id": k, "file_name": f} for k, f in enumerate(["grey.png", "rgba.png", "deep.png"])]
    ann = [{"image_id": 0, "category_id": 1, "bbox": [1, 1, 3, 3], "iscrowd": 1}]
    data = read_coco(_coco(tmp_path, images, ann), images=pictures)
    grey = data[0]
    assert grey.image.shape == (8, 10, 3) and (grey.image == 77).all()
    assert grey.boxes.shape == (0, 4) and grey.track_ids is None  # the crowd region trains nothing
    assert data.ground_truth()["annotations"][0]["iscrowd"] == 1  # ... but is scored against
    assert data[1].image.shape == (8, 10, 3)
    with pytest.raises(MarionnetteError, match="16-bit"):
        data[2]


@pytest.mark.parametrize(
    ("images", "annotations", "message"),
    [
        ([{"id": 1}], [], "no 'file_name'"),
        ([{"id": 1, "file_name": "a.png"}], [], "does not exist"),
        ([{"id": 1, "file_name": "ok.png"}], [{"image_id": 1, "category_id": 1}], "no 'bbox'"),
        ([{"id": 1, "file_name": "ok.png"}], [{"category_id": 1, "bbox": [0, 0, 1, 1]}], "no 'image_id'"),
        ([{"id": 1, "file_name": "ok.png"}], [{"image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1]}], "image 2"),
        ([{"id": 1, "file_name": "ok.png"}], [{"image_id": 1, "category_id": 9, "bbox": [0, 0, 1, 1]}], "category 9"),
        ([{"id": 1, "file_name": "ok.png"}], [{"image_id": 1, "category_id": 1, "bbox": [0, 0, -1, 1]}], "bbox"),
    ],
)
def test_bad_files_are_one_line(tmp_path, images, annotations, message):
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "ok.png")
    with pytest.raises(MarionnetteError, match=message) as e:
        read_coco(_coco(tmp_path, images, annotations))
    assert "\n" not in str(e.value)


def test_missing_top_level_key_not_json_wrong_size_not_an_image(tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({"images": [], "annotations": []}))
    with pytest.raises(MarionnetteError, match="'categories'"):
        read_coco(path)
    path.write_text("{nope")
    with pytest.raises(MarionnetteError, match="not JSON"):
        read_coco(path)
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "ok.png")
    data = read_coco(_coco(tmp_path, [{"id": 1, "file_name": "ok.png", "width": 5, "height": 4}], []))
    with pytest.raises(MarionnetteError, match="4x4 but"):
        data[0]
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(MarionnetteError, match="not a readable image"):
        read_image(tmp_path / "bad.png")


def test_results_format(tmp_path):
    data = read_coco(write_shapes(tmp_path, 1))
    found = as_detections(np.array([[1.0, 2.0, 11.0, 22.0]]), np.array([0.5]), np.array([1]))
    assert write_coco_results([found], data) == [
        {"image_id": 1, "category_id": 7, "bbox": [1.0, 2.0, 10.0, 20.0], "score": 0.5}
    ]


# -- COCOeval on hand-worked cases ---------------------------------------------------------------------------


def _two_boxes(tmp_path):
    Image.fromarray(np.zeros((200, 200, 3), np.uint8)).save(tmp_path / "ok.png")
    ann = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 100, 100]},
           {"image_id": 1, "category_id": 1, "bbox": [100, 100, 100, 100]}]  # fmt: skip
    return read_coco(_coco(tmp_path, [{"id": 1, "file_name": "ok.png", "width": 200, "height": 200}], ann))


A, B, NOWHERE = [0, 0, 100, 100], [100, 100, 200, 200], [0, 150, 40, 190]


def test_map_perfect_missed_and_false_positives(tmp_path):
    data = _two_boxes(tmp_path)

    def score(boxes, scores):
        got = coco_map([as_detections(np.array(boxes, float), np.array(scores), np.zeros(len(scores)))], data)
        (name, per_class), = got.per_class.items()  # one class: its AP is the mean
        assert per_class == pytest.approx(got[:2]) and name == data.names[0]
        return got[:2]

    assert score([A, B], [0.9, 0.8]) == pytest.approx((1.0, 1.0))
    # A found, B missed: precision 1 up to recall 0.5, then nothing: 51 of COCO's 101 recall points
    assert score([A], [0.9]) == pytest.approx((51 / 101, 51 / 101))
    # a false positive below both true ones costs nothing: precision is 1 wherever recall is read
    assert score([A, B, NOWHERE], [0.9, 0.8, 0.7]) == pytest.approx((1.0, 1.0))
    # ... above them: precisions 0, 1/2, 2/3 at recalls 0, 0.5, 1; made non-increasing, 2/3 at every point
    assert score([NOWHERE, A, B], [0.9, 0.8, 0.7]) == pytest.approx((2 / 3, 2 / 3))
    # A and a box of IoU 0.62 with B: B counts at thresholds 0.50, 0.55, 0.60 (AP 1), A alone at the other 7
    # (51/101 each): (3 x 1 + 7 x 51/101) / 10
    assert score([A, [100, 100, 162, 200]], [0.9, 0.8]) == pytest.approx((1.0, (3 + 7 * 51 / 101) / 10))
    assert coco_map([as_detections(np.zeros((0, 4)), np.zeros(0), np.zeros(0))], data)[:2] == (0.0, 0.0)
