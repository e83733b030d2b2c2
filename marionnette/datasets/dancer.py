"""A target person's video with its poses, for motion transfer (Everybody Dance Now).

Chan et al. (ICCV 2019) learn, from a few minutes of one person's video, to draw that
person in any pose: each frame's 2-D pose (a stick figure) is the input, the frame the
target. Our offline stand-in for the person is the MuJoCo character, dressed and lit
apart from the default scene, filmed by a fixed camera while it performs the built-in
clips (:data:`marionnette.body.CLIPS`); the pose of each frame is known exactly, no pose
estimator in the way. :func:`make_dancer` returns a :class:`DancerData`, saved as one
``.npz`` (:meth:`DancerData.save`, :meth:`DancerData.load`).

The look (:func:`dancer_model`, built with ``mujoco.MjSpec`` from ``character.xml``)
    A teal and cream checked shirt (sleeves too, a few checks across each part), burgundy trousers,
    white shoes, a darker skin tone and black hair; the default model's red left arm and
    thigh are dressed like the rest (the stick figure tells left from right). Behind the
    dancer, 2 m back, a wall papered in large ochre and sand squares (50 cm) fills the view
    above the floor, a brown parquet (25 cm squares) replaces the grey grid, and a second
    light shines from the camera's side, so no pixel shows the default scene's grey floor
    or black sky. The camera is the character's ``front`` camera made *fixed* (the
    default one tracks the body): ``camera_distance`` metres in front of the stage's centre
    at ``camera_height``, looking level along -x, vertical field ``camera_fovy`` degrees;
    the body stands about 60% of the frame's height and moves within the frame.

The motion
    Each clip of ``clips`` is performed ``repeats`` times, each performance its own: a
    tempo in ``1 ± speed``, every keyframe angle scaled by a factor in ``[1 - amplitude,
    1]`` (towards standing, so inside the joint limits), facing the camera within
    ``± turn`` degrees, and standing at a place on the stage within ``± stage`` metres
    (depth, lateral) of its centre (a walking stride is centred there). Frames are the
    performances one after the other at ``fps``.

What is kept apart (``split``)
    *Clips*, not time ranges: the clips of ``held_out`` are never in training, and their
    performances make the held-out frames (:data:`HELD_OUT`), drawn as the training ones
    are. Every clip starts and ends standing, so a held-out performance begins and ends in
    poses training has; those frames are left out of the dataset: a held-out frame is kept
    only when, whichever training pose it is set against, some joint is ``margin`` metres
    or more from its place there (:func:`pose_distance`; poses in the body's own frame,
    :func:`body_frame`: the root in its standing place, facing removed). By default
    ``wave`` is held out: the arm raised to the side and the forearm waving over the head,
    a new arm in the image, against training's squats, marching, reaching forward and
    walking. ``sequence`` numbers the runs of consecutive frames (a performance, or the
    part of one left after that cut), for a model that pairs a frame with the one before.

The file (``np.savez_compressed``, loaded with ``allow_pickle=False``)

==============  ======================  ===================================================
key             shape, dtype            what it holds
==============  ======================  ===================================================
``frames``      (T, H, W, 3) uint8      the video, RGB, ``H = W = size``
``points``      (T, 16, 2) float32      the canonical joints (:data:`~marionnette.motion.
                                        CANONICAL` order), seen or hidden, projected into
                                        the frame: pixels, x right, y down; the pixel at
                                        row i, column j covers x in [j, j+1), y in [i, i+1)
``positions``   (T, 16, 3) float32      the same joints in 3-D: metres, y up (the motion
                                        frame, :class:`~marionnette.motion.PoseSequence`'s)
``qpos``        (T, nq) float64         the character's pose (re-render, other cameras)
``split``       (T,) uint8              :data:`TRAIN` (0) or :data:`HELD_OUT` (1)
``sequence``    (T,) int32              run of consecutive frames (1 / fps apart)
``clip``        (T,) int32              index into ``clips``
``clips``       (K,) str                clip names, training ones first
``fps``         ()                      frames per second
``skeleton``    () str                  ``"canonical"``
``config``      () str                  the :class:`DancerConfig` as JSON
==============  ======================  ===================================================

Cost (two CPU cores, EGL on Mesa): the default dataset (128 px, 781 frames, 52 s of
video: 617 training frames, 164 held out) takes about 12 s, ~15 ms a frame (rendered at
twice the size and shrunk by area averaging by
:func:`marionnette.datasets.frames.render_poses`, as the character's frames are), and
its file is about 11 MB; ``repeats`` scales both. A learner below this layer (the
generation layer's) reads the file by the keys above, not this module.
"""

from __future__ import annotations

import json
import os
import zipfile
import zlib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path

FORMAT = "marionnette.dancer"
VERSION = 1
TRAIN, HELD_OUT = 0, 1
"""The values of :attr:`DancerData.split`."""

_JOINTS = 16  # CANONICAL
_ARRAYS = ("frames", "points", "positions", "qpos", "split", "sequence", "clip")
_MAX_SIZE = 480  # frames are rendered at twice their size, within the 960-pixel offscreen buffer


@dataclass(frozen=True)
class DancerConfig:
    """What :func:`make_dancer` films (the module docstring says how)."""

    size: int = 128  # pixels a side (square frames)
    fps: float = 15.0
    clips: tuple[str, ...] = ("squat", "march", "reach", "walk")  # training motion
    held_out: tuple[str, ...] = ("wave",)  # motion never in training (whole clips)
    repeats: int = 4  # performances of each clip
    speed: float = 0.2  # tempo drawn in 1 ± speed
    amplitude: float = 0.25  # angles scaled by a factor drawn in [1 - amplitude, 1]
    turn: float = 30.0  # degrees either side of facing the camera
    stage: tuple[float, float] = (0.3, 0.4)  # metres either side of the stage's centre: depth, lateral
    margin: float = 0.2  # metres: a held-out pose has a joint this far from each training pose's
    camera_distance: float = 3.5  # metres from the stage's centre to the fixed front camera
    camera_height: float = 0.95
    camera_fovy: float = 45.0  # degrees, vertical
    seed: int = 0


@dataclass(frozen=True, eq=False)
class DancerData:
    """A target person's frames with their poses (the module's table)."""

    frames: np.ndarray  # (T, H, W, 3) uint8
    points: np.ndarray  # (T, 16, 2) float32 pixels, x right, y down
    positions: np.ndarray  # (T, 16, 3) float32 metres, y up
    qpos: np.ndarray  # (T, nq) float64
    split: np.ndarray  # (T,) uint8: TRAIN or HELD_OUT
    sequence: np.ndarray  # (T,) int32
    clip: np.ndarray  # (T,) int32 into clips
    clips: tuple[str, ...]
    fps: float
    skeleton: str = "canonical"
    config: str = "{}"  # the DancerConfig as JSON

    def __post_init__(self) -> None:
        n = len(self.frames)
        if self.frames.ndim != 4 or self.frames.shape[3] != 3 or self.frames.dtype != np.uint8:
            raise MarionnetteError(
                f"dancer frames of shape {self.frames.shape} {self.frames.dtype}: expected (T, H, W, 3) uint8"
            )
        if self.points.shape != (n, _JOINTS, 2) or self.positions.shape != (n, _JOINTS, 3):
            raise MarionnetteError(
                f"dancer points {self.points.shape} and positions {self.positions.shape}: "
                f"expected ({n}, {_JOINTS}, 2) and ({n}, {_JOINTS}, 3), the canonical joints of {n} frames"
            )
        for key in ("qpos", "split", "sequence", "clip"):
            if len(getattr(self, key)) != n:
                raise MarionnetteError(f"dancer data: {key} has {len(getattr(self, key))} rows for {n} frames")
        if n and not np.isin(self.split, (TRAIN, HELD_OUT)).all():
            raise MarionnetteError(
                f"dancer split holds {sorted(set(self.split.tolist()))}: only 0 (train), 1 (held out)"
            )
        if n and (self.clip.min() < 0 or self.clip.max() >= len(self.clips)):
            raise MarionnetteError(
                f"dancer clip indices span {self.clip.min()}..{self.clip.max()} for {len(self.clips)} clips"
            )

    def __len__(self) -> int:
        return len(self.frames)

    def __repr__(self) -> str:
        return (
            f"DancerData({len(self)} frames of {self.frames.shape[2]}x{self.frames.shape[1]} at {self.fps:g} fps, "
            f"{int((self.split == TRAIN).sum())} train, {int((self.split == HELD_OUT).sum())} held out)"
        )

    def subset(self, index: np.ndarray) -> DancerData:
        """The frames at ``index`` (a boolean mask or indices), everything else kept."""
        picked = {key: getattr(self, key)[index] for key in _ARRAYS}
        return DancerData(**picked, clips=self.clips, fps=self.fps, skeleton=self.skeleton, config=self.config)

    @property
    def train(self) -> DancerData:
        return self.subset(self.split == TRAIN)

    @property
    def held_out(self) -> DancerData:
        return self.subset(self.split == HELD_OUT)

    def target_video(self):
        """The frames, poses and split as the motion-transfer trainer reads them
        (:class:`marionnette.generation.transfer.data.TargetVideo`; ``sequence`` is its ``piece``)."""
        from marionnette.generation.transfer.data import TargetVideo

        return TargetVideo(self.frames, self.points, self.split == HELD_OUT, self.sequence, self.skeleton, self.fps)

    def save(self, path: str | os.PathLike) -> Path:
        """Write ``path`` (an ``.npz``) atomically; returns it."""
        path = Path(path)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez_compressed(
                f,
                format=np.array(FORMAT),
                version=np.array(VERSION),
                **{key: getattr(self, key) for key in _ARRAYS},
                clips=np.array(self.clips, dtype=str),
                fps=np.array(float(self.fps)),
                skeleton=np.array(self.skeleton),
                config=np.array(self.config),
            )
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> DancerData:
        """Read what :meth:`save` wrote; one line naming the file on any problem."""
        path = Path(path)
        if not path.is_file():
            raise MarionnetteError(f"{path}: no such dancer file; make one with make_dancer(...).save(path)")
        try:
            with np.load(path, allow_pickle=False) as z:
                data = {k: z[k] for k in z.files}
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, TypeError) as e:
            raise MarionnetteError(
                f"{path} is not a readable dancer file ({type(e).__name__}: truncated or corrupt); make it again"
            ) from e
        if str(data.get("format", "")) != FORMAT:
            raise MarionnetteError(f"{path} is no marionnette dancer file (no format {FORMAT!r} in it); make one again")
        if int(data["version"]) > VERSION:
            raise MarionnetteError(f"{path} is format version {int(data['version'])}; this marionnette reads {VERSION}")
        missing = [k for k in (*_ARRAYS, "clips", "fps", "skeleton", "config") if k not in data]
        if missing:
            raise MarionnetteError(f"{path} lacks {', '.join(missing)}: make it again")
        try:
            return cls(
                **{key: data[key] for key in _ARRAYS},
                clips=tuple(str(c) for c in data["clips"]),
                fps=float(data["fps"]),
                skeleton=str(data["skeleton"]),
                config=str(data["config"]),
            )
        except MarionnetteError as e:
            raise MarionnetteError(f"{path}: {e}; make it again") from e


def _check(config: DancerConfig) -> None:
    """One line for a config that cannot be filmed."""
    from marionnette.body.clips import spec

    for name in (*config.clips, *config.held_out):
        spec(name)  # an unknown clip: one line listing the built-in ones
    if not config.clips:
        raise MarionnetteError("DancerConfig.clips is empty: name at least one training clip")
    both = sorted(set(config.clips) & set(config.held_out))
    if both:
        raise MarionnetteError(f"clips {both} are both trained on and held out: keep each in one of clips, held_out")
    if not 16 <= int(config.size) <= _MAX_SIZE:
        raise MarionnetteError(f"size={config.size}: frames are 16 to {_MAX_SIZE} pixels a side")
    if not (np.isfinite(config.fps) and config.fps > 0):
        raise MarionnetteError(f"fps={config.fps}: give a positive number of frames per second")
    if int(config.repeats) < 1:
        raise MarionnetteError(f"repeats={config.repeats}: perform each clip at least once")
    if not (0 <= config.speed < 1 and 0 <= config.amplitude < 1):
        raise MarionnetteError(f"speed={config.speed}, amplitude={config.amplitude}: each is in [0, 1)")
    if config.margin < 0 or min(config.stage) < 0 or config.turn < 0:
        raise MarionnetteError(f"margin, stage and turn ({config.margin}, {config.stage}, {config.turn}) are >= 0")
    if config.camera_distance <= 0 or not 1 <= config.camera_fovy <= 170:
        raise MarionnetteError(
            f"camera_distance={config.camera_distance}, camera_fovy={config.camera_fovy}: "
            "a positive distance, a field of 1 to 170 degrees"
        )
    if int(config.seed) < 0:
        raise MarionnetteError(f"seed={config.seed}: use a seed of 0 or more")


def dancer_model(config: DancerConfig = DancerConfig(), dressed: bool = True):
    """The character's ``mujoco.MjModel`` dressed and staged as the module docstring says:
    the same bodies, joints and ``qpos`` as :class:`~marionnette.body.Character`'s model,
    its ``front`` camera fixed where ``config`` puts it. ``dressed=False`` keeps the
    default look and scene and fixes the camera alone: another person filmed the same way
    (a motion-transfer *source*, ``marionnette transfer run --source virtual:CLIP``)."""
    import mujoco

    from marionnette.body.character import MODEL_PATH

    spec = mujoco.MjSpec.from_file(str(MODEL_PATH))
    if not dressed:
        _fix_camera(spec, config)
        return spec.compile()
    texture, builtin = mujoco.mjtTexture.mjTEXTURE_2D, mujoco.mjtBuiltin.mjBUILTIN_CHECKER
    rgb = mujoco.mjtTextureRole.mjTEXROLE_RGB
    # (name, first colour, second colour, repeats, uniform): a uniform texture repeats that
    # many times a metre (two checks each), the shirt's that many times over each part.
    for name, one, two, repeat, uniform in (
        ("shirt", (0.08, 0.46, 0.50), (0.93, 0.88, 0.72), 2.0, False),
        ("wallpaper", (0.80, 0.58, 0.25), (0.90, 0.80, 0.60), 1.0, True),
        ("parquet", (0.52, 0.34, 0.18), (0.42, 0.27, 0.14), 2.0, True),
    ):
        spec.add_texture(name=name, type=texture, builtin=builtin, rgb1=one, rgb2=two, width=64, height=64)
        material = spec.add_material(name=name, texuniform=uniform, texrepeat=(repeat, repeat), rgba=(1, 1, 1, 1))
        material.textures[rgb] = name
    spec.add_material(name="shoes", rgba=(0.92, 0.92, 0.90, 1))
    for name, rgba in (
        ("skin", (0.56, 0.38, 0.26, 1)),
        ("trousers", (0.45, 0.08, 0.14, 1)),
        ("hair", (0.06, 0.05, 0.05, 1)),
    ):
        spec.material(name).rgba = rgba
    for geom in spec.geoms:
        if geom.material in ("cloth", "left"):  # the shirt: trunk and both upper arms
            geom.material = "trousers" if geom.name.endswith("thigh") else "shirt"
        if geom.name.endswith("_foot"):
            geom.material = "shoes"
    spec.geom("floor").material = "parquet"
    spec.worldbody.add_geom(  # a plane turned to face +x (the camera): its local x is the world's -z
        name="wall", type=mujoco.mjtGeom.mjGEOM_PLANE, pos=(-2.0, 0, 2.5), size=(2.5, 6.0, 0.05),
        quat=(np.sqrt(0.5), 0, np.sqrt(0.5), 0), material="wallpaper", contype=0, conaffinity=0,
    )  # fmt: skip
    spec.worldbody.add_light(name="fill", pos=(3.0, -2.0, 3.0), dir=(-0.6, 0.4, -0.5), diffuse=(0.35, 0.35, 0.35))
    _fix_camera(spec, config)
    return spec.compile()


def _fix_camera(spec, config: DancerConfig) -> None:
    import mujoco

    camera = spec.camera("front")
    camera.mode = mujoco.mjtCamLight.mjCAMLIGHT_FIXED
    camera.pos = (config.camera_distance, 0.0, config.camera_height)
    camera.alt.type = mujoco.mjtOrientation.mjORIENTATION_XYAXES
    camera.alt.xyaxes = (0, 1, 0, 0, 0, 1)  # image right: the world's +y (the dancer's left); up: +z
    camera.fovy = config.camera_fovy


def film(model, qpos: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``(frames (T, size, size, 3) uint8, points (T, 16, 2) float32)``: ``model`` (from
    :func:`dancer_model`) in each pose of ``qpos (T, nq)``, rendered by its fixed ``front``
    camera, and its canonical joints projected into the same frames (the module's pixels)."""
    import mujoco

    from marionnette.body import BodyCamera, Character, from_motion_frame
    from marionnette.datasets.frames import render_poses

    frames = render_poses(model, qpos, ["front"] * len(qpos), size)
    positions = Character().forward_kinematics(qpos).positions  # (T, 16, 3) motion frame
    world = from_motion_frame(positions.astype(np.float64))  # MuJoCo's z up: what the camera sees
    points = np.empty((len(qpos), _JOINTS, 2), np.float32)
    data = mujoco.MjData(model)
    with BodyCamera(model, "front", size, size) as camera:
        for t, pose in enumerate(qpos):
            data.qpos[:] = pose
            mujoco.mj_forward(model, data)  # the camera's place (a fixed one never moves)
            points[t] = camera.project(data, world[t])
    return frames, points


def _performance(name: str, rng: np.random.Generator, config: DancerConfig, character) -> np.ndarray:
    """``(T, nq)`` one performance of clip ``name``: tempo, amplitude, facing, place drawn."""
    from marionnette.body.clips import ClipSpec, Keyframe, clip_qpos, spec

    found = spec(name)
    tempo = rng.uniform(1 - config.speed, 1 + config.speed)
    scale = rng.uniform(1 - config.amplitude, 1.0)
    facing = np.radians(rng.uniform(-config.turn, config.turn))
    place = rng.uniform(-1, 1, 2) * np.asarray(config.stage)  # (x depth, y lateral) metres
    keys = tuple(
        Keyframe(round(key.time / tempo, 6), tuple((joint, scale * value) for joint, value in key.pose))
        for key in found.keyframes
    )
    qpos = clip_qpos(ClipSpec(found.name, found.description, keys, found.travels), config.fps, character=character)
    # Turn the whole performance about the vertical through its mean place, and put it there.
    xy = qpos[:, :2] - qpos[:, :2].mean(axis=0)
    c, s = np.cos(facing), np.sin(facing)
    qpos[:, 0] = place[0] + c * xy[:, 0] - s * xy[:, 1]
    qpos[:, 1] = place[1] + s * xy[:, 0] + c * xy[:, 1]
    qpos[:, character.root_orientation_qpos] = (
        np.cos(facing / 2),
        0.0,
        0.0,
        np.sin(facing / 2),
    )  # the clips' root is upright
    return qpos


def body_frame(character, qpos: np.ndarray) -> np.ndarray:
    """``(T, 16, 3)`` the canonical joints of ``qpos (T, nq)`` in the body's own frame: the
    root at the standing pose's place and upright, facing +x (metres, y up)."""
    still = np.array(qpos, dtype=np.float64)
    still[:, character.root_position_qpos] = character.standing_qpos[character.root_position_qpos]
    still[:, character.root_orientation_qpos] = (1.0, 0.0, 0.0, 0.0)
    return character.forward_kinematics(still).positions


def pose_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(A, B)`` metres: between every pose of ``a (A, J, 3)`` and of ``b (B, J, 3)``, how
    far the joint that differs most is from its place in the other pose."""
    return np.linalg.norm(a[:, None] - b[None], axis=-1).max(axis=-1)


def make_dancer(config: DancerConfig = DancerConfig()) -> DancerData:
    """The character performing ``config``'s clips, filmed and posed (see the module docstring).

    :raises MarionnetteError: an unknown clip, a clip both trained on and held out, or a
        value out of range (the message names it).
    """
    from marionnette.body import Character

    _check(config)
    size = int(config.size)
    character = Character()
    rng = np.random.default_rng(int(config.seed))
    names = (*config.clips, *config.held_out)
    parts, clip_of, performance_of = [], [], []
    for clips in (config.clips, config.held_out):  # training performances, then held-out ones
        for _ in range(int(config.repeats)):
            for name in clips:
                qpos = _performance(name, rng, config, character)
                parts.append(qpos)
                clip_of.append(np.full(len(qpos), names.index(name), np.int32))
                performance_of.append(np.full(len(qpos), len(parts) - 1, np.int32))
    qpos, clip, performance = (np.concatenate(p) for p in (parts, clip_of, performance_of))
    split = np.where(clip >= len(config.clips), HELD_OUT, TRAIN).astype(np.uint8)

    # A held-out frame stays only when its pose is new (the standing ends of a clip are not).
    own = body_frame(character, qpos)  # (T, 16, 3)
    keep = split == TRAIN
    held = np.flatnonzero(split == HELD_OUT)
    if len(held):
        keep[held] = pose_distance(own[held], own[split == TRAIN]).min(axis=1) >= config.margin
    qpos, clip, performance, split = qpos[keep], clip[keep], performance[keep], split[keep]
    index = np.flatnonzero(keep)
    starts = np.r_[True, (np.diff(performance) != 0) | (np.diff(index) != 1)]
    sequence = (np.cumsum(starts) - 1).astype(np.int32)

    frames, points = film(dancer_model(config), qpos, size)
    positions = character.forward_kinematics(qpos, fps=config.fps).positions  # (T, 16, 3) motion frame
    return DancerData(
        frames=frames, points=points, positions=positions.astype(np.float32), qpos=qpos, split=split,
        sequence=sequence, clip=clip, clips=names, fps=float(config.fps),
        config=json.dumps(asdict(config)),
    )  # fmt: skip


def config_of(data: DancerData) -> DancerConfig:
    """The :class:`DancerConfig` a :class:`DancerData` was made with."""
    known = {f.name for f in fields(DancerConfig)}
    found = {k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(data.config).items() if k in known}
    return DancerConfig(**found)


__all__ = [
    "HELD_OUT",
    "TRAIN",
    "DancerConfig",
    "DancerData",
    "body_frame",
    "config_of",
    "dancer_model",
    "film",
    "make_dancer",
    "pose_distance",
]
