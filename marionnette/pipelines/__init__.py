"""Pipelines: compositions across layers, frame by frame.

Each pipeline joins layers that never import each other (``perception`` and ``body`` are
siblings) into one loop over a stream of frames, and is what a command runs:

- :mod:`~.puppet`: source → MediaPipe capture → One-Euro → retarget (IK) → render the
  avatar beside the camera image (``marionnette puppet``);
- :mod:`~.capture`: the same loop without the render, a recording into a canonical
  :class:`~marionnette.motion.PoseSequence` (``marionnette imitate VIDEO``);
- :mod:`~.recognize`: capture → Kinect's 25 joints → a sliding window → the action
  recognizer, the label drawn over the video (``marionnette action recognize``);
- :mod:`~.transfer`: a source's poses → EDN's normalisation into the target's frame →
  stick figure → the pose-to-image generator (``marionnette transfer run``);
- :mod:`~.detect`: a detector over a video, its boxes drawn (``marionnette detect run``),
  and the tracker on them, ids drawn (``marionnette track``);
- :mod:`~.segment`: a U-Net over a video, its classes painted (``marionnette segment run``).

Pipelines may import every layer below them (motion, body, perception, generation, envs,
agents, datasets, runs); nothing but :mod:`marionnette.cli` imports a pipeline. This package's ``__init__``
imports none of its modules: ``import marionnette.pipelines.puppet`` loads MuJoCo.
"""
