"""The optional packages behind pose capture, imported on first use.

OpenCV (``cv2``) reads webcams and videos and draws overlays; MediaPipe runs the pose
model; ``OneEuroFilter`` is the 1€ filter by the paper's authors. All come with
``pip install 'marionnette[pose]'``. Importing them here, inside functions, keeps
``import marionnette.perception.pose`` light (numpy only) and turns a missing package or
model file into one line that says what to install or where the file belongs.

MediaPipe's legacy ``solutions.pose`` runs offline only at ``model_complexity=1``: its
wheel ships ``pose_landmark_full.tflite`` and ``pose_detection.tflite``, while the lite
(0) and heavy (2) models are downloaded on first use, which we never do.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from marionnette.errors import MarionnetteError

MODEL_COMPLEXITY = 1  # the one complexity whose model ships inside the mediapipe wheel
POSE_MODEL_FILES = (  # inside the mediapipe package: what Pose(model_complexity=1) loads
    "modules/pose_detection/pose_detection.tflite",
    "modules/pose_landmark/pose_landmark_full.tflite",
)
_INSTALL = "pip install 'marionnette[pose]'"


def import_cv2() -> ModuleType:
    """``cv2``, or a one-line error saying how to install it."""
    try:
        import cv2
    except ImportError as e:
        raise MarionnetteError(f"OpenCV is not installed ({e}): {_INSTALL}") from e
    return cv2


def import_one_euro() -> ModuleType:
    """The ``OneEuroFilter`` package (Casiez and Roussel's own 1€ filter), or a one-line error."""
    try:
        import OneEuroFilter
    except ImportError as e:
        raise MarionnetteError(f"the One-Euro filter package is not installed ({e}): {_INSTALL}") from e
    return OneEuroFilter


def import_mediapipe() -> ModuleType:
    """``mediapipe`` once its pose models are on disk, or a one-line error: which package
    to install, or which model file should be where."""
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        raise MarionnetteError(f"MediaPipe is not installed: {_INSTALL} (mediapipe 0.10.14 to 0.10.21)")
    root = Path(next(iter(spec.submodule_search_locations)))
    for name in POSE_MODEL_FILES:
        if not (root / name).is_file():
            raise MarionnetteError(
                f"MediaPipe's pose model {root / name} is missing: it ships in the mediapipe wheel; "
                f"reinstall it (pip install --force-reinstall 'mediapipe==0.10.21') or copy the file there"
            )
    try:
        import mediapipe
    except ImportError as e:
        raise MarionnetteError(f"MediaPipe does not import ({e}): {_INSTALL} (it needs numpy<2, protobuf<5)") from e
    return mediapipe
