"""The slow imitation check of issue 6: SB3 PPO with the shipped YAML imitates the wave clip."""

import gymnasium as gym
import numpy as np
import pytest

from marionnette import agents
from marionnette.envs.character.imitate import episode_mpjpe, mpjpe

IMITATE = "marionnette/CharacterImitate-v0"


@pytest.mark.slow
def test_ppo_imitates_the_wave_clip_better_than_standing_still(tmp_path):
    """400k steps of the shipped ppo.yml (seed 0), ~10 min on 2 cores. The whole-clip MPJPE
    from start frames 0, 60 and 120 (averaged: single plays blip) must fall below half the
    MPJPE of the character standing still (0.065 m). Measured in sanity runs: 0.016-0.018 m
    at 200-300k steps. Plain PD tracking of the reference (zero actions) already scores
    0.021 m on wave, so this shows imitation works end to end, not that PPO beat PD."""
    run = agents.train(IMITATE, "ppo", seed=0, device="cpu", runs_dir=tmp_path)
    policy = agents.load(run.path)
    env = gym.make(IMITATE, clip="wave")
    reference = env.unwrapped.reference.positions  # (T, 16, 3)
    standing = env.unwrapped.character.forward_kinematics(env.unwrapped.character.standing_qpos).positions[0]
    still = float(np.mean([mpjpe(standing, frame) for frame in reference]))
    learned = float(np.mean([episode_mpjpe(env, policy.predict, frame=k) for k in (0, 60, 120)]))
    print(f"MPJPE: learned {learned:.4f} m, standing still {still:.4f} m")
    assert learned < 0.5 * still
