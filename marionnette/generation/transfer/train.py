"""Training EDN's pose-to-image GAN on a target video, in the run directory every trainer writes.

::

    runs/transfer__<edn|pix2pixhd>__<seed>__<time>/
      config.yaml        the target video, the networks, the loss weights, the training settings,
                         and what ``transfer run`` needs of the target without its video: size,
                         skeleton, frame rate, where its feet stand (:class:`~.normalize.FootStats`)
      checkpoints/       step_<step>.pt every ``checkpoint_every`` epochs (G, the Ds, their
                         optimizers; in the face stage the face GAN's too)
      model.pt           the generator's final weights (and the face generator's)
      progress.csv       one row an epoch: the generator's and discriminators' losses, L1, seconds
                         (``stage`` main or face; in the face stage, the face GAN's losses on the crop)
      tb/                TensorBoard scalars, and each epoch a grid of held-out frames:
                         figure | generated | true

One step (pix2pixHD's, Adam at 2e-4, betas 0.5 / 0.999): a batch of training frames ``t``
with their predecessors ``p`` in the same piece of video. The stick figures of both are
drawn from the video's poses (:mod:`~.figure`).

- ``temporal=False`` (the pix2pixHD baseline): ``G(figure_t)`` against the frame, judged
  by the multi-scale discriminator on (figure, frame).
- ``temporal=True`` (EDN's temporal smoothing): ``x_p = G(figure_p, figure_p, 0)``, then
  ``x_t = G(figure_t, figure_p, x_p)``; the spatial discriminator judges both frames, and a
  temporal one the pair ``(figure_p, figure_t, x_p, x_t)`` against the true pair.

The generator's loss is LSGAN + ``lambda_feat`` x feature matching + ``lambda_vgg`` x VGG
(:mod:`~.losses`); each discriminator's is the mean of its LSGAN on real and on detached
fakes.

With ``face.epochs`` (EDN §3.4, :mod:`~.face`) the main epochs are followed by that many
of the face GAN, ``G`` frozen: a run that finished its main epochs can be resumed with face
epochs added (``resume=..., face_epochs=N``), which is how the ablation's "+ face GAN" row
continues the "+ temporal" one; ``epochs=N`` likewise trains a finished run on. Batch ``k``
is drawn from ``(seed, k)``, so ``resume`` ends where an uninterrupted run
would. Weights are written atomically and read with ``weights_only=True``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from marionnette.errors import MarionnetteError
from marionnette.generation.transfer.data import TargetVideo
from marionnette.generation.transfer.face import FaceConfig, FaceGAN, corners, crop, head_index
from marionnette.generation.transfer.figure import draw_figures
from marionnette.generation.transfer.losses import VGGLoss, feature_matching, lsgan
from marionnette.generation.transfer.models import Generator, GeneratorConfig, MultiscaleDiscriminator
from marionnette.nets import training as nets
from marionnette.runs import Run

TASK = "transfer"
EXT = "pt"


@dataclass
class TransferTrainConfig:
    """How the pose-to-image GAN is trained (config.yaml's ``train``)."""

    video: str
    """The target video (:class:`~.data.TargetVideo` ``.npz``)."""
    temporal: bool = True
    epochs: int = 4
    steps_per_epoch: int = 200
    batch_size: int = 4
    lr: float = 2e-4
    lambda_feat: float = 10.0
    lambda_vgg: float = 10.0
    features: str = "imagenet"
    """VGG19's weights for the perceptual loss: ``imagenet`` (torchvision's cached file) or ``random``."""
    scales: int = 2
    d_layers: int = 3
    d_channels: int = 32
    seed: int = 0
    checkpoint_every: int = 1
    net: GeneratorConfig = field(default_factory=GeneratorConfig)
    face: FaceConfig = field(default_factory=FaceConfig)

    def __post_init__(self) -> None:
        if isinstance(self.net, dict):
            self.net = GeneratorConfig(**self.net)
        if isinstance(self.face, dict):
            self.face = FaceConfig(**self.face)
        self.video = str(self.video)
        for name in ("epochs", "steps_per_epoch", "batch_size", "checkpoint_every", "scales", "d_layers"):
            if getattr(self, name) < 1:
                raise MarionnetteError(f"{name} is {getattr(self, name)}: give at least 1")
        if self.features not in ("imagenet", "random"):
            raise MarionnetteError(f"features {self.features!r}: use imagenet or random")

    @property
    def model(self) -> str:
        return "edn" if self.temporal else "pix2pixhd"

    @property
    def in_channels(self) -> int:
        return 9 if self.temporal else 3


def figures(video: TargetVideo) -> torch.Tensor:
    """The stick figure of every frame, ``(T, 3, H, W)`` in ``[-1, 1]``."""
    drawn = draw_figures(video.points, video.skeleton_spec, video.size)  # (T, H, W, 3) uint8
    return torch.from_numpy(drawn).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def frames(video: TargetVideo) -> torch.Tensor:
    """The frames, ``(T, 3, H, W)`` in ``[-1, 1]``."""
    return torch.from_numpy(video.frames).permute(0, 3, 1, 2).float().div(127.5).sub(1)


def generate_pair(G: Generator, fig_p: torch.Tensor, fig_t: torch.Tensor, temporal: bool):
    """``(x_p, x_t)``: the previous and the current frame as G makes them (``x_p`` None without ``temporal``)."""
    if not temporal:
        return None, G(fig_t)
    x_p = G(torch.cat([fig_p, fig_p, torch.zeros_like(fig_p)], 1))
    return x_p, G(torch.cat([fig_t, fig_p, x_p], 1))


class _Nets(torch.nn.Module):
    """Everything a checkpoint holds, so one state dict restores it."""

    def __init__(self, config: TransferTrainConfig):
        super().__init__()
        self.G = Generator(config.in_channels, config.net)
        self.D = MultiscaleDiscriminator(6, config.d_channels, config.d_layers, config.scales)
        self.DT = MultiscaleDiscriminator(12, config.d_channels, config.d_layers, config.scales) if config.temporal \
            else None  # fmt: skip


def _check_size(config: TransferTrainConfig, video: TargetVideo, where: str) -> None:
    H, W = video.size
    m = config.net.multiple
    if H % m or W % m:
        raise MarionnetteError(f"{where} is {W}x{H}: the generator ({config.net.downs} downsamplings) needs sides "
                               f"that are multiples of {m}; render it at such a size")  # fmt: skip


def target_summary(video: TargetVideo) -> dict:
    """What ``transfer run`` needs of the target without its video: config.yaml's ``target``."""
    from marionnette.generation.transfer.normalize import foot_stats

    feet = foot_stats(video.points[~video.held_out], video.skeleton_spec)
    return {"size": list(video.size), "skeleton": video.skeleton, "fps": float(video.fps), "feet": asdict(feet)}


def held_out_grid(G: Generator, figs: torch.Tensor, reals: torch.Tensor, shown: np.ndarray, previous: torch.Tensor,
                  temporal: bool) -> torch.Tensor:  # fmt: skip
    """``(3, H', W')`` in ``[0, 1]``: for each frame of ``shown`` a row figure | generated | true (TensorBoard's)."""
    from torchvision.utils import make_grid

    with torch.no_grad():
        t = torch.from_numpy(shown)
        _, made = generate_pair(G, figs[previous[t]], figs[t], temporal)
    rows = torch.stack([figs[t], made, reals[t]], 1).flatten(0, 1)  # (3 n, 3, H, W)
    return make_grid(rows.add(1).div(2).clamp(0, 1).cpu(), nrow=3, padding=1)


def train(
    config: TransferTrainConfig | None = None,
    *,
    device: str = "auto",
    runs_dir: str | os.PathLike = "runs",
    resume: str | os.PathLike | None = None,
    epochs: int | None = None,
    face_epochs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Run:
    """Train the GAN on ``config.video``; or, with ``resume``, continue that run (with ``epochs`` or
    ``face_epochs``: to that many main or face-GAN epochs, in place of what its config said). Returns the run."""
    if resume is not None:
        run, saved = nets.reopen(resume, TASK)
        config = TransferTrainConfig(**saved["train"])
        if epochs is not None and epochs != config.epochs:
            if config.face.epochs and epochs > config.epochs:
                raise MarionnetteError(f"{run.path} trains its face GAN after epoch {config.epochs}: more main epochs "
                                       "would retrain G under it; train a new run for longer")  # fmt: skip
            config = dataclasses.replace(config, epochs=epochs)
        if face_epochs is not None and face_epochs != config.face.epochs:
            config = dataclasses.replace(config, face=dataclasses.replace(config.face, epochs=face_epochs))
        if config != TransferTrainConfig(**saved["train"]):
            saved["train"] = asdict(config)
            run.write_config(saved)
    elif config is None:
        raise MarionnetteError("give the target video to learn: a .npz of frames and their 2-D poses (TargetVideo)")
    dev = nets.pick_device(device)
    video = TargetVideo.load(config.video)  # bad input fails before any run exists
    _check_size(config, video, config.video)
    vgg = VGGLoss(config.features, config.seed).to(dev)
    figs, reals = figures(video).to(dev), frames(video).to(dev)
    previous = torch.from_numpy(video.previous())
    usable = np.flatnonzero(~video.held_out & ~video.held_out[video.previous()])  # t and its predecessor trained on
    if resume is None:
        config = dataclasses.replace(config, video=str(Path(config.video).resolve()))
        run = Run.create(runs_dir, TASK, config.model, config.seed)
        run.write_config({"task": TASK, "model": config.model, "size": list(video.size), "skeleton": video.skeleton,
                          "target": target_summary(video), "train": asdict(config)})  # fmt: skip
    torch.manual_seed(config.seed)
    model = _Nets(config).to(dev)
    d_params = list(model.D.parameters()) + (list(model.DT.parameters()) if model.DT is not None else [])
    opt_g = torch.optim.Adam(model.G.parameters(), lr=config.lr, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d_params, lr=config.lr, betas=(0.5, 0.999))
    face = _Face(config, video, dev) if config.face.epochs else None
    start = 0
    if resume is not None:

        def restore(payload: dict) -> None:
            nets.load_state(model, payload["model"], "the checkpoint")
            opt_g.load_state_dict(payload["opt_g"])
            opt_d.load_state_dict(payload["opt_d"])
            if face is not None and "face" in payload:  # a checkpoint of the main stage has none yet
                face.load_state_dict(payload["face"])

        start = nets.resume_from(run, restore, dev, what="transfer checkpoint")
    main_epochs, spe = config.epochs, config.steps_per_epoch
    total = (main_epochs + config.face.epochs) * spe
    held = np.flatnonzero(video.held_out & (video.previous() != np.arange(len(video.held_out))))
    shown = held[np.linspace(0, len(held) - 1, min(4, len(held))).round().astype(int)] if len(held) else held
    names = ("g_gan", "g_feat", "g_vgg", "d", "l1")
    with nets.EpochLog(run, TASK, resumed=start if resume is not None else None) as epochs:
        for epoch in range(start // spe, main_epochs + config.face.epochs):
            began = time.perf_counter()
            sums = torch.zeros(len(names), device=dev)
            in_face = epoch >= main_epochs
            model.train()
            if in_face:
                model.G.requires_grad_(False)
            for k in range(epoch * spe, (epoch + 1) * spe):
                rng = np.random.default_rng([config.seed, k])
                if in_face:
                    t = torch.from_numpy(rng.choice(face.usable, config.batch_size))
                    sums += face.step(model.G, figs, reals, t, previous[t], vgg)
                else:
                    t = torch.from_numpy(rng.choice(usable, config.batch_size))
                    sums += _main_step(config, model, opt_g, opt_d, vgg, figs, reals, t, previous[t])
                if progress is not None:
                    progress(k + 1, total)
            step = (epoch + 1) * spe
            row = dict(zip(names, (sums / spe).tolist(), strict=True))
            epochs.write(step, {"epoch": epoch + 1, "stage": "face" if in_face else "main", **row,
                                "seconds": time.perf_counter() - began})  # fmt: skip
            if len(shown):
                epochs.tb.add_image(f"{TASK}/held_out", held_out_grid(model.G, figs, reals, shown, previous,
                                                                      config.temporal), step)  # fmt: skip
            if (epoch + 1) % config.checkpoint_every == 0 or epoch + 1 == main_epochs + config.face.epochs:
                payload = {"model": model.state_dict(), "opt_g": opt_g.state_dict(), "opt_d": opt_d.state_dict(),
                           "step": step}  # fmt: skip
                if face is not None:
                    payload["face"] = face.state_dict()
                nets.save_weights(run.checkpoint_path(step, EXT), payload)
    final = {"model": model.G.state_dict(), "step": total}
    if face is not None:
        final["face"] = face.gan.G.state_dict()
    nets.save_weights(run.model_path(EXT), final)
    return run


def _main_step(config, model, opt_g, opt_d, vgg, figs, reals, t, p) -> torch.Tensor:
    """One step of G and the Ds on frames ``t`` and their predecessors ``p``: the five logged numbers."""
    fig_t, fig_p, real_t, real_p = figs[t], figs[p], reals[t], reals[p]  # (B, 3, H, W) each
    x_p, x_t = generate_pair(model.G, fig_p, fig_t, config.temporal)
    fakes = [(fig_t, x_t, real_t)] + ([(fig_p, x_p, real_p)] if config.temporal else [])
    # discriminators: real towards 1, detached fakes towards 0
    d_loss = sum(0.5 * (lsgan(model.D(torch.cat([f, r], 1)), True)
                        + lsgan(model.D(torch.cat([f, x.detach()], 1)), False))
                 for f, x, r in fakes) / len(fakes)  # fmt: skip
    if config.temporal:
        pair_real = torch.cat([fig_p, fig_t, real_p, real_t], 1)
        pair_fake = torch.cat([fig_p, fig_t, x_p, x_t], 1)
        d_loss = d_loss + 0.5 * (lsgan(model.DT(pair_real), True) + lsgan(model.DT(pair_fake.detach()), False))
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()
    # generator: fool the discriminators, match their features and VGG's
    g_gan = g_feat = g_vgg = torch.zeros((), device=x_t.device)
    for f, x, r in fakes:
        judged, truth = model.D(torch.cat([f, x], 1)), model.D(torch.cat([f, r], 1))
        g_gan = g_gan + lsgan(judged, True) / len(fakes)
        g_feat = g_feat + feature_matching(judged, truth) / len(fakes)
        g_vgg = g_vgg + vgg(x, r) / len(fakes)
    if config.temporal:
        judged, truth = model.DT(pair_fake), model.DT(pair_real)
        g_gan = g_gan + lsgan(judged, True)
        g_feat = g_feat + feature_matching(judged, truth)
    g_loss = g_gan + config.lambda_feat * g_feat + config.lambda_vgg * g_vgg
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    l1 = F.l1_loss(x_t.detach(), real_t)
    return torch.stack([g_gan.detach(), g_feat.detach(), g_vgg.detach(), d_loss.detach(), l1])


class _Face:
    """The face stage: the face GAN, its optimizers, and each frame's crop corner."""

    def __init__(self, config: TransferTrainConfig, video: TargetVideo, dev: torch.device):
        self.config = config
        self.side = config.face.side(video.size[0])
        head = head_index(video.skeleton_spec)
        self.at = torch.from_numpy(corners(video.points, head, self.side, video.size))  # (T, 2)
        trained = ~video.held_out & ~video.held_out[video.previous()]
        self.usable = np.flatnonzero(trained & (self.at[:, 0] >= 0).numpy())
        if not len(self.usable):
            raise MarionnetteError(f"{config.video}: no training frame shows the head; train without face epochs")
        torch.manual_seed(config.seed + 1)
        self.gan = FaceGAN(config.face, config.d_channels, config.d_layers).to(dev)
        self.opt_g = torch.optim.Adam(self.gan.G.parameters(), lr=config.lr, betas=(0.5, 0.999))
        self.opt_d = torch.optim.Adam(self.gan.D.parameters(), lr=config.lr, betas=(0.5, 0.999))

    def state_dict(self) -> dict:
        return {"gan": self.gan.state_dict(), "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        nets.load_state(self.gan, state["gan"], "the checkpoint's face GAN")
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])

    def step(self, G, figs, reals, t, p, vgg) -> torch.Tensor:
        """One step of ``G_f`` and ``D_f`` on the crops of frames ``t`` (``G`` frozen): the five logged numbers."""
        c = self.config
        with torch.no_grad():
            _, x_t = generate_pair(G, figs[p], figs[t], c.temporal)
        at = self.at[t]
        fig_c, made_c, real_c = (crop(x, at, self.side) for x in (figs[t], x_t, reals[t]))  # (B, 3, s, s)
        face = self.gan(fig_c, made_c)
        D = self.gan.D
        d_loss = 0.5 * (lsgan(D(torch.cat([fig_c, real_c], 1)), True)
                        + lsgan(D(torch.cat([fig_c, face.detach()], 1)), False))  # fmt: skip
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        judged, truth = D(torch.cat([fig_c, face], 1)), D(torch.cat([fig_c, real_c], 1))
        g_gan, g_feat, g_vgg = lsgan(judged, True), feature_matching(judged, truth), vgg(face, real_c)
        loss = g_gan + c.lambda_feat * g_feat + c.lambda_vgg * g_vgg
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        l1 = F.l1_loss(face.detach(), real_c)
        return torch.stack([g_gan.detach(), g_feat.detach(), g_vgg.detach(), d_loss.detach(), l1])


@dataclass
class Trained:
    """A run's generator, ready to paint: what it was trained on, and how."""

    G: Generator
    config: TransferTrainConfig
    size: tuple[int, int]
    skeleton: str
    face: FaceGAN | None = None
    """The face GAN, when the run trained one."""
    target: dict | None = None
    """config.yaml's ``target`` (:func:`target_summary`); None in runs older than it."""

    def face_corners(self, points: np.ndarray) -> np.ndarray | None:
        """``(T, 2)`` crop corners of poses ``(T, J, 2)`` for the face GAN (:func:`~.face.corners`), or None."""
        if self.face is None:
            return None
        from marionnette.motion.skeleton import BUILTIN_SKELETONS

        skeleton = next(s for s in BUILTIN_SKELETONS if s.name == self.skeleton)
        return corners(points, head_index(skeleton), self.face.config.side(self.size[0]), self.size)


def load(run: str | os.PathLike, device: str = "cpu") -> Trained:
    """The generator a transfer run wrote (``model.pt``, or its newest checkpoint's), in eval mode."""
    found = Run.open(run)
    saved = found.read_config()
    if saved.get("task") != TASK:
        raise MarionnetteError(f"{found.path} is not a transfer run: pass a folder `marionnette transfer train` wrote")
    config = TransferTrainConfig(**saved["train"])
    dev = nets.pick_device(device)
    G = Generator(config.in_channels, config.net).to(dev)
    path = nets.final_weights(found, EXT)
    payload = nets.read_weights(path, dev, what="transfer model")
    state, face_state = payload["model"], payload.get("face")
    if path != found.model_path(EXT):  # a checkpoint holds G, D and DT: G's part; the face GAN's G
        state = {k[2:]: v for k, v in state.items() if k.startswith("G.")}
        face_state = face_state and {k[2:]: v for k, v in face_state["gan"].items() if k.startswith("G.")}
    nets.load_state(G, state, str(path))
    face = None
    if config.face.epochs and face_state:
        face = FaceGAN(config.face, config.d_channels, config.d_layers).to(dev)
        nets.load_state(face.G, face_state, f"{path}'s face generator")
        face.eval()
    return Trained(G.eval(), config, tuple(saved["size"]), saved["skeleton"], face, saved.get("target"))


__all__ = [
    "TASK",
    "Trained",
    "TransferTrainConfig",
    "figures",
    "frames",
    "generate_pair",
    "held_out_grid",
    "load",
    "target_summary",
    "train",
]
