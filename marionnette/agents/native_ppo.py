"""PPO for the torch-batched arcade games, with everything on the env's device.

Rollouts, GAE and updates never leave the device the games step on: the observation
tensor the env returns is the tensor the network reads. One rollout, one GAE, one loss,
after CleanRL's ``ppo_atari.py`` (Huang et al. 2022, "The 37 implementation details of
PPO") and Schulman et al. 2017; the Nature CNN for pixels is Mnih et al. 2015's.

The games autoreset on the next step (Gymnasium's ``AutoresetMode.NEXT_STEP``): the step
after an episode ends returns the new episode's first observation and ignores its action.
Those steps are masked out of the loss, and advantages never cross an episode boundary.
A truncated episode bootstraps from the value of its final observation.

Ready for a GPU: the rollout loop never waits on the device. Actions are sampled by the
Gumbel-max trick (``torch.multinomial`` checks its input on the host), distributions are
built without argument validation (each check is a sync), the games skip their action
check (and restack pixel frames without one off the CPU), finished episodes are summed on
the device (:class:`EpisodeStats`): the host reads the device twice a rollout, the
update's losses and the episode sums. Every draw comes from one ``torch.Generator`` on
the device, seeded from the run's seed and the iteration it starts from
(:func:`trainer_generator`): a run repeats exactly, and so does a run resumed from the
same checkpoint.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, NamedTuple

import gymnasium as gym
import numpy as np
import torch
from torch import nn
from torch.distributions import Categorical

from marionnette.agents.family import ProgressFn
from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.files import atomic_open
from marionnette.nets import distributed
from marionnette.nets.distributed import World, all_sum
from marionnette.nets.training import read_weights
from marionnette.runs import Checkpoint, ProgressLog, Run

CHECKPOINT_EXT = "pt"


@dataclass
class NativePPOConfig:
    n_timesteps: int = 2_000_000
    """Environment steps in all (rounded up to whole rollouts of ``n_envs * n_steps``)."""
    n_envs: int = 256
    """Games stepped at once, as one batch on the device."""
    n_steps: int = 128
    """Steps per game in each rollout."""
    n_epochs: int = 4
    """Passes over each rollout."""
    n_minibatches: int = 4
    """Minibatches per pass."""
    learning_rate: float = 2.5e-4
    """Adam step size, annealed linearly to 0 when ``anneal_lr``."""
    anneal_lr: bool = True
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip_range: float = 0.1
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    max_grad_norm: float = 0.5
    net_arch: list[int] = field(default_factory=lambda: [64, 64])
    """Hidden layers of the MLP policy and value networks (state observations)."""
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    """Passed to the game, e.g. ``{obs_type: pixels}``."""
    checkpoint_every: int = 500_000
    """Save every this many steps (and at the end)."""

    def __post_init__(self):
        if self.n_envs * self.n_steps % self.n_minibatches:
            raise MarionnetteError(
                f"n_envs * n_steps = {self.n_envs * self.n_steps} must divide into n_minibatches={self.n_minibatches}"
            )

    @property
    def batch_size(self) -> int:  # (computed) samples per rollout
        return self.n_envs * self.n_steps

    @property
    def iterations(self) -> int:  # (computed) rollouts in the whole run
        return math.ceil(self.n_timesteps / self.batch_size)


def hyperparam_keys(algo: str) -> set[str]:
    return {f.name for f in fields(NativePPOConfig)}


# --------------------------------------------------------------------------------------
# The network


def _layer(layer: nn.Module, gain: float = math.sqrt(2)) -> nn.Module:
    """Orthogonal weights, zero bias: the initialisation PPO implementations rely on."""
    nn.init.orthogonal_(layer.weight, gain)
    nn.init.constant_(layer.bias, 0.0)
    return layer


class ActorCritic(nn.Module):
    """Nature CNN with shared trunk for ``(4, 84, 84)`` uint8 frames; separate tanh MLPs
    for state vectors. ``forward(obs) -> (logits (B, A), value (B,))``."""

    def __init__(self, obs_shape: tuple[int, ...], n_actions: int, net_arch: list[int]):
        super().__init__()
        # Plain ints (not numpy's), so that checkpoints holding them load with weights_only.
        self.obs_shape, self.n_actions = tuple(int(d) for d in obs_shape), int(n_actions)
        self.pixels = len(obs_shape) == 3
        if self.pixels:
            c = obs_shape[0]
            self.trunk = nn.Sequential(
                _layer(nn.Conv2d(c, 32, 8, stride=4)), nn.ReLU(),
                _layer(nn.Conv2d(32, 64, 4, stride=2)), nn.ReLU(),
                _layer(nn.Conv2d(64, 64, 3, stride=1)), nn.ReLU(),
                nn.Flatten(),
                _layer(nn.Linear(64 * 7 * 7, 512)), nn.ReLU(),
            )  # fmt: skip
            self.actor = _layer(nn.Linear(512, n_actions), gain=0.01)
            self.critic = _layer(nn.Linear(512, 1), gain=1.0)
        else:
            self.trunk = nn.Identity()

            def mlp(out: int, gain: float) -> nn.Sequential:
                sizes = [obs_shape[0], *net_arch]
                layers: list[nn.Module] = []
                for a, b in zip(sizes[:-1], sizes[1:], strict=True):
                    layers += [_layer(nn.Linear(a, b)), nn.Tanh()]
                return nn.Sequential(*layers, _layer(nn.Linear(sizes[-1], out), gain=gain))

            self.actor = mlp(n_actions, gain=0.01)
            self.critic = mlp(1, gain=1.0)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = obs.float() / 255.0 if self.pixels else obs  # (B, 4, 84, 84) or (B, D)
        h = self.trunk(x)
        return self.actor(h), self.critic(h).squeeze(-1)


class NativePolicy:
    """``predict(obs, action_mask=None, deterministic=True)`` for a trained ActorCritic."""

    def __init__(self, model: ActorCritic, device: torch.device):
        self.model, self.device = model.eval(), device

    def predict(self, obs, action_mask=None, deterministic=True):
        obs_t = torch.as_tensor(np.asarray(obs), device=self.device)
        single = obs_t.dim() == (3 if self.model.pixels else 1)
        with torch.no_grad():
            logits, _ = self.model(obs_t[None] if single else obs_t)
        if action_mask is not None:
            mask = torch.as_tensor(np.asarray(action_mask), device=self.device).bool()
            logits = logits.masked_fill(~mask.reshape(logits.shape), -torch.inf)
        action = logits.argmax(-1) if deterministic else Categorical(logits=logits).sample()
        return int(action[0]) if single else action.cpu().numpy()


# --------------------------------------------------------------------------------------
# Training


class Rollout(NamedTuple):
    obs: torch.Tensor  # (T, N, *obs_shape)
    actions: torch.Tensor  # (T, N) int64
    logprobs: torch.Tensor  # (T, N)
    values: torch.Tensor  # (T, N)
    advantages: torch.Tensor  # (T, N)
    returns: torch.Tensor  # (T, N)
    valid: torch.Tensor  # (T, N) bool: False for the autoreset steps, whose action was ignored


def gae(
    rewards: torch.Tensor,
    values: torch.Tensor,
    next_value: torch.Tensor,
    terminated: torch.Tensor,
    ended: torch.Tensor,
    gamma: float,
    lam: float,
) -> torch.Tensor:
    """Generalised advantage estimates, ``(T, N)``.

    ``values[t]`` is V(obs[t]); ``next_value`` V of the observation after the last step.
    A terminated transition does not bootstrap; an ended one (terminated or truncated)
    does not pass its advantage back across the episode boundary. With next-step
    autoreset the observation after a truncated step is its true final observation, so
    ``values[t + 1]`` is the right bootstrap for it.
    """
    steps = rewards.shape[0]
    advantages = torch.zeros_like(rewards)
    last = torch.zeros_like(next_value)
    for t in reversed(range(steps)):
        following = next_value if t == steps - 1 else values[t + 1]
        delta = rewards[t] + gamma * following * (~terminated[t]) - values[t]
        last = delta + gamma * lam * (~ended[t]) * last
        advantages[t] = last
    return advantages


def trainer_generator(seed: int, iteration: int, device: torch.device, rank: int = 0) -> torch.Generator:
    """The trainer's one stream of random numbers on ``device`` (action sampling, minibatch
    order), for a run of ``seed`` starting at ``iteration`` (0, or the checkpoint's on resume),
    on data-parallel ``rank`` (each rank its own stream; rank 0's is one process's).

    Derived from all three, so that two runs resumed from the same checkpoint draw alike while a
    resumed run does not replay the draws its first iterations made.
    """
    key = [seed % 2**64, iteration] + ([rank] if rank else [])
    entropy = np.random.SeedSequence(key).generate_state(1, np.uint64)[0]
    return torch.Generator(device).manual_seed(int(entropy))


def sample(logits: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """One action per row of ``logits`` ``(B, A)``, drawn from their softmax: ``(B,)`` int64.

    The Gumbel-max trick, argmax of ``logits + Gumbel noise``: what ``torch.multinomial``
    computes for one sample, without the check of its input that syncs with the host.
    """
    noise = torch.empty_like(logits).exponential_(generator=generator)  # (B, A) Exp(1): -log is Gumbel
    return (logits - noise.log()).argmax(-1)


def _collect(envs, model, obs, prev_ended, conf, stats, generator) -> tuple[Rollout, torch.Tensor, torch.Tensor]:
    t_, n = conf.n_steps, conf.n_envs
    device = obs.device
    buf_obs = torch.empty((t_, n, *obs.shape[1:]), dtype=obs.dtype, device=device)
    actions = torch.empty((t_, n), dtype=torch.int64, device=device)
    logprobs = torch.empty((t_, n), device=device)
    values = torch.empty((t_, n), device=device)
    rewards = torch.empty((t_, n), device=device)
    terminated = torch.empty((t_, n), dtype=torch.bool, device=device)
    ended = torch.empty((t_, n), dtype=torch.bool, device=device)
    valid = torch.empty((t_, n), dtype=torch.bool, device=device)
    for t in range(t_):
        buf_obs[t] = obs
        valid[t] = ~prev_ended
        with torch.no_grad():
            logits, value = model(obs)
        action = sample(logits, generator)
        dist = Categorical(logits=logits, validate_args=False)
        actions[t], logprobs[t], values[t] = action, dist.log_prob(action), value
        obs, reward, term, trunc, _ = envs.step(action)
        rewards[t], terminated[t] = reward, term
        prev_ended = term | trunc
        ended[t] = prev_ended
        stats.update(reward, prev_ended, valid[t])
    with torch.no_grad():
        _, next_value = model(obs)
    advantages = gae(rewards, values, next_value, terminated, ended, conf.gamma, conf.gae_lambda)
    rollout = Rollout(buf_obs, actions, logprobs, values, advantages, advantages + values, valid)
    return rollout, obs, prev_ended


class EpisodeStats:
    """Returns and lengths of finished episodes, summed on the device and read once per log.

    After PufferLib's env-side episode log: each step adds the finished episodes' returns
    and lengths, and their count, to three running sums with tensor ops only (no boolean
    indexing, whose output size the host must learn: a sync on CUDA each step);
    :meth:`drain` reads the sums once.
    """

    def __init__(self, n: int, device: torch.device):
        self.ret = torch.zeros(n, device=device)  # (N,) the return of each env's episode so far
        self.len = torch.zeros(n, dtype=torch.int64, device=device)  # (N,) its length in valid steps
        self.return_sum = torch.zeros((), dtype=torch.float64, device=device)  # of finished episodes
        self.length_sum = torch.zeros((), dtype=torch.int64, device=device)
        self.count = torch.zeros((), dtype=torch.int64, device=device)

    def update(self, reward: torch.Tensor, ended: torch.Tensor, valid: torch.Tensor) -> None:
        """One step of every env: ``reward`` ``(N,)``, ``ended`` (terminated or truncated) and
        ``valid`` (False on the autoreset step, whose reward is not the episode's) ``(N,)`` bool."""
        self.ret += reward * valid
        self.len += valid
        self.return_sum += torch.where(ended, self.ret, 0.0).sum(dtype=torch.float64)
        self.length_sum += torch.where(ended, self.len, 0).sum()
        self.count += ended.sum()
        self.ret = self.ret * ~ended
        self.len = self.len * ~ended

    def drain(self, here: World = World()) -> tuple[float, float, int] | None:
        """``(mean return, mean length, episodes)`` of the episodes finished since the last
        drain (on every rank of ``here``), or None if none did; the sums start again from zero."""
        sums = torch.stack([self.return_sum, self.length_sum.double(), self.count.double()])
        return_sum, length_sum, count = all_sum(sums, here).tolist()
        self.return_sum.zero_(), self.length_sum.zero_(), self.count.zero_()
        if count == 0:
            return None
        return return_sum / count, length_sum / count, int(count)


def _update(
    model, optimizer, rollout: Rollout, conf: NativePPOConfig, generator: torch.Generator, here: World = World()
) -> dict[str, float]:
    """PPO's epochs over one rollout. With several ranks (``model`` wrapped in DDP, ``rollout``
    this rank's envs) each minibatch is the union of the ranks' minibatches: the weights' sum and
    the advantages' mean and std are summed over the ranks, each rank's loss is its share of the
    whole minibatch's, times the ranks (DDP averages gradients), so one step is the step one
    process takes on the union (tests/agents/ddp_step.py checks it)."""
    flat = [x.reshape(-1, *x.shape[2:]) for x in rollout]  # each (T*N, ...)
    obs, actions, old_logprobs, old_values, advantages, returns, valid = flat
    weights = valid.float()
    size = obs.shape[0]
    mb = size // conf.n_minibatches
    names = ("policy_loss", "value_loss", "entropy", "approx_kl", "clip_fraction")
    logs: dict[str, list[torch.Tensor]] = {k: [] for k in names}  # 0-d tensors, read once at the end
    for _ in range(conf.n_epochs):
        order = torch.randperm(size, device=obs.device, generator=generator)
        for start in range(0, size, mb):
            idx = order[start : start + mb]
            w = weights[idx]
            adv = advantages[idx]
            if here.size == 1:
                norm = w.sum().clamp(min=1.0)
                mean = (adv * w).sum() / norm
                std = (((adv - mean) ** 2 * w).sum() / norm).sqrt()
            else:  # one all-reduce of the three sums over every rank's minibatch (each is a round trip)
                moments = all_sum(torch.stack([w.sum(), (adv * w).sum(), (adv**2 * w).sum()]), here)
                norm = moments[0].clamp(min=1.0)
                mean = moments[1] / norm
                std = (moments[2] / norm - mean**2).clamp(min=0.0).sqrt()
            logits, value = model(obs[idx])
            dist = Categorical(logits=logits, validate_args=False)
            logprob = dist.log_prob(actions[idx])
            ratio = (logprob - old_logprobs[idx]).exp()
            adv = (adv - mean) / (std + 1e-8)
            pg = torch.maximum(-adv * ratio, -adv * ratio.clamp(1 - conf.clip_range, 1 + conf.clip_range))
            policy_loss = (pg * w).sum() / norm
            value_loss = 0.5 * (((value - returns[idx]) ** 2) * w).sum() / norm
            entropy = (dist.entropy() * w).sum() / norm
            loss = policy_loss + conf.vf_coef * value_loss - conf.ent_coef * entropy
            if here.size > 1:
                loss = loss * here.size  # DDP averages the ranks' gradients: this makes it their sum
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), conf.max_grad_norm)
            optimizer.step()
            with torch.no_grad():
                log_ratio = logprob - old_logprobs[idx]
                logs["approx_kl"].append((((ratio - 1) - log_ratio) * w).sum() / norm)
                logs["clip_fraction"].append((((ratio - 1).abs() > conf.clip_range).float() * w).sum() / norm)
            logs["policy_loss"].append(policy_loss.detach())
            logs["value_loss"].append(value_loss.detach())
            logs["entropy"].append(entropy.detach())
    means = all_sum(torch.stack([torch.stack(logs[k]) for k in names]).double().mean(dim=1), here).tolist()
    return {f"train/{k}": m for k, m in zip(names, means, strict=True)}


def make_envs(env_id: str, conf: NativePPOConfig, device: torch.device):
    """The batched game on ``device``; anything but one of our tensor games is refused.

    The game skips its action check (a sync each step) unless ``env_kwargs`` asks for it:
    the sampled actions are in range by construction. Pixel observations come as views of
    the game's own frames (``copy=False``): the rollout copies each into its buffer anyway.
    """
    from marionnette.envs.arcade import GAMES, ArcadeVectorEnv

    hint = f"--algo ppo_native trains the torch-batched games ({', '.join(f'marionnette/{g}-v0' for g in GAMES)})"
    kwargs = {"validate_actions": False, "copy": False, **conf.env_kwargs}
    try:
        envs = gym.make_vec(
            env_id, num_envs=conf.n_envs, vectorization_mode="vector_entry_point", device=device, **kwargs
        )
    except (gym.error.Error, TypeError) as e:
        raise MarionnetteError(f"{hint}; {env_id!r} is not one ({e})") from e
    if not isinstance(envs.unwrapped, ArcadeVectorEnv):
        raise MarionnetteError(f"{hint}; {env_id!r} is not one")
    return envs


def learn(
    run: Run,
    config: dict[str, Any],
    *,
    device: str,
    resume_from: Checkpoint | None = None,
    progress: ProgressFn | None = None,
) -> None:
    """Train the run's native PPO agent, or continue it from ``resume_from``; see
    :class:`marionnette.agents.family.AlgorithmFamily`."""
    env_id, seed = config["env_id"], int(config["seed"])
    conf = NativePPOConfig(**config["hyperparams"])
    here = distributed.world()  # torchrun's ranks (agents.train joined them), or one process
    dev = distributed.device_of(device, here)
    # this rank's slice of the games: n_envs in all, as one process would step them
    local = replace(conf, n_envs=distributed.share(conf.n_envs, here, "n_envs"))
    # TRY NOT TO MODIFY: seeding (the global generators give the network its initial weights)
    torch.manual_seed(seed)
    np.random.seed(seed)

    envs = make_envs(env_id, local, dev)
    model = ActorCritic(envs.single_observation_space.shape, envs.single_action_space.n, list(conf.net_arch)).to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=conf.learning_rate, eps=1e-5)
    iteration = 0
    if resume_from is not None:  # any world size: the checkpoint is one copy of the weights and Adam
        iteration = _load_checkpoint(resume_from.path, model, optimizer, dev) // conf.batch_size
    if iteration >= conf.iterations:
        return
    generator = trainer_generator(seed, iteration, dev, here.rank)  # action sampling and minibatch order
    learner = model
    if here.size > 1:
        from torch.nn.parallel import DistributedDataParallel

        learner = DistributedDataParallel(model, device_ids=[dev.index] if dev.type == "cuda" else None)

    log = tb = None
    if here.main:  # rank 0 alone writes the run directory
        log = ProgressLog(run.progress_path, resume_step=resume_from.step if resume_from is not None else None)
        from torch.utils.tensorboard import SummaryWriter

        tb = SummaryWriter(str(run.tensorboard_dir))
    # game i of the whole batch gets seed + i, whichever rank steps it
    obs, _ = envs.reset(seed=seed + iteration * conf.n_envs + here.rank * local.n_envs)
    ended = torch.zeros(local.n_envs, dtype=torch.bool, device=dev)
    stats = EpisodeStats(local.n_envs, dev)
    next_checkpoint = (iteration * conf.batch_size // conf.checkpoint_every + 1) * conf.checkpoint_every
    started, start_step = time.perf_counter(), iteration * conf.batch_size
    try:
        while iteration < conf.iterations:
            if conf.anneal_lr:
                optimizer.param_groups[0]["lr"] = conf.learning_rate * (1.0 - iteration / conf.iterations)
            rollout, obs, ended = _collect(envs, model, obs, ended, local, stats, generator)
            row = _update(learner, optimizer, rollout, local, generator, here)
            iteration += 1
            step = iteration * conf.batch_size
            episodes = stats.drain(here)
            if episodes is not None:
                mean_return, mean_length, count = episodes
                row["rollout/ep_rew_mean"], row["rollout/ep_len_mean"] = mean_return, mean_length
                row["rollout/episodes"] = count
            row["time/fps"] = (step - start_step) / (time.perf_counter() - started)
            row["train/learning_rate"] = optimizer.param_groups[0]["lr"]
            due = step >= next_checkpoint or iteration == conf.iterations
            if here.main:
                log.append(step, row)
                for key, value in row.items():
                    tb.add_scalar(key, value, step)
                if due:
                    _save_checkpoint(run.checkpoint_path(step, CHECKPOINT_EXT), model, optimizer, step, conf)
                if progress is not None:
                    progress(step, conf.iterations * conf.batch_size)
            if due:
                next_checkpoint = (step // conf.checkpoint_every + 1) * conf.checkpoint_every
    finally:
        if tb is not None:
            tb.close()
    if here.main:
        _save_checkpoint(run.model_path(CHECKPOINT_EXT), model, optimizer, iteration * conf.batch_size, conf)


def _save_checkpoint(path: Path, model: ActorCritic, optimizer, step: int, conf: NativePPOConfig) -> None:
    payload = {
        "format": "marionnette.ppo_native/1",
        "step": step,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "net_arch": list(conf.net_arch),
        "obs_shape": list(model.obs_shape),
        "n_actions": model.n_actions,
        "config": {k: v for k, v in asdict(conf).items() if isinstance(v, (int, float, bool, str))},
    }
    with atomic_open(path) as f:
        torch.save(payload, f)


def _read_checkpoint(path: Path, device: torch.device) -> dict[str, Any]:
    """The payload of a ppo_native checkpoint or model file.

    :raises CheckpointError: ``path`` does not read (cut short, not a torch file, holding
        more than tensors, missing) or is not ours (no format tag), the cause chained.
    """
    payload = read_weights(path, device, what="ppo_native checkpoint", key=None)
    if not isinstance(payload, dict) or payload.get("format") != "marionnette.ppo_native/1":
        raise CheckpointError(
            f"{path} is not a ppo_native checkpoint (no marionnette.ppo_native/1 format tag): "
            "it was written by another algorithm or program"
        )
    return payload


def _load_checkpoint(path: Path, model: ActorCritic, optimizer, device: torch.device) -> int:
    payload = _read_checkpoint(path, device)
    model.load_state_dict(payload["model"])
    optimizer.load_state_dict(payload["optimizer"])
    return int(payload["step"])


ZOO_EXT = "pt"  # the same tensors-only torch file (read with weights_only=True), less the optimizer


def export(path: Path, dest: Path, config: dict[str, Any], dtype: str = "float32") -> None:
    """The policy of the checkpoint or model ``path`` as a zoo file: the network's weights in
    ``dtype`` (float16 halves the Nature CNN's 6.7 MB; :func:`load` casts them back) and its
    shape, without the optimizer's state."""
    payload = _read_checkpoint(path, torch.device("cpu"))
    cast = getattr(torch, dtype)
    weights = {k: v.to(cast) if v.is_floating_point() else v for k, v in payload["model"].items()}
    keep = ("format", "step", "net_arch", "obs_shape", "n_actions", "config")
    with atomic_open(dest) as f:
        torch.save({**{k: payload[k] for k in keep}, "model": weights}, f)


def load(path: Path, algo: str, device: str = "cpu") -> NativePolicy:
    """The greedy policy in the checkpoint or model file ``path``.

    :raises CheckpointError: ``path`` is not a whole ppo_native file (see :func:`_read_checkpoint`).
    """
    dev = torch.device(device)
    payload = _read_checkpoint(path, dev)
    model = ActorCritic(tuple(payload["obs_shape"]), payload["n_actions"], payload["net_arch"]).to(dev)
    try:
        model.load_state_dict(payload["model"])  # a float16 zoo file's weights are cast to the network's float32
    except RuntimeError as e:  # torch lists every tensor that does not fit
        first = str(e).split("\n\t")[1] if "\n\t" in str(e) else str(e)
        raise CheckpointError(
            f"{path}: its weights do not fit the network its obs_shape, n_actions, net_arch build ({first.strip()}); "
            "export it again from the run that made it"
        ) from e
    return NativePolicy(model, dev)
