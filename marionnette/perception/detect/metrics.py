"""COCO's detection metrics, by COCO's own code (``pycocotools.cocoeval.COCOeval``).

mAP@0.5 is the average precision at IoU 0.5, averaged over classes; mAP@0.5:0.95 averages
it over the ten IoU thresholds 0.50, 0.55, ..., 0.95 (COCO's headline "AP"). Each AP is
COCO's: detections of a class sorted by score over the whole set, each matched greedily to
the unmatched ground truth it overlaps most (at least the threshold), the precision made
non-increasing from the right, and read at the 101 recalls 0, 0.01, ..., 1 (a recall never
reached reads 0), averaged. At most 100 detections an image count (COCO's ``maxDets``), the
best first. Crowd regions swallow the detections inside them without counting them.

pycocotools prints as it goes; its prints are kept out of ours (``redirect_stdout``).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import torch

from marionnette.perception.detect.boxes import Detections
from marionnette.perception.detect.coco import CocoDataset, write_coco_results

EVAL_CONF = 0.001  # the score a detection needs to be scored at all (Ultralytics' val: almost every box counts)
EVAL_IOU = 0.7  # NMS's IoU when detecting for evaluation


class MeanAP(NamedTuple):
    """COCO's two headline numbers, each in [0, 1], and each class's (Ultralytics' table)."""

    map50: float
    map50_95: float
    per_class: dict[str, tuple[float, float]] = {}  # name -> (AP@0.5, AP@0.5:0.95), classes with ground truth


def predictions(detector, dataset: CocoDataset, batch_size: int = 16) -> list[Detections]:  # noqa: ANN001 - any .predict
    """``detector.predict`` (a :class:`~.model.Detector`, an :class:`~.export.OnnxDetector`) on each of ``dataset``."""
    found: list[Detections] = []
    for start in range(0, len(dataset), batch_size):
        images = [dataset[i].image for i in range(start, min(start + batch_size, len(dataset)))]
        found.extend(detector.predict(images, conf=EVAL_CONF, iou=EVAL_IOU, max_det=300))
    return found


def coco_map(detections, dataset: CocoDataset) -> MeanAP:  # noqa: ANN001 - a detector or its detections
    """mAP@0.5 and mAP@0.5:0.95 of ``detections`` (one :class:`~.boxes.Detections` per image of ``dataset``, or a
    detector to run on it) against ``dataset``'s ground truth."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    if not isinstance(detections, Sequence):
        detections = predictions(detections, dataset)
    results = write_coco_results(detections, dataset)
    truth = dataset.ground_truth()
    if not results or not truth["annotations"]:  # nothing found, or nothing to find: COCOeval cannot load either
        return MeanAP(0.0, 0.0)
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = truth
        gt.createIndex()
        evaluation = COCOeval(gt, gt.loadRes(results), iouType="bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    stats = np.maximum(evaluation.stats, 0.0)  # -1 marks "no ground truth of this kind": none to miss
    precision = evaluation.eval["precision"][:, :, :, 0, -1]  # (IoUs, recalls, classes): all areas, 100 dets
    per_class = {}
    for k, cat in enumerate(evaluation.params.catIds):
        p = precision[:, :, k]
        if (p > -1).all():  # -1 throughout: the class has no ground truth here
            ap = p.mean(axis=1)  # (IoUs,) COCO's 101-point AP at each IoU
            per_class[dataset.names[dataset.category_ids.index(cat)]] = (float(ap[0]), float(ap.mean()))
    return MeanAP(float(stats[1]), float(stats[0]), per_class)


def as_detections(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray) -> Detections:
    """Numpy arrays ``(K, 4)`` xyxy, ``(K,)``, ``(K,)`` as a :class:`~.boxes.Detections` (for hand-made predictions)."""
    boxes = torch.as_tensor(boxes, dtype=torch.float32).reshape(-1, 4)
    return Detections(boxes, torch.as_tensor(scores, dtype=torch.float32), torch.as_tensor(classes, dtype=torch.long))


__all__ = ["EVAL_CONF", "EVAL_IOU", "MeanAP", "as_detections", "coco_map", "predictions"]
