"""Pictures the project renders of its own games and character: the images generation learns from.

The generation layer (autoencoders, colorization, style transfer) may not import the envs
or the body, so it reads a folder of images; this module fills one
(``marionnette data frames SOURCE --out DIR``). :func:`render_frames` returns the frames as
an array, :func:`write_frames` writes them as ``frame_00000.png``, ``frame_00001.png``, ...
with a ``frames.yaml`` saying what they are, for ``marionnette ae train --data DIR`` or
any reader of an image folder.

Sources (:data:`FRAME_SOURCES`)

===================  ===================================================================
``arcade``           the four arcade games mixed, a quarter each (the first games get one
                     more when ``count`` does not divide by 4), shuffled together
``arcade:breakout``  one game (also ``arcade:pong``, ``arcade:freeway``,
                     ``arcade:asterix``: :data:`marionnette.envs.arcade.GAMES`)
``character``        the MuJoCo character in a pose of one of its built-in clips
                     (:data:`marionnette.body.CLIPS`) at a random time, seen by one of its
                     cameras (:data:`marionnette.body.camera.CAMERAS`) drawn at random
===================  ===================================================================

How the games are filmed
    A game's frames come from ``ceil(count / 4)`` envs played together by a uniformly
    random policy for 256 steps (17 s of play at 15 steps a second, sticky actions on, as
    the ids play), each env keeping 4 frames at steps drawn without replacement from step
    16 on, so its frames lie seconds apart and differ; ``count`` of those are kept, in a
    random order. The 210×160 playfield is drawn in colour straight at ``size`` rows and
    ``round(size * 160 / 210)`` columns, area-sampled
    (:meth:`~marionnette.envs.arcade.ArcadeVectorEnv.render_all`: no resize), and
    *letterboxed*: black columns either side make it square, so nothing of the playfield
    (scores, bricks, the kerbs the chicken starts and ends on) is cropped away.

How the character is filmed
    Every built-in clip's poses at 120 frames a second, each distinct pose once (the clips
    start, end and pass their keyframes at rest, so many frames repeat a pose); a frame is
    a (pose, camera) pair drawn without replacement while ``count`` is at most the number
    of pairs (about 2,000), with replacement beyond. The pose is rendered ``fast`` (no
    shadows, reflections or skybox) as a square of ``2 * size`` pixels (at most 960, the
    model's offscreen buffer) and shrunk to ``size`` by area averaging (Pillow's box
    filter). The square render shows the camera's whole vertical field, so the body is
    never cropped; it stands about 60% of the frame's height.

Everything is drawn from ``seed`` (numpy generators seeded with ``(seed, stream)``, one
stream per game and one for the character), so the same arguments give the same bytes;
a game's frames in ``arcade`` are those of ``arcade:NAME`` for the same seed and share.

Sizes and cost: frames are ``(count, size, size, 3)`` uint8 RGB. On two CPU cores, 64
frames of 64×64 take 0.7 s for ``arcade`` and 1.0 s for ``character`` (EGL on Mesa,
~10 ms a render at 128×128), plus about a second the first time for the imports (torch,
or MuJoCo and its renderer).

The folder (:func:`write_frames`)
    Each PNG is written atomically (:func:`marionnette.files.atomic_path`), and
    ``frames.yaml`` (``source``, ``count``, ``size``, ``seed``, ``version``) last: a folder
    whose ``frames.yaml`` matches the request and holds every frame is reused as it is; any
    other is rewritten, ``frames.yaml`` first removed so an interrupted rewrite is never
    taken for a finished one, and frames left over from a larger ``count`` deleted (a
    folder reader takes every PNG). Other files in the folder are left alone.
"""

from __future__ import annotations

import difflib
import math
from pathlib import Path

import numpy as np
import yaml

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path, atomic_write_text

_GAMES = ("breakout", "pong", "freeway", "asterix")  # FRAME_SOURCES' names, lower case
FRAME_SOURCES: tuple[str, ...] = ("arcade", "character", *(f"arcade:{game}" for game in _GAMES))
"""Every ``source`` :func:`render_frames` takes."""

VERSION = 1  # in frames.yaml: bumped when the pictures change, so old cached folders are rewritten
MIN_SIZE = 8  # pixels a side; below it a game's ball and paddles are a pixel's fraction
META = "frames.yaml"
PATTERN = "frame_{:05d}.png"

_FRAMES_PER_ENV = 4  # frames kept from one played game
_STEPS = 256  # agent steps each game is played (17 s at 15 steps a second)
_WARMUP = 16  # steps before the first kept frame: past every game's opening picture
_CLIP_FPS = 120.0  # the character's poses are sampled from its clips at this rate
_MAX_RENDER = 960  # the character model's offscreen buffer (character.xml offheight)
_CHARACTER_STREAM = len(_GAMES)  # the seed stream after the games'


def _check(source: str, count: int, size: int, seed: int) -> None:
    """One line for a source, count, size or seed that cannot be rendered."""
    if source not in FRAME_SOURCES:
        close = difflib.get_close_matches(str(source), FRAME_SOURCES, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise MarionnetteError(f"frame source {source!r}: use one of {', '.join(FRAME_SOURCES)}{hint}")
    if int(count) < 1:
        raise MarionnetteError(f"count={count}: ask for at least 1 frame")
    if int(size) < MIN_SIZE:
        raise MarionnetteError(f"size={size}: frames are at least {MIN_SIZE} pixels a side")
    if int(seed) < 0:
        raise MarionnetteError(f"seed={seed}: use a seed of 0 or more")


def render_frames(source: str, count: int, size: int = 64, seed: int = 0) -> np.ndarray:
    """``count`` frames of ``source`` (one of :data:`FRAME_SOURCES`), ``(count, size, size, 3)``
    uint8 RGB; the same arguments give the same bytes (see the module docstring).

    :raises MarionnetteError: an unknown source (naming the valid ones and the nearest),
        ``count < 1``, ``size < 8`` or a negative seed.
    """
    _check(source, count, size, seed)
    count, size, seed = int(count), int(size), int(seed)
    if source == "character":
        return _character_frames(count, size, seed)
    if source.startswith("arcade:"):
        return _game_frames(source.split(":", 1)[1], count, size, seed)
    shares = [count // len(_GAMES) + (i < count % len(_GAMES)) for i in range(len(_GAMES))]
    parts = [_game_frames(game, n, size, seed) for game, n in zip(_GAMES, shares, strict=True) if n]
    frames = np.concatenate(parts)  # (count, size, size, 3), game after game
    order = np.random.default_rng((seed, len(_GAMES) + 1)).permutation(count)
    return frames[order]


def _game_frames(game: str, count: int, size: int, seed: int) -> np.ndarray:
    """``(count, size, size, 3)`` frames of one arcade game under a random policy, letterboxed."""
    import torch

    from marionnette.envs.arcade import GAMES

    name = next(key for key in GAMES if key.lower() == game)
    rng = np.random.default_rng((seed, _GAMES.index(game)))
    n_envs = math.ceil(count / _FRAMES_PER_ENV)
    env = GAMES[name](num_envs=n_envs)
    env.reset(seed=int(rng.integers(2**31 - n_envs)))
    actions = rng.integers(env.single_action_space.n, size=(_STEPS, n_envs))  # (T, N) the random policy
    # Each env keeps _FRAMES_PER_ENV frames at its own steps; `count` of all those are kept,
    # in a random order: wanted[k] = (step, env) of output frame k.
    steps = np.stack([rng.choice(np.arange(_WARMUP, _STEPS), _FRAMES_PER_ENV, replace=False) for _ in range(n_envs)])
    pairs = np.stack([steps.ravel(), np.repeat(np.arange(n_envs), _FRAMES_PER_ENV)], axis=1)  # (N * F, 2)
    wanted = pairs[rng.permutation(len(pairs))[:count]]  # (count, 2)

    width = max(1, round(size * 160 / 210))  # the playfield's 160:210 aspect
    left = (size - width) // 2
    frames = np.zeros((count, size, size, 3), np.uint8)  # black letterbox columns
    for t in range(_STEPS):
        now = np.flatnonzero(wanted[:, 0] == t)
        if len(now):
            drawn = env.render_all(size, width)  # (N, size, width, 3)
            frames[now, :, left : left + width] = drawn[wanted[now, 1]]
        if t + 1 < _STEPS and (wanted[:, 0] > t).any():
            env.step(torch.as_tensor(actions[t]))
        else:
            break
    return frames


def _character_frames(count: int, size: int, seed: int) -> np.ndarray:
    """``(count, size, size, 3)`` frames of the character in its clips' poses, random cameras."""
    from marionnette.body import CLIPS, Character, clip_qpos
    from marionnette.body.camera import CAMERAS

    rng = np.random.default_rng((seed, _CHARACTER_STREAM))
    character = Character()
    poses = np.concatenate([clip_qpos(name, fps=_CLIP_FPS, character=character) for name in CLIPS])  # (T, nq)
    # Every clip starts and ends standing and passes its keyframes at rest, so many of its
    # frames are one pose (1039 of 1692 differ at 120 fps): each pose once, so that frames
    # drawn without replacement differ.
    _, first = np.unique(poses.round(4), axis=0, return_index=True)
    poses = poses[np.sort(first)]  # (P, nq)
    views = len(poses) * len(CAMERAS)  # (pose, camera) pairs: distinct frames while count <= views
    chosen = rng.choice(views, count, replace=count > views)  # (count,) pose * cameras + camera
    pose, camera = np.divmod(chosen, len(CAMERAS))
    return render_poses(character.model, poses[pose], [CAMERAS[c] for c in camera], size)


def render_poses(model, qpos: np.ndarray, cameras: list[str], size: int) -> np.ndarray:
    """``(T, size, size, 3)`` uint8: ``model`` (the character's, or a variant of it with the same
    ``qpos``) in pose ``qpos[k]`` seen by its camera ``cameras[k]``, rendered ``fast`` as a square
    of ``2 * size`` pixels (at most 960) and shrunk to ``size`` by area averaging, as the module
    docstring says the character is filmed."""
    import mujoco
    from PIL import Image

    from marionnette.body import BodyCamera

    side = min(2 * size, _MAX_RENDER)
    data = mujoco.MjData(model)
    frames = np.empty((len(qpos), size, size, 3), np.uint8)
    opened = {name: BodyCamera(model, name, side, side, fast=True) for name in dict.fromkeys(cameras)}
    try:
        for k, (pose, name) in enumerate(zip(qpos, cameras, strict=True)):
            data.qpos[:] = pose
            mujoco.mj_forward(model, data)
            image = opened[name].render(data)  # (side, side, 3)
            # Area averaging (a 2x2 mean at 2x), as the games are drawn.
            frames[k] = image if side == size else Image.fromarray(image).resize((size, size), Image.Resampling.BOX)
    finally:
        for camera in opened.values():
            camera.close()
    return frames


def _meta(source: str, count: int, size: int, seed: int) -> dict:
    return {"source": source, "count": int(count), "size": int(size), "seed": int(seed), "version": VERSION}


def _cached(out: Path, meta: dict) -> bool:
    """Whether ``out`` already holds the frames ``meta`` describes, every one of them."""
    try:
        found = yaml.safe_load((out / META).read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):  # missing or damaged: write it again
        return False
    return found == meta and all((out / PATTERN.format(k)).is_file() for k in range(meta["count"]))


def write_frames(out: str | Path, source: str, count: int, size: int = 64, seed: int = 0) -> Path:
    """Write :func:`render_frames`' frames into the folder ``out`` as ``frame_00000.png`` ...
    and ``frames.yaml``; a folder already holding them is reused (see the module docstring).

    :returns: the folder.
    :raises MarionnetteError: what :func:`render_frames` raises, or ``out`` is a file.
    """
    from PIL import Image

    _check(source, count, size, seed)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise MarionnetteError(f"{out} is a file: pass a folder (new or one of frames) for the frames")
    meta = _meta(source, count, size, seed)
    if _cached(out, meta):
        return out
    out.mkdir(parents=True, exist_ok=True)
    (out / META).unlink(missing_ok=True)  # until every frame is written, the folder is not a finished set
    frames = render_frames(source, count, size, seed)
    for k, frame in enumerate(frames):
        with atomic_path(out / PATTERN.format(k)) as tmp:
            Image.fromarray(frame).save(tmp, format="PNG")
    for stale in out.glob("frame_*.png"):  # left from a larger count: a reader takes every PNG
        index = stale.stem.removeprefix("frame_")
        if index.isdigit() and len(index) == 5 and int(index) >= count:
            stale.unlink()
    atomic_write_text(out / META, yaml.safe_dump(meta, sort_keys=False))
    return out


def is_frame_source(name: str) -> bool:
    """Whether a ``--data`` name asks for the project's renders (``arcade``, ``arcade:GAME``, ``character``)."""
    return name == "character" or name.split(":")[0] == "arcade"


def cached_frames(root: str | Path, source: str, count: int, size: int = 64, seed: int = 0) -> Path:
    """:func:`write_frames` into ``root/<source>__<size>px__<count>__seed<seed>``: how the
    trainers' ``--data arcade|character`` find (or make) their frames under ``RUNS_DIR/frames``."""
    name = f"{source.replace(':', '-')}__{size}px__{count}__seed{seed}"
    return write_frames(Path(root) / name, source, count, size, seed)


__all__ = ["FRAME_SOURCES", "cached_frames", "is_frame_source", "render_frames", "render_poses", "write_frames"]
