"""marionnette: teach characters and game agents to move.

``import marionnette`` registers every Gymnasium id (``marionnette/<Name>-v0``) and
imports nothing heavy: torch and friends load when an agent or command needs them.
"""

from marionnette.envs import register_envs

__version__ = "0.1.0"

register_envs()
