"""Segmentation data from paired folders (a scenes dataset's layout) and .npz, crops, and bad input as one line."""

import numpy as np
import pytest
import yaml
from PIL import Image

from marionnette.errors import MarionnetteError
from marionnette.perception.segment.data import SegmentationData, crop_batch, load_folder, read_data


def _write_folder(root, data, sequences=("pitch-00", "pitch-01", "pitch-02"), manifest=True):
    per = len(data) // len(sequences)
    for s, seq in enumerate(sequences):
        for t in range(per):
            i = s * per + t
            for kind, array, ext in (
                ("images", data.images[i], "jpg" if s == 0 else "png"),
                ("masks", data.masks[i], "png"),
            ):
                (root / kind / seq).mkdir(parents=True, exist_ok=True)
                Image.fromarray(array).save(root / kind / seq / f"{t + 1:06d}.{ext}", quality=95)
    if manifest:
        entries = [{"name": seq, "frames": per, "held_out": s == 1} for s, seq in enumerate(sequences)]
        (root / "scenes.yaml").write_text(yaml.safe_dump({"classes": ["background", "person", "ball"],
                                                          "sequences": entries}))  # fmt: skip


def test_paired_folders_read_as_the_scenes_dataset_writes_them(tmp_path, scenes):
    _write_folder(tmp_path, scenes)
    data = read_data(tmp_path)
    assert len(data) == 63 and data.size == (64, 64) and data.classes == ("background", "person", "ball")
    assert data.names[21] == "pitch-01/000001" and data.held_out.tolist() == [False] * 21 + [True] * 21 + [False] * 21
    assert np.array_equal(data.masks, scenes.masks[:63])  # PNG masks are exact
    assert np.array_equal(data.images[21:], scenes.images[21:63])  # PNG frames too
    assert np.abs(data.images[:21].astype(int) - scenes.images[:21]).mean() < 6  # JPEG, quality 95
    (tmp_path / "scenes.yaml").unlink()
    assert load_folder(tmp_path).held_out.tolist() == [False] * 42 + [True] * 21  # no manifest: the last sequence
    assert load_folder(tmp_path, held_out=["pitch-00"]).held_out[:21].all()
    with pytest.raises(MarionnetteError, match="held-out sequence 'pitch-09' is not in"):
        load_folder(tmp_path, held_out=["pitch-09"])
    (tmp_path / "masks" / "pitch-02" / "000003.png").unlink()
    with pytest.raises(MarionnetteError, match="000003.jpg has no class map|000003.png has no class map"):
        load_folder(tmp_path)
    with pytest.raises(MarionnetteError, match="has no images/ and masks/ folders"):
        load_folder(tmp_path / "images")


def test_npz_round_trip_without_pickle(tmp_path, scenes):
    path = scenes.save(tmp_path / "toy.npz")
    back = SegmentationData.load(path)
    for key in ("images", "masks", "held_out"):
        assert np.array_equal(getattr(back, key), getattr(scenes, key))
    assert back.classes == scenes.classes and back.names == scenes.names and len(back.subset(True)) == 16
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(MarionnetteError, match="toy.npz is not readable segmentation data"):
        read_data(path)
    with pytest.raises(MarionnetteError, match="does not exist"):
        read_data(tmp_path / "nowhere.npz")


def test_crops_are_drawn_from_seed_and_k(scenes):
    a, b, c = (crop_batch(scenes, k, 4, 32, seed=0, jitter=0.2) for k in (5, 5, 6))
    assert a.images.shape == (4, 3, 32, 32) and a.images.dtype == np.float32 and a.masks.shape == (4, 32, 32)
    assert np.array_equal(a.images, b.images) and not np.array_equal(a.images, c.images)
    assert 0 <= a.images.min() and a.images.max() <= 1 and set(np.unique(a.masks)) <= {0, 1, 2}
    with pytest.raises(MarionnetteError, match="crop 96: the frames are 64x64"):
        crop_batch(scenes, 0, 4, 96)


def test_bad_data_is_one_line(scenes):
    images, masks = scenes.images[:2], scenes.masks[:2]
    with pytest.raises(MarionnetteError, match=r"images of float64 \(2, 64, 64, 3\): give \(N, H, W, 3\) uint8"):
        SegmentationData(images.astype(float), masks)
    with pytest.raises(MarionnetteError, match=r"images of uint8 \(2, 64, 64\)"):
        SegmentationData(images[..., 0], masks)
    with pytest.raises(MarionnetteError, match=r"masks of uint8 \(2, 32, 64\)"):
        SegmentationData(images, masks[:, :32])
    bad = masks.copy()
    bad[0, 0, 0] = 3
    with pytest.raises(MarionnetteError, match="a mask holds class 3, but there are 3 classes"):
        SegmentationData(images, bad)
    with pytest.raises(MarionnetteError, match=r"held_out of int64 \(2,\)"):
        SegmentationData(images, masks, held_out=np.array([0, 1]))
