"""The detector with its shipped budget on the default pitch scenes: mAP@0.5 >= 0.9 on the held-out sequences."""

import pytest
import torch

from marionnette.datasets.scenes import ScenesConfig, make_scenes
from marionnette.perception.detect.coco import read_coco
from marionnette.perception.detect.metrics import coco_map
from marionnette.perception.detect.model import DetectorConfig
from marionnette.perception.detect.train import DetectTrainConfig, load, train


@pytest.mark.slow  # ~20 minutes on 2 quiet cores: 50 epochs of 420 frames
def test_the_p2_detector_reaches_map50_of_0_9_on_held_out_pitch_frames(tmp_path):
    """The recipe of docs/BENCHMARKS.md (``marionnette data scenes``; ``detect train train.json --p2``):
    measured mAP@0.5 0.909, mAP@0.5:0.95 0.538 (person AP@0.5 0.987, ball 0.832)."""
    torch.set_num_threads(2)
    folder = make_scenes(ScenesConfig()).save(tmp_path / "scenes")
    classes = len(read_coco(folder / "train.json").names)
    config = DetectTrainConfig(train=str(folder / "train.json"), epochs=50, seed=0,
                               net=DetectorConfig(classes=classes, p2=True))  # fmt: skip
    run = train(config, device="cpu", runs_dir=tmp_path / "runs")
    scores = coco_map(load(run.path).eval(), read_coco(folder / "val.json"))
    assert scores.map50 >= 0.9 and 0.4 < scores.map50_95 < scores.map50, scores
