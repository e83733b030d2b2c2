"""``marionnette ae``: train autoencoders and look at what they learned.

``ae train --kind plain|denoise|sparse|vae --data digits|photos|arcade|character|DIR`` writes a run
directory (:mod:`marionnette.generation.autoencoders.train`); ``ae show RUN`` prints its
held-out scores and draws its pictures (:mod:`marionnette.generation.autoencoders.pictures`).
``arcade``, ``arcade:GAME`` and ``character`` are frames the project renders
(:mod:`marionnette.datasets.frames`, 1,000 at 64 px), cached under ``RUNS_DIR/frames/``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from marionnette.cli.console import console, key_values, one_line_errors, training

FRAMES = 1000  # rendered frames an autoencoder learns from (a fifth held out)

app = typer.Typer(help="Train autoencoders (plain, denoising, sparse, VAE) and draw what they do.",
                  no_args_is_help=True)  # fmt: skip


@app.command("train")
@one_line_errors
def train_(
    kind: Annotated[str, typer.Option(help="plain, denoise, sparse or vae")] = "plain",
    data: Annotated[
        str, typer.Option(help="digits, photos, arcade, arcade:GAME, character, or a folder of PNG/JPG images")
    ] = "digits",
    arch: Annotated[str, typer.Option(help="mlp or conv")] = "mlp",
    epochs: Annotated[int, typer.Option(help="passes over the training images")] = 30,
    code: Annotated[int, typer.Option(help="units of the code (the VAE's latent)")] = 16,
    noise: Annotated[str, typer.Option(help="denoise: gaussian, masking or salt-and-pepper")] = "gaussian",
    noise_level: Annotated[
        float, typer.Option(help="gaussian: its standard deviation; masking, salt-and-pepper: the fraction of pixels")
    ] = 0.5,
    sparsity: Annotated[float, typer.Option(help="sparse: the weight of mean |code| in the loss")] = 0.01,
    beta: Annotated[float, typer.Option(help="vae: the weight of the KL term")] = 1.0,
    size: Annotated[Optional[int], typer.Option(help="photos, folders: pixels a side (default 32)")] = None,
    channels: Annotated[Optional[int], typer.Option(help="1 (grey) or 3 (RGB); default: the data's")] = None,
    batch_size: Annotated[int, typer.Option(help="images a step")] = 64,
    lr: Annotated[float, typer.Option(help="Adam's learning rate")] = 1e-3,
    seed: Annotated[int, typer.Option(help="seeds the weights and every epoch's draws")] = 0,
    set_: Annotated[
        Optional[list[str]], typer.Option("--set", help="an architecture setting: hidden=N (mlp), filters=N (conv)")
    ] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    resume: Annotated[Optional[Path], typer.Option(help="continue this run from its newest checkpoint")] = None,
    runs_dir: Annotated[Path, typer.Option(help="where new runs go")] = Path("runs"),
) -> None:
    """Train an autoencoder; writes runs/ae__<kind>__<seed>__<time>/."""
    from marionnette.generation.autoencoders.train import AETrainConfig, train

    config = None
    if resume is None:
        from marionnette.datasets.frames import cached_frames, is_frame_source

        folder = str(cached_frames(runs_dir / "frames", data, FRAMES, 64, seed)) if is_frame_source(data) else data
        settings = key_values(set_ or [], "hidden=512")
        config = AETrainConfig(data=folder, kind=kind, arch=arch, code=code, epochs=epochs, batch_size=batch_size,
                               lr=lr, noise=noise, noise_level=noise_level, sparsity=sparsity, beta=beta, size=size,
                               channels=channels, seed=seed, model_config=settings)  # fmt: skip
    started = time.perf_counter()
    with training(f"{arch} {kind} on {data}" if resume is None else f"resume {resume}", "ae") as update:
        run = train(config, device=device, runs_dir=runs_dir, resume=resume, progress=update)
    console.print(f"trained in {time.perf_counter() - started:.1f}s → [bold]{run.path}[/]", soft_wrap=True)
    console.print(f"next: marionnette ae show {run.path}", soft_wrap=True)


@app.command()
@one_line_errors
def show(
    run: Annotated[Path, typer.Argument(help="an autoencoder run directory")],
    out: Annotated[Optional[Path], typer.Option(help="write the pictures here (default: RUN/pictures)")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
    seed: Annotated[int, typer.Option(help="seeds the samples, the pair interpolated and the point cloud")] = 0,
) -> None:
    """Print a run's held-out scores and draw its pictures (reconstructions, interpolation,
    denoising, VAE samples, the 2-D point cloud)."""
    from marionnette.generation.autoencoders.pictures import show as draw
    from marionnette.generation.autoencoders.train import evaluate, load

    trained = load(run, device)
    scores = evaluate(trained)
    line = f"held out ({scores.count} images): MSE {scores.mse:.4f}, SSIM {scores.ssim:.3f}, "
    line += f"mean |code| {scores.mean_code:.3f}"
    if scores.elbo is not None:
        line += f", ELBO {scores.elbo:.2f} nats (KL {scores.kl:.2f})"
    console.print(line, highlight=False, soft_wrap=True)
    for path in draw(run, out, device, seed=seed):
        console.print(f"→ {path}", highlight=False, soft_wrap=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="ae")
