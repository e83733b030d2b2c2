"""Input corruption for the denoising autoencoder (and for scoring any autoencoder on
corrupted inputs).

``level`` means, by kind of noise:

=================  ================================================================
``gaussian``       the standard deviation of noise added to every value (then clipped
                   to ``[0, 1]``)
``masking``        the fraction of pixels set to 0 (all channels of a pixel together),
                   Vincent et al. 2008's masking noise
``salt-and-pepper``  the fraction of pixels set to 0 or 1 (each with probability 1/2,
                   all channels of a pixel together)
=================  ================================================================

Every draw comes from the caller's :class:`torch.Generator`, on the images' device, so a
resumed run corrupts its batches as an uninterrupted one does.
"""

from __future__ import annotations

import difflib

import torch

from marionnette.errors import MarionnetteError

NOISES = ("gaussian", "masking", "salt-and-pepper")


def check_noise(noise: str, level: float) -> None:
    """One line when ``noise`` is unknown or ``level`` out of its range."""
    if noise not in NOISES:
        close = difflib.get_close_matches(noise, NOISES, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise MarionnetteError(f"unknown noise {noise!r}: use one of {', '.join(NOISES)}{hint}")
    if noise == "gaussian" and level < 0:
        raise MarionnetteError(f"noise level {level}: gaussian noise takes a standard deviation >= 0")
    if noise != "gaussian" and not 0 <= level <= 1:
        raise MarionnetteError(f"noise level {level}: {noise} noise takes a fraction of the pixels, in [0, 1]")


def corrupt(x: torch.Tensor, noise: str, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """``x (B, C, H, W)`` in ``[0, 1]`` corrupted by ``noise`` at ``level`` (a new tensor)."""
    check_noise(noise, level)
    B, C, H, W = x.shape
    if noise == "gaussian":
        eps = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return (x + level * eps).clamp(0.0, 1.0)
    hit = torch.rand((B, 1, H, W), generator=generator, device=x.device) < level  # (B, 1, H, W): pixels chosen
    if noise == "masking":
        return x.masked_fill(hit, 0.0)
    salt = (torch.rand((B, 1, H, W), generator=generator, device=x.device) < 0.5).to(x.dtype)  # 1: salt, 0: pepper
    return torch.where(hit, salt, x)


__all__ = ["NOISES", "check_noise", "corrupt"]
