"""marionnette: teach characters and game agents to move.

``import marionnette`` registers every Gymnasium id (``marionnette/<Name>-v0``) and
imports nothing heavy: torch, mujoco and friends load when an env, agent or command
needs them.
"""

import os
import sys

# MuJoCo picks its OpenGL backend when it is first imported. On a Linux machine with no
# display, GLFW cannot render; EGL can (Mesa on CPU machines, the driver on GPU ones).
# A choice already made in MUJOCO_GL is kept.
if sys.platform == "linux" and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
    os.environ.setdefault("MUJOCO_GL", "egl")

from marionnette.envs import register_envs  # noqa: E402

__version__ = "0.1.0"

register_envs()
