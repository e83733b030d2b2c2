"""ONNX export: the same outputs as torch, the same detections, metadata, and foreign files refused in one line."""

import numpy as np
import onnx
import pytest
import torch

from marionnette.errors import MarionnetteError
from marionnette.perception.detect.export import OnnxDetector, export_onnx
from marionnette.perception.detect.model import Detector, DetectorConfig

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    torch.manual_seed(0)
    net = Detector(DetectorConfig(classes=3, width=0.125, size=64), names=("a", "b", "c"))
    # BatchNorm statistics away from their start, so the export is checked on a network that has seen data
    net.train()
    with torch.no_grad():
        for _ in range(3):
            net(torch.rand(4, 3, 64, 64))
    net.eval()
    path = export_onnx(net, tmp_path_factory.mktemp("onnx") / "detector.onnx")
    return net, path


def test_outputs_match_torch(exported):
    net, path = exported
    onnx_net = OnnxDetector(path, threads=1)
    assert onnx_net.names == ("a", "b", "c") and onnx_net.size == 64
    for batch in (1, 3):  # the batch is dynamic
        x = torch.rand(batch, 3, 64, 64)
        want = net.decode(net(x))
        got = onnx_net.decode(x)
        # boxes in fractions of the side (ONNX Runtime folds BatchNorm into the convolutions, another rounding:
        # measured 4e-5 of the side here, 2e-7 with BatchNorm at its start), scores as they are (measured 8e-6)
        torch.testing.assert_close(got.boxes / 64, want.boxes / 64, atol=1e-4, rtol=0)
        torch.testing.assert_close(got.scores, want.scores, atol=1e-4, rtol=0)
    images = [np.random.default_rng(0).integers(0, 255, (40, 90, 3), dtype=np.uint8)]
    a, b = net.predict(images, conf=0.01)[0], onnx_net.predict(images, conf=0.01)[0]
    assert len(a.boxes) == len(b.boxes) > 0 and (a.classes == b.classes).all()
    torch.testing.assert_close(a.boxes / 90, b.boxes / 90, atol=1e-4, rtol=0)
    with pytest.raises(MarionnetteError, match="reads \\(N, 3, 64, 64\\)"):
        onnx_net.detect(torch.rand(1, 3, 96, 96))


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # the TorchScript exporter's notice
def test_foreign_files_are_one_line(exported, tmp_path):
    _, path = exported
    (tmp_path / "junk.onnx").write_bytes(b"not onnx at all")
    with pytest.raises(MarionnetteError, match="not a readable ONNX model"):
        OnnxDetector(tmp_path / "junk.onnx")
    with pytest.raises(MarionnetteError, match="does not exist"):
        OnnxDetector(tmp_path / "none.onnx")
    torch.onnx.export(torch.nn.Linear(4, 2), (torch.zeros(1, 4),), str(tmp_path / "linear.onnx"), dynamo=False)
    with pytest.raises(MarionnetteError, match="not a marionnette detector"):
        OnnxDetector(tmp_path / "linear.onnx")
    for key, value in (("size", "96"), ("names", '["a", "b"]')):  # metadata that disagrees with the graph
        model = onnx.load(str(path))
        next(p for p in model.metadata_props if p.key == key).value = value
        onnx.save(model, str(tmp_path / "edited.onnx"))
        with pytest.raises(MarionnetteError, match="export the detector again") as e:
            OnnxDetector(tmp_path / "edited.onnx")
        assert "\n" not in str(e.value)


def test_a_frame_of_the_wrong_dtype_or_channels_is_one_line(exported):
    net, path = exported
    frame = np.zeros((48, 64, 3), np.uint8)
    for detector in (net, OnnxDetector(path)):
        assert len(detector.predict([frame])) == 1
        with pytest.raises(MarionnetteError, match=r"image of float32 \(48, 64, 3\): give one \(H, W, 3\) uint8 RGB "
                                                   r"frame \(a float picture: \(image \* 255\)"):  # fmt: skip
            detector.predict([frame.astype(np.float32)])
        with pytest.raises(MarionnetteError, match=r"image of uint8 \(48, 64, 4\)"):  # RGBA
            detector.predict([np.zeros((48, 64, 4), np.uint8)])
