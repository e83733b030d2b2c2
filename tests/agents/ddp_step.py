"""One native-PPO update as torchrun's ranks, for test_native_ppo_ddp.py.

    python -m torch.distributed.run --standalone --nproc_per_node=2 tests/agents/ddp_step.py OUT

Each rank takes its slice of the environments of :func:`rollout` (the same seeded rollout on
every rank), wraps the seeded network in DistributedDataParallel, runs ``_update`` once and
writes its parameters to ``OUT/rank<R>.pt``.
"""

import sys
from pathlib import Path

import torch

from marionnette.agents import native_ppo
from marionnette.nets import distributed

OBS, ACTIONS, T, N = 6, 3, 8, 8  # an MLP policy, 8 steps of 8 games
CONF = native_ppo.NativePPOConfig(n_envs=N, n_steps=T, n_epochs=1, n_minibatches=1, learning_rate=1e-2)


def network() -> native_ppo.ActorCritic:
    torch.manual_seed(0)
    return native_ppo.ActorCritic((OBS,), ACTIONS, [16, 16])


def rollout() -> native_ppo.Rollout:
    """A seeded rollout ``(T, N, ...)``, a few steps invalid (autoreset) so the weights' sums matter."""
    g = torch.Generator().manual_seed(1)
    valid = torch.rand(T, N, generator=g) > 0.2
    return native_ppo.Rollout(
        obs=torch.randn(T, N, OBS, generator=g), actions=torch.randint(0, ACTIONS, (T, N), generator=g),
        logprobs=torch.full((T, N), -1.1) + 0.1 * torch.randn(T, N, generator=g),
        values=torch.randn(T, N, generator=g), advantages=torch.randn(T, N, generator=g) * 2 + 0.5,
        returns=torch.randn(T, N, generator=g), valid=valid,
    )  # fmt: skip


def main(out: Path) -> None:
    here = distributed.init("cpu")
    model = network()
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=CONF.learning_rate, eps=1e-5)
    n = distributed.share(N, here, "n_envs")
    mine = native_ppo.Rollout(*(x[:, here.rank * n : (here.rank + 1) * n] for x in rollout()))
    local = native_ppo.NativePPOConfig(**{**CONF.__dict__, "n_envs": n})
    row = native_ppo._update(ddp, optimizer, mine, local, torch.Generator().manual_seed(here.rank), here)
    torch.save({"params": model.state_dict(), "row": row}, out / f"rank{here.rank}.pt")
    distributed.finish(here)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
