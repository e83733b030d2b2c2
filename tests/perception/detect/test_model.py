"""The detector's network, its decoding and NMS, the letterbox, and the task-aligned assigner and loss."""

import numpy as np
import pytest
import torch

from marionnette.errors import MarionnetteError
from marionnette.perception.detect.assign import AssignerConfig, Targets, assign, detection_loss, dfl_loss, pad_targets
from marionnette.perception.detect.boxes import image_tensor, letterbox, unletterbox
from marionnette.perception.detect.model import (
    Decoded,
    Detector,
    DetectorConfig,
    anchors,
    dfl_expectation,
    parameter_count,
    suppress,
)

torch.set_num_threads(1)

TINY = DetectorConfig(classes=2, width=0.125, depth=0.33, size=64)


def test_yolov8n_shape_and_outputs():
    # YOLOv8n has 3,157,200 parameters at 80 classes: ours plus its DFL layer's 16 fixed weights
    assert parameter_count(Detector(DetectorConfig(classes=80, width=0.25))) == 3_157_184
    torch.manual_seed(0)
    net = Detector(TINY).eval()
    outputs = net(torch.rand(2, 3, 64, 96))
    assert [tuple(o.shape) for o in outputs] == [(2, 66, 8, 12), (2, 66, 4, 6), (2, 66, 2, 3)]  # 4 x 16 + 2
    decoded = net.decode(outputs)
    A = 8 * 12 + 4 * 6 + 2 * 3
    assert decoded.boxes.shape == (2, A, 4) and decoded.scores.shape == (2, A, 2)
    where = anchors(outputs)
    assert where.points[0].tolist() == [4.0, 4.0] and where.points[-1].tolist() == [80.0, 48.0]
    # the boxes hold their location's centre (distances are >= 0)
    inside = (decoded.boxes[..., :2] <= where.points) & (where.points <= decoded.boxes[..., 2:])
    assert inside.all()


def test_config_checks():
    with pytest.raises(MarionnetteError, match="multiple of 32"):
        DetectorConfig(size=100)
    with pytest.raises(MarionnetteError, match="class names"):
        Detector(TINY, names=["one"])


def test_dfl_expectation_and_loss():
    logits = torch.full((1, 4, 16), -1e4)
    logits[0, :, 3] = 0.0
    assert dfl_expectation(logits).tolist() == [[3.0, 3.0, 3.0, 3.0]]
    target = torch.tensor([[3.25, 3.25, 3.25, 3.25]])
    sharp = torch.full((1, 4, 16), -1e4)
    sharp[0, :, 3], sharp[0, :, 4] = np.log(0.75), np.log(0.25)  # the two bins around 3.25, weighted by nearness
    assert dfl_loss(sharp, target) < dfl_loss(logits, target)


def test_suppress_keeps_one_box_per_object_and_class():
    boxes = torch.tensor([[[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10], [50, 50, 60, 60]]], dtype=torch.float32)
    scores = torch.tensor([[[0.9, 0.0], [0.8, 0.0], [0.0, 0.7], [0.1, 0.0]]])
    found = suppress(Decoded(boxes, scores), conf=0.25, iou=0.7, max_det=300)[0]
    assert found.classes.tolist() == [0, 1] and found.scores.tolist() == pytest.approx([0.9, 0.7])


def test_letterbox_round_trip():
    image = np.zeros((30, 60, 3), np.uint8)
    boxes = torch.tensor([[6.0, 3.0, 30.0, 27.0]])
    square, moved, record = letterbox(image_tensor(image), 64, boxes)
    assert square.shape == (3, 64, 64) and record.scale == pytest.approx(64 / 60) and record.pad_y == 16
    assert int(square[0, 0, 0]) == 114 and int(square[0, 32, 32]) == 0
    torch.testing.assert_close(unletterbox(moved, record), boxes, atol=1e-4, rtol=0)


def test_predict_returns_original_pixels():
    torch.manual_seed(0)
    net = Detector(TINY).eval()
    found = net.predict([np.zeros((50, 120, 3), np.uint8), np.zeros((64, 64, 3), np.uint8)], conf=0.0, max_det=5)
    assert len(found) == 2 and all(len(f.boxes) <= 5 for f in found)
    assert (found[0].boxes[:, 0::2] <= 120).all() and (found[0].boxes[:, 1::2] <= 50).all()
    fused = Detector(TINY).eval()
    fused.load_state_dict(net.state_dict())
    x = torch.rand(1, 3, 64, 64)
    for a, b in zip(net(x), fused.fuse()(x), strict=True):
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


# -- the assigner ---------------------------------------------------------------------------------------------


def _grid(step=8, n=8):
    ys, xs = torch.meshgrid(torch.arange(n) * step + step / 2, torch.arange(n) * step + step / 2, indexing="ij")
    return torch.stack([xs, ys], -1).view(-1, 2).float()  # (n n, 2)


def test_assigner_centre_and_background():
    points = _grid()  # 64 locations at 4, 12, ..., 60
    A = len(points)
    gt = torch.tensor([[[16.0, 16.0, 40.0, 40.0], [44.0, 0.0, 64.0, 20.0]]])  # centres (28, 28), (54, 10)
    targets = Targets(gt, torch.tensor([[1, 0]]), torch.tensor([[True, True]]))
    # every location predicts a 16-pixel box around itself, with score 0.5 for both classes
    boxes = torch.cat([points - 8, points + 8], -1)[None]  # (1, A, 4)
    scores = torch.full((1, A, 2), 0.5)
    out = assign(scores, boxes, points, targets)
    centre = int(((points - torch.tensor([28.0, 28.0])).abs().sum(-1)).argmin())  # (28, 28) is a location
    assert out.foreground[0, centre] and out.gt_index[0, centre] == 0 and out.labels[0, centre] == 1
    # the location of highest alignment gets its box's best IoU as its class target
    assert out.scores[0, centre, 1] == pytest.approx(float(out.scores[0, :, 1].max()))
    assert out.scores[0, centre, 0] == 0
    inside = torch.zeros(A, dtype=torch.bool)
    for x0, y0, x1, y1 in gt[0].tolist():
        inside |= (points[:, 0] > x0) & (points[:, 0] < x1) & (points[:, 1] > y0) & (points[:, 1] < y1)
    assert not out.foreground[0, ~inside].any() and (out.scores[0, ~inside] == 0).all()
    assert out.foreground[0].sum() <= 2 * 10  # top-k 10 per box


def test_padding_and_empty_images_are_background():
    points = _grid()
    targets = pad_targets([torch.tensor([[0.0, 0.0, 30.0, 30.0]]), torch.zeros(0, 4)],
                          [torch.tensor([0]), torch.zeros(0, dtype=torch.long)], torch.device("cpu"))  # fmt: skip
    boxes = torch.cat([points - 8, points + 8], -1)[None].repeat(2, 1, 1)
    out = assign(torch.full((2, 64, 1), 0.5), boxes, points, targets)
    assert out.foreground[0].any() and not out.foreground[1].any()


def test_loss_falls_on_one_batch():
    torch.manual_seed(0)
    net = Detector(TINY)
    images = torch.rand(2, 3, 64, 64)
    targets = pad_targets([torch.tensor([[8.0, 8.0, 40.0, 40.0]]), torch.tensor([[30.0, 20.0, 60.0, 50.0]])],
                          [torch.tensor([0]), torch.tensor([1])], torch.device("cpu"))  # fmt: skip
    optimizer = torch.optim.AdamW(net.parameters(), lr=2e-3)
    values = []
    for _ in range(8):
        losses = detection_loss(net, net(images), targets)
        optimizer.zero_grad()
        losses.total.backward()
        optimizer.step()
        values.append(float(losses.total.detach()))
    assert all(v > 0 for v in values) and values[-1] < 0.6 * values[0], values


def test_a_box_smaller_than_a_stride_still_gets_positives():
    points = _grid()  # centres at 4, 12, ..., 60: a 4-pixel box between them holds none
    gt = torch.tensor([[[21.0, 21.0, 25.0, 25.0]]])
    targets = Targets(gt, torch.tensor([[0]]), torch.tensor([[True]]))
    boxes = torch.cat([points - 3, points + 3], -1)[None]
    out = assign(torch.full((1, 64, 1), 0.5), boxes, points, targets)
    assert out.foreground[0].any()
    assert torch.equal(out.boxes[0, out.foreground[0]][0], gt[0, 0])  # the target is the true box
    plain = assign(torch.full((1, 64, 1), 0.5), boxes, points, targets, AssignerConfig(small_below=0.0))
    assert not plain.foreground[0].any()


def test_p2_adds_a_stride_4_level():
    config = DetectorConfig(classes=2, width=0.125, reg_max=8, size=64, p2=True)
    net = Detector(config).eval()
    outputs = net(torch.rand(1, 3, 64, 64))
    assert [o.shape[-1] for o in outputs] == [16, 8, 4, 2] and config.strides == (4, 8, 16, 32)
    where = anchors(outputs)
    assert where.points.shape == (16 * 16 + 8 * 8 + 4 * 4 + 2 * 2, 2)
    assert torch.equal(where.strides[:256, 0], torch.full((256,), 4.0)) and where.points[0].tolist() == [2.0, 2.0]
    # the backbone is unchanged: a plain detector's backbone weights load into it
    plain = Detector(DetectorConfig(classes=2, width=0.125, reg_max=8, size=64))
    net.backbone.load_state_dict(plain.backbone.state_dict())
