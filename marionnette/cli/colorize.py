"""``marionnette colorize``: colour from lightness (Zhang et al., ECCV 2016).

``colorize train --data photos|arcade|character|DIR`` writes a run directory
(:mod:`marionnette.generation.colorize.train`); ``colorize apply IMAGE --model RUN --out
out.png`` paints a picture from its lightness; ``colorize eval RUN`` scores a run on
pictures it never saw beside the grey baseline (PSNR, SSIM, mean chroma).

Data: ``photos`` is scikit-image's colour photographs (``chelsea`` held out for ``eval``);
``arcade``, ``arcade:GAME`` and ``character`` are frames the project renders
(:mod:`marionnette.datasets.frames`), cached under ``RUNS_DIR/frames/``, ``eval`` taking
frames of other seeds; anything else is image files, folders or ``skimage:NAME``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from marionnette.cli.console import console, one_line_errors, training
from marionnette.errors import MarionnetteError

app = typer.Typer(help="Colorize pictures from their lightness (Zhang et al.).", no_args_is_help=True)

DATA_HELP = "photos, arcade, arcade:GAME, character, or image files / folders / skimage:NAME (repeat)"
FRAMES = 256  # frames rendered for a training set of the project's renders
HELD_OUT_FRAMES = 32
FRAME_SIZE = 64


def images(data: list[str], runs_dir: Path, held_out: bool, seed: int = 0) -> tuple[str, ...]:
    """What ``--data`` names, as image sources: the training set, or (``held_out``) pictures it leaves out."""
    from marionnette.datasets.frames import cached_frames, is_frame_source
    from marionnette.generation.colorize.data import COLOUR_PHOTOS, HELD_OUT_PHOTOS

    found: list[str] = []
    for name in data:
        if name == "photos":
            found += HELD_OUT_PHOTOS if held_out else COLOUR_PHOTOS
        elif is_frame_source(name):
            count, frames_seed = (HELD_OUT_FRAMES, seed + 1) if held_out else (FRAMES, seed)  # another seed: new frames
            found.append(str(cached_frames(runs_dir / "frames", name, count, FRAME_SIZE, frames_seed)))
        else:
            if held_out:
                raise MarionnetteError(f"--data {name}: eval names its own pictures with --images, not --data")
            found.append(name)
    return tuple(found)


@app.command("train")
@one_line_errors
def train_(
    data: Annotated[Optional[list[str]], typer.Option(help=DATA_HELP)] = None,
    head: Annotated[str, typer.Option(help="classes (the paper's) or regression (its L2 baseline)")] = "classes",
    rebalance: Annotated[float, typer.Option(help="λ of the class rebalancing (0.5); 1: none")] = 0.5,
    epochs: Annotated[int, typer.Option(help="epochs of --steps-per-epoch batches")] = 4,
    steps_per_epoch: Annotated[int, typer.Option(help="batches an epoch")] = 250,
    size: Annotated[int, typer.Option(help="side of the square training crops (a multiple of 8)")] = 64,
    batch_size: Annotated[int, typer.Option(help="crops a batch")] = 16,
    channels: Annotated[int, typer.Option(help="width of the network's first block (the paper: 64)")] = 32,
    lr: Annotated[float, typer.Option(help="Adam's learning rate")] = 1e-3,
    seed: Annotated[int, typer.Option(help="seeds the weights, the crops and rendered frames")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    resume: Annotated[Optional[Path], typer.Option(help="continue this run from its newest checkpoint")] = None,
    runs_dir: Annotated[Path, typer.Option(help="where new runs (and rendered frames) go")] = Path("runs"),
) -> None:
    """Train a colorizer; writes runs/colorize__<head>__<seed>__<time>/."""
    from marionnette.generation.colorize.model import ColorNetConfig
    from marionnette.generation.colorize.train import ColorizeTrainConfig, train

    config = None
    data = data or ["photos"]
    if resume is None:
        config = ColorizeTrainConfig(images=images(data, runs_dir, held_out=False, seed=seed), size=size,
                                     epochs=epochs, steps_per_epoch=steps_per_epoch, batch_size=batch_size, lr=lr,
                                     rebalance=rebalance, seed=seed,
                                     net=ColorNetConfig(channels=channels, head=head))  # fmt: skip
    started = time.perf_counter()
    label = f"{head} on {' '.join(data)}" if resume is None else f"resume {resume}"
    with training(label, "colorize", unit="batches") as update:
        run = train(config, device=device, runs_dir=runs_dir, resume=resume, progress=update)
    console.print(f"trained in {time.perf_counter() - started:.1f}s → [bold]{run.path}[/]", soft_wrap=True)
    console.print(f"next: marionnette colorize eval {run.path}", soft_wrap=True)


@app.command()
@one_line_errors
def apply(
    image: Annotated[str, typer.Argument(help="the picture: an image file or skimage:NAME (a grey one is fine)")],
    model: Annotated[Path, typer.Option(help="a colorize run directory")],
    out: Annotated[Path, typer.Option(help="the colorized picture (.png, .jpg)")] = Path("colorized.png"),
    size: Annotated[Optional[int], typer.Option(help="longer side to work at (default: the picture's)")] = None,
    temperature: Annotated[float, typer.Option(help="annealed mean: 1 the mean, 0 the mode (0.38)")] = 0.38,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Colorize IMAGE from its lightness; a colour IMAGE is also scored against its own colours."""
    from marionnette.generation.colorize.evaluate import colorize_image, score
    from marionnette.generation.colorize.train import load
    from marionnette.generation.images import load_image, save_image

    if out.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise MarionnetteError(f"--out {out}: name it .png or .jpg")
    net = load(model, device)
    picture = load_image(image, size)
    started = time.perf_counter()
    painted = colorize_image(net, picture, temperature)
    path = save_image(out, painted)
    line = f"{painted.shape[1]}x{painted.shape[0]} in {time.perf_counter() - started:.2f}s"
    scores = score([painted], [picture])
    if scores.true_chroma > 1.0:  # a colour picture: say how near its own colours came back
        line += f"; against its own colours PSNR {scores.psnr:.2f} dB, SSIM {scores.ssim:.3f}"
    console.print(f"{line}; mean chroma {scores.chroma:.1f} → [bold]{path}[/]", soft_wrap=True, highlight=False)


@app.command("eval")
@one_line_errors
def eval_(
    run: Annotated[Path, typer.Argument(help="a colorize run directory")],
    images_: Annotated[
        Optional[list[str]],
        typer.Option("--images", help="pictures to score (default: what the run's data leaves out)"),
    ] = None,
    size: Annotated[int, typer.Option(help="longer side the pictures are scored at")] = 128,
    temperature: Annotated[float, typer.Option(help="annealed mean: 1 the mean, 0 the mode (0.38)")] = 0.38,
    runs_dir: Annotated[Path, typer.Option(help="where rendered frames are cached")] = Path("runs"),
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Score RUN on held-out pictures beside the grey baseline: PSNR, SSIM, mean chroma."""
    from marionnette.generation.colorize.evaluate import evaluate, grey_baseline, score
    from marionnette.generation.colorize.train import load
    from marionnette.generation.images import image_sources, load_image

    net = load(run, device)
    sources = images_ or list(images(_trained_on(run), runs_dir, held_out=True, seed=_seed(run)))
    truths = [load_image(s, size) for s in image_sources(sources)]
    ours = evaluate(net, truths, temperature)
    grey = score([grey_baseline(t) for t in truths], truths)
    console.print(f"{len(truths)} held-out pictures at {size} px (true mean chroma {ours.true_chroma:.1f}):",
                  highlight=False)  # fmt: skip
    for name, s in ((f"{net.config.head}, T={temperature:g}", ours), ("grey (ab = 0)", grey)):
        console.print(f"  {name:<22} PSNR {s.psnr:6.2f} dB  SSIM {s.ssim:.3f}  chroma {s.chroma:5.1f}",
                      highlight=False)  # fmt: skip


def _config(run: Path) -> dict:
    from marionnette.runs import Run

    return Run.open(run).read_config().get("train", {})


def _seed(run: Path) -> int:
    return int(_config(run).get("seed", 0))


def _trained_on(run: Path) -> list[str]:
    """The ``--data`` names behind a run's images: ``photos`` for scikit-image's, a frames folder's source."""
    names: list[str] = []
    for source in _config(run).get("images", []):
        folder = Path(source)
        name = "photos" if source.startswith("skimage:") else folder.name.split("__")[0].replace("-", ":", 1)
        if folder.parent.name != "frames" and name != "photos":
            raise MarionnetteError(f"{run} trained on {source}: say what to score it on with --images")
        if name not in names:
            names.append(name)
    return names


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="colorize")
