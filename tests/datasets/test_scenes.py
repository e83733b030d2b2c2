"""Detection and tracking scenes: the boxes are the masks' boxes, the ids follow the bodies, the
camera moves, players hide each other, and the COCO and MOT files say what is in memory."""

import configparser
import dataclasses
import json

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as rle
from pycocotools.coco import COCO
from typer.testing import CliRunner

from marionnette.datasets.scenes import BALL, PERSON, ScenesConfig, load_scenes, make_scenes
from marionnette.errors import MarionnetteError
from marionnette.perception.detect.mot import read_mot

SMALL = ScenesConfig(sequences=2, frames=12, size=(128, 96), characters=(4, 5), held_out=1, seed=0)


@pytest.fixture(scope="module")
def scenes():
    return make_scenes(SMALL)


@pytest.fixture(scope="module")
def saved(scenes, tmp_path_factory):
    return scenes.save(tmp_path_factory.mktemp("scenes") / "pitch")


def tight_box(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    return np.array([cols.min(), rows.min(), cols.max() + 1, rows.max() + 1], np.float32)


def test_boxes_are_the_tight_boxes_of_the_instance_masks(scenes):
    for sequence in scenes.sequences:
        count = len(sequence.classes)
        assert 5 <= count <= 6  # 4 or 5 players and the ball
        assert (sequence.classes[:-1] == PERSON).all() and sequence.classes[-1] == BALL
        assert sequence.instances.max() <= count
        for t in range(len(sequence)):
            for k in range(count):
                mask = sequence.instances[t] == k + 1
                assert sequence.pixels[t, k] == mask.sum()
                if sequence.visible[t, k]:
                    np.testing.assert_array_equal(sequence.boxes[t, k], tight_box(mask))
                else:
                    assert np.isnan(sequence.boxes[t, k]).all() and mask.sum() < SMALL.min_pixels
        # The class map is the instance map's objects' classes.
        classes = sequence.class_masks
        assert set(np.unique(classes).tolist()) <= {0, PERSON, BALL}
        np.testing.assert_array_equal(classes == BALL, sequence.instances == count)
        np.testing.assert_array_equal(classes == 0, sequence.instances == 0)
    frame = scenes.sequences[0].frame(0)
    assert frame.image.shape == (96, 128, 3) and frame.boxes.shape == (len(frame.track_ids), 4)
    assert len(set(frame.track_ids.tolist())) == len(frame.track_ids)  # ids unique in a frame


def test_each_track_id_follows_one_body(scenes):
    """Every frame, each fully seen player's pelvis (projected from its own qpos) lies in the
    box of its id, and the ball's centre in the ball's: the id is the body, frame after frame."""
    checked = 0
    for sequence in scenes.sequences:
        count = len(sequence.classes) - 1
        nq = (sequence.qpos.shape[1] - 7) // count  # the character's qpos, then the ball's
        visibility = sequence.visibility
        for t in range(len(sequence)):
            roots = np.array([sequence.qpos[t, k * nq : k * nq + 3] for k in range(count)] + [sequence.qpos[t, -7:-4]])
            pixels = sequence.project(t, roots)  # (K, 2)
            for k in np.flatnonzero(sequence.visible[t] & (visibility[t] > 0.9)):
                x0, y0, x1, y1 = sequence.boxes[t, k]
                assert x0 - 1 <= pixels[k, 0] <= x1 + 1 and y0 - 1 <= pixels[k, 1] <= y1 + 1, (sequence.name, t, k)
                checked += 1
    assert checked > 40


def test_the_camera_moves_and_players_hide_each_other(scenes):
    for sequence in scenes.sequences:
        spots = np.array([[0.0, 0.0, 0.0], [10.0, 0.0, 0.0]])  # the centre spot and a point of the halfway axis
        first, last = sequence.project(0, spots), sequence.project(len(sequence) - 1, spots)
        assert np.linalg.norm(first[0] - last[0]) > 3  # pixels: panned or tracked
        span = [np.linalg.norm(np.diff(sequence.project(t, spots), axis=0)) for t in range(len(sequence))]
        assert max(span) / min(span) > 1.03  # zoomed (or moved): 10 m of pitch changes length
    visibility = np.concatenate([s.visibility[s.full_pixels > 0] for s in scenes.sequences])
    assert (visibility <= 1).all() and visibility.min() < 0.5  # seed 0 (measured): down to 0.12
    for sequence in scenes.sequences:
        assert (sequence.full_pixels >= sequence.pixels).all()
        hidden = sequence.full_pixels > sequence.pixels
        # A hidden object's full box holds its visible one.
        t, k = np.nonzero(hidden & sequence.visible)
        full, seen = sequence.full_boxes[t, k], sequence.boxes[t, k]
        assert ((full[:, :2] <= seen[:, :2]) & (full[:, 2:] >= seen[:, 2:])).all()


def test_the_same_seed_films_the_same_sequence(scenes):
    again = make_scenes(dataclasses.replace(SMALL, sequences=1, held_out=0))  # a sequence is its seed's, alone too
    np.testing.assert_array_equal(again.sequences[0].boxes, scenes.sequences[0].boxes)
    np.testing.assert_array_equal(again.sequences[0].instances, scenes.sequences[0].instances)
    other = make_scenes(dataclasses.replace(SMALL, sequences=1, held_out=0, frames=2, seed=1))
    assert not np.array_equal(other.sequences[0].cameras, scenes.sequences[0].cameras[:2])


def test_coco_files_load_and_hold_the_masks(scenes, saved):
    train, val = COCO(str(saved / "train.json")), COCO(str(saved / "val.json"))
    held = {s.name for s in scenes.sequences if s.held_out}
    assert held == {"pitch-01"}
    for coco, names in ((train, {"pitch-00"}), (val, held)):
        assert {img["file_name"].split("/")[1] for img in coco.dataset["images"]} == names
        assert {v["name"] for v in coco.dataset["videos"]} == names
        assert {c["name"] for c in coco.loadCats(coco.getCatIds())} == {"person", "ball"}
    sequence = scenes.sequences[1]
    assert len(val.getAnnIds()) == sequence.visible.sum()
    for ann in val.loadAnns(val.getAnnIds()):
        image = val.loadImgs(ann["image_id"])[0]
        t, k = image["frame_id"] - 1, ann["track_id"] - 1
        x0, y0, x1, y1 = sequence.boxes[t, k]
        assert ann["bbox"] == [x0, y0, x1 - x0, y1 - y0] and ann["category_id"] == sequence.classes[k]
        np.testing.assert_array_equal(val.annToMask(ann), sequence.instances[t] == k + 1)
        assert ann["area"] == rle.area(ann["segmentation"]) == sequence.pixels[t, k] and ann["iscrowd"] == 0
        assert (saved / image["file_name"]).is_file()
    with Image.open(saved / "masks" / "pitch-01" / "000003.png") as mask:
        np.testing.assert_array_equal(np.asarray(mask), sequence.class_masks[2])


def test_mot_ground_truth_reads_back_as_the_boxes(scenes, saved):
    for sequence in scenes.sequences:
        rows = read_mot(saved / "mot" / sequence.name / "gt" / "gt.txt")
        seen = rows[rows[:, 6] == 1]
        assert len(seen) == sequence.visible.sum()
        t, k = seen[:, 0].astype(int) - 1, seen[:, 1].astype(int) - 1
        boxes = sequence.boxes[t, k]
        np.testing.assert_allclose(seen[:, 2:6], np.c_[boxes[:, :2], boxes[:, 2:] - boxes[:, :2]])
        np.testing.assert_array_equal(seen[:, 7], sequence.classes[k])  # the class column
        np.testing.assert_allclose(seen[:, 8], sequence.visibility[t, k], atol=0.006)
        ignored = rows[rows[:, 6] == 0]  # in the frame, too little seen
        assert not sequence.visible[ignored[:, 0].astype(int) - 1, ignored[:, 1].astype(int) - 1].any()
        info = configparser.ConfigParser()
        info.read(saved / "mot" / sequence.name / "seqinfo.ini")
        assert info["Sequence"]["seqLength"] == "12" and info["Sequence"]["imWidth"] == "128"
        images = saved / "mot" / sequence.name / info["Sequence"]["imDir"]
        assert len(list(images.glob("*" + info["Sequence"]["imExt"]))) == 12


def test_load_scenes_reads_back_what_was_saved(scenes, saved):
    loaded = load_scenes(saved)
    assert loaded.config == SMALL and [s.name for s in loaded.sequences] == ["pitch-00", "pitch-01"]
    for made, read in zip(scenes.sequences, loaded.sequences, strict=True):
        assert read.held_out == made.held_out
        np.testing.assert_array_equal(read.boxes, made.boxes)
        np.testing.assert_array_equal(read.instances, made.instances)
        assert np.abs(read.images.astype(int) - made.images).mean() < 3  # JPEG at quality 95
    frames = list(loaded.frames(held_out=False))
    assert len(frames) == 12 and frames[0].image.dtype == np.uint8
    image, mask = next(loaded.masks(held_out=True))
    assert image.shape == (96, 128, 3) and mask.shape == (96, 128) and mask.dtype == np.uint8
    manifest = (saved / "scenes.yaml").read_text()
    assert "held_out: true" in manifest and "person" in manifest


def test_bad_input_gets_one_line(tmp_path, saved):
    for config, words in (
        (dataclasses.replace(SMALL, size=(16, 12)), "size=16x12"),
        (dataclasses.replace(SMALL, characters=(0, 0)), "characters="),
        (dataclasses.replace(SMALL, held_out=3), "held_out=3"),
    ):
        with pytest.raises(MarionnetteError, match=words) as error:
            make_scenes(config)
        assert "\n" not in str(error.value)
    with pytest.raises(MarionnetteError, match="no scenes dataset") as error:
        load_scenes(tmp_path)
    assert "\n" not in str(error.value)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "scenes.yaml").write_text((saved / "scenes.yaml").read_text())
    (broken / "annotations").mkdir()
    (broken / "annotations" / "pitch-00.npz").write_bytes((saved / "annotations" / "pitch-00.npz").read_bytes())
    with pytest.raises(MarionnetteError, match="000001.jpg: missing"):
        load_scenes(broken)
    (broken / "images" / "pitch-00").mkdir(parents=True)
    (broken / "images" / "pitch-00" / "000001.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(MarionnetteError, match="not a readable image"):
        load_scenes(broken)
    (broken / "annotations" / "pitch-00.npz").write_bytes(b"truncated")
    with pytest.raises(MarionnetteError, match="pitch-00.npz is not a readable"):
        load_scenes(broken)
    (broken / "scenes.yaml").write_text("format: marionnette.scenes\nversion: 1\nconfig: {}\n")
    with pytest.raises(MarionnetteError, match="lacks or garbles 'sequences'"):
        load_scenes(broken)
    (broken / "scenes.yaml").write_text((saved / "scenes.yaml").read_text())
    with pytest.raises(MarionnetteError, match="pitch-00.npz is not a readable"):
        load_scenes(broken)


def test_the_command_writes_a_dataset(tmp_path):
    from marionnette.cli import app

    out = tmp_path / "cli"
    args = ["data", "scenes", "--out", str(out), "--sequences", "1", "--frames", "2", "--size", "64x48",
            "--characters", "3", "--held-out", "0", "--seed", "2"]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "Scenes(1 sequences, 2 frames of 64x48" in result.output
    assert json.loads((out / "train.json").read_text())["images"][1]["file_name"] == "images/pitch-00/000002.jpg"
    result = CliRunner().invoke(app, ["data", "scenes", "--out", str(tmp_path / "x"), "--size", "64by48"])
    assert result.exit_code == 2 and "WIDTHxHEIGHT" in result.output


def test_scene_crops_are_the_training_players(scenes, saved, tmp_path):
    from marionnette.cli import app
    from marionnette.perception.detect.reid import CropSet
    from marionnette.pipelines.detect import scene_crops

    crops = scene_crops(saved)
    train = [s for s in scenes.sequences if not s.held_out][0]
    tall = (train.boxes[..., 3] - train.boxes[..., 1] >= 12) & (train.classes == PERSON)[None]  # (T, K)
    assert len(crops) == int(tall.sum()) and crops.crops.shape[1:] == (64, 32, 3)
    assert len(np.unique(crops.identities)) == int(tall.any(0).sum()) and set(crops.sequences) == {0}
    held = scene_crops(saved, held_out=True)
    assert set(held.sequences) == {1}
    # the command cuts the crop set, then says in one line why so few identities cannot fill batches of 8
    got = CliRunner().invoke(app, ["detect", "reid", str(saved), "--runs-dir", str(tmp_path)])
    assert got.exit_code == 2 and "training identities for batches of P=8" in got.output, got.output
    assert len(CropSet.load(tmp_path / "crops_pitch.npz")) == len(crops)
