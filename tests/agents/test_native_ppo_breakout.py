"""Native PPO learns Breakout from pixels: the Nature CNN, the shipped ppo_native.yml entry.

Seeded learning check. It trains as the RL Zoo and CleanRL train Atari agents: every
ball served for the agent (``auto_serve``, SB3's FireResetEnv) and a lost ball ending the
training episode (``terminal_on_life_loss``, EpisodicLifeEnv). It scores as they do:
whole games of 5 balls (``terminal_on_life_loss`` off), actions sampled from the policy
as in training, on game seeds training never saw. A uniformly random policy plays the
same games, the baseline. Figures: docs/BENCHMARKS.md, "Native PPO on Breakout pixels".
"""

import gymnasium as gym
import pytest
import torch
from torch.distributions import Categorical

from marionnette import agents

ID = "marionnette/Breakout-v0"
SEED = 0
GAMES = 32
EVAL_SEED = 10_000  # game seeds 10,000..10,031, none of them seen in training
THRESHOLD = 3.0  # mean points a game the trained agent must reach (measured 6.2; random about 0.7)


def play_breakout(model, env_kwargs: dict, n: int = GAMES, seed: int = EVAL_SEED) -> torch.Tensor:
    """``n`` whole games at once, each action sampled from ``model``'s logits; each game's points."""
    kwargs = {**env_kwargs, "terminal_on_life_loss": False}  # whole games, 5 balls each
    envs = gym.make_vec(ID, num_envs=n, vectorization_mode="vector_entry_point", **kwargs)
    obs, _ = envs.reset(seed=seed)
    generator = torch.Generator().manual_seed(seed)
    total, finished = torch.zeros(n), torch.zeros(n, dtype=torch.bool)
    while not finished.all():
        with torch.no_grad():
            logits, _ = model(obs)
        action = torch.multinomial(Categorical(logits=logits).probs, 1, generator=generator)[:, 0]
        obs, reward, terminated, truncated, _ = envs.step(action)
        total += reward * ~finished
        finished |= terminated | truncated
    return total


def uniform(obs: torch.Tensor) -> tuple[torch.Tensor, None]:
    """The random policy, as a model: equal logits for Breakout's 4 actions."""
    return torch.zeros(obs.shape[0], 4), None


@pytest.mark.slow
def test_native_ppo_learns_breakout_from_pixels(tmp_path, one_thread):
    """About 29 min on 2 cores (one thread; 1,732 s here): 400k steps, then 32 sampled games beside random's."""
    run = agents.train(ID, "ppo_native", seed=SEED, device="cpu", runs_dir=tmp_path)
    env_kwargs = agents.run_config(run.path)["hyperparams"]["env_kwargs"]
    assert env_kwargs["obs_type"] == "pixels"
    policy = agents.load(run.path)
    assert policy.model.pixels and isinstance(policy.model.trunk[0], torch.nn.Conv2d)

    learned, random = play_breakout(policy.model, env_kwargs), play_breakout(uniform, env_kwargs)
    message = f"learned {learned.mean():.2f} a game {learned.tolist()}, random {random.mean():.2f}"
    assert learned.mean() >= THRESHOLD, message
    assert learned.mean() >= 3 * random.mean(), message
