"""Imitating a captured clip made plausible, against imitating the true clip (issue 12, item 10).

The virtual camera films the character squatting (``virtual:squat``); the real pipeline
captures it (MediaPipe, calibration, One-Euro) and
:func:`~marionnette.motion.contacts.plausible_reference` rebuilds its root and plants its
feet. SB3 PPO then trains ``CharacterImitate-v0`` on that capture and on the true clip at
the same budget, and both trained characters are scored against the *true* clip's joints.
"""

import functools
import time

import gymnasium as gym
import numpy as np
import pytest

from marionnette import agents
from marionnette.body import Character, Retargeter
from marionnette.body.clips import clip_qpos
from marionnette.envs.character import reference
from marionnette.envs.character.imitate import mpjpe
from marionnette.motion.contacts import plausible_reference
from marionnette.pipelines.capture import capture
from marionnette.pipelines.puppet import virtual_source

IMITATE = "marionnette/CharacterImitate-v0"
STEPS = 150_000  # each training; ~TODO min on 2 shared cores
STARTS = (0, 40, 80)  # start frames scored (averaged: single plays blip)
FACTOR = 4.0  # see the test's docstring for the measurement it is chosen from


def tracked(env, truth: np.ndarray, policy, frame: int) -> tuple[float, float]:
    """``(MPJPE against truth (T, 16, 3), MPJPE against the env's own reference)`` in metres
    of one play from ``frame`` to the clip's end, through early terminations (as
    ``episode_mpjpe`` plays), the character's joints compared with ``truth`` frame by frame."""
    base = env.unwrapped
    obs, info = env.reset(seed=0, options={"frame": frame})
    steps = min(len(truth), len(base.reference_qpos))
    errors, own = [mpjpe(base.character.joint_positions(base.data), truth[frame])], [info["mpjpe"]]
    for t in range(frame + 1, steps):
        obs, _, _, _, info = env.step(policy(obs))
        errors.append(mpjpe(base.character.joint_positions(base.data), truth[t]))
        own.append(info["mpjpe"])
    return float(np.mean(errors)), float(np.mean(own))


@pytest.fixture
def damped_retargeter(monkeypatch):
    """The reference retargeted with damping 1e-2 instead of ``Retargeter``'s 1e-4: on
    MediaPipe's capture (a trunk a few cm longer than the character's once scaled) each
    undamped IK step overshoots between two solutions, spine flexion -21 and +21 degrees
    in alternate frames (0.73 rad per 20 ms frame), and any reference made from a capture
    falls at once. Remove once ``body/retarget.py`` damps its steps."""
    monkeypatch.setattr(reference, "Retargeter", functools.partial(Retargeter, damping=1e-2))


@pytest.mark.slow
def test_a_captured_squat_imitates_within_a_factor_of_the_true_clip(tmp_path, damped_retargeter):
    """Measured (seed 0, TODO): trained on the true clip TODO cm against the truth, on the
    plausible capture TODO cm (its own reference: TODO cm). The capture itself bounds the
    second: the plausible reference's own joints are 13.0 cm from the truth (MediaPipe reads
    the squat 11 cm shallower at the pelvis; the character standing still is 13.7 cm from
    it), so the factor measures the capture, not the learning; FACTOR leaves TODO% margin
    over the measured ratio. The second assertion is the plausibility: the character learns
    to follow the captured reference about as closely as the true one."""
    started = time.perf_counter()
    character = Character()
    captured = plausible_reference(capture(virtual_source("virtual:squat")).fill_gaps())
    clip = str(captured.save(tmp_path / "squat.npz"))
    truth = character.forward_kinematics(clip_qpos("squat", fps=50, character=character), fps=50).positions
    scores = {}
    for name, source in (("true", "squat"), ("captured", clip)):
        run = agents.train(IMITATE, "ppo", steps=STEPS, seed=0, device="cpu", runs_dir=tmp_path / name,
                           overrides=[f"env_kwargs.clip={source}"])  # fmt: skip
        policy = agents.load(run.path)
        env = gym.make(IMITATE, clip=source)
        plays = [tracked(env, truth, policy.predict, frame) for frame in STARTS]
        scores[name] = tuple(float(np.mean(column)) for column in zip(*plays, strict=True))
    (true_vs_truth, true_own), (captured_vs_truth, captured_own) = scores["true"], scores["captured"]
    print(
        f"MPJPE against the true clip: true clip {100 * true_vs_truth:.1f} cm, captured {100 * captured_vs_truth:.1f} "
        f"cm; against their own references {100 * true_own:.1f} / {100 * captured_own:.1f} cm; "
        f"{time.perf_counter() - started:.0f} s"
    )
    assert captured_vs_truth < FACTOR * true_vs_truth
    assert captured_own < 2.0 * true_own
