"""Detection, tracking and segmentation scenes: players and a ball on a pitch, filmed by a moving camera.

"Soccer on Your Tabletop" (Rematas et al., CVPR 2018) reads players off broadcast footage:
a camera high beside the touchline pans, tracks and zooms while people cross and hide one
another. Our offline stand-in puts 3 to 6 copies of the MuJoCo character
(:class:`~marionnette.body.Character`) and a ball on a green pitch and films them; every
box, identity and mask comes from the renderer, exactly. :func:`make_scenes` returns
:class:`Scenes`; :meth:`Scenes.save` writes the folder below and :func:`load_scenes` reads
it back.

The scene (:func:`scene_model`, one ``mujoco.MjSpec``)
    A striped grass pitch of ``pitch`` metres (5 m mowing stripes) with white lines
    (touch and goal lines, halfway line, centre circle and spot, penalty areas), two white
    goals, advertising boards 2 m outside the far touchline and the goal lines, and a grey
    stand behind the far touchline (so that little black sky shows). Each character is the
    body's MJCF attached with the prefix ``p<k>_`` and dressed as a footballer: the players
    alternate between two teams, each team one kit (team 0 a checked shirt, team 1 a plain
    one; shorts and socks of the team's colours), and within a team every player has his own skin tone and
    hair (or none), some long sleeves and some darker socks: re-identification is possible
    from appearance, yet not from the shirt alone. The ball (22 cm, black and white
    checks) is a free body.

The motion (kinematic, no physics)
    The ball is kicked every 0.8-2 s (along the ground or chipped, bouncing), rolls to a
    stop under friction and bounces off the pitch's edges, spinning as it rolls. Each
    player walks towards his own place around the ball (redrawn every few seconds; one or
    two chase it), turning at most 180 degrees a second and stepping aside from anyone
    within a metre; the ``walk`` clip's angles are played at the phase his distance
    travelled gives (feet keep pace); near his place he stops and performs an in-place clip
    (``march``, ``wave``, ``reach``), blended over 0.4 s. The camera stands ``setback``
    metres behind the near touchline at ``camera_height``, dollies along it after the play
    (the ball and the players' centroid, smoothed), pans to keep it centred and zooms
    (vertical field ``fovy`` widened and narrowed by 25% over a few seconds), so objects
    cross, hide each other and change scale.

The annotations (per frame, from ``mujoco.Renderer`` segmentation: geom -> body -> object)
    Objects are numbered ``1..K`` in each sequence: the characters, then the ball (``K``);
    the number is the track id everywhere (instance maps, MOT, COCO ``track_id``).

    - *instance map* ``(H, W)`` uint8: the object seen at each pixel, 0 for the pitch and
      everything else; *class map* ``(H, W)`` uint8: 0 background, 1 person, 2 ball.
    - *box* ``(x0, y0, x1, y1)`` pixels: the tight box of the object's visible pixels
      (pixel column ``j`` covers ``x`` in ``[j, j + 1)``, so ``x1`` is the last column + 1).
    - *full box* and *full pixels*: the same of the object rendered alone (the others moved
      below the pitch), within the frame: an amodal box clipped to the image. Rendered only
      when the projected corners of the object's geoms' bounding boxes overlap another
      object nearer the camera (else nothing can hide it and full = visible).
    - *visibility* = visible pixels / full pixels: occlusion by other objects only (being
      cut by the image's edge is not counted). The goals and boards are scenery: what they
      hide is hidden in both renders, so it lowers the pixels, not the visibility.
    - *visible*: at least ``min_pixels`` pixels seen. Objects that are not visible are not
      in COCO; in MOT ground truth an object in the frame (full pixels > 0) but not
      visible gets a row with ``conf = 0`` (ignore) and its full box; objects out of the
      frame get no row.

On disk (:meth:`Scenes.save`; ``<seq>`` is ``pitch-00``, ``pitch-01``, ..., frames count
from 1 as MOTChallenge's do)

=====================================  ==================================================
path                                   what it holds
=====================================  ==================================================
``scenes.yaml``                        the manifest, written last: format, version, the
                                       :class:`ScenesConfig`, class names, each
                                       sequence's name, frames, split, objects
``images/<seq>/000001.jpg``            the frame, RGB, ``W x H`` (JPEG quality 95)
``masks/<seq>/000001.png``             the class map, uint8 (0, 1, 2)
``instances/<seq>/000001.png``         the instance map, uint8 (0, 1..K)
``annotations/<seq>.npz``              the exact record: ``boxes`` ``(T, K, 4)`` float32
                                       xyxy (NaN where not seen), ``full_boxes`` (same),
                                       ``pixels``, ``full_pixels`` ``(T, K)`` int32,
                                       ``visible`` ``(T, K)`` bool, ``classes`` ``(K,)``,
                                       ``cameras`` ``(T, 3, 4)`` float64 projection
                                       matrices (world metres, z up -> pixels),
                                       ``qpos`` ``(T, nq)`` (re-render)
``train.json``, ``val.json``           COCO detection: ``images`` (``id``, ``file_name``
                                       relative to the folder, ``width``, ``height``,
                                       ``video_id``, ``frame_id``), ``annotations``
                                       (``id``, ``image_id``, ``category_id``, ``bbox``
                                       ``[x, y, w, h]``, ``area`` = mask pixels,
                                       ``iscrowd`` 0, ``segmentation`` RLE,
                                       ``track_id``, ``visibility``), ``categories``
                                       (1 person, 2 ball), ``videos``; held-out
                                       sequences in ``val.json`` only
``mot/<seq>/gt/gt.txt``                MOTChallenge ground truth: frame, id, left, top,
                                       w, h (0-based pixels), conf, class, visibility
``mot/<seq>/seqinfo.ini``              name, imDir (``../../images/<seq>``), frameRate,
                                       seqLength, imWidth, imHeight, imExt
=====================================  ==================================================

Cost (one busy CPU core, EGL on Mesa): the RGB frame is rendered at twice the size and
shrunk by area averaging (anti-aliasing, as :mod:`~marionnette.datasets.frames` does), the
segmentation at the frame's size (one id per pixel, no multisampling). The default
dataset (8 sequences of 60 frames, 320x240, 5-7 objects a sequence) films in 24-51 s,
50-110 ms a frame as the machine is loaded (10-20 frames/s: a colour render, a
segmentation and about one render alone a frame), and saves in 5-11 s (12 MB). Measured
on it: 5.7 visible objects a frame, 13% of them partly hidden (2% less than half seen),
people's boxes 21-49 pixels high (5th-95th percentile), the ball's 3-7.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import NamedTuple

import numpy as np
import yaml

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path, atomic_write_text

FORMAT = "marionnette.scenes"
VERSION = 1
MANIFEST = "scenes.yaml"
CLASSES = ("background", "person", "ball")
"""Class map values and COCO category ids (``person`` 1, ``ball`` 2)."""
PERSON, BALL = 1, 2

_MIN_SIDE, _MAX_SIDE = 32, 960  # pixels; RGB is rendered at twice the size
_BALL_RADIUS = 0.11  # metres, a size-5 football
_BELOW = -50.0  # metres: where objects are put to render one alone (the pitch hides them)
_STILL_CLIPS = ("march", "wave", "reach")  # in-place clips a player performs at his place
_BLEND = 0.4  # seconds to blend between walking and an in-place clip
_TURN_RATE = math.pi  # rad/s a player turns at most
_WALK_SAMPLES = 100  # the walk clip's stride sampled this many times


@dataclass(frozen=True)
class ScenesConfig:
    """What :func:`make_scenes` films (the module docstring says how)."""

    sequences: int = 8  # clips of play, each its own players, looks and camera path
    frames: int = 60  # per sequence
    size: tuple[int, int] = (320, 240)  # (width, height) pixels
    characters: tuple[int, int] = (3, 6)  # fewest and most players in a sequence, drawn uniformly
    fps: float = 15.0
    held_out: int = 2  # the last sequences: val.json only
    pitch: tuple[float, float] = (40.0, 25.0)  # metres: length (x), width (y)
    setback: tuple[float, float] = (10.0, 16.0)  # metres behind the near touchline the camera stands
    camera_height: tuple[float, float] = (6.0, 11.0)  # metres
    fovy: tuple[float, float] = (20.0, 32.0)  # degrees, the camera's mean vertical field
    min_pixels: int = 10  # visible pixels for an object to count as seen
    seed: int = 0


class Frame(NamedTuple):
    """One frame's image and its visible objects (what a detector and a tracker read)."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    boxes: np.ndarray  # (N, 4) float32 xyxy pixels
    classes: np.ndarray  # (N,) int64: PERSON or BALL
    track_ids: np.ndarray  # (N,) int64, 1..K within the sequence


class Look(NamedTuple):
    """A player's clothes and colours (RGB in [0, 1])."""

    team: int
    shirt: tuple[float, float, float]
    shirt_check: tuple[float, float, float] | None  # a checked shirt's second colour
    shorts: tuple[float, float, float]
    socks: tuple[float, float, float]
    skin: tuple[float, float, float]
    hair: tuple[float, float, float] | None  # None: no hair
    long_sleeves: bool


@dataclass(frozen=True, eq=False)
class SceneSequence:
    """One filmed sequence: ``T`` frames of ``K`` objects (the module's table)."""

    name: str
    held_out: bool
    images: np.ndarray  # (T, H, W, 3) uint8
    instances: np.ndarray  # (T, H, W) uint8: 0, 1..K
    classes: np.ndarray  # (K,) int64: the class of object k + 1
    boxes: np.ndarray  # (T, K, 4) float32 xyxy, NaN where not seen
    full_boxes: np.ndarray  # (T, K, 4) float32 xyxy of the object alone, NaN out of the frame
    pixels: np.ndarray  # (T, K) int32 visible pixels
    full_pixels: np.ndarray  # (T, K) int32 pixels of the object alone
    visible: np.ndarray  # (T, K) bool
    cameras: np.ndarray  # (T, 3, 4) float64 world (metres, z up) -> homogeneous pixels
    qpos: np.ndarray  # (T, nq) float64
    fps: float

    def __len__(self) -> int:
        return len(self.images)

    @property
    def visibility(self) -> np.ndarray:
        """``(T, K)`` float32 visible pixels over full pixels (0 out of the frame)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.full_pixels > 0, self.pixels / np.maximum(self.full_pixels, 1), 0.0).astype(np.float32)

    @property
    def class_masks(self) -> np.ndarray:
        """``(T, H, W)`` uint8 class maps (0 background, 1 person, 2 ball)."""
        lookup = np.concatenate([[0], self.classes]).astype(np.uint8)  # instance id -> class
        return lookup[self.instances]

    def frame(self, t: int) -> Frame:
        """Frame ``t`` (0-based) with its visible objects."""
        seen = np.flatnonzero(self.visible[t])
        return Frame(self.images[t], self.boxes[t, seen], self.classes[seen].astype(np.int64), seen + 1)

    def frames(self) -> Iterator[Frame]:
        return (self.frame(t) for t in range(len(self)))

    def project(self, t: int, points: np.ndarray) -> np.ndarray:
        """``(N, 3)`` world points (metres, z up) -> ``(N, 2)`` pixels ``(x right, y down)`` in
        frame ``t``; points behind the camera come back NaN."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        uvw = np.c_[points, np.ones(len(points))] @ self.cameras[t].T  # (N, 3)
        with np.errstate(divide="ignore", invalid="ignore"):
            uv = uvw[:, :2] / uvw[:, 2:]
        uv[uvw[:, 2] <= 0] = np.nan
        return uv


@dataclass(frozen=True, eq=False)
class Scenes:
    """The sequences :func:`make_scenes` filmed, with the config that made them."""

    config: ScenesConfig
    sequences: tuple[SceneSequence, ...]

    def __repr__(self) -> str:
        frames = sum(len(s) for s in self.sequences)
        held = sum(s.held_out for s in self.sequences)
        w, h = self.config.size
        return f"Scenes({len(self.sequences)} sequences, {frames} frames of {w}x{h}, {held} held out)"

    def frames(self, held_out: bool | None = None) -> Iterator[Frame]:
        """Every frame of the training sequences (``False``), the held-out ones (``True``) or all."""
        for sequence in self.sequences:
            if held_out is None or sequence.held_out == held_out:
                yield from sequence.frames()

    def masks(self, held_out: bool | None = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(image (H, W, 3) uint8, class map (H, W) uint8)`` pairs, for a segmentation network."""
        for sequence in self.sequences:
            if held_out is None or sequence.held_out == held_out:
                yield from zip(sequence.images, sequence.class_masks, strict=True)

    def save(self, out: str | os.PathLike) -> Path:
        """Write the folder of the module's table into ``out``; returns it."""
        return _save(self, Path(out))


# ----------------------------------------------------------------------------- checks


def _check(config: ScenesConfig) -> None:
    """One line for a config that cannot be filmed."""
    width, height = (int(v) for v in config.size)
    if not (_MIN_SIDE <= width <= _MAX_SIDE and _MIN_SIDE <= height <= _MAX_SIDE):
        raise MarionnetteError(
            f"size={width}x{height}: each side is {_MIN_SIDE} to {_MAX_SIDE} pixels (smaller frames hide the players)"
        )
    low, high = (int(v) for v in config.characters)
    if not 1 <= low <= high <= 6:
        raise MarionnetteError(f"characters={config.characters}: give 1 to 6 players a sequence (fewest <= most)")
    if int(config.sequences) < 1 or int(config.frames) < 1:
        raise MarionnetteError(f"sequences={config.sequences}, frames={config.frames}: ask for at least 1 of each")
    if not 0 <= int(config.held_out) <= int(config.sequences):
        raise MarionnetteError(f"held_out={config.held_out}: hold out 0 to {config.sequences} sequences")
    if not (np.isfinite(config.fps) and config.fps > 0):
        raise MarionnetteError(f"fps={config.fps}: give a positive number of frames per second")
    if min(config.pitch) < 10:
        raise MarionnetteError(f"pitch={config.pitch}: a pitch is at least 10 m each way")
    if not 1 <= min(config.fovy) <= max(config.fovy) <= 120:
        raise MarionnetteError(f"fovy={config.fovy}: a field of 1 to 120 degrees")
    if int(config.min_pixels) < 1 or int(config.seed) < 0:
        raise MarionnetteError(f"min_pixels={config.min_pixels}, seed={config.seed}: min_pixels >= 1, seed >= 0")


# ----------------------------------------------------------------------------- looks

_KITS = (  # (main, second) shirt colours; none green, so that no kit melts into the pitch
    ((0.80, 0.10, 0.12), (0.95, 0.95, 0.95)),
    ((0.10, 0.22, 0.65), (0.95, 0.85, 0.20)),
    ((0.95, 0.95, 0.95), (0.10, 0.10, 0.12)),
    ((0.95, 0.55, 0.10), (0.10, 0.10, 0.12)),
    ((0.45, 0.15, 0.55), (0.95, 0.95, 0.95)),
    ((0.35, 0.70, 0.90), (0.10, 0.20, 0.45)),
)
_SKINS = ((0.95, 0.78, 0.65), (0.86, 0.67, 0.55), (0.70, 0.50, 0.36), (0.52, 0.36, 0.24), (0.34, 0.23, 0.16))
_HAIRS = ((0.06, 0.05, 0.05), (0.40, 0.25, 0.12), (0.85, 0.70, 0.35), (0.55, 0.20, 0.08), None)


def draw_looks(count: int, rng: np.random.Generator) -> list[Look]:
    """``count`` players' looks: two teams (player ``k`` in team ``k % 2``), each a kit; within
    a team every player his own (skin, hair) pair."""
    kits = rng.choice(len(_KITS), 2, replace=False)
    pairs = [(s, h) for s in range(len(_SKINS)) for h in range(len(_HAIRS))]
    looks = []
    for team in (0, 1):
        members = range(team, count, 2)
        chosen = rng.choice(len(pairs), len(members), replace=False)
        main, second = _KITS[kits[team]]
        for k, pair in zip(members, chosen, strict=True):
            skin, hair = pairs[pair]
            darker = tuple(0.45 * c for c in second)
            looks.append(
                (k, Look(
                    team=team, shirt=main, shirt_check=second if team == 0 else None,
                    shorts=second if team == 0 else main, socks=darker if rng.random() < 0.5 else second,
                    skin=_SKINS[skin], hair=_HAIRS[hair], long_sleeves=bool(rng.random() < 0.4),
                ))
            )  # fmt: skip
    return [look for _, look in sorted(looks, key=lambda pair: pair[0])]


# The character's geoms by what they wear (character.xml's names); the rest is skin or face.
_SHIRT = ("belly", "chest", "left_upper_arm", "right_upper_arm")
_SLEEVES = ("left_forearm", "right_forearm")
_SHORTS = ("pelvis", "left_thigh", "right_thigh")
_SOCKS = ("left_shin", "right_shin")
_BOOTS = ("left_foot", "right_foot")


def _dressed_character(look: Look):
    """The character's ``MjSpec`` dressed as ``look`` says, its tracking camera removed."""
    import mujoco

    from marionnette.body.character import MODEL_PATH

    spec = mujoco.MjSpec.from_file(str(MODEL_PATH))
    spec.delete(spec.camera("track"))
    if look.shirt_check is not None:
        spec.add_texture(
            name="kit", type=mujoco.mjtTexture.mjTEXTURE_2D, builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
            rgb1=look.shirt, rgb2=look.shirt_check, width=32, height=32,
        )  # fmt: skip
        shirt = spec.add_material(name="shirt", rgba=(1, 1, 1, 1), texrepeat=(2, 2))
        shirt.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = "kit"
    else:
        spec.add_material(name="shirt", rgba=(*look.shirt, 1))
    for name, rgb in (("shorts", look.shorts), ("socks", look.socks), ("boots", (0.08, 0.08, 0.08))):
        spec.add_material(name=name, rgba=(*rgb, 1))
    spec.material("skin").rgba = (*look.skin, 1)
    spec.material("hair").rgba = (*(look.hair or look.skin), 1)  # no hair: the scalp is skin
    sleeves = _SLEEVES if look.long_sleeves else ()
    for part, names in (("shirt", _SHIRT + sleeves), ("shorts", _SHORTS), ("socks", _SOCKS), ("boots", _BOOTS)):
        for name in names:
            spec.geom(name).material = part
    return spec


# ----------------------------------------------------------------------------- the pitch


def _add_pitch(spec, length: float, width: float) -> None:
    """The striped grass, its lines, two goals, the boards and a stand (the module docstring)."""
    import mujoco

    stripes = np.empty((64, 64, 3), np.uint8)  # two 5 m stripes across the pitch (along y)
    stripes[:, :32], stripes[:, 32:] = (62, 136, 56), (44, 100, 40)
    spec.add_texture(name="grass", type=mujoco.mjtTexture.mjTEXTURE_2D, width=64, height=64, nchannel=3,
                     data=stripes.ravel().tolist())  # fmt: skip
    grass = spec.add_material(name="grass", texuniform=True, texrepeat=(0.1, 0.1))  # one texture per 10 m
    grass.textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = "grass"
    spec.geom("floor").material = "grass"
    for name, rgba in (("chalk", (0.95, 0.95, 0.95, 1)), ("board", (0.15, 0.25, 0.55, 1)),
                       ("board2", (0.85, 0.75, 0.15, 1)), ("stand", (0.40, 0.42, 0.45, 1))):  # fmt: skip
        spec.add_material(name=name, rgba=rgba)
    box, cap = mujoco.mjtGeom.mjGEOM_BOX, mujoco.mjtGeom.mjGEOM_CAPSULE
    world = spec.worldbody

    def line(x0: float, y0: float, x1: float, y1: float) -> None:
        centre, half = ((x0 + x1) / 2, (y0 + y1) / 2, 0.002), math.hypot(x1 - x0, y1 - y0) / 2
        angle = math.atan2(y1 - y0, x1 - x0)
        world.add_geom(type=box, pos=centre, size=(half + 0.05, 0.05, 0.002), material="chalk",
                       quat=(math.cos(angle / 2), 0, 0, math.sin(angle / 2)), contype=0, conaffinity=0)  # fmt: skip

    hx, hy = length / 2, width / 2
    for x0, y0, x1, y1 in ((-hx, -hy, hx, -hy), (-hx, hy, hx, hy), (-hx, -hy, -hx, hy), (hx, -hy, hx, hy),
                           (0, -hy, 0, hy)):  # fmt: skip
        line(x0, y0, x1, y1)
    circle = np.linspace(0, 2 * np.pi, 25)
    radius = min(4.0, width / 5)
    for a, b in zip(circle[:-1], circle[1:], strict=True):
        line(radius * np.cos(a), radius * np.sin(a), radius * np.cos(b), radius * np.sin(b))
    line(-0.1, 0, 0.1, 0)  # the centre spot
    depth, half_box = min(8.0, length / 5), min(7.0, width / 3.5)
    for side in (-1, 1):
        end = side * hx
        inner = end - side * depth
        (
            line(end, -half_box, inner, -half_box),
            line(end, half_box, inner, half_box),
            line(inner, -half_box, inner, half_box),
        )
        for y in (-2.5, 2.5):  # goal posts 5 m apart, 2 m high, the net's frame behind
            world.add_geom(type=cap, fromto=(end, y, 0, end, y, 2.0), size=(0.06, 0, 0), material="chalk",
                           contype=0, conaffinity=0)  # fmt: skip
        world.add_geom(type=cap, fromto=(end, -2.5, 2.0, end, 2.5, 2.0), size=(0.06, 0, 0), material="chalk",
                       contype=0, conaffinity=0)  # fmt: skip
    # Advertising boards 2 m outside the lines, 1 m high, panels of 5 m in two colours: along
    # the far touchline and behind the goals (none on the camera's side, where they would
    # fill the bottom of the frame).
    for k, x in enumerate(np.arange(-hx, hx, 5.0)):
        world.add_geom(type=box, pos=(x + 2.5, hy + 2, 0.5), size=(2.5, 0.05, 0.5), material=("board", "board2")[k % 2],
                       contype=0, conaffinity=0)  # fmt: skip
    for k, y in enumerate(np.arange(-hy, hy, 5.0)):
        for x in (-hx - 2, hx + 2):
            world.add_geom(type=box, pos=(x, y + 2.5, 0.5), size=(0.05, 2.5, 0.5), material=("board", "board2")[k % 2],
                           contype=0, conaffinity=0)  # fmt: skip
    world.add_geom(type=box, pos=(0, hy + 9, 4), size=(hx + 20, 6, 4), quat=(math.cos(0.3), math.sin(0.3), 0, 0),
                   material="stand", contype=0, conaffinity=0)  # fmt: skip


def scene_model(config: ScenesConfig, looks: list[Look], fovy: float = 30.0):
    """The ``mujoco.MjModel`` of a sequence: the pitch, one character per look (prefix
    ``p<k>_``, joint ``p<k>_root``), the ball (joint ``ball_root``) and the camera ``front``
    on the mocap body ``rig`` (moved by :func:`make_scenes` each frame)."""
    import mujoco

    from marionnette.body.character import MODEL_PATH

    width, height = (int(v) for v in config.size)
    spec = mujoco.MjSpec.from_file(str(MODEL_PATH))  # its floor, sun and visual settings
    spec.delete(spec.body("pelvis"))
    spec.delete(spec.camera("front"))
    spec.visual.global_.offwidth, spec.visual.global_.offheight = 2 * width, 2 * height
    spec.visual.quality.offsamples = 0  # 4x multisampling triples a software frame; RGB is drawn at 2x instead
    spec.visual.map.zfar = 200.0  # the far stand at 30+ m
    _add_pitch(spec, *config.pitch)
    for k, look in enumerate(looks):
        spec.worldbody.add_frame().attach_body(_dressed_character(look).body("pelvis"), f"p{k}_", "")
    spec.add_texture(name="ball", type=mujoco.mjtTexture.mjTEXTURE_CUBE, builtin=mujoco.mjtBuiltin.mjBUILTIN_CHECKER,
                     rgb1=(0.95, 0.95, 0.95), rgb2=(0.08, 0.08, 0.08), width=16, height=16)  # fmt: skip
    spec.add_material(name="ball", rgba=(1, 1, 1, 1)).textures[mujoco.mjtTextureRole.mjTEXROLE_RGB] = "ball"
    ball = spec.worldbody.add_body(name="ball", pos=(0, 0, _BALL_RADIUS))
    ball.add_freejoint(name="ball_root")
    ball.add_geom(name="ball", type=mujoco.mjtGeom.mjGEOM_SPHERE, size=(_BALL_RADIUS, 0, 0), material="ball",
                  contype=0, conaffinity=0)  # fmt: skip
    rig = spec.worldbody.add_body(name="rig", mocap=True)
    rig.add_camera(name="front", fovy=fovy)  # looks along the rig's -z, up its +y
    return spec.compile()


# ----------------------------------------------------------------------------- motion


def _yaw(heading: float) -> np.ndarray:
    return np.array([math.cos(heading / 2), 0.0, 0.0, math.sin(heading / 2)])


def ball_path(frames: int, fps: float, pitch: tuple[float, float], rng: np.random.Generator):
    """``(position (T, 3), quaternion (T, 4))`` of the ball kicked about (the module docstring)."""
    import mujoco

    substeps, gravity, friction = 4, 9.81, 1.5  # friction: seconds for a roll to slow by e
    h = 1.0 / (fps * substeps)
    half = np.array(pitch) / 2 - 0.5
    xy, vxy = rng.uniform(-0.3, 0.3, 2) * half, np.zeros(2)
    z, vz = _BALL_RADIUS, 0.0
    quat, now, kick = np.array([1.0, 0, 0, 0]), 0.0, 0.0
    positions, quats = np.empty((frames, 3)), np.empty((frames, 4))
    spin = np.empty(4)
    for t in range(frames):
        positions[t], quats[t] = (*xy, z), quat
        for _ in range(substeps):
            if now >= kick:  # a kick: towards the middle when near an edge, sometimes chipped
                angle = rng.uniform(-np.pi, np.pi)
                direction = np.array([math.cos(angle), math.sin(angle)]) - 0.8 * xy / half
                vxy = rng.uniform(2.0, 6.0) * direction / np.linalg.norm(direction)
                vz = rng.uniform(2.0, 4.5) if rng.random() < 0.3 else vz
                kick = now + rng.uniform(0.8, 2.0)
            if z > _BALL_RADIUS or vz > 0:  # in the air: falls, bounces losing 45% of its speed
                vz -= gravity * h
                z += vz * h
                if z <= _BALL_RADIUS:
                    z, vz = _BALL_RADIUS, (-0.55 * vz if vz < -0.8 else 0.0)
            else:
                vxy = vxy * math.exp(-h / friction)
                axis = np.array([-vxy[1], vxy[0], 0.0])  # rolling: spins about z x v
                speed = np.linalg.norm(axis)
                if speed > 1e-6:
                    mujoco.mju_axisAngle2Quat(spin, axis / speed, speed * h / _BALL_RADIUS)
                    mujoco.mju_mulQuat(quat, spin, quat.copy())
            xy = xy + vxy * h
            out = np.abs(xy) > half
            vxy[out] = -0.5 * vxy[out]  # off the boards, slower
            xy = np.clip(xy, -half, half)
            now += h
    return positions, quats


class _Moves(NamedTuple):
    """The body's clips as tables a player's pose is read from."""

    walk: np.ndarray  # (S, nq) one stride at S phases
    stride: float  # metres one stride carries the root
    period: float  # seconds of one stride
    still: dict[str, np.ndarray]  # clip -> (T, nq) at the scene's fps


def _moves(character, fps: float) -> _Moves:
    from marionnette.body.clips import clip_qpos, spec, stride

    period = spec("walk").duration
    walk = clip_qpos("walk", fps=_WALK_SAMPLES / period, seconds=period, character=character)  # (S, nq)
    length = float(np.linalg.norm(stride("walk", _WALK_SAMPLES / period, character)))
    # The root's drift along the stride taken out: what is left is the sway about the path.
    drift = np.arange(_WALK_SAMPLES)[:, None] / _WALK_SAMPLES * np.array([length, 0.0])
    walk[:, :2] -= walk[:1, :2] + drift
    still = {name: clip_qpos(name, fps=fps, character=character) for name in _STILL_CLIPS}
    for qpos in still.values():
        qpos[:, :2] -= character.standing_qpos[:2]  # the weight shift about the standing place
    return _Moves(walk, length, period, still)


def player_paths(count: int, ball: np.ndarray, config: ScenesConfig, rng: np.random.Generator, character, moves):
    """``(T, count, nq)`` each player's pose on the pitch, following the ball (the module docstring)."""
    frames, dt = len(ball), 1.0 / config.fps
    half = np.array(config.pitch) / 2 - 1.0
    nq = character.model.nq
    orient = character.root_orientation_qpos
    position = ball[0, :2] + rng.uniform(-8, 8, (count, 2))
    heading = rng.uniform(-np.pi, np.pi, count)
    phase = rng.uniform(0, 1, count)  # fraction of a stride
    speed = rng.uniform(0.9, 1.5, count) * moves.stride / moves.period  # m/s walking
    moving = np.ones(count)  # 1 walking, 0 performing the in-place clip, blended between
    clip = rng.choice(_STILL_CLIPS, count)
    clip_time = np.zeros(count, np.int64)  # frames into the in-place clip
    chasers = rng.random(count) < 0.35
    place = np.where(chasers[:, None], 0.0, 1.0) * rng.uniform(-7, 7, (count, 2))  # where each goes, about the ball
    qpos = np.empty((frames, count, nq))
    for t in range(frames):
        redraw = rng.random(count) < dt / 3.0  # a new place every 3 s on average
        place[redraw] = rng.uniform(-7, 7, (int(redraw.sum()), 2)) * (~chasers[redraw, None])
        for k in range(count):
            target = np.clip(ball[t, :2] + place[k], -half, half)
            away = position[k] - np.delete(position, k, axis=0)  # step aside from anyone within 1 m
            near = np.linalg.norm(away, axis=1) < 1.0
            push = (away[near] / np.maximum(np.linalg.norm(away[near], axis=1, keepdims=True), 1e-3)).sum(axis=0)
            wanted = target - position[k] + 3.0 * push
            far = np.linalg.norm(target - position[k]) > 1.0 or near.any()
            if far:
                turn = (math.atan2(wanted[1], wanted[0]) - heading[k] + np.pi) % (2 * np.pi) - np.pi
                heading[k] += np.clip(turn, -_TURN_RATE * dt, _TURN_RATE * dt)
            moving[k] = np.clip(moving[k] + (1 if far else -1) * dt / _BLEND, 0.0, 1.0)
            clip_time[k] = 0 if moving[k] == 1 else clip_time[k] + 1
            # The pose: the walk at its phase blended with the in-place clip at its time.
            step = moves.walk[int(phase[k] * _WALK_SAMPLES) % _WALK_SAMPLES]
            table = moves.still[clip[k]]
            still = table[clip_time[k] % len(table)]
            w = moving[k]
            pose = w * step + (1 - w) * still
            c, s = math.cos(heading[k]), math.sin(heading[k])
            sway = pose[:2]  # (forward, left) about the path
            pose[:2] = position[k] + (c * sway[0] - s * sway[1], s * sway[0] + c * sway[1])
            pose[orient] = _yaw(heading[k])
            qpos[t, k] = pose
            travelled = w * speed[k] * dt
            position[k] = np.clip(position[k] + travelled * np.array([c, s]), -half - 0.5, half + 0.5)
            phase[k] += travelled / moves.stride
    return qpos


def camera_path(ball: np.ndarray, players: np.ndarray, config: ScenesConfig, rng: np.random.Generator):
    """``(position (T, 3), quaternion (T, 4), fovy (T,))`` of the broadcast camera (the module docstring)."""
    import mujoco

    frames, dt = len(ball), 1.0 / config.fps
    play = 0.6 * ball[:, :2] + 0.4 * players[:, :, :2].mean(axis=1)  # (T, 2) what the camera follows
    focus = np.empty((frames, 3))
    smooth = 1 - math.exp(-dt / 0.5)  # follows with half a second's lag
    current = play[0].copy()
    for t in range(frames):
        current += smooth * (play[t] - current)
        focus[t] = (*current, 0.8)
    side = config.pitch[1] / 2 + rng.uniform(*config.setback)
    height = rng.uniform(*config.camera_height)
    track = rng.uniform(0.5, 0.9)  # how far it dollies after the play (1: all the way)
    position = np.c_[track * focus[:, 0], np.full(frames, -side), np.full(frames, height)]  # (T, 3)
    position += rng.normal(0, 0.03, (frames, 3)).cumsum(axis=0) * 0.3  # a slow hand-held drift
    times = np.arange(frames) * dt
    fovy = rng.uniform(*config.fovy) * (1 + 0.25 * np.sin(2 * np.pi * times / rng.uniform(3, 6) + rng.uniform(0, 6.3)))
    quats = np.empty((frames, 4))
    for t in range(frames):
        forward = focus[t] - position[t]
        forward /= np.linalg.norm(forward)
        right = np.cross(forward, (0, 0, 1.0))
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        mujoco.mju_mat2Quat(quats[t], np.c_[right, up, -forward].ravel())  # columns: the camera's x, y, z
    return position, quats, fovy


# ----------------------------------------------------------------------------- filming


def _projection(position: np.ndarray, rotation: np.ndarray, fovy: float, width: int, height: int) -> np.ndarray:
    """``(3, 4)`` the pinhole matrix of a MuJoCo camera (it looks along its -z, up its +y)
    whose image centre is ``(W/2, H/2)``: x right, y down, as :meth:`BodyCamera.project`."""
    focal = 0.5 * height / math.tan(math.radians(fovy) / 2)
    intrinsics = np.array([[focal, 0, width / 2], [0, focal, height / 2], [0, 0, 1.0]])
    to_camera = np.diag([1.0, -1.0, -1.0]) @ rotation.T  # world -> camera with y down, z forward
    return intrinsics @ np.c_[to_camera, -to_camera @ position]


def _box(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """``(xyxy (4,), pixels)`` of a boolean mask; NaNs for an empty one."""
    pixels = int(mask.sum())
    if not pixels:
        return np.full(4, np.nan, np.float32), 0
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return np.array([cols[0], rows[0], cols[-1] + 1, rows[-1] + 1], np.float32), pixels


def _reach(model, data, geoms: list[np.ndarray], camera: np.ndarray, width: int, height: int):
    """``(boxes (K, 4), depths (K, 2))``: a box sure to hold each object's pixels (xyxy, its
    geoms' bounding-box corners projected and clipped to the frame; the whole frame when a
    corner is behind the camera) and the nearest and farthest of those corners' depths."""
    signs = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], np.float64)  # (8, 3)
    boxes, depths = np.empty((len(geoms), 4)), np.empty((len(geoms), 2))
    for k, ids in enumerate(geoms):
        centre, halves = model.geom_aabb[ids, :3], model.geom_aabb[ids, 3:]  # (G, 3) in each geom's frame
        local = centre[:, None] + signs[None] * halves[:, None]  # (G, 8, 3)
        world = data.geom_xpos[ids, None] + np.einsum("gij,gcj->gci", data.geom_xmat[ids].reshape(-1, 3, 3), local)
        uvw = np.c_[world.reshape(-1, 3), np.ones(world.shape[0] * 8)] @ camera.T  # (G * 8, 3)
        depths[k] = uvw[:, 2].min(), uvw[:, 2].max()
        if depths[k, 0] <= 0:
            boxes[k] = (0, 0, width, height)
            continue
        uv = uvw[:, :2] / uvw[:, 2:]
        boxes[k] = (*uv.min(axis=0), *uv.max(axis=0))
    return np.clip(boxes, 0, [width, height, width, height]), depths


def _may_be_hidden(boxes: np.ndarray, depths: np.ndarray) -> np.ndarray:
    """``(K,)`` bool: the objects another one may hide: their boxes ``(K, 4)`` overlap and the
    other's nearest point is nearer than their farthest (``depths (K, 2)``)."""
    x0, y0 = np.maximum(boxes[:, None, 0], boxes[None, :, 0]), np.maximum(boxes[:, None, 1], boxes[None, :, 1])
    x1, y1 = np.minimum(boxes[:, None, 2], boxes[None, :, 2]), np.minimum(boxes[:, None, 3], boxes[None, :, 3])
    hides = (x1 > x0) & (y1 > y0) & (depths[None, :, 0] < depths[:, None, 1])  # [k, j]: j may hide k
    np.fill_diagonal(hides, False)
    return hides.any(axis=1)


def _apart(boxes: np.ndarray, chosen: np.ndarray) -> list[list[int]]:
    """The objects ``chosen`` in groups whose boxes ``(K, 4)`` do not overlap (greedy, in order)."""
    groups: list[list[int]] = []
    for k in chosen.tolist():
        for group in groups:
            others = boxes[group]
            if ((boxes[k, 2] <= others[:, 0]) | (others[:, 2] <= boxes[k, 0]) | (boxes[k, 3] <= others[:, 1])
                    | (others[:, 3] <= boxes[k, 1])).all():  # fmt: skip
                group.append(k)
                break
        else:
            groups.append([k])
    return groups


def _film(name: str, held_out: bool, config: ScenesConfig, rng: np.random.Generator, character, moves) -> SceneSequence:
    """One sequence drawn from ``rng``, rendered and annotated."""
    import mujoco
    from PIL import Image

    from marionnette.body import BodyCamera

    width, height = (int(v) for v in config.size)
    count = int(rng.integers(config.characters[0], config.characters[1] + 1))
    looks = draw_looks(count, rng)
    ball, spin = ball_path(int(config.frames), config.fps, config.pitch, rng)
    players = player_paths(count, ball, config, rng, character, moves)  # (T, count, nq)
    eye, turn, fovy = camera_path(ball, players, config, rng)

    model = scene_model(config, looks)
    data = mujoco.MjData(model)
    # Where each object lives: its root's place in qpos, its geoms, and each geom's object (0: none).
    roots = [int(model.joint(f"p{k}_root").qposadr[0]) for k in range(count)] + [
        int(model.joint("ball_root").qposadr[0])
    ]
    owner = np.zeros(model.ngeom + 1, np.uint8)  # index geom id + 1 (segmentation's -1 -> 0)
    for k in range(count):
        first = model.body(f"p{k}_pelvis").id
        subtree = np.flatnonzero(np.isin(model.body_rootid, first))
        owner[1:][np.isin(model.geom_bodyid, subtree)] = k + 1
    owner[model.geom("ball").id + 1] = count + 1
    geoms = [np.flatnonzero(owner[1:] == k + 1) for k in range(count + 1)]
    classes = np.array([PERSON] * count + [BALL], np.int64)
    camera_id, rig = model.camera("front").id, model.body("rig").mocapid[0]

    frames, objects = int(config.frames), count + 1
    out = {
        "images": np.empty((frames, height, width, 3), np.uint8),
        "instances": np.empty((frames, height, width), np.uint8),
        "boxes": np.full((frames, objects, 4), np.nan, np.float32),
        "full_boxes": np.full((frames, objects, 4), np.nan, np.float32),
        "pixels": np.zeros((frames, objects), np.int32),
        "full_pixels": np.zeros((frames, objects), np.int32),
        "cameras": np.empty((frames, 3, 4)),
        "qpos": np.empty((frames, model.nq)),
    }
    with BodyCamera(model, "front", 2 * width, 2 * height) as colour, BodyCamera(model, "front", width, height) as ids:
        for t in range(frames):
            for k in range(count):
                data.qpos[roots[k] : roots[k] + character.model.nq] = players[t, k]
            data.qpos[roots[-1] : roots[-1] + 3], data.qpos[roots[-1] + 3 : roots[-1] + 7] = ball[t], spin[t]
            data.mocap_pos[rig], data.mocap_quat[rig] = eye[t], turn[t]
            model.cam_fovy[camera_id] = fovy[t]
            mujoco.mj_kinematics(model, data)
            mujoco.mj_camlight(model, data)
            out["qpos"][t] = data.qpos
            camera = _projection(data.cam_xpos[camera_id], data.cam_xmat[camera_id].reshape(3, 3), fovy[t], width,
                                 height)  # fmt: skip
            out["cameras"][t] = camera
            out["images"][t] = Image.fromarray(colour.render(data)).resize((width, height), Image.Resampling.BOX)
            instance = owner[ids.segmentation(data) + 1]  # (H, W)
            out["instances"][t] = instance
            for k in range(objects):
                out["boxes"][t, k], out["pixels"][t, k] = _box(instance == k + 1)
            out["full_boxes"][t], out["full_pixels"][t] = out["boxes"][t], out["pixels"][t]
            # Objects something may hide: rendered alone, the others below the pitch; objects
            # whose boxes are apart share one render (neither can hide the other).
            boxes, depths = _reach(model, data, geoms, camera, width, height)
            for group in _apart(boxes, np.flatnonzero(_may_be_hidden(boxes, depths))):
                saved = data.qpos.copy()
                for j, root in enumerate(roots):
                    if j not in group:
                        data.qpos[root + 2] = _BELOW
                mujoco.mj_kinematics(model, data)
                alone = owner[ids.segmentation(data) + 1]
                for k in group:
                    out["full_boxes"][t, k], out["full_pixels"][t, k] = _box(alone == k + 1)
                data.qpos[:] = saved
    visible = out["pixels"] >= int(config.min_pixels)
    out["boxes"][~visible] = np.nan
    return SceneSequence(name=name, held_out=held_out, classes=classes, visible=visible, fps=float(config.fps), **out)


def make_scenes(config: ScenesConfig = ScenesConfig(), progress: Callable[[int, int], None] | None = None,
                only: Sequence[int] | None = None) -> Scenes:  # fmt: skip
    """Film ``config.sequences`` sequences of play (the module docstring); ``progress(done,
    total)`` after each one. The same config gives the same boxes, masks and pixels.
    ``only``: film just these sequences (0-based numbers, e.g. the held-out ones): each is the
    same as in the whole set, since every sequence draws from its own random stream.

    :raises MarionnetteError: a value out of range (the message names it).
    """
    from marionnette.body import Character

    _check(config)
    character = Character()
    moves = _moves(character, config.fps)
    total = int(config.sequences)
    first_held = total - int(config.held_out)
    numbers = range(total) if only is None else sorted({int(s) for s in only})
    if numbers and not 0 <= numbers[0] <= numbers[-1] < total:
        raise MarionnetteError(f"make_scenes only={list(only)}: give sequence numbers from 0 to {total - 1}")
    sequences = []
    for done, s in enumerate(numbers, 1):
        rng = np.random.default_rng((int(config.seed), s))  # each sequence its own stream
        sequences.append(_film(f"pitch-{s:02d}", s >= first_held, config, rng, character, moves))
        if progress is not None:
            progress(done, len(numbers))
    return Scenes(config, tuple(sequences))


# ----------------------------------------------------------------------------- files

_FRAME = "{:06d}"  # 1-based, as MOTChallenge names its frames
_RECORD = ("boxes", "full_boxes", "pixels", "full_pixels", "visible", "classes", "cameras", "qpos")


def _png(path: Path, array: np.ndarray, **options) -> None:
    from PIL import Image

    with atomic_path(path) as tmp:
        Image.fromarray(array).save(tmp, format="JPEG" if path.suffix == ".jpg" else "PNG", **options)


def _coco(scenes: Scenes, held_out: bool) -> dict:
    """The COCO detection dict of the training or the held-out sequences (the module's table)."""
    from pycocotools import mask as rle

    width, height = (int(v) for v in scenes.config.size)
    images, annotations, videos = [], [], []
    for video, sequence in enumerate(scenes.sequences, 1):
        if sequence.held_out != held_out:
            continue
        videos.append({"id": video, "name": sequence.name})
        visibility = sequence.visibility
        for t in range(len(sequence)):
            image_id = (video - 1) * 100000 + t + 1  # unique across both files
            images.append({"id": image_id, "file_name": f"images/{sequence.name}/{_FRAME.format(t + 1)}.jpg",
                           "width": width, "height": height, "video_id": video, "frame_id": t + 1})  # fmt: skip
            for k in np.flatnonzero(sequence.visible[t]):
                x0, y0, x1, y1 = (float(v) for v in sequence.boxes[t, k])
                encoded = rle.encode(np.asfortranarray(sequence.instances[t] == k + 1, dtype=np.uint8))
                annotations.append({
                    "id": len(annotations) + 1, "image_id": image_id, "category_id": int(sequence.classes[k]),
                    "bbox": [x0, y0, x1 - x0, y1 - y0], "area": int(sequence.pixels[t, k]), "iscrowd": 0,
                    "segmentation": {"size": encoded["size"], "counts": encoded["counts"].decode("ascii")},
                    "track_id": int(k + 1), "visibility": round(float(visibility[t, k]), 4),
                })  # fmt: skip
    categories = [{"id": PERSON, "name": "person", "supercategory": "person"},
                  {"id": BALL, "name": "ball", "supercategory": "sports"}]  # fmt: skip
    info = {"description": f"{FORMAT} version {VERSION}", "version": str(VERSION)}
    return {"info": info, "images": images, "annotations": annotations, "categories": categories, "videos": videos}


def mot_rows(sequence: SceneSequence) -> np.ndarray:
    """``(N, 9)`` the MOTChallenge ground truth of a sequence (the module docstring says which rows)."""
    rows = []
    visibility = sequence.visibility
    for t in range(len(sequence)):
        for k in np.flatnonzero(sequence.full_pixels[t] > 0):
            seen = bool(sequence.visible[t, k])
            x0, y0, x1, y1 = sequence.boxes[t, k] if seen else sequence.full_boxes[t, k]
            rows.append((t + 1, k + 1, x0, y0, x1 - x0, y1 - y0, float(seen), sequence.classes[k], visibility[t, k]))
    return np.array(rows, np.float64).reshape(-1, 9)


def _save(scenes: Scenes, out: Path) -> Path:
    from marionnette.perception.detect.mot import write_mot

    if out.exists() and not out.is_dir():
        raise MarionnetteError(f"{out} is a file: pass a folder (new or a scenes dataset) to write the scenes into")
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # until everything is written, the folder is no finished dataset
    width, height = (int(v) for v in scenes.config.size)
    for sequence in scenes.sequences:
        for t in range(len(sequence)):
            stem = _FRAME.format(t + 1)
            _png(out / "images" / sequence.name / f"{stem}.jpg", sequence.images[t], quality=95)
            _png(out / "masks" / sequence.name / f"{stem}.png", sequence.class_masks[t])
            _png(out / "instances" / sequence.name / f"{stem}.png", sequence.instances[t])
        with atomic_path(out / "annotations" / f"{sequence.name}.npz") as tmp, open(tmp, "wb") as f:
            np.savez_compressed(f, **{key: getattr(sequence, key) for key in _RECORD}, fps=np.array(sequence.fps))
        write_mot(out / "mot" / sequence.name / "gt" / "gt.txt", mot_rows(sequence))
        atomic_write_text(out / "mot" / sequence.name / "seqinfo.ini", (
            f"[Sequence]\nname={sequence.name}\nimDir=../../images/{sequence.name}\nframeRate={sequence.fps:g}\n"
            f"seqLength={len(sequence)}\nimWidth={width}\nimHeight={height}\nimExt=.jpg\n"
        ))  # fmt: skip
    for split, held in (("train", False), ("val", True)):
        atomic_write_text(out / f"{split}.json", json.dumps(_coco(scenes, held)))
    manifest = {
        "format": FORMAT, "version": VERSION,
        "config": {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(scenes.config).items()},
        "classes": list(CLASSES),
        "sequences": [{"name": s.name, "frames": len(s), "held_out": bool(s.held_out),
                       "objects": [CLASSES[c] for c in s.classes]} for s in scenes.sequences],
        "train": "train.json", "val": "val.json",
    }  # fmt: skip
    atomic_write_text(out / MANIFEST, yaml.safe_dump(manifest, sort_keys=False))
    return out


def _read_image(path: Path, shape: tuple[int, ...]) -> np.ndarray:
    from PIL import Image, UnidentifiedImageError

    if not path.is_file():
        raise MarionnetteError(f"{path}: missing from the scenes dataset; make it again (marionnette data scenes)")
    try:
        with Image.open(path) as image:
            array = np.asarray(image)
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise MarionnetteError(f"{path} is not a readable image ({type(e).__name__}); make the dataset again") from e
    if array.shape != shape:
        raise MarionnetteError(f"{path} is {array.shape}, expected {shape}: make the dataset again")
    return array


def load_scenes(folder: str | os.PathLike) -> Scenes:
    """Read what :meth:`Scenes.save` wrote; one line naming the file on any problem."""
    folder = Path(folder)
    try:
        manifest = yaml.safe_load((folder / MANIFEST).read_text())
    except FileNotFoundError as e:
        raise MarionnetteError(
            f"{folder} is no scenes dataset (no {MANIFEST} in it): make one with marionnette data scenes --out {folder}"
        ) from e
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise MarionnetteError(f"{folder / MANIFEST} does not read ({type(e).__name__}): make the dataset again") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise MarionnetteError(f"{folder / MANIFEST} is no {FORMAT} manifest: make the dataset again")
    if int(manifest.get("version", 0)) > VERSION:
        raise MarionnetteError(f"{folder} is scenes version {manifest['version']}; this marionnette reads {VERSION}")
    known = {f.name for f in fields(ScenesConfig)}
    try:
        config = ScenesConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in manifest["config"].items()
                                 if k in known})  # fmt: skip
        width, height = (int(v) for v in config.size)
        entries = [(str(e["name"]), int(e["frames"]), bool(e["held_out"])) for e in manifest["sequences"]]
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise MarionnetteError(f"{folder / MANIFEST} lacks or garbles {e}: make the dataset again") from e
    sequences = []
    for name, frames, held_out in entries:
        path = folder / "annotations" / f"{name}.npz"
        try:
            with np.load(path, allow_pickle=False) as z:
                record = {key: z[key] for key in (*_RECORD, "fps")}
        except FileNotFoundError as e:
            raise MarionnetteError(f"{path}: missing from the scenes dataset; make it again") from e
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as e:
            raise MarionnetteError(f"{path} is not a readable scenes record ({type(e).__name__}); make it again") from e
        stems = [_FRAME.format(t + 1) for t in range(frames)]
        images = np.stack([_read_image(folder / "images" / name / f"{s}.jpg", (height, width, 3)) for s in stems])
        instances = np.stack([_read_image(folder / "instances" / name / f"{s}.png", (height, width)) for s in stems])
        fps = float(record.pop("fps"))
        sequences.append(SceneSequence(name=name, held_out=held_out, images=images,
                                       instances=instances, fps=fps, **record))  # fmt: skip
    return Scenes(config, tuple(sequences))


__all__ = [
    "BALL",
    "CLASSES",
    "PERSON",
    "Frame",
    "Look",
    "SceneSequence",
    "Scenes",
    "ScenesConfig",
    "ball_path",
    "camera_path",
    "draw_looks",
    "load_scenes",
    "make_scenes",
    "mot_rows",
    "player_paths",
    "scene_model",
]
