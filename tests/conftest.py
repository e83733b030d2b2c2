"""Test-wide setup: MuJoCo renders headless (it reads MUJOCO_GL when first imported, which
may be before any marionnette import in a test module)."""

import marionnette  # noqa: F401  (sets MUJOCO_GL=egl on a Linux machine with no display)
