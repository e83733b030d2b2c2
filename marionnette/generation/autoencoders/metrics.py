"""How well an autoencoder does on held-out images.

- ``mse``: the mean squared error per pixel value between the reconstruction and the clean
  image (the VAE: decoded from ``mu``);
- ``ssim``: the structural similarity (Wang et al. 2004), scikit-image's
  :func:`~skimage.metrics.structural_similarity` on each image (a 7x7 window, or the largest
  odd one the image holds; colour channels averaged), averaged over the images;
- ``mean_code``: the mean ``|h|`` over images and units (the VAE: ``|mu|``), the number the
  sparse autoencoder drives down, and ``zero_code``, the fraction of code values exactly 0;
- the VAE's ``elbo``: ``E_q[log p(x|z)] - KL(q(z|x) || N(0, I))`` in nats per image, the
  expectation estimated with one ``z`` per image drawn from a generator seeded with 0 (the
  same draws on every call, so two scores differ only by the model), and its ``kl``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
import torch.nn.functional as F

from marionnette.generation.autoencoders.models import Autoencoder

_ELBO_SEED = 0
_BATCH = 512


class Scores(NamedTuple):
    """An autoencoder's scores on a set of images."""

    mse: float  # per pixel value
    ssim: float  # mean over images, in [-1, 1] (1: identical)
    mean_code: float  # mean |h| (vae: |mu|)
    zero_code: float  # the fraction of code values exactly 0 (the sparse AE's ReLU units that are off)
    elbo: float | None  # vae: nats per image (higher is better); None for the other kinds
    kl: float | None  # vae: nats per image
    count: int  # images scored


def ssim(reference: np.ndarray, test: np.ndarray) -> float:
    """Mean SSIM of ``test`` against ``reference``, both ``(N, C, H, W)`` in ``[0, 1]``."""
    from skimage.metrics import structural_similarity

    H, W = reference.shape[2:]
    window = min(7, H - (1 - H % 2), W - (1 - W % 2))  # odd and no larger than the image
    if window < 3:
        return float("nan")  # too small to compare structure
    N, C = reference.shape[:2]
    # Every (image, channel) plane as a channel of one call: scikit-image averages the
    # per-channel SSIMs, which is the mean over images of each image's channel mean (all
    # images have C planes), in one call instead of N (~100x faster on 8x8 digits).
    planes = (a.reshape(N * C, H, W).astype(np.float64) for a in (reference, test))
    return float(structural_similarity(*planes, data_range=1.0, channel_axis=0, win_size=window))


@torch.no_grad()
def reconstruct(model: Autoencoder, inputs: torch.Tensor, device: torch.device | str | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """Reconstructions ``(N, C, H, W)`` and codes ``(N, K)`` (the VAE: from ``mu``) of
    ``inputs (N, C, H, W)``, in eval mode, batch by batch on ``device`` (the model's by
    default); both returned on the CPU."""
    device = next(model.parameters()).device if device is None else device
    was = model.training
    model.eval()
    recon, codes = [], []
    for b in range(0, len(inputs), _BATCH):
        out = model(inputs[b : b + _BATCH].to(device))
        recon.append(out.reconstruction.cpu())
        codes.append((out.mu if out.mu is not None else out.code).cpu())
    model.train(was)
    return torch.cat(recon), torch.cat(codes)


@torch.no_grad()
def elbo(model: Autoencoder, images: torch.Tensor, device: torch.device | str | None = None
         ) -> tuple[float, float]:  # fmt: skip
    """The VAE's ELBO and KL (nats per image) on ``images (N, C, H, W)``, one seeded ``z`` each."""
    device = next(model.parameters()).device if device is None else device
    generator = torch.Generator(device=device).manual_seed(_ELBO_SEED)
    total_elbo, total_kl = 0.0, 0.0
    for b in range(0, len(images), _BATCH):
        x = images[b : b + _BATCH].to(device)
        mu, logvar = model.encode(x)
        eps = torch.randn(mu.shape, generator=generator, device=device, dtype=mu.dtype)
        logits = model.decode_logits(mu + torch.exp(0.5 * logvar) * eps)
        log_p = -F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        total_elbo += float(log_p - kl)
        total_kl += float(kl)
    return total_elbo / len(images), total_kl / len(images)


def score(model: Autoencoder, images: torch.Tensor, inputs: torch.Tensor | None = None,
          device: torch.device | str | None = None, with_ssim: bool = True) -> Scores:  # fmt: skip
    """Score ``model`` on the clean ``images (N, C, H, W)``, fed ``inputs`` (the same images
    corrupted, say; the images themselves by default). ``with_ssim=False`` leaves SSIM out
    (NaN), the slowest part on small images."""
    inputs = images if inputs is None else inputs
    recon, codes = reconstruct(model, inputs, device)
    mse = float(F.mse_loss(recon, images))
    similarity = ssim(images.numpy(), recon.numpy()) if with_ssim else float("nan")
    found_elbo = found_kl = None
    if model.config.kind == "vae":
        was = model.training
        model.eval()
        found_elbo, found_kl = elbo(model, images, device)
        model.train(was)
    return Scores(mse, similarity, float(codes.abs().mean()), float((codes == 0).float().mean()), found_elbo, found_kl,
                  len(images))  # fmt: skip


__all__ = ["Scores", "elbo", "reconstruct", "score", "ssim"]
