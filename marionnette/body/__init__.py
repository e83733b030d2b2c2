"""The puppet itself: marionnette's MuJoCo character, read and rendered.

- :class:`Character` loads the MJCF body (``character.xml``) whose bodies are the joints
  of :data:`marionnette.motion.CANONICAL`, and reads its pose back as a
  :class:`~marionnette.motion.PoseSequence` (forward kinematics).
- :class:`BodyCamera` renders it headless through ``mujoco.Renderer`` from the tracking
  camera or the webcam-like front camera, and projects 3-D points into that image.

MuJoCo is z-up with the character facing +x; marionnette.motion is y-up. The two frames
are related by :func:`to_motion_frame` and :func:`from_motion_frame`.

Rendering needs an OpenGL context: ``MUJOCO_GL=egl`` (``import marionnette`` sets it on a
Linux machine with no display) renders through Mesa or the GPU driver.
"""

from marionnette.body.camera import BodyCamera, VirtualCamera
from marionnette.body.character import Character, from_motion_frame, to_motion_frame
from marionnette.body.clips import CLIPS, clip, clip_qpos
from marionnette.body.retarget import Retargeter

__all__ = [
    "CLIPS",
    "clip",
    "clip_qpos",
    "VirtualCamera",
    "BodyCamera",
    "Character",
    "Retargeter",
    "from_motion_frame",
    "to_motion_frame",
]
