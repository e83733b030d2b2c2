"""Detection, tracking and segmentation: a YOLO-style detector, a ByteTrack-style tracker, a U-Net.

Modules (each imported on its own; importing this package pulls in no torch):

- :mod:`~.model`: the YOLOv8-style anchor-free detector (CSP backbone, PAN-FPN, decoupled DFL head),
  decoding and NMS; :mod:`~.boxes`: detections and the letterbox; :mod:`~.assign`: the
  task-aligned assigner and YOLOv8's loss; :mod:`~.train`: its trainer and ``load``.
- :mod:`~.coco`: COCO detection files in, results out; :mod:`~.metrics`: mAP@0.5 and
  mAP@0.5:0.95 by pycocotools' COCOeval; :mod:`~.export`: ONNX export and an ONNX Runtime detector.
- :mod:`~.mot`: MOTChallenge text files (ground truth, detections, tracker output) and
  the tracking metrics (MOTA, IDF1 with motmetrics; HOTA with TrackEval).
- :mod:`~.track`: ByteTrack's two-stage association (and plain SORT's one stage) on a
  Kalman motion model, with an appearance embedding for re-identification.
"""
