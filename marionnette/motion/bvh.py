"""BVH files: :class:`PoseSequence` to and from the motion-capture format Blender opens.

Parsing and writing go through ``bvhio`` (HIERARCHY / MOTION, Euler channels
``Zrotation Xrotation Yrotation``: a joint's local rotation is ``Rz @ Rx @ Ry``).

Export (:func:`save_bvh`): real joint rotations
    A BVH stores a rest skeleton (each joint's OFFSET from its parent) and, per frame,
    each joint's rotation; positions come back by forward kinematics. We build:

    - the *rest pose* from the sequence itself: each bone points the way it points in the
      first frame and is as long as its median length over the sequence, so frame 0 is
      (nearly) all zero rotations;
    - per frame, each joint's world rotation, parents first. A joint with one child
      *swings*: the smallest rotation that turns the child's rest direction (carried by
      the parent's rotation) onto the child's actual direction, so the joint keeps its
      parent's twist. A joint with several children (``pelvis``, ``neck``) takes the
      rotation that best fits all its children's rest offsets onto their actual offsets
      (least squares, Kabsch; a vanishing pull towards the parent's rotation decides the
      twist when the children are collinear). A leaf keeps its parent's rotation;
    - the root gets position channels (its world position, OFFSET 0 0 0).

    For a skeleton with rigid bones this reproduces every position exactly (to float
    rounding, ~1e-7 m). Where bones stretch (any captured data) or children of one joint
    move against each other, a rotation cannot carry the whole story: with
    ``exact=True`` (the default) each joint whose local offset differs from its rest
    offset by more than ``1e-6`` m in some frame also gets position channels holding
    that local offset, so positions still round-trip exactly while the rotations stay
    the real ones; ``exact=False`` writes rotations only (bones keep their median
    length, the form retargeting tools prefer). BVH cannot mark a missing joint, so
    NaN positions are refused: fill them first. Confidence is not stored.

    Euler angles are computed in float64 (scipy) and handed to bvhio's writer, whose own
    quaternion-to-Euler conversion runs in float32 and loses up to ~5e-6 rad near gimbal
    lock.

Import (:func:`load_bvh`)
    The file's own skeleton (joint names from the file in its depth-first order, End
    Sites dropped, named after the file's stem; ``.to(skeleton)`` puts a skeleton's own
    joints back in its order by name), positions by forward kinematics of bvhio's parsed offsets, position
    channels and rotations, y up as BVH is. fps is ``1 / Frame Time`` (rounded to a whole
    number when within 1e-4 of one). :meth:`PoseSequence.to` maps CMU and Mixamo names onto
    the canonical skeleton.

    Units: ``units=`` names the file's unit (``m``, ``cm``, ``mm``, ``inch``, ``cmu``: CMU's
    1/0.45 inch, 0.05644 m) or gives metres per unit. Without it the body's size picks the
    unit in which it is a person: the largest side of the rest pose's bounding box (joints
    only, End Sites left out: a standing body's height, or its span in a T-pose; frame 0's
    where every OFFSET is zero), in file units:

    ========  ===============  ============================  ==========================
    unit      size (units)     a body of                      measured on
    ========  ===============  ============================  ==========================
    m         0.5 to 3         0.5 to 3 m                     files ``save_bvh`` writes
    cmu       9 to 42          0.51 to 2.37 m                 CMU (cgspeed) 01_02: 23.9
    inch      42 to 80         1.07 to 2.03 m                 a Meredith walk (PyMO): 60.9
    cm        80 to 300        0.8 to 3 m                     Mixamo: 186.7, MocapBank: 141.8
    mm        500 to 3000      0.5 to 3 m
    ========  ===============  ============================  ==========================

    An adult's joints span 1.2 to 1.9 m (about 0.85 of their height: the head's top and the
    toe tips are End Sites), inside its unit's row for every unit (21 to 34 CMU units, 47 to
    75 inches); the CMU/inch and inch/cm bounds give the rest of each gap to the commoner
    unit's children and small characters. Any other size (3 to 9, 300 to 500, ...) is
    refused with a one-line error asking for ``units=``. A guess is named on this module's
    logger (a warning, unless metres: those need no scaling); :func:`bvh_units` returns it.

    Checked before bvhio reads a number: every channel is one of the six (bvhio skips any
    other without reading its number, shifting every later channel of the frame), and the
    frame lines are as many as ``Frames:`` promises, each with the numbers the CHANNELS lines
    declare (a cut last line is named with the fix: export again, or trim ``Frames:``).
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import warnings
from pathlib import Path
from typing import NamedTuple

import numpy as np
from scipy.spatial.transform import Rotation

from marionnette.errors import MarionnetteError
from marionnette.files import atomic_path
from marionnette.motion.geometry import kabsch
from marionnette.motion.sequence import PoseSequence
from marionnette.motion.skeleton import Skeleton

ORDER = "ZXY"  # Euler order of every rotation we write: Zrotation Xrotation Yrotation
_ROTATION = ["Zrotation", "Xrotation", "Yrotation"]
_POSITION = ["Xposition", "Yposition", "Zposition"]
EXACT_TOLERANCE = 1e-6  # metres a local offset may differ from its rest offset before it gets position channels
_TINY = 1e-9  # metres: a bone shorter than this has no direction
CHANNELS = ("Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation")  # all BVH knows
UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001, "inch": 0.0254, "cmu": 0.0254 / 0.45}  # metres per file unit
_UNIT_WORDS = {"m": "metres", "cm": "centimetres", "mm": "millimetres", "inch": "inches", "cmu": "CMU units"}
_ALIASES = {  # other spellings units= takes
    **{w: "m" for w in ("metre", "metres", "meter", "meters")},
    **{w: "cm" for w in ("centimetre", "centimetres", "centimeter", "centimeters")},
    **{w: "mm" for w in ("millimetre", "millimetres", "millimeter", "millimeters")},
    **{w: "inch" for w in ("in", "inches")},
}
# (unit, lo, hi): a rest pose lo <= size < hi file units across is a person in that unit (module docstring)
_DETECT = (("m", 0.5, 3.0), ("cmu", 9.0, 42.0), ("inch", 42.0, 80.0), ("cm", 80.0, 300.0), ("mm", 500.0, 3000.0))

logger = logging.getLogger(__name__)


# -- export -------------------------------------------------------------------------------


def _bvhio():
    """bvhio, imported on first use (its ``import glm`` warns that PyGLM will rename itself)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        import bvhio
    return bvhio


class _Vec3(NamedTuple):
    """A float64 vector as bvhio's writer reads one (``.x``, ``.y``, ``.z``)."""

    x: float
    y: float
    z: float

    @classmethod
    def of(cls, v: np.ndarray) -> _Vec3:
        return cls(*(float(c) for c in v))


class _Key:
    """One frame of one joint as bvhio's writer reads it: ``.Position`` and ``.getEuler()``.

    bvhio's own keyframes (SpatialTransform ``Pose``) hold float32 and convert quaternions
    to Euler angles in float32; this one hands over float64 values computed by scipy.
    """

    def __init__(self, position: np.ndarray, euler_xyz_deg: np.ndarray):
        self.Position = _Vec3.of(position)
        self._euler = _Vec3.of(euler_xyz_deg)

    def getEuler(self, order: str = ORDER, extrinsic: bool = False):  # noqa: N802 (bvhio's name)
        if order != ORDER or extrinsic:  # bvhio 1.x asks for the order of the channels we declare
            raise MarionnetteError(
                f"bvhio asked for Euler angles in order {order!r} (extrinsic={extrinsic}); marionnette writes "
                f"{ORDER!r} intrinsic: use bvhio 1.x (pip install 'bvhio>=1.5,<2')"
            )
        return self._euler


def _swing(u: np.ndarray, v: np.ndarray) -> Rotation:
    """The smallest rotations turning directions ``u`` onto ``v``, both ``(T, 3)``."""
    u = u / np.linalg.norm(u, axis=-1, keepdims=True)
    v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    axis = np.cross(u, v)  # (T, 3)
    sin, cos = np.linalg.norm(axis, axis=-1), np.einsum("ti,ti->t", u, v)
    angle = np.arctan2(sin, cos)  # (T,)
    flat = sin < 1e-12  # parallel or opposite: any axis perpendicular to u
    if flat.any():
        helper = np.where(np.abs(u[flat, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
        axis[flat] = np.cross(u[flat], helper)
    axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
    return Rotation.from_rotvec(axis * angle[:, None])


def _fit(rest: np.ndarray, actual: np.ndarray, prior: Rotation) -> Rotation:
    """Rotations ``R`` (T,) best taking rest offsets ``(K, 3)`` onto actual ``(T, K, 3)``.

    Kabsch with a vanishing pull towards ``prior`` (the parent's rotation), which only
    matters where the offsets leave a twist undetermined: the pull is three more pairs,
    each axis onto its image under the prior, weighing 1e-10 of the offsets' lengths.
    """
    T, K = actual.shape[:2]
    scale = np.linalg.norm(rest, axis=-1).sum() * np.linalg.norm(actual, axis=-1).sum(axis=-1)  # (T,)
    source = np.concatenate([np.broadcast_to(rest, (T, K, 3)), np.broadcast_to(np.eye(3), (T, 3, 3))], axis=1)
    target = np.concatenate([actual, prior.as_matrix().transpose(0, 2, 1)], axis=1)  # row i of P^T is P @ e_i
    weights = np.concatenate([np.ones((T, K)), np.repeat(1e-10 * scale[:, None], 3, axis=1)], axis=1)  # (T, K + 3)
    return Rotation.from_matrix(kabsch(source, target, weights).rotation)


def save_bvh(seq: PoseSequence, path: str | os.PathLike, *, exact: bool = True) -> Path:
    """Write ``seq`` as a BVH file at ``path`` (atomically); returns the path.

    :param exact: give a joint position channels when rotations alone cannot place it
        (stretching bones); ``False`` writes rotations only. See the module docstring.
    """
    bvhio = _bvhio()
    path, skeleton = Path(path), seq.skeleton
    if len(seq) == 0:
        raise MarionnetteError(f"cannot write {path}: the sequence has no frames")
    if np.isnan(seq.positions).any():
        t, j = np.argwhere(np.isnan(seq.positions).any(axis=-1))[0]
        raise MarionnetteError(
            f"cannot write {path}: joint {skeleton.joints[j]!r} is missing (NaN) at frame {t} and BVH cannot mark a "
            f"missing joint; fill the gaps first"
        )
    spaced = [j for j in skeleton.joints if re.search(r"\s", j) or not j]
    if spaced:
        raise MarionnetteError(
            f"cannot write {path}: BVH joint names cannot hold spaces ({', '.join(map(repr, spaced))})"
        )

    P = seq.positions.astype(np.float64)  # (T, J, 3)
    T, J = P.shape[:2]
    parents, children = skeleton.parents, skeleton.children

    # Rest pose: first-frame directions, median lengths.
    bone = np.zeros_like(P)  # (T, J, 3) joint minus parent; zero at the root
    for p, j in skeleton.bones:
        bone[:, j] = P[:, j] - P[:, p]
    length = np.linalg.norm(bone, axis=-1)  # (T, J)
    rest = np.zeros((J, 3))  # (J, 3) each joint's offset from its parent
    for j in range(J):
        if parents[j] < 0:
            continue
        seen = np.flatnonzero(length[:, j] > _TINY)
        if len(seen):
            rest[j] = bone[seen[0], j] / length[seen[0], j] * np.median(length[:, j])

    # World rotations, parents first.
    identity = Rotation.identity(T)
    world: list[Rotation | None] = [None] * J
    for j in skeleton.order:
        up = identity if parents[j] < 0 else world[parents[j]]
        kids = [c for c in children[j] if np.linalg.norm(rest[c]) > _TINY]
        if not kids:
            world[j] = up
        elif len(kids) == 1:
            (c,) = kids
            actual = bone[:, c]
            ok = np.linalg.norm(actual, axis=-1) > _TINY  # a collapsed bone keeps the parent's rotation
            carried = up.apply(rest[c])
            swing = _swing(carried, np.where(ok[:, None], actual, carried))
            world[j] = swing * up
        else:
            world[j] = _fit(rest[kids], bone[:, kids], up)

    # Local channels.
    local_rotation = np.zeros((T, J, 3))  # (T, J, 3) Euler x, y, z degrees
    local_position = np.zeros((T, J, 3))  # (T, J, 3) offset from the parent in its frame
    moving = np.zeros(J, dtype=bool)  # joints that need position channels
    for j in range(J):
        p = parents[j]
        if p < 0:
            relative, local_position[:, j], moving[j] = world[j], P[:, j], True
        else:
            relative = world[p].inv() * world[j]
            local_position[:, j] = world[p].inv().apply(bone[:, j])
            drift = np.linalg.norm(local_position[:, j] - rest[j], axis=-1).max()
            moving[j] = exact and drift > EXACT_TOLERANCE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "Gimbal lock detected": the angles are still right
            z, x, y = relative.as_euler(ORDER, degrees=True).T
        local_rotation[:, j] = np.stack([x, y, z], axis=-1)

    # bvhio's structure, then its writer.
    nodes = []
    for j, name in enumerate(skeleton.joints):
        node = bvhio.BvhJoint(name)
        node.Offset = _Vec3.of(np.zeros(3) if parents[j] < 0 else rest[j])
        node.Channels = (_POSITION if moving[j] else []) + _ROTATION
        node.Keyframes = [_Key(local_position[t, j], local_rotation[t, j]) for t in range(T)]
        own = rest[j] if np.linalg.norm(rest[j]) > _TINY else np.array([0.0, 0.1, 0.0])
        node.EndSite = _Vec3.of(own / np.linalg.norm(own) * max(0.25 * np.linalg.norm(own), 0.02))
        nodes.append(node)
    for p, j in skeleton.bones:  # in index order: bvhio writes children in list order
        nodes[p].Children.append(nodes[j])
    container = bvhio.BvhContainer(nodes[skeleton.root], T, 1.0 / seq.fps)
    with atomic_path(path) as tmp:
        bvhio.writeBvh(str(tmp), container, percision=9)
    return path


# -- import -------------------------------------------------------------------------------


class BvhUnits(NamedTuple):
    """The unit a BVH file was read in (:func:`bvh_units`)."""

    name: str | None  # a key of UNITS, or None for metres per unit given as a number
    metres: float  # metres per file unit
    size: float  # metres: the body's size read in this unit (the largest side of its rest pose)
    guessed: bool  # True when the size chose the unit, False when the caller gave it

    def describe(self) -> str:
        """``'CMU units (0.056444 m each)'``: the unit in words."""
        unit = _UNIT_WORDS.get(self.name or "", "file units")
        return f"{unit} ({self.metres:g} m each)"


def _frame_lines(path: Path) -> tuple[int, list[tuple[int, int]]]:
    """``(Frames:, [(line number, numbers on it)] per frame line)``, after refusing a file bvhio
    would misread (its parser loops forever at an early end of file)."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise MarionnetteError(f"{path} is not a readable BVH text file ({type(e).__name__}); export it again") from e
    lines = [(n, line.split()) for n, line in enumerate(text.splitlines(), start=1)]
    lines = [(n, tokens) for n, tokens in lines if tokens]
    if not lines or lines[0][1] != ["HIERARCHY"]:
        raise MarionnetteError(f"{path} is not a BVH file (it does not start with HIERARCHY)")
    motion = next((k for k, (_, tokens) in enumerate(lines) if tokens == ["MOTION"]), None)
    if motion is None:
        raise MarionnetteError(f"{path} is truncated: its HIERARCHY never reaches a MOTION section")
    head = [tokens for _, tokens in lines[motion + 1 : motion + 3]]
    if len(head) < 2 or head[0][:1] != ["Frames:"] or head[1][:2] != ["Frame", "Time:"]:
        raise MarionnetteError(f"{path}: MOTION must be followed by 'Frames: N' and 'Frame Time: SECONDS' lines")
    try:
        frames, frame_time = int(head[0][1]), float(head[1][2])
    except (IndexError, ValueError) as e:
        raise MarionnetteError(f"{path}: 'Frames:' needs a whole number and 'Frame Time:' a number of seconds") from e
    if frame_time <= 0 or frames < 0:
        raise MarionnetteError(f"{path}: Frames is {frames} and Frame Time {frame_time}; both must be positive")
    return frames, [(n, len(tokens)) for n, tokens in lines[motion + 3 :]]


def _check_channels(path: Path, nodes: list) -> int:
    """Refuse a channel bvhio would skip without reading its number (every later number of
    the frame would land on the wrong channel); returns the numbers a frame line holds."""
    for node in nodes:
        unknown = [c for c in node.Channels if c not in CHANNELS]
        if unknown:
            same = [c for c in CHANNELS if c.lower() == unknown[0].lower()]  # ZPosition: bvhio reads case exactly
            hint = f" (spell it {same[0]})" if same else ""
            raise MarionnetteError(
                f"{path}: joint {node.Name!r} has channel {unknown[0]!r}, which is none of the six BVH channels "
                f"({', '.join(CHANNELS)}){hint}; fix its CHANNELS line"
            )
        twice = sorted({c for c in node.Channels if node.Channels.count(c) > 1})
        if twice:
            raise MarionnetteError(
                f"{path}: joint {node.Name!r} lists channel {twice[0]!r} twice; fix its CHANNELS line"
            )
    return sum(len(node.Channels) for node in nodes)


def _check_frames(path: Path, frames: int, found: list[tuple[int, int]], width: int) -> None:
    """Every one of the ``frames`` frame lines holds ``width`` numbers (bvhio reads past a
    short one into an IndexError, and runs a long one's numbers into nothing)."""
    whole = 0
    for _, count in found[:frames]:
        if count != width:
            break
        whole += 1
    if whole == frames:
        return
    promise = f"its header promises {frames} frames (Frames: {frames})"
    if whole == len(found) or (whole == len(found) - 1 and found[whole][1] < width):
        cut = ""
        if whole < len(found):
            cut = f" and a cut one (line {found[whole][0]}: {found[whole][1]} of {width} numbers)"
        raise MarionnetteError(
            f"{path} is truncated: {promise} and it holds {whole} whole frame line{'' if whole == 1 else 's'}{cut}; "
            "export it again, or "
            f"{'delete the cut line and ' if cut else ''}set 'Frames: {whole}'"
        )
    line, count = found[whole]
    raise MarionnetteError(
        f"{path}: frame {whole} (line {line}) holds {count} numbers where the CHANNELS lines need {width}; "
        "export it again"
    )


def _rest_extent(offsets: np.ndarray, parents: list[int]) -> float:
    """The largest side of the rest pose's bounding box (joints only), in file units."""
    rest = np.zeros_like(offsets)
    for j, p in enumerate(parents):  # bvhio's layout lists parents first
        rest[j] = offsets[j] + (rest[p] if p >= 0 else 0.0)
    return float(np.ptp(rest, axis=0).max()) if len(rest) > 1 else 0.0


def _metres_per_unit(units: str | float) -> tuple[str | None, float]:
    """``units=`` as ``(name or None, metres per unit)``; one line naming it when it is neither."""
    if isinstance(units, str):
        key = units.strip().lower()
        key = _ALIASES.get(key, key)
        if key in UNITS:
            return key, UNITS[key]
        try:
            units = float(key)
        except ValueError:
            close = difflib.get_close_matches(key, list(UNITS), n=1, cutoff=0.5)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise MarionnetteError(
                f"units {units!r}: {hint}use one of {', '.join(UNITS)} or a number of metres per file unit "
                "(0.0254 for inches)"
            ) from None
    if isinstance(units, bool) or not isinstance(units, (int, float, np.floating, np.integer)):
        raise MarionnetteError(f"units {units!r}: use one of {', '.join(UNITS)} or a number of metres per file unit")
    metres = float(units)
    if not np.isfinite(metres) or metres <= 0:
        raise MarionnetteError(
            f"units {units!r}: give a positive number of metres per file unit, or one of {', '.join(UNITS)}"
        )
    return next((name for name, m in UNITS.items() if m == metres), None), metres


def _choose_units(path: Path, size: float, units: str | float | None, log: bool) -> BvhUnits:
    """The file's unit: ``units`` when given, else the one in which ``size`` (file units) is a
    plausible human body (:data:`_DETECT`), named on the logger when ``log``."""
    if units is not None:
        name, metres = _metres_per_unit(units)
        return BvhUnits(name, metres, size * metres, guessed=False)
    name = next((name for name, lo, hi in _DETECT if lo <= size < hi), None)
    if name is None:
        raise MarionnetteError(
            f"{path}: cannot tell its units: its rest pose is {size:g} units across, no human size in "
            f"{', '.join(UNITS)}; pass units= ({', '.join(UNITS)}, or metres per unit; `marionnette imitate --units`)"
        )
    found = BvhUnits(name, UNITS[name], size * UNITS[name], guessed=True)
    if log:
        say = logger.info if name == "m" else logger.warning  # metres need no scaling: the file is read as written
        say("%s: read in %s: its joints span %.2f m; pass units= to choose", path, found.describe(), found.size)
    return found


def _read(path: str | os.PathLike, units: str | float | None, log: bool) -> tuple[PoseSequence, BvhUnits]:
    bvhio = _bvhio()
    path = Path(path)
    if not path.is_file():
        raise MarionnetteError(f"{path}: no such BVH file")
    frames, found = _frame_lines(path)

    def parse(keyframes: bool):
        try:
            return bvhio.readAsBvh(str(path), loadKeyFrames=keyframes)
        except (SyntaxError, ValueError, IndexError, TypeError) as e:
            # bvhio's SyntaxError carries (file, line number, column, line text); its line numbers drift, the
            # text does not
            near = e.args[1][3].strip() if isinstance(e, SyntaxError) and len(e.args) > 1 and len(e.args[1]) > 3 else ""
            near = f" near {near[:60]!r}" if near else ""
            raise MarionnetteError(f"{path} is not a valid BVH file{near}: {e.args[0] if e.args else e}") from e

    hierarchy = parse(keyframes=False)  # the channels, checked before any number is read against them
    _check_frames(path, frames, found, _check_channels(path, [node for node, _, _ in hierarchy.Root.layout()]))
    if frames == 0:
        raise MarionnetteError(f"{path} holds no frames (Frames: 0); export at least one frame")
    bvh = parse(keyframes=True)

    layout = bvh.Root.layout()  # [(joint, index, depth)], depth first: parents before children
    nodes = [node for node, _, _ in layout]
    position_of = {id(node): k for k, node in enumerate(nodes)}
    parents = [-1] * len(nodes)
    for k, node in enumerate(nodes):
        for child in node.Children:
            parents[position_of[id(child)]] = k
    skeleton = Skeleton(path.stem, tuple(node.Name for node in nodes), tuple(parents))

    T, J = bvh.FrameCount, len(nodes)
    translation = np.empty((T, J, 3))  # (T, J, 3) local translation: OFFSET or position channels
    quaternion = np.empty((T, J, 4))  # (T, J, 4) local rotation, scipy's (x, y, z, w)
    for j, node in enumerate(nodes):
        for t, key in enumerate(node.Keyframes):
            p, q = key.Position, key.Rotation
            translation[t, j] = (p.x, p.y, p.z)
            quaternion[t, j] = (q.x, q.y, q.z, q.w)

    positions = np.zeros((T, J, 3))  # (T, J, 3) file units
    world: list[Rotation | None] = [None] * J
    for j in range(J):
        local = Rotation.from_quat(quaternion[:, j])
        p = parents[j]
        if p < 0:
            world[j], positions[:, j] = local, translation[:, j]
        else:
            world[j] = world[p] * local
            positions[:, j] = positions[:, p] + world[p].apply(translation[:, j])

    # The body's size in file units: its rest pose's, or frame 0's where every OFFSET is zero
    # (a file that places each joint by position channels alone).
    offsets = np.array([[node.Offset.x, node.Offset.y, node.Offset.z] for node in nodes], dtype=np.float64)
    size = _rest_extent(offsets, parents)
    if size <= _TINY:
        size = float(np.ptp(positions[0], axis=0).max()) if J > 1 else 0.0
    chosen = _choose_units(path, size, units, log)

    fps = 1.0 / bvh.FrameTime
    if abs(fps - round(fps)) <= 1e-4 * fps:
        fps = float(round(fps))
    return PoseSequence(positions * chosen.metres, fps, skeleton), chosen


def load_bvh(path: str | os.PathLike, units: str | float | None = None, *, scale: float | None = None) -> PoseSequence:
    """Read a BVH file into a :class:`PoseSequence` on the file's own skeleton.

    :param units: the file's unit: ``"m"``, ``"cm"``, ``"mm"``, ``"inch"``, ``"cmu"``
        (CMU's 1/0.45 inch), or metres per file unit as a number; ``None`` picks the one in
        which the body has a human size and names it on this module's logger (a warning,
        unless metres). See the module docstring; :func:`bvh_units` returns the choice.
    :param scale: metres per file unit, the older name of a number ``units``.
    """
    return _read(path, _units_or_scale(units, scale), log=True)[0]


def bvh_units(path: str | os.PathLike, units: str | float | None = None) -> BvhUnits:
    """The unit :func:`load_bvh` reads ``path`` in (given or guessed), with the body's size
    in metres, logging nothing: read the file once to tell the user, then pass ``units=`` on."""
    return _read(path, units, log=False)[1]


def _units_or_scale(units: str | float | None, scale: float | None) -> str | float | None:
    if scale is None:
        return units
    if units is not None:
        raise MarionnetteError(f"load_bvh got units={units!r} and scale={scale!r}: give one (units= takes both)")
    return scale
