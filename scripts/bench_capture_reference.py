"""A captured clip as an imitation reference: raw, and made plausible, against the true clip.

    .venv/bin/python scripts/bench_capture_reference.py [--clips walk squat] [--camera front]

The character plays a built-in clip (``walk`` for ``--strides`` strides, ``squat`` once) and
is filmed by its own camera at 30 fps (``front`` is what ``virtual:CLIP`` films; ``track``
films it from its right, where a stride is seen side on); the real pipeline captures it
(:func:`marionnette.pipelines.capture.capture`: MediaPipe, calibration, One-Euro), and
:func:`marionnette.motion.contacts.plausible_reference` rebuilds the root and plants the
feet. Each reference is put under plain PD tracking (zero actions: no training) in
``CharacterImitate-v0``, and the character's 16 joints are compared frame by frame with the
*true* clip's (its forward kinematics at the control rate, 50 fps), with no alignment:

- ``true clip``: the built-in clip by name (its keyframed qpos; ``walk`` looping);
- ``true joints``: its forward kinematics as a PoseSequence, retargeted like any file
  (what a perfect capture would give);
- ``raw capture``: ``capture(...).fill_gaps()``, what ``marionnette imitate VIDEO`` trains on;
- ``plausible``: ``plausible_reference`` of it (with its flat feet), retargeted as
  ``reference_qpos`` does today (``Retargeter(ground=True, scale=True)``);
- ``..., damped IK``: the same retargeted with ``damping=1e-2`` on top of the retargeter's
  own error-scaled damping. Before that damping, each IK step on a capture overshot
  between two solutions in alternate frames (the ``IK jump`` column: 0.73 rad then), and
  1e-2 was what stopped it; the rows now show it changes nothing. ``clip floor``: with
  ``ground="clip"`` (one floor for the clip);
- ``standing still``: the character's zero pose at the origin.

Columns: ``vs truth`` (cm, the score that matters), ``vs own reference`` (cm, how well PD
tracking follows the reference it was given: ``episode_mpjpe``), ``fell at`` (the first
frame where the env would terminate early, of T; tracking plays on through falls, as
``episode_mpjpe`` does), ``reference vs truth`` (cm, the reference's own forward kinematics
against the truth: the capture's error before any physics), the reference's travel and
pelvis height span, and ``IK jump`` (the largest change of a hinge angle from one reference
frame to the next, rad). Plain PD tracking (no training) falls on every squat and walk, the
true ones included (``CharacterImitate-v0``'s docstring): it shows a reference the body
cannot even start from; the slow check ``tests/pipelines/test_capture_imitation.py`` trains.
A capture sees the person's heading, not the camera's: each capture is turned about the
vertical so that its first half second faces +z, as the true clip does.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

if sys.platform == "linux" and not os.environ.get("DISPLAY"):
    os.environ.setdefault("MUJOCO_GL", "egl")  # before mujoco is imported: it picks its backend then

import numpy as np  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

import marionnette  # noqa: F401, E402  (headless OpenGL)
from marionnette.body import Character, Retargeter, VirtualCamera  # noqa: E402
from marionnette.body.clips import clip_qpos, spec  # noqa: E402
from marionnette.envs.character.imitate import CharacterImitateEnv, _end_features, episode_mpjpe, mpjpe  # noqa: E402
from marionnette.motion import CanonicalJoint, PoseSequence  # noqa: E402
from marionnette.motion.contacts import foot_contacts, foot_slide, plausible_reference  # noqa: E402
from marionnette.pipelines.capture import capture  # noqa: E402

CAPTURE_FPS = 30.0  # the virtual camera's frame rate, as virtual:CLIP films


def filmed(name: str, seconds: float, camera: str, character: Character) -> VirtualCamera:
    """The character playing clip ``name`` for ``seconds``, filmed at 30 fps."""
    return VirtualCamera(character, clip_qpos(name, CAPTURE_FPS, seconds, character), fps=CAPTURE_FPS, camera=camera)


def face_forward(seq: PoseSequence, seconds: float = 0.5) -> PoseSequence:
    """``seq`` turned about the vertical (y) so that over its first ``seconds`` the hips'
    axis (right to left) points along +x: the person faces +z, as the character's clips do."""
    first = seq.positions[: max(1, round(seconds * seq.fps))].astype(np.float64)
    axis = (first[:, CanonicalJoint.LEFT_HIP] - first[:, CanonicalJoint.RIGHT_HIP]).mean(axis=0)  # (3,)
    angle = np.arctan2(axis[2], axis[0])  # of the hips' axis from +x towards +z
    c, s = np.cos(angle), np.sin(angle)
    turn = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])  # about y, +x onto the hips' axis undone
    return PoseSequence(seq.positions @ turn.T, seq.fps, seq.skeleton, seq.confidence)


def retargeted_env(seq: PoseSequence, **retargeter: object) -> CharacterImitateEnv:
    """``CharacterImitateEnv(clip=seq)`` with its reference retargeted by
    ``Retargeter(scale=True, **retargeter)`` instead of ``reference_qpos``'s
    ``Retargeter(ground=True, scale=True)``: a preview of the changes this bench argues for
    (the env takes no retargeter, so its reference is replaced in place)."""
    env = CharacterImitateEnv(clip=seq)
    qpos = Retargeter(env.character, scale=True, **retargeter).solve(seq.resample(1 / env.dt))
    env.reference_qpos = qpos
    env.reference_qvel = env._velocities(qpos)
    env.reference = env.character.forward_kinematics(qpos, fps=1 / env.dt)
    env._reference_ends = _end_features(env.reference.positions.astype(np.float64))
    return env


def tracked(
    env: CharacterImitateEnv, truth: np.ndarray, policy: Callable[[np.ndarray], np.ndarray] | None = None
) -> tuple[float, int]:
    """``(MPJPE in metres against truth (T, 16, 3), first terminating frame or T)``: the env
    reset at frame 0 and stepped (zero actions when ``policy`` is None) through the
    truth's frames, through early terminations, comparing the character's canonical joints
    with ``truth`` frame by frame."""
    obs, _ = env.reset(seed=0, options={"frame": 0})
    steps = min(len(truth), len(env.reference_qpos) if not env.loop else len(truth))
    errors = [mpjpe(env.character.joint_positions(env.data), truth[0])]
    fell = steps
    zero = np.zeros(env.action_space.shape, np.float32)
    for t in range(1, steps):
        obs, _, terminated, _, _ = env.step(zero if policy is None else policy(obs))
        errors.append(mpjpe(env.character.joint_positions(env.data), truth[t]))
        if terminated and fell == steps:
            fell = t
    return float(np.mean(errors)), fell


def reference_positions(env: CharacterImitateEnv, T: int) -> np.ndarray:
    """``(T', 16, 3)`` the env's reference (its forward kinematics, laps included when
    looping) over its first ``T' = min(T, clip length)`` frames (all ``T`` when looping)."""
    frames = T if env.loop else min(T, len(env.reference_qpos))
    qpos = np.array([env._lap_qpos(t) if env.loop else env.reference_qpos[t] for t in range(frames)])
    return env.character.forward_kinematics(qpos, fps=1 / env.dt).positions


def bench(name: str, seconds: float, camera: str, console: Console) -> Table:
    character = Character()
    control_fps = 50.0  # CharacterImitate-v0's control rate (dt = 0.02 s)
    truth = character.forward_kinematics(clip_qpos(name, control_fps, seconds, character), fps=control_fps)
    T = len(truth)

    started = time.perf_counter()
    raw = face_forward(capture(filmed(name, seconds, camera, character)).fill_gaps())
    captured_s = time.perf_counter() - started
    started = time.perf_counter()
    plausible = plausible_reference(raw)
    plausible_s = time.perf_counter() - started

    # What the contact module did, on the capture at 30 fps.
    contacts = foot_contacts(raw)
    console.print(
        f"{name} ({camera} camera, {seconds:g} s): captured {len(raw)} frames in {captured_s:.1f} s, "
        f"plausible_reference in {1000 * plausible_s:.0f} ms; contacts in {contacts.mean():.0%} of foot-frames "
        f"(the true clip's: {foot_contacts(truth).mean():.0%}); contact-foot slide "
        f"{foot_slide(raw, contacts):.2f} m/s raw -> {foot_slide(plausible, contacts):.3f} m/s plausible",
        highlight=False,
    )

    table = Table(
        "reference", "vs truth (cm)", "vs own reference (cm)", "fell at", "reference vs truth (cm)", "travel (m)",
        "pelvis height span (m)", "IK jump (rad)",
        title=f"{name}: plain PD tracking, {T} frames at 50 fps, {camera} camera",
    )  # fmt: skip
    travels = spec(name).travels
    damped = 1e-2  # the fixed damping that once stopped the steps overshooting (Retargeter's default: 1e-4)
    rows: list[tuple[str, Callable[[], CharacterImitateEnv]]] = [
        ("true clip", lambda: CharacterImitateEnv(clip=name, loop=travels)),
        ("true joints", lambda: CharacterImitateEnv(clip=truth)),
        ("raw capture", lambda: CharacterImitateEnv(clip=raw)),
        ("plausible", lambda: CharacterImitateEnv(clip=plausible)),
        ("raw capture, damped IK", lambda: retargeted_env(raw, ground=True, damping=damped)),
        ("plausible, damped IK", lambda: retargeted_env(plausible, ground=True, damping=damped)),
        ("plausible, damped IK, clip floor", lambda: retargeted_env(plausible, ground="clip", damping=damped)),
    ]
    for label, make in rows:
        started = time.perf_counter()
        env = make()
        vs_truth, fell = tracked(env, truth.positions)
        own = episode_mpjpe(env) if not env.loop else float("nan")
        reference = reference_positions(env, T)  # (T, 16, 3)
        pelvis = reference[:, CanonicalJoint.PELVIS].astype(np.float64)
        jump = np.abs(np.diff(env.reference_qpos[:, env.character.hinge_qpos], axis=0)).max()  # rad per frame
        table.add_row(
            label,
            f"{100 * vs_truth:.1f}",
            "" if np.isnan(own) else f"{100 * own:.1f}",
            f"{fell}/{T}",
            f"{100 * mpjpe(reference, truth.positions[: len(reference)]):.1f}",
            f"{np.linalg.norm(pelvis[-1, [0, 2]] - pelvis[0, [0, 2]]):.2f}",
            f"{np.ptp(pelvis[:, 1]):.3f}",
            f"{jump:.2f}",
        )
        console.print(f"  {label}: {time.perf_counter() - started:.1f} s", highlight=False)
    standing = character.forward_kinematics(character.standing_qpos).positions[0]
    table.add_row("standing still", f"{100 * mpjpe(standing, truth.positions):.1f}", "", "", "", "", "", "")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", nargs="+", default=["walk", "squat"], help="built-in clips to film")
    parser.add_argument("--camera", default="front", choices=("front", "track"), help="the camera that films")
    parser.add_argument("--strides", type=int, default=4, help="strides of walk (each 1.1 s)")
    args = parser.parse_args()
    console = Console(width=160)
    cpu = platform.processor() or platform.machine()
    console.print(f"machine: {cpu}, {os.cpu_count()} cores; python {platform.python_version()}", highlight=False)
    for name in args.clips:
        seconds = spec(name).duration * (args.strides if spec(name).travels else 1)
        console.print(bench(name, seconds, args.camera, console))


if __name__ == "__main__":
    main()
