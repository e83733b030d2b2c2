"""Detection, tracking and segmentation: a YOLO-style detector, a ByteTrack-style tracker, a U-Net.

Modules (each imported on its own; importing this package pulls in no torch):

- :mod:`~.mot`: MOTChallenge text files (ground truth, detections, tracker output) and
  the tracking metrics (MOTA, IDF1 with motmetrics; HOTA with TrackEval).
- :mod:`~.track`: ByteTrack's two-stage association (and plain SORT's one stage) on a
  Kalman motion model, with an appearance embedding for re-identification.
"""
