"""Pipelines: compositions across layers, frame by frame.

Each pipeline joins layers that never import each other (``perception`` and ``body`` are
siblings) into one loop over a stream of frames, and is what a command runs:

- :mod:`~.puppet`: source → MediaPipe capture → One-Euro → retarget (IK) → render the
  avatar beside the camera image (``marionnette puppet``);
- :mod:`~.capture`: the same loop without the render, a recording into a canonical
  :class:`~marionnette.motion.PoseSequence` (``marionnette imitate VIDEO``).

Later: live action recognition on a stream, motion transfer from a source video.

Pipelines may import every layer below them (motion, body, perception, envs, agents,
runs); nothing but :mod:`marionnette.cli` imports a pipeline. This package's ``__init__``
imports none of its modules: ``import marionnette.pipelines.puppet`` loads MuJoCo.
"""
