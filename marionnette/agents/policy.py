"""What every trained agent looks like from outside: a policy with ``predict``."""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Policy(Protocol):
    """A trained policy, whatever algorithm made it (see :func:`marionnette.agents.load`)."""

    def predict(
        self, obs: np.ndarray, action_mask: np.ndarray | None = None, deterministic: bool = True
    ) -> int | np.ndarray:
        """The action for ``obs`` (an int), or a ``(N,)`` array for a batch of ``N``.

        :param obs: one observation, or a batch with a leading ``N`` dimension.
        :param action_mask: 1 where an action is legal, shaped like the actions; a policy
            never returns a masked action.
        :param deterministic: the greedy action (True) or a sample from the policy.
        """
        ...


def masked_choice(
    scores: np.ndarray, mask: np.ndarray | None, deterministic: bool, rng: np.random.Generator
) -> np.ndarray:
    """Pick an action per row of ``scores`` (``(N, A)`` logits or values) within ``mask``.

    Deterministic picks the highest score (the lowest index on ties); otherwise samples
    from the softmax of the scores.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if mask is not None:
        mask = np.broadcast_to(np.asarray(mask).astype(bool), scores.shape)
        if not mask.any(axis=-1).all():
            raise ValueError("action_mask allows no action")
        scores = np.where(mask, scores, -np.inf)
    if deterministic:
        return scores.argmax(axis=-1)
    probs = np.exp(scores - scores.max(axis=-1, keepdims=True))
    probs /= probs.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(len(p), p=p) for p in probs])
