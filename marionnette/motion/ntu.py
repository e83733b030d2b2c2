"""NTU RGB+D ``.skeleton`` files: the Kinect v2 text format of NTU RGB+D 60 and 120.

:func:`read_ntu_skeleton` reads one file into an :class:`NTUSample`: the fields of its
name, one :class:`NTUBody` per Kinect body ID, and from those the main bodies as
:class:`~marionnette.motion.PoseSequence` on :data:`~marionnette.motion.NTU_25`
(:meth:`NTUSample.sequence`) or as the ``(M, T, 25, 3)`` array PySKL and MMAction2 train on
(:meth:`NTUSample.keypoint`). :func:`ntu_split` places a sample in the NTU-60 benchmarks.

The file (as ``Matlab/read_skeleton_file.m`` of github.com/shahroudy/NTURGB-D reads it)
    Whitespace-separated values, one record per line::

        F                                   frame count
        B                                   per frame: its body count (0 is common)
        bodyID clipedEdges handLeftConfidence handLeftState handRightConfidence
            handRightState isResticted leanX leanY trackingState       per body: 10 values
        25                                  per body: its joint count
        x y z depthX depthY colorX colorY orientationW orientationX orientationY
            orientationZ trackingState                                  per joint: 12 values

    Joints come in :class:`~marionnette.motion.NTUJoint` order. ``x y z`` are metres in
    Kinect's camera space; the body and joint lines are checked to be numbers, but only
    the body ID, ``x y z`` and the joint's ``trackingState``
    (:class:`TrackingState`) are kept. Blank lines are skipped.

Coordinates
    Kinect camera space is right-handed: y up, z away from the camera, x to the camera's
    left. Positions are kept as written, so a person facing the camera faces -z, their
    own left on -x; ``positions * (-1, 1, -1)`` (a half turn about y) makes them face +z
    with their left on +x, as :class:`~marionnette.motion.PoseSequence` prefers where the
    facing is known.

Names
    ``SsssCcccPpppRrrrAaaa.skeleton`` (``S001C002P003R002A013``): setup, camera, performer,
    replication and action, each 1-based in three digits. A file under another name is read
    all the same; its name fields are ``None``.

Main bodies
    Kinect reports up to 6 bodies, some of them furniture or a second view of the same
    person. Bodies are ranked as the NTU RGB+D gendata scripts rank them (2s-AGCN,
    MMAction2 ``gen_ntu_rgbd_raw.py``: ``get_nonzero_std``): by motion energy, the sum over
    x, y and z of the standard deviation of the body's positions over all its frames and
    joints (:attr:`NTUBody.energy`); ties go to the body seen in more frames, then to the
    one seen first. Unlike those scripts, which rank the *n*-th body slot of every frame,
    a body here is one Kinect body ID, so two people never swap rows when Kinect lists
    them in another order.

From other skeletons
    :func:`ntu_from_canonical` makes Kinect's 25 joints from the canonical 16 and the toes
    (a body with no fingers, or a capture whose hands are three points): what the action
    dataset of :mod:`marionnette.datasets.actions` is built with and what live
    recognition feeds a recognizer trained on it.

Errors
    Any file that cannot be read is one :class:`~marionnette.errors.MarionnetteError` line
    naming the file, the line and the fix: missing, empty, cut short (naming the record
    that should come next), a joint count other than 25, a value that is not a number, or
    a file none of whose frames holds a body (what NTU lists as "samples with missing
    skeletons"). Frames, bodies and joints are counted from 0, as in the arrays. A frame
    with no body is no error: its bodies are absent there.
"""

from __future__ import annotations

import enum
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.motion.sequence import PoseSequence
from marionnette.motion.skeleton import NTU_25, CanonicalJoint, NTUJoint

NTU_FPS = 30.0  # Kinect v2 records skeletons at 30 frames per second
NTU_JOINTS = len(NTUJoint)  # 25: every body of every NTU file has them all
_BODY_VALUES = 10  # bodyID clipedEdges handLeftConfidence ... leanX leanY trackingState
_JOINT_VALUES = 12  # x y z depthX depthY colorX colorY orientationW..Z trackingState
_NAME = re.compile(r"S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})")


class TrackingState(enum.IntEnum):
    """A joint's Kinect ``TrackingState``: how it was found in that frame."""

    NOT_TRACKED = 0  # no estimate: the coordinates are Kinect's leftovers
    INFERRED = 1  # guessed from the joints around it (occluded, out of view)
    TRACKED = 2  # seen


_CONFIDENCE = np.array([0.0, 0.5, 1.0], dtype=np.float32)  # PoseSequence confidence, indexed by TrackingState

NTU60_ACTIONS: tuple[str, ...] = (
    "drink water",
    "eat meal/snack",
    "brushing teeth",
    "brushing hair",
    "drop",
    "pickup",
    "throw",
    "sitting down",
    "standing up (from sitting position)",
    "clapping",
    "reading",
    "writing",
    "tear up paper",
    "wear jacket",
    "take off jacket",
    "wear a shoe",
    "take off a shoe",
    "wear on glasses",
    "take off glasses",
    "put on a hat/cap",
    "take off a hat/cap",
    "cheer up",
    "hand waving",
    "kicking something",
    "put something inside pocket / take out something from pocket",
    "hopping (one foot jumping)",
    "jump up",
    "make a phone call/answer phone",
    "playing with phone/tablet",
    "typing on a keyboard",
    "pointing to something with finger",
    "taking a selfie",
    "check time (from watch)",
    "rub two hands together",
    "nod head/bow",
    "shake head",
    "wipe face",
    "salute",
    "put the palms together",
    "cross hands in front (say stop)",
    "sneeze/cough",
    "staggering",
    "falling",
    "touch head (headache)",
    "touch chest (stomachache/heart pain)",
    "touch back (backache)",
    "touch neck (neckache)",
    "nausea or vomiting condition",
    "use a fan (with hand or paper)/feeling warm",
    "punching/slapping other person",
    "kicking other person",
    "pushing other person",
    "pat on back of other person",
    "point finger at the other person",
    "hugging other person",
    "giving something to other person",
    "touch other person's pocket",
    "handshaking",
    "walking towards each other",
    "walking apart from each other",
)
"""The 60 actions of NTU RGB+D 60: ``NTU60_ACTIONS[a - 1]`` names action ``Aaaa``, as the
dataset's README (github.com/shahroudy/NTURGB-D) lists them. A050 to A060 are two-person."""

NTU60_SETUPS = range(1, 18)  # NTU RGB+D 60 is setups S001-S017; NTU-120 adds S018-S032
NTU60_TRAIN_PERFORMERS = frozenset({1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35, 38})
"""Cross-subject benchmark: these 20 of the 40 performers train, the other 20 test."""
NTU60_TRAIN_CAMERAS = frozenset({2, 3})
"""Cross-view benchmark: cameras 2 and 3 train, camera 1 tests."""
NTU60_SPLITS = {"cs": "cross-subject", "cv": "cross-view", "xsub": "cross-subject", "xview": "cross-view"}
"""The split names :func:`ntu_split` takes; ``xsub`` and ``xview`` are PySKL's and MMAction2's."""


# -- the sample -----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NTUBody:
    """One Kinect body ID over the frames it appears in (its arrays are read-only).

    :param body_id: Kinect's tracking ID as the file writes it (a 64-bit integer).
    :param frames: ``(F,)`` int64, the indices of the file's frames it appears in, increasing.
    :param positions: ``(F, 25, 3)`` float32 metres in Kinect camera space (module
        docstring), joints in :class:`~marionnette.motion.NTUJoint` order.
    :param tracking: ``(F, 25)`` int8 :class:`TrackingState` of each joint.
    """

    body_id: str
    frames: np.ndarray
    positions: np.ndarray
    tracking: np.ndarray

    def __repr__(self) -> str:
        F = len(self.frames)
        return f"NTUBody({self.body_id!r}, {F} frame{'' if F == 1 else 's'})"

    @property
    def energy(self) -> float:
        """Motion energy: the sum over x, y, z of the standard deviation of the positions
        over all frames and joints (the gendata scripts' ``get_nonzero_std``)."""
        return float(self.positions.astype(np.float64).reshape(-1, 3).std(axis=0).sum())


@dataclass(frozen=True)
class NTUSample:
    """One NTU RGB+D ``.skeleton`` file, as :func:`read_ntu_skeleton` reads it.

    :param name: the file's stem (``"S001C002P003R002A013"``).
    :param setup: ``sss`` of the name, 1-based; ``None`` when the name is not in NTU form
        (so are the four fields below).
    :param camera: ``ccc``: camera 1, 2 or 3.
    :param performer: ``ppp``: the person (or the first of two) performing.
    :param replication: ``rrr``: 1 or 2.
    :param action: ``aaa``: the action class, 1-based (:data:`NTU60_ACTIONS` names 1-60).
    :param bodies: one :class:`NTUBody` per body ID, in the order they first appear.
    :param frames: the file's frame count ``T``, frames without a body included.
    """

    name: str
    setup: int | None
    camera: int | None
    performer: int | None
    replication: int | None
    action: int | None
    bodies: tuple[NTUBody, ...]
    frames: int

    @property
    def action_name(self) -> str | None:
        """The action in words (``"drink water"``); ``None`` outside NTU-60's actions 1-60."""
        if self.action is None or not 1 <= self.action <= len(NTU60_ACTIONS):
            return None
        return NTU60_ACTIONS[self.action - 1]

    def main_bodies(self, max_bodies: int = 2) -> tuple[NTUBody, ...]:
        """The ``max_bodies`` (or fewer, when the file has fewer) bodies with the most motion
        energy, most energetic first; ties to more frames, then to the earlier body (module
        docstring, "Main bodies")."""
        if isinstance(max_bodies, bool) or not isinstance(max_bodies, (int, np.integer)) or max_bodies < 1:
            raise MarionnetteError(f"max_bodies is {max_bodies!r}: give a whole number of bodies, at least 1")
        ranked = sorted(
            range(len(self.bodies)),
            key=lambda b: (-self.bodies[b].energy, -len(self.bodies[b].frames), b),
        )
        return tuple(self.bodies[b] for b in ranked[:max_bodies])

    def sequence(self, max_bodies: int = 2, fps: float = NTU_FPS) -> list[PoseSequence]:
        """The main bodies (:meth:`main_bodies`), each a :class:`~marionnette.motion.PoseSequence`
        on :data:`~marionnette.motion.NTU_25` over all :attr:`frames` of the file.

        Positions are metres in Kinect camera space (y up; see the module docstring for
        the half turn that makes a person facing the camera face +z). Confidence follows
        the joint's :class:`TrackingState`: 1.0 tracked, 0.5 inferred, 0.0 not tracked
        (its position is kept as Kinect wrote it). Where the body is absent, its joints are
        NaN with confidence 0.

        :param max_bodies: at most this many sequences; fewer when the file has fewer bodies.
        :param fps: frames per second; NTU records at 30.
        """
        T = self.frames
        out = []
        for body in self.main_bodies(max_bodies):
            positions = np.full((T, NTU_JOINTS, 3), np.nan, dtype=np.float32)  # (T, 25, 3)
            confidence = np.zeros((T, NTU_JOINTS), dtype=np.float32)  # (T, 25)
            positions[body.frames] = body.positions
            confidence[body.frames] = _CONFIDENCE[body.tracking]
            out.append(PoseSequence(positions, fps, NTU_25, confidence))
        return out

    def keypoint(self, max_bodies: int = 2) -> np.ndarray:
        """``(M, T, 25, 3)`` float32, ``M = max_bodies``: the main bodies' positions (as
        :meth:`sequence`, metres in camera space) in PySKL's and MMAction2's ``keypoint``
        layout; zeros where a body is absent and in the rows past the file's bodies."""
        main = self.main_bodies(max_bodies)  # refuses a max_bodies below 1
        out = np.zeros((max_bodies, self.frames, NTU_JOINTS, 3), dtype=np.float32)  # (M, T, 25, 3)
        for m, body in enumerate(main):
            out[m, body.frames] = body.positions
        return out


def ntu_from_canonical(canonical: np.ndarray, toes: np.ndarray | None = None) -> np.ndarray:
    """``(T, 16, 3)`` canonical joints (and ``(T, 2, 3)`` left and right toe bases) ->
    ``(T, 25, 3)`` :data:`~marionnette.motion.NTU_25`, in the same frame and units.

    ``spine_base``, ``spine_mid`` and ``spine_shoulder`` are the canonical ``pelvis``,
    ``spine`` and ``neck``; Kinect's ``neck`` lies 45% of the way from the shoulders'
    midpoint to the head. The hands extend the forearm: ``hand`` 8 cm and ``hand_tip`` 17
    cm past the wrist, ``thumb`` 6 cm past it and 3 cm to the body's front (the cross of the
    shoulders' line and the trunk). ``foot`` is the toe base; without ``toes``, 12 cm in
    front of the ankle and 6 cm below it. Any right-handed frame works (y need not be up).
    """
    c = np.asarray(canonical, np.float64)
    if c.ndim != 3 or c.shape[1:] != (16, 3):
        raise MarionnetteError(f"canonical joints of shape {c.shape}: expected (T, 16, 3) in CANONICAL order")
    J = CanonicalJoint
    out = np.empty((len(c), NTU_JOINTS, 3), np.float64)
    out[:, NTUJoint.SPINE_BASE] = c[:, J.PELVIS]
    out[:, NTUJoint.SPINE_MID] = c[:, J.SPINE]
    out[:, NTUJoint.SPINE_SHOULDER] = c[:, J.NECK]
    out[:, NTUJoint.NECK] = c[:, J.NECK] + 0.45 * (c[:, J.HEAD] - c[:, J.NECK])
    out[:, NTUJoint.HEAD] = c[:, J.HEAD]
    up = c[:, J.NECK] - c[:, J.PELVIS]  # (T, 3)
    up = up / np.linalg.norm(up, axis=1, keepdims=True)
    forward = np.cross(c[:, J.LEFT_SHOULDER] - c[:, J.RIGHT_SHOULDER], up)  # left x up = forward
    forward /= np.linalg.norm(forward, axis=1, keepdims=True)
    for k, side in enumerate(("LEFT", "RIGHT")):
        elbow, wrist = c[:, J[f"{side}_ELBOW"]], c[:, J[f"{side}_WRIST"]]
        along = (wrist - elbow) / np.linalg.norm(wrist - elbow, axis=1, keepdims=True)
        for part in ("SHOULDER", "ELBOW", "WRIST", "HIP", "KNEE", "ANKLE"):
            out[:, NTUJoint[f"{part}_{side}"]] = c[:, J[f"{side}_{part}"]]
        out[:, NTUJoint[f"HAND_{side}"]] = wrist + 0.08 * along
        out[:, NTUJoint[f"HAND_TIP_{side}"]] = wrist + 0.17 * along
        out[:, NTUJoint[f"THUMB_{side}"]] = wrist + 0.06 * along + 0.03 * forward
        ankle = c[:, J[f"{side}_ANKLE"]]
        out[:, NTUJoint[f"FOOT_{side}"]] = ankle + 0.12 * forward - 0.06 * up if toes is None else toes[:, k]
    return out


def ntu_split(sample: NTUSample | str | os.PathLike, split: str) -> Literal["train", "test"]:
    """Which half of an NTU RGB+D 60 benchmark ``sample`` belongs to.

    :param sample: an :class:`NTUSample`, a sample name (``"S001C002P003R002A013"``) or a
        path whose stem is one.
    :param split: ``"cs"`` (cross-subject: :data:`NTU60_TRAIN_PERFORMERS` train) or ``"cv"``
        (cross-view: :data:`NTU60_TRAIN_CAMERAS` train); ``"xsub"`` and ``"xview"`` too.
    :raises MarionnetteError: an unknown split, a name not in NTU form, or a sample outside
        NTU RGB+D 60 (setups 1-17, actions 1-60: NTU-120's own samples have other benchmarks).
    """
    kind = NTU60_SPLITS.get(str(split).strip().lower())
    if kind is None:
        raise MarionnetteError(f"unknown NTU split {split!r}: use one of {', '.join(map(repr, NTU60_SPLITS))}")
    name = sample.name if isinstance(sample, NTUSample) else Path(sample).stem
    fields = _name_fields(name)
    if fields is None:
        raise MarionnetteError(
            f"{name!r} is not an NTU RGB+D sample name (SsssCcccPpppRrrrAaaa, e.g. S001C002P003R002A013): "
            f"cannot place it in the {kind} split"
        )
    setup, camera, performer, _, action = fields
    if setup not in NTU60_SETUPS or not 1 <= action <= len(NTU60_ACTIONS):
        raise MarionnetteError(
            f"{name} is not an NTU RGB+D 60 sample (setups S001-S017, actions A001-A060): the {kind} split is "
            f"NTU-60's; NTU-120 has its own benchmarks"
        )
    if kind == "cross-subject":
        return "train" if performer in NTU60_TRAIN_PERFORMERS else "test"
    return "train" if camera in NTU60_TRAIN_CAMERAS else "test"


def _name_fields(name: str) -> tuple[int, ...] | None:
    """``(setup, camera, performer, replication, action)`` of an NTU name, else ``None``."""
    match = _NAME.fullmatch(name)
    return None if match is None else tuple(int(g) for g in match.groups())


# -- reading --------------------------------------------------------------------------------


class _Lines:
    """The file's non-blank lines, taken in order; each problem is one line naming the file,
    the line number and what was due there."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.lines = [(n, line.split()) for n, line in enumerate(text.splitlines(), start=1)]
        self.lines = [(n, tokens) for n, tokens in self.lines if tokens]
        self.k = 0  # the next line to take
        self.promise = ""  # what the frame count line promised, once read

    def take(self, what: str, count: int) -> tuple[int, list[str]]:
        """The next line, which must hold ``count`` values: ``what`` (its record)."""
        if self.k >= len(self.lines):
            last = self.lines[-1][0] if self.lines else 0
            raise MarionnetteError(
                f"{self.path} looks cut short: it ends after line {last}, where {what} is due{self.promise}; "
                "copy or extract the file again"
            )
        n, tokens = self.lines[self.k]
        self.k += 1
        if len(tokens) != count:
            if self.k == len(self.lines) and len(tokens) < count:
                raise MarionnetteError(
                    f"{self.path} looks cut short: its last line {n} holds {len(tokens)} of the {count} values of "
                    f"{what}{self.promise}; copy or extract the file again"
                )
            raise MarionnetteError(
                f"{self.path}, line {n}: {what} should hold {count} value{'s' if count > 1 else ''}, found "
                f"{len(tokens)} ({' '.join(tokens)[:60]!r}); the file is corrupt or not an NTU .skeleton file"
            )
        return n, tokens

    def whole(self, what: str) -> tuple[int, int]:
        """The next line as one whole number ``>= 0`` (a count): ``(line number, value)``."""
        n, (token,) = self.take(what, 1)
        try:
            value = int(token)
        except ValueError:
            value = -1
        if value < 0:
            raise MarionnetteError(
                f"{self.path}, line {n}: {what} should be a whole number, found {token!r}; "
                "the file is corrupt or not an NTU .skeleton file"
            )
        return n, value

    def numbers(self, what: str, tokens: list[str], n: int) -> list[float]:
        """``tokens`` of line ``n`` (``what``) as finite numbers."""
        try:
            values = list(map(float, tokens))  # the whole line at once: most of the reading time
        except ValueError:
            values = []
        if len(values) == len(tokens) and all(map(math.isfinite, values)):
            return values
        k = next(k for k, token in enumerate(tokens) if not _finite(token))
        raise MarionnetteError(
            f"{self.path}, line {n}: value {k + 1} of {what}, {tokens[k]!r}, is not a finite number; "
            "the file is corrupt: copy or extract it again"
        )


def _finite(token: str) -> bool:
    try:
        return math.isfinite(float(token))
    except ValueError:
        return False


def read_ntu_skeleton(path: str | os.PathLike) -> NTUSample:
    """Read an NTU RGB+D ``.skeleton`` file (format and conventions in the module docstring).

    :param path: the file; its stem gives the name fields when it is in NTU form.
    :returns: an :class:`NTUSample` holding every body ID the file tracks.
    :raises MarionnetteError: one line naming the file and the fix, for a missing, empty,
        cut, corrupt or non-NTU file (25 joints per body), or one where no frame has a body.
    """
    path = Path(path)
    if not path.is_file():
        raise MarionnetteError(
            f"{path}: no such file; pass an NTU RGB+D .skeleton file (SsssCcccPpppRrrrAaaa.skeleton)"
        )
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as e:
        raise MarionnetteError(
            f"{path} is not a readable text file ({type(e).__name__}); an NTU .skeleton file is plain text: "
            "copy or extract it again"
        ) from e
    lines = _Lines(path, text)
    if not lines.lines:
        raise MarionnetteError(f"{path} is empty: an NTU .skeleton file starts with its frame count; extract it again")

    count_line, T = lines.whole("the frame count")
    lines.promise = f" (line {count_line} promises {T} frames)"
    tracks: dict[str, tuple[list[int], list[np.ndarray], list[np.ndarray]]] = {}  # body ID -> frames, xyz, states
    for t in range(T):
        _, B = lines.whole(f"the body count of frame {t}")
        seen: dict[str, int] = {}  # body ID -> its line, in this frame
        for b in range(B):
            where = f"body {b} of frame {t}"
            n, tokens = lines.take(f"the body line of {where}", _BODY_VALUES)
            lines.numbers(f"the body line of {where}", tokens[1:], n)
            body_id = tokens[0]
            if not body_id.isdigit():
                raise MarionnetteError(
                    f"{path}, line {n}: the body ID of {where}, {body_id!r}, is not a whole number; "
                    "the file is corrupt: copy or extract it again"
                )
            if body_id in seen:
                raise MarionnetteError(
                    f"{path}, line {n}: body ID {body_id} appears twice in frame {t} (lines {seen[body_id]} and {n}); "
                    "the file is corrupt: copy or extract it again"
                )
            seen[body_id] = n
            n, J = lines.whole(f"the joint count of {where}")
            if J != NTU_JOINTS:
                raise MarionnetteError(
                    f"{path}, line {n}: {where} has {J} joints where NTU RGB+D bodies have {NTU_JOINTS} "
                    "(Kinect v2); the file is corrupt or not an NTU .skeleton file"
                )
            xyz = np.empty((NTU_JOINTS, 3), dtype=np.float32)  # (25, 3)
            states = np.empty(NTU_JOINTS, dtype=np.int8)  # (25,)
            for joint in NTUJoint:
                what = f"the line of joint {int(joint)} ({joint.name.lower()}) of {where}"
                n, tokens = lines.take(what, _JOINT_VALUES)
                values = lines.numbers(what, tokens, n)
                state = values[-1]
                if state not in (0.0, 1.0, 2.0):
                    raise MarionnetteError(
                        f"{path}, line {n}: the tracking state of joint {int(joint)} ({joint.name.lower()}) of "
                        f"{where} is {tokens[-1]!r}, not 0, 1 or 2; the file is corrupt: copy or extract it again"
                    )
                xyz[joint], states[joint] = values[:3], int(state)
            frames, positions, tracking = tracks.setdefault(body_id, ([], [], []))
            frames.append(t)
            positions.append(xyz)
            tracking.append(states)
    if lines.k < len(lines.lines):
        n = lines.lines[lines.k][0]
        raise MarionnetteError(
            f"{path}, line {n}: more lines follow the {T} frames that line {count_line} promises; a frame or body "
            "count is wrong: copy or extract the file again"
        )
    if not tracks:
        raise MarionnetteError(
            f"{path}: none of its {T} frames holds a body; NTU lists such files as samples with missing skeletons "
            "(NTU_RGBD_samples_with_missing_skeletons.txt): leave it out"
        )

    bodies = tuple(
        NTUBody(body_id, _frozen(np.array(f, dtype=np.int64)), _frozen(np.stack(p)), _frozen(np.stack(s)))
        for body_id, (f, p, s) in tracks.items()  # dicts keep insertion order: first appearance
    )
    name = path.stem
    fields = _name_fields(name)
    setup, camera, performer, replication, action = (None,) * 5 if fields is None else fields
    return NTUSample(name, setup, camera, performer, replication, action, bodies, T)


def _frozen(array: np.ndarray) -> np.ndarray:
    """``array``, made read-only: an :class:`NTUBody` is frozen, its arrays too."""
    array.setflags(write=False)
    return array
