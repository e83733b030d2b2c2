"""Motion as users bring it (issue 12): BVH files through the reference path, before and after.

    .venv/bin/python scripts/bench_motion.py [--before cfce8fd]

Each reproduction is a motion the character makes itself (so the truth is known exactly),
written as a BVH file on a CMU-named rig (``Hips``, ``LeftUpLeg`` ... ``LeftFoot``,
``LeftToeBase``: the ankles and the balls of the feet) by ``marionnette.motion.save_bvh``,
read back by ``load_bvh`` with no unit given, and retargeted the way
``envs/character/reference.py`` does (``Retargeter(character, ground=..., scale=True)``):

- T-pose start: one T-pose frame, then ``wave`` (CMU clips start so): the arms straight
  out 5 degrees down and the rig's arms 2 cm higher than the character's, or the arms level
  with the elbows bent 5 degrees back;
- jump: ``march`` with the whole body thrown 0.38 m up over 0.6 s;
- foot contact: two strides of ``walk`` with the lowest geometry of each frame 1 cm above
  the floor (heel strikes, toe-offs), and rising onto the toes (ankles 35-45 degrees,
  toes down) and back;
- inch file, CMU units: the jump written in inches and in CMU's units (0.056444 m each):
  the loader column gives what the ``--before`` loader made of the file (read as
  centimetres, 0.61 m across; refused) beside this tree's; the other columns are the jump's
  once the file is read.

Before: the retargeter of git revision ``--before`` (the tree this issue started from),
called as reference.py called it then (``ground=True``: each frame's lowest ankle on the
floor; the files' toe joints dropped). After: this tree (``ground="auto"``: a clip whose
pelvis moves keeps one floor; the toe joints set the ankles; the body kept off the floor).

Columns: the worst wrist error against the file's (cm, and frames over 5 cm), the worst
ankle flexion error (degrees), the highest rise of the pelvis (cm; the clip's truth
first), how far the body's lowest geometry goes below the floor (cm, and frames over 1 cm).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

import mujoco
import numpy as np
from rich.console import Console
from rich.table import Table

import marionnette  # noqa: F401  (headless OpenGL)
from marionnette.body import Character, Retargeter
from marionnette.body.clips import clip_qpos
from marionnette.errors import MarionnetteError
from marionnette.motion import CanonicalJoint, PoseSequence, Skeleton, load_bvh, save_bvh
from marionnette.motion.mapping import FootPoint

ROOT = Path(__file__).resolve().parents[1]
INCH, CMU_UNIT = 0.0254, 0.056444  # metres per file unit
FPS = 30

# The CMU-named rig: (joint, parent, what it is on the character: a canonical joint or a foot site).
RIG = (
    ("Hips", None, CanonicalJoint.PELVIS),
    ("LeftUpLeg", "Hips", CanonicalJoint.LEFT_HIP),
    ("LeftLeg", "LeftUpLeg", CanonicalJoint.LEFT_KNEE),
    ("LeftFoot", "LeftLeg", CanonicalJoint.LEFT_ANKLE),
    ("LeftToeBase", "LeftFoot", FootPoint.LEFT_TOE_BASE),
    ("RightUpLeg", "Hips", CanonicalJoint.RIGHT_HIP),
    ("RightLeg", "RightUpLeg", CanonicalJoint.RIGHT_KNEE),
    ("RightFoot", "RightLeg", CanonicalJoint.RIGHT_ANKLE),
    ("RightToeBase", "RightFoot", FootPoint.RIGHT_TOE_BASE),
    ("Spine", "Hips", CanonicalJoint.SPINE),
    ("Neck", "Spine", CanonicalJoint.NECK),
    ("Head", "Neck", CanonicalJoint.HEAD),
    ("LeftArm", "Neck", CanonicalJoint.LEFT_SHOULDER),
    ("LeftForeArm", "LeftArm", CanonicalJoint.LEFT_ELBOW),
    ("LeftHand", "LeftForeArm", CanonicalJoint.LEFT_WRIST),
    ("RightArm", "Neck", CanonicalJoint.RIGHT_SHOULDER),
    ("RightForeArm", "RightArm", CanonicalJoint.RIGHT_ELBOW),
    ("RightHand", "RightForeArm", CanonicalJoint.RIGHT_WRIST),
)
SKELETON = Skeleton(
    "cmu_rig",
    tuple(n for n, _, _ in RIG),
    tuple(-1 if p is None else [n for n, _, _ in RIG].index(p) for _, p, _ in RIG),
)


def as_rig(character: Character, qpos: np.ndarray, arms_up: float = 0.0) -> PoseSequence:
    """The forward kinematics of ``qpos`` on the CMU-named rig (foot sites as toe bases);
    ``arms_up``: the rig's shoulders, elbows and wrists that much higher than the
    character's (CMU's shoulders sit higher over the hips than the character's)."""
    joints = character.forward_kinematics(qpos, FPS).positions.copy()  # (T, 16, 3)
    arms = [CanonicalJoint[f"{s}_{j}"] for s in ("LEFT", "RIGHT") for j in ("SHOULDER", "ELBOW", "WRIST")]
    joints[:, arms, 1] += arms_up
    feet = character.foot_kinematics(qpos)  # (T, 6, 3)
    positions = np.stack(
        [feet[:, what] if isinstance(what, FootPoint) else joints[:, what] for _, _, what in RIG], axis=1
    )
    return PoseSequence(positions, FPS, SKELETON)


def t_pose_then_wave(character: Character, elbows_back: bool) -> np.ndarray:
    """One T-pose frame, then ``wave``: the arms straight out 5 degrees below horizontal
    (as CMU's T-pose), or level with the elbows bent 5 degrees back, which only the
    extreme shoulder branch makes (flexed 180, abducted 90)."""
    base = clip_qpos("wave", fps=FPS, character=character)
    t_pose = base[0].copy()
    for side in ("left", "right"):
        t_pose[character.qpos_address(f"{side}_shoulder_abduct")] = np.radians(90 if elbows_back else 85)
        if elbows_back:
            t_pose[character.qpos_address(f"{side}_shoulder_flex")] = np.radians(180)
            t_pose[character.qpos_address(f"{side}_elbow")] = np.radians(5)
    return np.concatenate([t_pose[None], base])


def walk(character: Character) -> np.ndarray:
    """Two strides of the built-in walk, each frame's root raised or lowered so that its
    lowest geometry is 1 cm above the floor (the clip places it by the ankles alone)."""
    qpos = clip_qpos("walk", fps=FPS, seconds=2.2, character=character)
    qpos[:, 2] += 0.01 - clearances(character, qpos)
    return qpos


def jump(character: Character, height: float = 0.38) -> np.ndarray:
    qpos = clip_qpos("march", fps=FPS, character=character)
    s = np.clip((np.arange(len(qpos)) - len(qpos) // 2) / round(0.6 * FPS), 0, 1)
    qpos[:, 2] += height * 4 * s * (1 - s)
    return qpos


def clearances(character: Character, qpos: np.ndarray) -> np.ndarray:
    """``(T,)`` metres from the floor to each pose's lowest geometry."""
    data = mujoco.MjData(character.model)
    out = []
    for q in qpos:
        data.qpos[:] = q
        mujoco.mj_kinematics(character.model, data)
        out.append(character.floor_clearance(data))
    return np.array(out)


def on_the_toes(character: Character) -> np.ndarray:
    T = 2 * FPS
    qpos = np.tile(character.standing_qpos, (T, 1))
    s = np.sin(np.linspace(0, np.pi, T)) ** 2
    for side, degrees in (("left", 45), ("right", 35)):
        qpos[:, character.qpos_address(f"{side}_ankle_flex")] = np.radians(degrees) * s
    qpos[:, character.qpos_address("left_hip_flex")] = np.radians(30) * s
    qpos[:, character.qpos_address("left_knee")] = np.radians(40) * s
    qpos[:, 2] += 0.01 - clearances(character, qpos)  # the lowest geometry 1 cm up, as standing
    return qpos


def through_a_file(seq: PoseSequence, folder: Path, name: str, metres_per_unit: float) -> PoseSequence | str:
    """``seq`` written as a BVH file in the given unit and read back with no unit given:
    the sequence, or the loader's one-line refusal."""
    path = folder / f"{name}.bvh"
    save_bvh(PoseSequence(seq.positions / metres_per_unit, seq.fps, seq.skeleton), path)
    try:
        return load_bvh(path)
    except MarionnetteError as e:
        return f"refused: {e}".replace(str(path), path.name)


def measure(character: Character, truth: np.ndarray, rig: PoseSequence, solved: np.ndarray) -> dict[str, str]:
    """The table's cells for one retargeting of the clip whose qpos is ``truth`` (the
    file's wrists, ``rig``'s, are the wrists' truth)."""
    wrists = [CanonicalJoint.LEFT_WRIST, CanonicalJoint.RIGHT_WRIST]
    hands = [SKELETON.index("LeftHand"), SKELETON.index("RightHand")]
    error = np.linalg.norm(
        character.forward_kinematics(solved).positions[:, wrists] - rig.positions[:, hands], axis=-1
    ).max(axis=1)  # (T,)
    ankles = [character.qpos_address(f"{side}_ankle_flex") for side in ("left", "right")]
    ankle = np.degrees(np.abs(solved[:, ankles] - truth[:, ankles])).max()
    rise = 100 * np.array([(truth[:, 2] - truth[0, 2]).max(), (solved[:, 2] - solved[0, 2]).max()])
    below = -100 * clearances(character, solved)  # (T,) cm below the floor
    return {
        "wrist": f"{100 * error.max():.1f} / {(error > 0.05).sum()}",
        "ankle": f"{ankle:.1f}",
        "jump": f"{rise[0]:.0f} → {rise[1]:.0f}",
        "floor": f"{max(below.max(), 0):.1f} / {(below > 1).sum()}",
    }


def before_loader(revision: str):
    """``load_bvh`` of ``marionnette/motion/bvh.py`` at git ``revision``, or None."""
    module = _module_at(revision, "marionnette/motion/bvh.py", "bvh_before")
    return None if module is None else module.load_bvh


def loader_answer(load, seq: PoseSequence, folder: Path, name: str, metres_per_unit: float) -> str:
    """What ``load`` makes of ``seq`` written in the given unit: how tall it reads, or its refusal."""
    path = folder / f"{name}.bvh"
    save_bvh(PoseSequence(seq.positions / metres_per_unit, seq.fps, seq.skeleton), path)
    try:
        read = load(path)
    except MarionnetteError as e:
        return "refused (" + str(e).replace(str(path), path.name).split(";")[0].split("(")[-1].rstrip(")") + ")"
    return f"spans {np.ptp(read.positions[0], axis=0).max():.2f} m"


def _module_at(revision: str, file: str, name: str):
    """The module ``file`` as it was at git ``revision``, imported under ``name``, or None."""
    try:
        source = subprocess.run(["git", "show", f"{revision}:{file}"], cwd=ROOT, capture_output=True, check=True)
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    path = Path(tempfile.mkdtemp()) / f"{name}.py"
    path.write_bytes(source.stdout)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def before_retargeter(revision: str):
    """The ``Retargeter`` class of ``marionnette/body/retarget.py`` at git ``revision``, or None."""
    try:
        source = subprocess.run(
            ["git", "show", f"{revision}:marionnette/body/retarget.py"], cwd=ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "retarget_before.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("retarget_before", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["retarget_before"] = module
    spec.loader.exec_module(module)
    return module.Retargeter


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="cfce8fd", help="git revision whose retargeter is 'before'")
    args = parser.parse_args()
    console = Console()
    console.print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    character = Character()
    old = before_retargeter(args.before)
    old_load = before_loader(args.before)
    if old is None:
        console.print(f"[yellow]git revision {args.before!r} not found: no 'before' columns[/]")

    jumping = jump(character)
    cases = [  # (reproduction, truth qpos, the clip on the rig, metres per file unit)
        (
            "T-pose start (arms 5° down, 2 cm high)",
            (q := t_pose_then_wave(character, False)),
            as_rig(character, q, 0.02),
            1.0,
        ),
        ("T-pose start (elbows 5° back)", (q := t_pose_then_wave(character, True)), as_rig(character, q), 1.0),
        ("jump 0.38 m", jumping, as_rig(character, jumping), 1.0),
        ("foot contact: walk", (q := walk(character)), as_rig(character, q), 1.0),
        ("foot contact: onto the toes", (q := on_the_toes(character)), as_rig(character, q), 1.0),
        ("inch file", jumping, as_rig(character, jumping), INCH),
        ("CMU units", jumping, as_rig(character, jumping), CMU_UNIT),
    ]
    table = Table(title=f"retargeting BVH files, before ({args.before}) → after (this tree)")
    table.add_column("reproduction")
    table.add_column("loader")
    for what in ("wrist cm / >5 cm", "ankle °", "jump cm", "below floor cm / >1 cm"):
        table.add_column(f"{what}\nbefore", justify="right")
        table.add_column("after", justify="right")
    with tempfile.TemporaryDirectory() as folder:
        for k, (name, truth, rig, unit) in enumerate(cases):
            loaded = through_a_file(rig, Path(folder), f"case{k}", unit)
            if isinstance(loaded, str):
                table.add_row(name, loaded, *[""] * 8)
                continue
            extent = np.ptp(loaded.positions[0], axis=0).max()
            reader = f"read, spans {extent:.2f} m"
            if unit != 1.0 and old_load is not None:  # what the loader made of the file before
                reader = f"{loader_answer(old_load, rig, Path(folder), f'old{k}', unit)} → {reader}"
            after = measure(character, truth, rig, Retargeter(character, ground="auto", scale=True).solve(loaded))
            before = (
                measure(character, truth, rig, old(character, ground=True, scale=True).solve(loaded)) if old else {}
            )
            cells = [c for key in ("wrist", "ankle", "jump", "floor") for c in (before.get(key, "-"), after[key])]
            table.add_row(name, reader, *cells)
    console.print(table)


if __name__ == "__main__":
    main()
