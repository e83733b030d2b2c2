"""The autoencoders: one module, four kinds, two forms.

Kinds (``AEConfig.kind``), after the course's chapter and Goodfellow et al. ch. 14:

- ``plain``: encoder ``f`` to a code ``h`` of ``code`` units, decoder ``g`` back;
  trained on the mean squared error ``||g(f(x)) - x||^2`` (per pixel).
- ``denoise``: the same network, fed a corrupted ``x~`` and trained to give back the clean
  ``x`` (Vincent et al. 2008); the corruption is the trainer's (:mod:`~.noise`).
- ``sparse``: a ReLU code (so that units can be exactly off) and the penalty
  ``sparsity * mean |h|`` added to the error (the L1 penalty of Goodfellow et al. 14.2.1).
  Nothing bounds the decoder's weights, so part of the quieter code can be a smaller scale
  the decoder makes up for; the fraction of units exactly 0 is the scale-free reading.
- ``vae``: the encoder gives ``mu`` and ``log sigma^2`` of ``q(z|x)``; ``z = mu + sigma *
  eps`` (the reparameterisation of Kingma & Welling 2014, ``eps`` drawn from the caller's
  generator); the decoder's pixels are Bernoulli means, as in their MNIST experiments, so
  the reconstruction term is the binary cross-entropy summed over pixels; the loss is
  ``BCE + beta * KL(q(z|x) || N(0, I))`` (Higgins et al. 2017's beta; 1 is the ELBO).

Forms (``AEConfig.arch``): ``mlp`` (flatten, one hidden ReLU layer of ``hidden`` units each
side) and ``conv`` (two stride-2 3x3 convolutions of ``filters`` and ``2 * filters``
channels, a linear layer to the code, and the mirror image with 4x4 transposed
convolutions; the image's height and width must divide by 4).

Images are ``(B, C, H, W)`` float32 in ``[0, 1]``; the decoder ends in a sigmoid.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from marionnette.errors import CheckpointError, MarionnetteError

KINDS = ("plain", "denoise", "sparse", "vae")
ARCHS = ("mlp", "conv")


def _choice(what: str, value: str, choices: tuple[str, ...]) -> MarionnetteError:
    close = difflib.get_close_matches(value, choices, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return MarionnetteError(f"unknown {what} {value!r}: use one of {', '.join(choices)}{hint}")


@dataclass
class AEConfig:
    """One autoencoder: its kind, its form, the images it reads and the size of its code
    (written to config.yaml under ``model_config``)."""

    kind: str = "plain"
    """plain, denoise, sparse or vae."""
    arch: str = "mlp"
    """mlp or conv."""
    channels: int = 1
    """Channels of the images: 1 (grey) or 3 (RGB)."""
    height: int = 8
    """Image height in pixels (conv: a multiple of 4)."""
    width: int = 8
    """Image width in pixels (conv: a multiple of 4)."""
    code: int = 16
    """Units of the code ``h`` (the VAE's latent ``z``)."""
    hidden: int = 256
    """mlp: units of the hidden layer on each side of the code."""
    filters: int = 32
    """conv: channels of the first convolution (the second has twice as many)."""
    sparsity: float = 0.01
    """sparse: weight of ``mean |h|`` in the loss (ignored by the other kinds)."""
    beta: float = 1.0
    """vae: weight of the KL term (1: the negative ELBO; ignored by the other kinds)."""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise _choice("autoencoder kind", self.kind, KINDS)
        if self.arch not in ARCHS:
            raise _choice("autoencoder arch", self.arch, ARCHS)
        if self.channels not in (1, 3):
            raise MarionnetteError(f"channels {self.channels}: an autoencoder reads 1 (grey) or 3 (RGB) channels")
        for name in ("height", "width", "code", "hidden", "filters"):
            if getattr(self, name) < 1:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least 1")
        if self.arch == "conv" and (self.height % 4 or self.width % 4):
            raise MarionnetteError(
                f"images of {self.height}x{self.width}: the conv autoencoder halves them twice, so give a size "
                "that divides by 4 (--size 8, 16, 32) or use --arch mlp"
            )
        if self.sparsity < 0 or self.beta < 0:
            raise MarionnetteError(f"sparsity {self.sparsity}, beta {self.beta}: the loss weights cannot be negative")

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(C, H, W)`` of one image."""
        return (self.channels, self.height, self.width)


class AEOutput(NamedTuple):
    """What the autoencoder makes of a batch."""

    reconstruction: torch.Tensor  # (B, C, H, W) in [0, 1]
    logits: torch.Tensor  # (B, C, H, W): the reconstruction before its sigmoid
    code: torch.Tensor  # (B, K): h (the VAE: z, the sample that was decoded)
    mu: torch.Tensor | None  # (B, K), vae only: the mean of q(z|x)
    logvar: torch.Tensor | None  # (B, K), vae only: log sigma^2 of q(z|x)


class AELosses(NamedTuple):
    """The loss and its terms, each a scalar tensor (averaged over the batch)."""

    total: torch.Tensor  # what is minimised
    reconstruction: torch.Tensor  # plain/denoise/sparse: MSE per pixel; vae: BCE summed over an image's pixels
    sparsity: torch.Tensor  # mean |h| (every kind, for the log; weighted into total for sparse)
    kl: torch.Tensor  # vae: KL(q(z|x) || N(0, I)) per image, in nats; 0 for the others


def _mlp_encoder(c: AEConfig, out: int) -> nn.Sequential:
    C, H, W = c.image_shape
    return nn.Sequential(nn.Flatten(), nn.Linear(C * H * W, c.hidden), nn.ReLU(), nn.Linear(c.hidden, out))


def _mlp_decoder(c: AEConfig) -> nn.Sequential:
    C, H, W = c.image_shape
    return nn.Sequential(
        nn.Linear(c.code, c.hidden), nn.ReLU(), nn.Linear(c.hidden, C * H * W), nn.Unflatten(1, (C, H, W))
    )


def _conv_encoder(c: AEConfig, out: int) -> nn.Sequential:
    C, H, W = c.image_shape
    f = c.filters
    return nn.Sequential(
        nn.Conv2d(C, f, 3, stride=2, padding=1),  # (B, f, H/2, W/2)
        nn.ReLU(),
        nn.Conv2d(f, 2 * f, 3, stride=2, padding=1),  # (B, 2f, H/4, W/4)
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(2 * f * (H // 4) * (W // 4), out),
    )


def _conv_decoder(c: AEConfig) -> nn.Sequential:
    C, H, W = c.image_shape
    f = c.filters
    return nn.Sequential(
        nn.Linear(c.code, 2 * f * (H // 4) * (W // 4)),
        nn.Unflatten(1, (2 * f, H // 4, W // 4)),
        nn.ReLU(),
        nn.ConvTranspose2d(2 * f, f, 4, stride=2, padding=1),  # (B, f, H/2, W/2)
        nn.ReLU(),
        nn.ConvTranspose2d(f, C, 4, stride=2, padding=1),  # (B, C, H, W): logits
    )


class Autoencoder(nn.Module):
    """An autoencoder of any kind and form: :meth:`encode`, :meth:`decode`, ``forward``
    and :meth:`loss`. Build it with :func:`build_model`."""

    def __init__(self, config: AEConfig):
        super().__init__()
        self.config = config
        variational = config.kind == "vae"
        out = 2 * config.code if variational else config.code  # the VAE's encoder gives mu and log sigma^2
        if config.arch == "mlp":
            self.encoder, self.decoder = _mlp_encoder(config, out), _mlp_decoder(config)
        else:
            self.encoder, self.decoder = _conv_encoder(config, out), _conv_decoder(config)

    @property
    def name(self) -> str:
        return f"{self.config.arch} {self.config.kind} autoencoder"

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(B, C, H, W)`` -> the code ``(B, K)`` (the VAE: ``mu``) and, for the VAE only,
        ``log sigma^2 (B, K)`` (else None)."""
        h = self.encoder(x)
        if self.config.kind == "vae":
            mu, logvar = h.chunk(2, dim=1)  # (B, K) each
            return mu, logvar.clamp(-30.0, 20.0)  # exp() of it stays finite in float32
        if self.config.kind == "sparse":
            h = F.relu(h)  # units that are off are exactly 0
        return h, None

    def decode_logits(self, code: torch.Tensor) -> torch.Tensor:
        """``(B, K)`` -> ``(B, C, H, W)`` logits."""
        return self.decoder(code)

    def decode(self, code: torch.Tensor) -> torch.Tensor:
        """``(B, K)`` -> images ``(B, C, H, W)`` in ``[0, 1]``."""
        return torch.sigmoid(self.decoder(code))

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None) -> AEOutput:
        """Reconstruct ``x (B, C, H, W)``. The VAE in training mode decodes a sample
        ``mu + sigma * eps`` with ``eps`` from ``generator`` (on ``x``'s device; torch's
        global generator when None); in eval mode it decodes ``mu``."""
        code, logvar = self.encode(x)
        mu = None
        if logvar is not None:
            mu = code
            if self.training:
                eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
                code = mu + torch.exp(0.5 * logvar) * eps
        logits = self.decode_logits(code)
        return AEOutput(torch.sigmoid(logits), logits, code, mu, logvar)

    def loss(self, output: AEOutput, target: torch.Tensor) -> AELosses:
        """The kind's loss of ``output`` against the clean images ``target (B, C, H, W)``."""
        c = self.config
        code = output.mu if output.mu is not None else output.code
        activity = code.abs().mean()
        zero = torch.zeros((), device=target.device)
        if c.kind == "vae":
            B = target.shape[0]
            bce = F.binary_cross_entropy_with_logits(output.logits, target, reduction="sum") / B
            mu, logvar = output.mu, output.logvar
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) / B  # closed form, per image
            return AELosses(bce + c.beta * kl, bce, activity, kl)
        mse = F.mse_loss(output.reconstruction, target)
        total = mse + c.sparsity * activity if c.kind == "sparse" else mse
        return AELosses(total, mse, activity, zero)


def build_model(config: AEConfig) -> Autoencoder:
    """The autoencoder ``config`` describes, freshly initialised (torch's generator)."""
    return Autoencoder(config)


def load_model_state(model: Autoencoder, payload: Mapping, source: str) -> None:
    """Load a checkpoint's ``payload["model"]`` into ``model``, or say in one line why it
    does not fit: another image size or channels, another kind or form, another size of code.

    :param source: the file it came from, for the message.
    :raises CheckpointError: the weights are not for this model.
    """
    c = model.config
    theirs = payload.get("image_shape")
    if theirs is not None and tuple(int(v) for v in theirs) != c.image_shape:
        C, H, W = (int(v) for v in theirs)
        raise CheckpointError(
            f"{source} holds an autoencoder for {C}x{H}x{W} images (channels x height x width), this one reads "
            f"{c.channels}x{c.height}x{c.width}: load it with the config of the run that wrote it"
        )
    saved = payload.get("kind"), payload.get("arch")
    if saved[0] is not None and saved != (c.kind, c.arch):
        raise CheckpointError(
            f"{source} holds a {saved[1]} {saved[0]} autoencoder, not a {c.arch} {c.kind} one: "
            "load it with the config of the run that wrote it"
        )
    state, ours = payload["model"], model.state_dict()
    missing = [k for k in ours if k not in state]
    unexpected = [k for k in state if k not in ours]
    reshaped = [k for k in ours if k in state and tuple(state[k].shape) != tuple(ours[k].shape)]
    if missing or unexpected or reshaped:
        what = (
            f"{len(missing)} weights missing (e.g. {missing[0]})" if missing
            else f"{len(unexpected)} unexpected (e.g. {unexpected[0]})" if unexpected
            else f"{len(reshaped)} of other shapes (e.g. {reshaped[0]}: {tuple(state[reshaped[0]].shape)} "
            f"for {tuple(ours[reshaped[0]].shape)})"
        )  # fmt: skip
        raise CheckpointError(
            f"{source} holds weights of another config than this {model.name} ({what}): "
            "load it with the config of the run that wrote it"
        )
    model.load_state_dict(state)


__all__ = ["ARCHS", "KINDS", "AEConfig", "AELosses", "AEOutput", "Autoencoder", "build_model", "load_model_state"]
