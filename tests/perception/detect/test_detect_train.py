"""The detector learns shapes; its run directory, exact resume, load, and the augmentations moving boxes with pixels."""

import numpy as np
import pytest
import torch
import yaml

from marionnette.errors import MarionnetteError
from marionnette.nets.training import read_weights
from marionnette.perception.detect.coco import read_coco
from marionnette.perception.detect.metrics import coco_map
from marionnette.perception.detect.model import DetectorConfig
from marionnette.perception.detect.train import DetectTrainConfig, augment, learning_rate, load, train
from marionnette.runs import read_progress

from .test_coco import NAMES, write_shapes

torch.set_num_threads(1)

# A small network for 64x64 pictures: YOLOv8's layout at half YOLOv8n's width, 8 bins a side
SMALL = DetectorConfig(width=0.125, reg_max=8)
PLAIN = {"hue": 0.0, "saturation": 0.0, "brightness": 0.0, "scale": 0.0, "translate": 0.0}  # flips only


def test_learns_discs_and_squares(tmp_path):
    """120 batches of 8 (7 s on an idle core, 18 s on a shared one) lift held-out mAP@0.5 from 0.0002 after the
    first epoch to 0.22 (measured, mAP@0.5:0.95 0.08); the bound is 0.08."""
    train_json = write_shapes(tmp_path / "data", 120, seed=0, name="train")
    val_json = write_shapes(tmp_path / "data", 32, seed=1, name="val")
    config = DetectTrainConfig(train=str(train_json), val=str(val_json), size=64, epochs=8, batch_size=8, lr=0.01,
                               warmup_epochs=1, net=SMALL, **PLAIN)  # fmt: skip
    run = train(config, device="cpu", runs_dir=tmp_path / "runs")
    rows = [{k: float(v) for k, v in row.items()} for row in read_progress(run.progress_path)]
    assert len(rows) == 8 and rows[0]["map50"] < 0.05
    assert rows[-1]["loss"] < 0.5 * rows[0]["loss"]
    assert rows[-1]["map50"] > 0.08 and rows[-1]["map50_95"] <= rows[-1]["map50"]
    net = load(run.path)
    assert net.names == NAMES and not net.training and net.config.size == 64 and net.config.classes == 2
    assert coco_map(net, read_coco(val_json)).map50 == pytest.approx(rows[-1]["map50"], abs=1e-6)


def test_run_directory_and_exact_resume(tmp_path):
    data = write_shapes(tmp_path / "data", 16, seed=2, name="few")
    config = DetectTrainConfig(train=str(data), val=str(data), size=64, epochs=2, batch_size=8, net=SMALL)
    whole = train(config, device="cpu", runs_dir=tmp_path / "a")
    saved = yaml.safe_load(whole.config_path.read_text())
    assert saved["task"] == "detect" and saved["names"] == list(NAMES) and saved["train"]["net"]["classes"] == 2
    assert [c.step for c in whole.checkpoints()] == [2, 4]
    assert set(read_progress(whole.progress_path)[0]) >= {"loss", "box", "cls", "dfl", "map50", "map50_95", "lr"}
    cut = train(config, device="cpu", runs_dir=tmp_path / "b")
    cut.model_path("pt").unlink()
    cut.checkpoint_path(4, "pt").write_bytes(cut.checkpoint_path(4, "pt").read_bytes()[:200])  # killed mid-write
    resumed = train(resume=cut.path, device="cpu")
    a, b = (read_weights(r.model_path("pt"))["model"] for r in (whole, resumed))
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    assert len(read_progress(resumed.progress_path)) == 2


def test_bad_settings_are_one_line(tmp_path):
    with pytest.raises(MarionnetteError, match="COCO json of the training"):
        DetectTrainConfig()
    with pytest.raises(MarionnetteError, match="multiple of 32"):
        DetectTrainConfig(train="x.json", size=100)
    with pytest.raises(MarionnetteError, match="flip"):
        DetectTrainConfig(train="x.json", flip=1.5)
    with pytest.raises(MarionnetteError, match="does not exist"):
        train(DetectTrainConfig(train=str(tmp_path / "none.json")), device="cpu", runs_dir=tmp_path)
    with pytest.raises(MarionnetteError, match="not a detect run"):
        (tmp_path / "other").mkdir()
        (tmp_path / "other" / "config.yaml").write_text("task: action\n")
        load(tmp_path / "other")


def test_augment_moves_boxes_with_pixels():
    image = torch.zeros(3, 64, 64, dtype=torch.uint8)
    image[:, 10:30, 20:36] = 255  # a white block at x 20..36, y 10..30
    boxes = torch.tensor([[20.0, 10.0, 36.0, 30.0], [0.0, 0.0, 4.0, 4.0]])
    config = DetectTrainConfig(train="x.json", size=64, flip=1.0, scale=0.3, translate=0.1, hue=0.0, saturation=0.0,
                               brightness=0.0)  # fmt: skip
    for seed in range(4):
        out, moved, labels = augment(image, boxes, torch.tensor([0, 1]), np.random.default_rng(seed), config)
        ys, xs = np.nonzero(out[0].numpy() > 127)
        white = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        assert labels[0] == 0 and moved[0].tolist() == pytest.approx(white, abs=1.5)
    assert learning_rate(config, 0, 100, 10) < learning_rate(config, 29, 100, 10) > learning_rate(config, 99, 100, 10)
