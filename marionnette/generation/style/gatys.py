"""Style transfer by optimisation (Gatys, Ecker and Bethge, CVPR 2016): the pixels are the parameters.

An image starts as the content photograph (the PyTorch tutorial's choice: it converges in
fewer steps) or as seeded noise (the paper's), and L-BFGS (the paper's optimiser, with
:class:`torch.optim.LBFGS`) or Adam moves its pixels down the perceptual loss of
:mod:`~.losses`: the content photograph's ``relu4_2`` features and the style image's Gram
matrices. Pixels are kept in ``[0, 1]`` by clamping before every evaluation, as the
tutorial does.

L-BFGS runs with a strong-Wolfe line search. Without one (the tutorial's way) a step can
overshoot: measured at 128 px on the random VGG, style weight 1e7, the loss jumped from 3.9
to 91 at the 51st evaluation and came back with the content smeared; with it, 100
evaluations lowered the style loss 16,600x and kept the content loss lower (0.0023
against 0.0061).

A *step* is one evaluation of the loss: one forward and one backward pass through VGG19,
what a step costs whichever optimiser takes it; the line search's evaluations are steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import torch

from marionnette.errors import MarionnetteError
from marionnette.generation.style.losses import Perceptual, PerceptualConfig, Targets

_LR = {"lbfgs": 1.0, "adam": 0.02}  # L-BFGS's own scale; Adam's per-step pixel move (of [0, 1])
_LBFGS_HISTORY = 50  # curvature pairs kept: past ~50 the steps measured no better, the memory grows


@dataclass
class GatysConfig:
    """How one image is optimised."""

    steps: int = 300
    """Loss evaluations (VGG forward + backward), the unit of cost."""
    optimizer: Literal["lbfgs", "adam"] = "lbfgs"
    lr: float | None = None
    """None: 1.0 for L-BFGS, 0.02 for Adam (computed in runtime)."""
    init: Literal["content", "noise"] = "content"
    """Start from the content image, or from uniform noise in ``[0, 1]`` drawn under ``seed``."""
    seed: int = 0
    loss: PerceptualConfig = field(default_factory=PerceptualConfig)

    def __post_init__(self) -> None:
        if self.steps < 1:
            raise MarionnetteError(f"steps is {self.steps}: give at least 1")
        if self.optimizer not in _LR:
            raise MarionnetteError(f"optimizer {self.optimizer!r}: use lbfgs or adam")
        if self.init not in ("content", "noise"):
            raise MarionnetteError(f"init {self.init!r}: start from content or noise")
        if self.lr is None:
            self.lr = _LR[self.optimizer]
        if isinstance(self.loss, dict):  # read back from YAML
            self.loss = PerceptualConfig(**self.loss)


class Result(NamedTuple):
    """An optimised image and how the loss went."""

    image: torch.Tensor  # (1, 3, H, W) in [0, 1]
    content: torch.Tensor  # (steps,) the unweighted content loss at each evaluation (CPU)
    style: torch.Tensor  # (steps,) the unweighted style loss at each evaluation (CPU)


def noise_like(image: torch.Tensor, seed: int) -> torch.Tensor:
    """Uniform noise in ``[0, 1]`` of ``image``'s shape, on its device, the same for a ``seed`` everywhere."""
    generator = torch.Generator().manual_seed(seed)  # drawn on the CPU: the same numbers on any device
    return torch.rand(image.shape, generator=generator).to(image.device)


def optimise(start: torch.Tensor, perceptual: Perceptual, targets: Targets, steps: int,
             optimizer: str = "lbfgs", lr: float = 1.0,
             progress: Callable[[int, int], None] | None = None) -> Result:  # fmt: skip
    """Move the pixels of ``start (1, 3, H, W)`` down ``perceptual.losses(·, targets)`` for
    ``steps`` evaluations; ``progress(step, steps)`` after each. Shared by style transfer
    and texture synthesis (``targets.content`` None)."""
    x = start.detach().clone().clamp_(0.0, 1.0).requires_grad_(True)
    content, style = [], []

    def closure() -> torch.Tensor:
        with torch.no_grad():
            x.clamp_(0.0, 1.0)
        opt.zero_grad(set_to_none=True)
        losses = perceptual.losses(x, targets)
        losses.total.backward()
        content.append(losses.content.detach())
        style.append(losses.style.detach())
        if progress is not None:
            progress(len(style), steps)
        return losses.total

    if optimizer == "lbfgs":
        opt = torch.optim.LBFGS([x], lr=lr, max_iter=steps, max_eval=steps, history_size=_LBFGS_HISTORY,
                                tolerance_grad=0.0, tolerance_change=0.0, line_search_fn="strong_wolfe")  # fmt: skip
        while len(style) < steps:  # L-BFGS stops early only on a zero step; start it again
            # max_eval bounds every evaluation, the line search's too: exactly ``steps`` in all
            opt.param_groups[0]["max_iter"] = opt.param_groups[0]["max_eval"] = steps - len(style)
            opt.step(closure)
    elif optimizer == "adam":
        opt = torch.optim.Adam([x], lr=lr)
        for _ in range(steps):
            opt.step(closure)
    else:
        raise MarionnetteError(f"optimizer {optimizer!r}: use lbfgs or adam")
    with torch.no_grad():
        image = x.detach().clamp_(0.0, 1.0)
    return Result(image, torch.stack(content).cpu(), torch.stack(style).cpu())


def stylize(content: torch.Tensor, style: torch.Tensor, config: GatysConfig | None = None,
            perceptual: Perceptual | None = None,
            progress: Callable[[int, int], None] | None = None) -> Result:  # fmt: skip
    """``content (1, 3, H, W)`` painted in the manner of ``style (1, 3, h, w)`` (both RGB in
    ``[0, 1]``, any sizes), on ``content``'s device.

    :param perceptual: the loss network to use (made from ``config.loss`` when None; pass
        one to reuse it across images).
    :returns: :class:`Result`; ``image`` has the content's size.
    """
    config = GatysConfig() if config is None else config
    if content.ndim != 4 or content.shape[:2] != (1, 3) or style.ndim != 4 or style.shape[:2] != (1, 3):
        raise MarionnetteError(
            f"content {tuple(content.shape)} and style {tuple(style.shape)}: give (1, 3, H, W) RGB batches of one"
        )
    if perceptual is None:
        perceptual = Perceptual(config.loss)
    perceptual = perceptual.to(content.device)
    targets = perceptual.targets(content, style.to(content.device))
    start = content if config.init == "content" else noise_like(content, config.seed)
    return optimise(start, perceptual, targets, config.steps, config.optimizer, config.lr, progress)


__all__ = ["GatysConfig", "Result", "noise_like", "optimise", "stylize"]
