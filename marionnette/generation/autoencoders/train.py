"""Training an autoencoder in the run directory every trainer writes, and reading it back.

::

    runs/ae__<kind>__<seed>__<time>/
      config.yaml        the data, the kind, the model's config, the training settings
      checkpoints/       step_<epoch>.pt every ``checkpoint_every`` epochs (model + optimizer)
      model.pt           the final weights
      progress.csv       one row an epoch: the loss and its terms on the training images;
                         MSE, mean |code|, the fraction of code values 0 (and the VAE's
                         ELBO) on the held-out ones, and
                         their SSIM at each checkpoint epoch; the MSE on held-out images
                         corrupted by the run's noise; seconds and training samples/s
      tb/                TensorBoard scalars, and held-out reconstructions at each checkpoint

Checkpoints and ``model.pt`` are ``state_dict`` s, numbers and strings, written atomically
and read with ``torch.load(weights_only=True)``. Every random draw of training (the order
of the images, the denoising corruption, the VAE's ``eps``) comes from a generator seeded
with ``(seed, epoch)`` on the training device, and the initial weights from ``seed`` (with
torch's global generator left as it was), so a resumed run, on the CPU or a GPU, ends
exactly where an uninterrupted one does.

The held-out images are a seeded fraction of the data (``split_seed``, apart from ``seed``,
so that runs of several seeds are scored on the same images); for ``photos`` they are
whole tiles of which no pixel was trained on.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.generation.autoencoders.data import ImageSet, Split, held_out, load_images
from marionnette.generation.autoencoders.metrics import Scores, reconstruct, score
from marionnette.generation.autoencoders.models import KINDS, AEConfig, Autoencoder, build_model, load_model_state
from marionnette.generation.autoencoders.noise import check_noise, corrupt
from marionnette.nets import training as nets
from marionnette.runs import Run

log = logging.getLogger(__name__)

TASK = "ae"
EXT = "pt"
WHAT = "autoencoder checkpoint"  # names the files in messages
_ARCH_SETTINGS = ("hidden", "filters")  # the model settings --set may change; the rest come from the data and kind
_TB_IMAGES = 8  # held-out images (and their reconstructions) written to TensorBoard at a checkpoint


@dataclass
class AETrainConfig:
    """How an autoencoder is trained (written to config.yaml under ``train``)."""

    data: str = "digits"
    """digits, photos, or a folder of PNG/JPG images (stored as its absolute path)."""
    kind: str = "plain"
    """plain, denoise, sparse or vae."""
    arch: str = "mlp"
    """mlp or conv."""
    code: int = 16
    """Units of the code (the VAE's latent)."""
    epochs: int = 30
    batch_size: int = 64
    lr: float = 1e-3
    """Adam's learning rate."""
    noise: str = "gaussian"
    """The corruption: gaussian, masking or salt-and-pepper. The denoising AE trains on it;
    every kind is scored on held-out images corrupted by it (``test_noisy_mse``)."""
    noise_level: float = 0.5
    """gaussian: its standard deviation; masking, salt-and-pepper: the fraction of pixels hit."""
    sparsity: float = 0.01
    """sparse: the weight of mean |code| in the loss."""
    beta: float = 1.0
    """vae: the weight of the KL term."""
    size: int | None = None
    """Pixels a side: photo tiles and folder images (None: 32); the digits are 8."""
    channels: int | None = None
    """1 (grey) or 3 (RGB); None: grey for digits and photos, a folder's own (RGB if any image has colour)."""
    seed: int = 0
    """Seeds the initial weights and every epoch's draws."""
    split_seed: int = 0
    """Seeds which images are held out (and the corruption of the held-out ones)."""
    test_fraction: float = 0.2
    checkpoint_every: int = 5
    """Epochs between checkpoints (the last epoch always writes one)."""
    model_config: dict[str, Any] = field(default_factory=dict)
    """Overrides of the architecture: ``hidden`` (mlp), ``filters`` (conv)."""

    def __post_init__(self) -> None:
        self.data = str(self.data)
        AEConfig(kind=self.kind, arch=self.arch, sparsity=self.sparsity, beta=self.beta, height=8, width=8)  # checks
        check_noise(self.noise, self.noise_level)
        for name in ("code", "epochs", "batch_size", "checkpoint_every"):
            if getattr(self, name) < 1:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least 1")
        if self.lr <= 0:
            raise MarionnetteError(f"learning rate {self.lr}: give a positive one, e.g. 1e-3")
        unknown = sorted(set(self.model_config) - set(_ARCH_SETTINGS))
        if unknown:
            raise MarionnetteError(
                f"an autoencoder has no setting {', '.join(unknown)}: the settings --set takes are "
                f"{', '.join(_ARCH_SETTINGS)} (the others have their own options)"
            )


def model_config_for(config: AETrainConfig, image_shape: tuple[int, int, int]) -> AEConfig:
    """The :class:`AEConfig` of a run: its kind, arch and loss weights, the data's image shape."""
    C, H, W = image_shape
    return AEConfig(kind=config.kind, arch=config.arch, channels=C, height=H, width=W, code=config.code,
                    sparsity=config.sparsity, beta=config.beta, **config.model_config)  # fmt: skip


def read_weights(path: str | os.PathLike, device: torch.device | str = "cpu") -> dict[str, Any]:
    """A checkpoint or ``model.pt`` of an autoencoder run, read without unpickling."""
    return nets.read_weights(path, device, what=WHAT)


def _payload(model: Autoencoder, epoch: int, **extra: Any) -> dict[str, Any]:
    c = model.config
    return {"model": model.state_dict(), "epoch": epoch, "image_shape": list(c.image_shape), "kind": c.kind,
            "arch": c.arch, **extra}  # fmt: skip


def _epoch_seed(seed: int, epoch: int) -> np.random.Generator:
    return np.random.default_rng([seed, epoch])  # the same draws whether resumed or not


def _held_out_noisy(config: AETrainConfig, test: torch.Tensor) -> torch.Tensor:
    """The held-out images corrupted by the run's noise, the same on every call."""
    return corrupt(test, config.noise, config.noise_level, torch.Generator().manual_seed(config.split_seed))


def train(
    config: AETrainConfig | None = None,
    *,
    device: str = "auto",
    runs_dir: str | os.PathLike = "runs",
    resume: str | os.PathLike | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Train the autoencoder ``config`` describes; or, with ``resume``, continue that run
    (its config.yaml says the data and settings). ``progress(epoch, epochs)`` after each
    epoch. Returns the run."""
    if resume is not None:
        run = Run.open(resume)
        saved = run.read_config()
        if saved.get("task") != TASK:
            raise MarionnetteError(
                f"{run.path} is not an autoencoder run (task {saved.get('task')!r}): resume it with its own command"
            )
        config = AETrainConfig(**saved["train"])
        run.remove_partial_files()
    config = AETrainConfig() if config is None else config
    if config.data not in ("digits", "photos") and Path(config.data).is_dir():
        config = dataclasses.replace(config, data=str(Path(config.data).resolve()))
    dataset = load_images(config.data, config.size, config.channels)
    split = held_out(len(dataset.images), config.test_fraction, config.split_seed)
    if resume is not None and list(dataset.image_shape) != list(saved.get("image_shape", dataset.image_shape)):
        raise MarionnetteError(
            f"{config.data} now gives {dataset.image_shape} images, {run.path} trained on "
            f"{tuple(saved['image_shape'])}: restore the data it trained on, or start a new run"
        )
    model_config = model_config_for(config, dataset.image_shape)
    dev = nets.pick_device(device)
    with torch.random.fork_rng(devices=[]):  # the weights from the seed; the caller's generator untouched
        torch.manual_seed(config.seed)
        model = build_model(model_config)
    model.to(dev)
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)
    start = 0
    if resume is None:
        run = Run.create(runs_dir, TASK, config.kind, config.seed)
        run.write_config({
            "task": TASK,
            "kind": config.kind,
            "arch": config.arch,
            "data": config.data,
            "image_shape": list(dataset.image_shape),
            "train": asdict(config),
            "model_config": asdict(model_config),
        })  # fmt: skip
    else:

        def restore(payload: dict) -> None:
            load_model_state(model, payload, "the checkpoint")
            optimizer.load_state_dict(payload["optimizer"])

        start = nets.resume_from(run, restore, dev, what=WHAT)
    images = torch.from_numpy(dataset.images)  # (N, C, H, W)
    train_x = images[split.train].to(dev)  # the data is small: it stays on the device
    test_x = images[split.test]  # (N_test, C, H, W), scored on the CPU side by batches
    test_noisy = _held_out_noisy(config, test_x)
    epochs = nets.EpochLog(run, TASK, resumed=start if resume is not None else None)
    n = len(train_x)
    try:
        for epoch in range(start, config.epochs):
            began = time.perf_counter()
            rng = _epoch_seed(config.seed, epoch)
            order = torch.from_numpy(rng.permutation(n)).to(dev)
            generator = torch.Generator(device=dev).manual_seed(int(rng.integers(2**62)))
            model.train()
            sums = torch.zeros(4, device=dev)  # loss, reconstruction, mean |code|, KL, summed over images
            for b in range(0, n, config.batch_size):
                clean = train_x[order[b : b + config.batch_size]]  # (B, C, H, W)
                inputs = clean
                if config.kind == "denoise":  # corrupted in, clean out
                    inputs = corrupt(clean, config.noise, config.noise_level, generator)
                losses = model.loss(model(inputs, generator), clean)
                optimizer.zero_grad(set_to_none=True)
                losses.total.backward()
                optimizer.step()
                sums += torch.stack([t.detach() for t in losses]) * len(clean)  # no host sync a step
            loss, reconstruction, activity, kl = (sums / n).tolist()
            seconds = time.perf_counter() - began
            checkpoint = (epoch + 1) % config.checkpoint_every == 0 or epoch + 1 == config.epochs
            held = score(model, test_x, with_ssim=checkpoint)
            noisy = score(model, test_x, inputs=test_noisy, with_ssim=False)
            row = {"epoch": epoch + 1, "loss": loss, "reconstruction": reconstruction, "code_l1": activity}
            if config.kind == "vae":
                row |= {"kl": kl, "test_elbo": held.elbo, "test_kl": held.kl}
            row |= {"test_mse": held.mse, "test_mean_code": held.mean_code, "test_zero_code": held.zero_code,
                    "test_noisy_mse": noisy.mse}  # fmt: skip
            if checkpoint:  # SSIM costs more than the epoch on small images (one scikit-image call a plane)
                row["test_ssim"] = held.ssim
            row |= {"seconds": seconds, "samples_per_s": n / seconds}
            epochs.write(epoch + 1, row)
            if checkpoint:
                nets.save_weights(run.checkpoint_path(epoch + 1, EXT),
                                  _payload(model, epoch + 1, optimizer=optimizer.state_dict()))  # fmt: skip
                _tensorboard_images(epochs, model, test_x[:_TB_IMAGES], epoch + 1)
            if progress is not None:
                progress(epoch + 1, config.epochs)
    finally:
        epochs.close()
    nets.save_weights(run.model_path(EXT), _payload(model, config.epochs))
    return run


def _tensorboard_images(epochs: nets.EpochLog, model: Autoencoder, images: torch.Tensor, step: int) -> None:
    recon, _ = reconstruct(model, images)
    epochs.tb.add_images(f"{TASK}/held_out_then_reconstructed", torch.cat([images, recon]), step)


class TrainedAE(NamedTuple):
    """A trained autoencoder and the run it came from. Images are ``(N, C, H, W)`` (or one
    ``(C, H, W)``) floats in ``[0, 1]``, of the shape the model was trained on."""

    model: Autoencoder
    config: dict[str, Any]  # the run's config.yaml
    device: torch.device
    run: Run  # where it came from

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return self.model.config.image_shape

    @property
    def train_config(self) -> AETrainConfig:
        return AETrainConfig(**self.config["train"])

    def check(self, images: np.ndarray | torch.Tensor) -> torch.Tensor:
        """``images`` as a ``(N, C, H, W)`` float32 tensor, or one line saying what is wrong."""
        x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
        one = x.ndim == 3
        x = x[None] if one else x
        C, H, W = self.image_shape
        if x.ndim != 4 or tuple(x.shape[1:]) != (C, H, W):
            got = tuple(x.shape[1:]) if x.ndim == 4 else tuple(np.shape(images))
            hint = ""
            if x.ndim == 4 and x.shape[1] != C and tuple(x.shape[2:]) == (H, W):
                hint = f" ({x.shape[1]} channels for a {'grey' if C == 1 else 'RGB'} model)"
            elif x.ndim == 4 and tuple(x.shape[2:]) != (H, W):
                hint = f" ({x.shape[2]}x{x.shape[3]} images for a {H}x{W} model)"
            raise MarionnetteError(
                f"images of shape {got}{hint}: this autoencoder reads (N, {C}, {H}, {W}) or ({C}, {H}, {W}); "
                f"read files with data.read_image(path, size={H}, channels={C})"
            )
        x = x.to(torch.float32)
        if not torch.isfinite(x).all():
            raise MarionnetteError("images hold NaN or infinite values: give finite pixel values in [0, 1]")
        if x.numel() and (x.min() < 0 or x.max() > 1):
            raise MarionnetteError(
                f"pixel values from {float(x.min()):g} to {float(x.max()):g}: give floats in [0, 1] "
                "(divide 8-bit images by 255)"
            )
        return x

    @torch.no_grad()
    def reconstruct(self, images: np.ndarray | torch.Tensor) -> np.ndarray:
        """The reconstructions of ``images``, of the same shape."""
        x = self.check(images)
        recon, _ = reconstruct(self.model, x, self.device)
        return recon.numpy().reshape(np.shape(images))

    @torch.no_grad()
    def encode(self, images: np.ndarray | torch.Tensor) -> np.ndarray:
        """``(N, K)`` codes (the VAE: ``mu``) of ``(N, C, H, W)`` images."""
        self.model.eval()
        x = self.check(images).to(self.device)
        return self.model.encode(x)[0].cpu().numpy()

    @torch.no_grad()
    def decode(self, codes: np.ndarray | torch.Tensor) -> np.ndarray:
        """``(N, C, H, W)`` images of ``(N, K)`` codes."""
        z = torch.as_tensor(np.asarray(codes, np.float32))
        K = self.model.config.code
        if z.ndim != 2 or z.shape[1] != K:
            raise MarionnetteError(f"codes of shape {tuple(z.shape)}: this autoencoder decodes (N, {K})")
        self.model.eval()
        return self.model.decode(z.to(self.device)).cpu().numpy()

    def interpolate(self, a: np.ndarray, b: np.ndarray, steps: int = 8) -> np.ndarray:
        """``(steps, C, H, W)``: the decoded points of the straight line from ``a``'s code to ``b``'s."""
        codes = self.encode(np.stack([self.check(a)[0].numpy(), self.check(b)[0].numpy()]))  # (2, K)
        t = np.linspace(0.0, 1.0, steps, dtype=np.float32)[:, None]  # (steps, 1)
        return self.decode((1 - t) * codes[0] + t * codes[1])

    def sample(self, count: int, seed: int = 0) -> np.ndarray:
        """``(count, C, H, W)`` images decoded from ``z ~ N(0, I)`` (the VAE only)."""
        if self.model.config.kind != "vae":
            raise MarionnetteError(
                f"a {self.model.config.kind} autoencoder has no prior to sample from: train one with --kind vae"
            )
        z = torch.randn((count, self.model.config.code), generator=torch.Generator().manual_seed(seed))
        return self.decode(z)

    def data(self) -> tuple[ImageSet, Split]:
        """The run's images (loaded again) and its split of them."""
        c = self.train_config
        dataset = load_images(c.data, c.size, c.channels)
        if dataset.image_shape != self.image_shape:
            raise MarionnetteError(
                f"{c.data} now gives {dataset.image_shape} images, the run trained on {self.image_shape}: "
                "restore the data the run trained on"
            )
        return dataset, held_out(len(dataset.images), c.test_fraction, c.split_seed)

    def held_out(self) -> np.ndarray:
        """The run's held-out images ``(N_test, C, H, W)``."""
        dataset, split = self.data()
        return dataset.images[split.test]


def load(run: str | os.PathLike, device: str = "cpu") -> TrainedAE:
    """The autoencoder a finished run wrote (``model.pt``, or its newest checkpoint)."""
    found = Run.open(run)
    config = found.read_config()
    if config.get("task") != TASK:
        raise MarionnetteError(f"{found.path} is not an autoencoder run: pass a folder `marionnette ae train` wrote")
    dev = nets.pick_device(device)
    model = build_model(AEConfig(**config["model_config"])).to(dev)
    path = found.model_path(EXT)
    if not path.is_file():
        latest = found.latest_checkpoint()
        if latest is None:
            raise CheckpointError(f"{found.path} has no model.pt and no checkpoint yet: let it train an epoch")
        path = latest.path
    load_model_state(model, read_weights(path, dev), str(path))
    model.eval()
    return TrainedAE(model, config, dev, found)


def evaluate(run: str | os.PathLike | TrainedAE, noise: str | None = None, level: float | None = None,
             device: str = "cpu") -> Scores:  # fmt: skip
    """Score a run's autoencoder on its held-out images, clean; or, with ``noise``, fed them
    corrupted by ``noise`` at ``level`` (the run's level by default) and scored against the
    clean ones. The same corruption on every call (seeded with the run's ``split_seed``)."""
    trained = run if isinstance(run, TrainedAE) else load(run, device)
    test = torch.from_numpy(trained.held_out())
    if noise is None:
        return score(trained.model, test, device=trained.device)
    c = trained.train_config
    c = dataclasses.replace(c, noise=noise, noise_level=c.noise_level if level is None else level)
    return score(trained.model, test, inputs=_held_out_noisy(c, test), device=trained.device)


__all__ = ["KINDS", "AETrainConfig", "TrainedAE", "evaluate", "load", "model_config_for", "read_weights", "train"]
