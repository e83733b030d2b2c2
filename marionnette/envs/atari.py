"""Atari 2600 games from ale-py (``ALE/<Game>-v5``), preprocessed as in the deep-RL literature.

ale-py ships the Arcade Learning Environment and its ROMs (``pip install -e '.[atari]'``);
the resize below needs OpenCV as well (``pip install 'opencv-contrib-python<4.12'``).
:func:`make_atari` builds one game the way the DQN and PPO results were obtained:

* **Sticky actions** (kept from the ``v5`` ids): with probability 0.25 the emulator repeats
  the previous action instead of the new one, so a policy cannot memorise an open-loop
  sequence of moves. Machado et al. 2018, "Revisiting the Arcade Learning Environment:
  Evaluation Protocols and Open Problems for General Agents" (JAIR 61), recommend it as
  the source of stochasticity, and recommend using the full game as one episode: losing a
  life does not end the episode here (``terminal_on_life_loss=False``).
* **Frame skip 4 with max-pooling**: each agent action is repeated for 4 emulator frames
  and the observation is the pixel-wise maximum of the last two, because the Atari draws
  some sprites only on alternate frames. The ``v5`` ids skip 4 frames themselves, so the
  game is made with ``frameskip=1`` and :class:`gymnasium.wrappers.AtariPreprocessing`
  does the skipping (and the pooling).
* **No-op starts**: a random number (1 to 30) of NOOP actions after each reset.
* **84×84 grayscale**, resized with OpenCV's area interpolation, and **4 frames stacked**
  (:class:`gymnasium.wrappers.FrameStackObservation`) so that one observation shows
  motion. Mnih et al. 2015, "Human-level control through deep reinforcement learning"
  (Nature 518), introduced the frame skip, the 84×84 frames and the stack of 4.

Observations are ``(4, 84, 84)`` uint8, channels first: stable-baselines3's ``CnnPolicy``
takes them as they are (no transpose) and scales them to [0, 1] itself. Rewards are the
game's own (not clipped), so episode returns are game scores. ``render()`` still gives the
emulator's full-colour ``(210, 160, 3)`` frame.

``import ale_py`` is what registers the ``ALE/`` ids with Gymnasium; it happens here only
when an ALE id is asked for, so ``import marionnette`` stays light.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import gymnasium as gym
from gymnasium.wrappers import AtariPreprocessing, FrameStackObservation, TimeLimit

from marionnette.errors import MarionnetteError

NAMESPACE = "ALE/"
FRAME_SKIP = 4
SCREEN_SIZE = 84
FRAME_STACK = 4
NOOP_MAX = 30
ATARI_FPS = 60  # the console's frame rate: one agent step shows FRAME_SKIP frames of it
INSTALL = "pip install -e '.[atari]'"
INSTALL_CV2 = "pip install 'opencv-contrib-python<4.12'"  # the OpenCV that mediapipe (pose capture) brings


def is_atari(env_id: str) -> bool:
    """Whether ``env_id`` is one of ale-py's Atari games (the ``ALE/`` namespace)."""
    return env_id.startswith(NAMESPACE)


def register_atari(env_id: str) -> None:
    """Register ale-py's ids with Gymnasium, or raise naming what to install for ``env_id``."""
    try:
        import ale_py
    except ImportError:
        raise MarionnetteError(f"{env_id!r} is an Atari game from ale-py, which is not installed: {INSTALL}") from None
    gym.register_envs(ale_py)  # importing ale_py registered them; this says why it is imported
    ale_py.ALEInterface.setLoggerMode(ale_py.LoggerMode.Warning)  # not its banner on every game made
    # AtariPreprocessing resizes with OpenCV; say so now rather than from inside Gymnasium.
    if importlib.util.find_spec("cv2") is None:
        raise MarionnetteError(f"{env_id!r}: the Atari preprocessing resizes frames with OpenCV: {INSTALL_CV2}")


def make_atari(
    env_id: str, render_mode: str | None = None, max_episode_steps: int | None = None, **kwargs: Any
) -> gym.Env:
    """One preprocessed Atari game: ``(4, 84, 84)`` uint8 observations (see the module doc).

    :param env_id: an ale-py id, e.g. ``"ALE/Pong-v5"``.
    :param render_mode: ``None``, ``"rgb_array"`` (full-colour frames) or ``"human"``.
    :param max_episode_steps: end (truncate) episodes after this many agent steps, each
        ``FRAME_SKIP`` emulator frames; ``gym.make``'s own limit would count frames.
    :param kwargs: passed to ale-py's ``AtariEnv`` (e.g. ``repeat_action_probability``,
        ``full_action_space``, ``mode``, ``difficulty``).
    """
    register_atari(env_id)
    if "frameskip" in kwargs:
        raise MarionnetteError(
            f"env_kwargs.frameskip={kwargs['frameskip']!r}: {env_id} is already skipped {FRAME_SKIP} frames "
            "by the Atari preprocessing; leave frameskip out"
        )
    env = gym.make(env_id, frameskip=1, render_mode=render_mode, **kwargs)
    env = AtariPreprocessing(
        env,
        noop_max=NOOP_MAX,
        frame_skip=FRAME_SKIP,
        screen_size=SCREEN_SIZE,
        terminal_on_life_loss=False,
        grayscale_obs=True,
    )
    env = FrameStackObservation(env, FRAME_STACK)
    if max_episode_steps is not None:
        env = TimeLimit(env, int(max_episode_steps))
    # Videos at the game's real speed: ale-py's metadata says 30 fps, but one step here is
    # FRAME_SKIP frames of the console's 60 per second.
    env.metadata = {**env.metadata, "render_fps": ATARI_FPS / FRAME_SKIP}
    return env
