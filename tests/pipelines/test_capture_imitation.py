"""Imitating a captured clip made plausible, against imitating the true clip (issue 12, item 10).

The virtual camera films the character waving (``virtual:wave``); the real pipeline
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
from marionnette.body import Character
from marionnette.body.clips import clip_qpos
from marionnette.envs.character.imitate import mpjpe
from marionnette.motion.contacts import plausible_reference
from marionnette.pipelines.capture import capture
from marionnette.pipelines.puppet import virtual_source

IMITATE = "marionnette/CharacterImitate-v0"
STEPS = 300_000  # each training: 6 min for both and the capture on 2 shared cores (12 beside another training)
STARTS = (0, 60, 120)  # start frames scored (averaged: single plays blip), as the wave check does
FACTOR = 30.0  # measured 24.3 (seed 0): see the test's docstring


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


@pytest.mark.slow
def test_a_captured_wave_imitates_within_a_factor_of_the_true_clip(tmp_path):
    """Measured (seed 0, 300k steps each, shipped ppo.yml; 6 min): the true clip imitated
    to 1.5 cm against the truth; the plausible capture to 36.4 cm (33.6 cm from its own
    reference), where plain PD tracking of that capture scores 70.2 cm from the same
    starts (from frame 0 it falls at frame 43 of 180) and the character standing still
    6.5 cm. The captured character has learned to stay up for part of the clip, not to
    wave: MediaPipe's reading of the character bends its knees 21-26 degrees and, as the
    arm rises, puts the pelvis 8 cm behind the planted feet, a stance PD control cannot
    hold, and its joints are already 7.6 cm from the truth before any physics
    (``scripts/bench_capture_reference.py``). So FACTOR (30, over the measured 24.3)
    states where capture-to-imitation stands today, a bound that fails if the captured
    character falls as it does untrained (46 times); the second assertion is that
    training on the capture works at all (measured: 0.52 of plain PD's error; 0.42 with
    the same reference retargeted with a fixed damping of 1e-2 instead of the
    retargeter's error-scaled one, which plain PD tracking cannot tell apart: both fall
    at frame 43, so the spread is the training's own, and the bound is 0.7). Squat, the
    issue's first choice, is not learned even from the true clip at 800k steps (24-44 cm
    against 13.7 cm standing still), so no factor could be read off it."""
    started = time.perf_counter()
    character = Character()
    captured = plausible_reference(capture(virtual_source("virtual:wave")).fill_gaps())
    clip = str(captured.save(tmp_path / "wave.npz"))
    truth = character.forward_kinematics(clip_qpos("wave", fps=50, character=character), fps=50).positions
    scores = {}
    zero = functools.partial(np.zeros, (26,), np.float32)
    for name, source in (("true", "wave"), ("captured", clip)):
        run = agents.train(IMITATE, "ppo", steps=STEPS, seed=0, device="cpu", runs_dir=tmp_path / name,
                           overrides=[f"env_kwargs.clip={source}"])  # fmt: skip
        policy = agents.load(run.path)
        env = gym.make(IMITATE, clip=source)
        plays = [tracked(env, truth, policy.predict, frame) for frame in STARTS]
        scores[name] = tuple(float(np.mean(column)) for column in zip(*plays, strict=True))
    untrained = float(np.mean([tracked(env, truth, lambda obs: zero(), frame)[0] for frame in STARTS]))
    (true_vs_truth, true_own), (captured_vs_truth, captured_own) = scores["true"], scores["captured"]
    print(
        f"MPJPE against the true clip: true clip {100 * true_vs_truth:.1f} cm, captured {100 * captured_vs_truth:.1f} "
        f"cm (plain PD {100 * untrained:.1f} cm); against their own references {100 * true_own:.1f} / "
        f"{100 * captured_own:.1f} cm; {time.perf_counter() - started:.0f} s"
    )
    assert captured_vs_truth < FACTOR * true_vs_truth
    assert captured_vs_truth < 0.7 * untrained
