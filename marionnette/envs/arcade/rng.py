"""Counter-based random numbers, one independent stream per environment of a batch.

A batch of N games must play exactly like N batches of one (the same seeds give the same
games whatever the batch size), and stepping must stay branch-free tensor code on any
device. One shared ``torch.Generator`` cannot give both: what env ``i`` draws would depend
on ``N``. So each env owns a key (from its seed) and a counter, and a draw is a hash of
``(key, counter, j)``: the same numbers for env ``i`` in any batch, on CPU or GPU.

The hash is Chris Wellons' ``lowbias32`` (https://nullprogram.com/blog/2018/07/31/),
computed exactly in int64 arithmetic: products are split so that nothing overflows.
"""

from __future__ import annotations

import torch

_MASK32 = 0xFFFFFFFF


def _mul32(x: torch.Tensor, c: int) -> torch.Tensor:
    """``x * c mod 2**32`` for ``x`` in ``[0, 2**32)`` without int64 overflow."""
    lo, hi = c & 0xFFFF, c >> 16
    return (x * lo + (((x * hi) & 0xFFFF) << 16)) & _MASK32


def hash32(x: torch.Tensor) -> torch.Tensor:
    """lowbias32: a well-mixed 32-bit hash of int64 values in ``[0, 2**32)``."""
    x = x & _MASK32
    x = x ^ (x >> 16)
    x = _mul32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = _mul32(x, 0x846CA68B)
    return x ^ (x >> 16)


class CounterRNG:
    """Per-env streams of uniform floats in ``[0, 1)``.

    ``uniform(k)`` returns ``(N, k)`` numbers and advances every env's counter by one draw,
    so the stream of env ``i`` depends only on its seed and on how many draws it has made.
    """

    def __init__(self, num_envs: int, device: torch.device):
        self.key = torch.zeros(num_envs, dtype=torch.int64, device=device)  # (N,)
        self.counter = torch.zeros(num_envs, dtype=torch.int64, device=device)  # (N,)

    def seed(self, seeds: torch.Tensor, where: torch.Tensor | None = None) -> None:
        """Key env ``i`` by ``seeds[i]`` (only where ``where`` is true) and restart its stream."""
        key = hash32(hash32(seeds.to(self.key) & _MASK32) ^ 0x5BD1E995)
        if where is None:
            self.key, self.counter = key, torch.zeros_like(self.counter)
        else:
            self.key = torch.where(where, key, self.key)
            self.counter = torch.where(where, torch.zeros_like(self.counter), self.counter)

    def uniform(self, k: int) -> torch.Tensor:
        """``(N, k)`` float32 in ``[0, 1)``."""
        j = torch.arange(k, device=self.key.device)  # (k,)
        x = hash32(self.key[:, None] ^ hash32(self.counter[:, None] * 1024 + j))  # (N, k)
        self.counter = self.counter + 1
        return (x >> 8).to(torch.float32) * (1.0 / (1 << 24))
