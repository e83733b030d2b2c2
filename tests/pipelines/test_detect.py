"""``detect run``, ``detect export`` and ``track``: a detector over a video, boxes and ids drawn.

The detector is trained for one epoch only (its mAP is the detection tests' business); what
is checked is the pipeline: frames in, as many annotated frames out, the COCO results and
MOTChallenge rows written, the ONNX file run the same way, a user's own detections tracked.
"""

import json

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from marionnette.cli import app
from marionnette.errors import MarionnetteError
from marionnette.perception.detect.model import DetectorConfig
from marionnette.perception.detect.mot import write_mot
from marionnette.perception.detect.train import DetectTrainConfig, train
from marionnette.pipelines.detect import detect, track
from marionnette.runs import write_video

pytestmark = pytest.mark.usefixtures("one_thread")


def squares(folder, frames: int = 6):
    """A white square sliding over grey: the frames, and a COCO json of them."""
    folder.mkdir(parents=True)
    images, annotations, pictures = [], [], []
    for t in range(frames):
        picture = np.full((64, 64, 3), 90, np.uint8)
        x = 8 + 6 * t
        picture[20:40, x : x + 20] = 255
        Image.fromarray(picture).save(folder / f"{t:03d}.png")
        pictures.append(picture)
        images.append({"id": t + 1, "file_name": f"{t:03d}.png", "width": 64, "height": 64})
        annotations.append({"id": t + 1, "image_id": t + 1, "category_id": 1, "bbox": [x, 20, 20, 20], "area": 400,
                            "iscrowd": 0})  # fmt: skip
    path = folder / "data.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations,
                                "categories": [{"id": 1, "name": "person"}]}))  # fmt: skip
    return np.stack(pictures), path


def test_a_video_is_annotated_exported_and_tracked(tmp_path):
    pictures, data = squares(tmp_path / "data")
    config = DetectTrainConfig(train=str(data), size=64, epochs=1, batch_size=3,
                               net=DetectorConfig(classes=1, width=0.125, reg_max=8, size=64))  # fmt: skip
    run = train(config, device="cpu", runs_dir=tmp_path / "runs").path
    video = write_video(tmp_path / "squares.mp4", pictures, 10.0)
    done = detect(run, str(video), tmp_path / "boxes.mp4", coco=tmp_path / "boxes.json", conf=0.0)
    views = [frame for frame in imageio.get_reader(done.video)]  # noqa: C416 (list() runs out of memory)
    results = json.loads((tmp_path / "boxes.json").read_text())
    assert done.frames == len(views) == 6 and views[0].shape == (64, 64, 3)
    assert len(results) == done.boxes > 0 and {"image_id", "category_id", "bbox", "score"} <= set(results[0])
    result = CliRunner().invoke(app, ["detect", "export", str(run), "--out", str(tmp_path / "model.onnx")])
    assert result.exit_code == 0, result.output
    onnx = detect(tmp_path / "model.onnx", str(video), conf=0.0)
    # the same network, run by onnxruntime (an untrained one's near-ties may fall either side of NMS)
    assert onnx.frames == 6 and abs(onnx.boxes - done.boxes) <= 0.03 * done.boxes
    tracked = track(run, str(video), tmp_path / "tracks.mp4", mot=tmp_path / "tracks.txt")
    assert tracked.frames == 6 and tracked.rows.shape[1] == 10 and (tmp_path / "tracks.txt").is_file()
    with pytest.raises(MarionnetteError, match=r"classes \['ball'\]: the detector knows \['person'\]"):
        track(run, str(video), classes=("ball",))


def test_a_users_own_detections_are_tracked_and_scored(tmp_path):
    truth = np.array([[t, k, 10 + 5 * t + 40 * k, 20, 15, 30, 1, 1, 1] for t in range(1, 21) for k in (1, 2)], float)
    dets = truth.copy()
    dets[:, 1], dets[:, 6] = -1, 0.9
    write_mot(tmp_path / "gt.txt", truth)
    write_mot(tmp_path / "dets.txt", dets)
    result = CliRunner().invoke(app, ["track", "--detections", str(tmp_path / "dets.txt"), "--gt",
                                      str(tmp_path / "gt.txt"), "--mot", str(tmp_path / "out.txt")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 tracks over 20 frames" in result.output and "MOTA 1.000, IDF1 1.000" in result.output
    result = CliRunner().invoke(app, ["track", "--detections", str(tmp_path / "dets.txt"), "--source", "x.mp4"])
    assert result.exit_code != 0 and "without a detector or --source" in result.output
