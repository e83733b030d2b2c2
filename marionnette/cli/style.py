"""``marionnette style``: style transfer (Gatys' optimisation, a trained fast network) and texture synthesis.

``style apply CONTENT STYLE --out out.png`` optimises one image (Gatys et al.);
``style train STYLE`` trains a fast network and writes a run directory
(:mod:`marionnette.generation.style.fast`); ``style apply CONTENT --model RUN --out out.png``
paints with it, and ``style apply --model RUN --source webcam|VIDEO --out out.mp4`` paints a
video; ``style texture SAMPLE --out out.png --method efros-leung|gatys`` grows a texture.
Images are paths or scikit-image's pictures by name (``skimage:brick``).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from marionnette.cli.console import console, frame_progress, one_line_errors, progress_bar, training
from marionnette.errors import MarionnetteError

app = typer.Typer(help="Style transfer and texture synthesis.", no_args_is_help=True)

IMAGE_HELP = "an image file or one of scikit-image's pictures, e.g. skimage:brick"
FEATURES_HELP = "VGG19's weights: imagenet (torchvision's cached file) or random (seeded, no file needed)"


@app.command()
@one_line_errors
def apply(
    content: Annotated[Optional[str], typer.Argument(help=f"the photograph to paint: {IMAGE_HELP}")] = None,
    style: Annotated[Optional[str], typer.Argument(help=f"the style (not with --model): {IMAGE_HELP}")] = None,
    out: Annotated[Path, typer.Option(help="the picture (.png, .jpg) or, with --source, the video (.mp4)")] = Path(
        "stylised.png"
    ),
    model: Annotated[
        Optional[Path], typer.Option(help="paint with this trained style run instead of optimising")
    ] = None,
    source: Annotated[
        Optional[str], typer.Option(help="with --model: paint a video, webcam[:N] or a video file, into --out")
    ] = None,
    steps: Annotated[int, typer.Option(help="loss evaluations of the optimisation")] = 300,
    size: Annotated[
        Optional[int], typer.Option(help="longer side of the output (default 256; with --model the input's)")
    ] = None,
    style_size: Annotated[
        Optional[int], typer.Option(help="longer side the style is read at (default: --size)")
    ] = None,
    features: Annotated[str, typer.Option(help=FEATURES_HELP)] = "imagenet",
    optimizer: Annotated[str, typer.Option(help="lbfgs or adam")] = "lbfgs",
    init: Annotated[str, typer.Option(help="start from the content or from noise")] = "content",
    style_weight: Annotated[
        Optional[float], typer.Option(help="weight of the style loss (default: by --features)")
    ] = None,
    seed: Annotated[int, typer.Option(help="seeds the noise and the random VGG")] = 0,
    max_frames: Annotated[Optional[int], typer.Option(help="with --source: stop after this many frames")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
) -> None:
    """Paint CONTENT in the manner of STYLE (Gatys et al.), or with a trained network (--model)."""
    from marionnette.generation.images import load_image, save_image

    if model is not None:
        _apply_model(content, style, out, model, source, size, max_frames, device)
        return
    if source is not None:
        raise MarionnetteError("--source paints a video with a trained network: give --model RUN too")
    if content is None or style is None:
        raise MarionnetteError(
            "give CONTENT and STYLE (e.g. skimage:chelsea skimage:immunohistochemistry), or --model RUN"
        )
    from marionnette.generation.images import to_image, to_tensor
    from marionnette.generation.style.gatys import GatysConfig, stylize
    from marionnette.generation.style.losses import Perceptual, PerceptualConfig
    from marionnette.nets.training import pick_device

    _check_out(out, (".png", ".jpg", ".jpeg"))
    size = 256 if size is None else size
    config = GatysConfig(steps=steps, optimizer=optimizer, init=init, seed=seed,
                         loss=PerceptualConfig(features=features, seed=seed, style_weight=style_weight))  # fmt: skip
    dev = pick_device(device)
    perceptual = Perceptual(config.loss).to(dev)  # first: a missing ImageNet file fails before any work
    content_image = to_tensor(load_image(content, size)).to(dev)
    style_image = to_tensor(load_image(style, style_size or size)).to(dev)
    started = time.perf_counter()
    with progress_bar(f"Gatys on {content}", unit="steps") as update:
        result = stylize(content_image, style_image, config, perceptual, progress=update)
    path = save_image(out, to_image(result.image))
    console.print(
        f"{len(result.style)} steps in {time.perf_counter() - started:.1f}s: style loss {float(result.style[0]):.3g} → "
        f"{float(result.style[-1]):.3g}, content loss {float(result.content[-1]):.3g} → [bold]{path}[/]",
        soft_wrap=True,
        highlight=False,
    )


def _check_out(out: Path, suffixes: tuple[str, ...]) -> None:
    if out.suffix.lower() not in suffixes:
        raise MarionnetteError(f"--out {out}: name it {' or '.join(suffixes)}")


def _apply_model(content: Optional[str], style: Optional[str], out: Path, model: Path, source: Optional[str],
                 size: Optional[int], max_frames: Optional[int], device: str) -> None:  # fmt: skip
    from marionnette.generation.images import load_image, save_image
    from marionnette.generation.style.fast import load, stylize_image
    from marionnette.generation.style.transformer import MULTIPLE

    if style is not None:
        raise MarionnetteError(f"a trained network paints its own style: drop STYLE ({style}) or drop --model")
    if (content is None) == (source is None):
        raise MarionnetteError("with --model give either CONTENT (a picture) or --source (webcam or a video), not both")
    net = load(model, device)
    if source is not None:
        from marionnette.generation.style.video import Frames, open_frames, stylize_video

        frames = open_frames(source, max_frames)
        with frame_progress(f"painting {source}", fps=frames.fps, total=max_frames) as counted:
            result = stylize_video(net, Frames(counted(frames.frames), frames.fps), out, size)
        console.print(f"{result.frames} frames at {result.rate:.1f} FPS → [bold]{result.path}[/]", soft_wrap=True,
                      highlight=False)  # fmt: skip
        return
    _check_out(out, (".png", ".jpg", ".jpeg"))
    image = load_image(content)
    image = load_image(content, size or max(image.shape[:2]), multiple=MULTIPLE)  # sides the network takes
    started = time.perf_counter()
    painted = stylize_image(net, image)
    path = save_image(out, painted)
    console.print(f"{painted.shape[1]}x{painted.shape[0]} in {time.perf_counter() - started:.2f}s → [bold]{path}[/]",
                  soft_wrap=True, highlight=False)  # fmt: skip


@app.command("train")
@one_line_errors
def train_(
    style: Annotated[Optional[str], typer.Argument(help=f"the style to learn: {IMAGE_HELP}")] = None,
    epochs: Annotated[int, typer.Option(help="epochs of --steps-per-epoch batches")] = 2,
    steps_per_epoch: Annotated[int, typer.Option(help="batches an epoch")] = 500,
    size: Annotated[int, typer.Option(help="side of the square training crops (a multiple of 4)")] = 256,
    batch_size: Annotated[int, typer.Option(help="crops a batch")] = 4,
    lr: Annotated[float, typer.Option(help="Adam's learning rate")] = 1e-3,
    features: Annotated[str, typer.Option(help=FEATURES_HELP)] = "imagenet",
    style_weight: Annotated[
        Optional[float], typer.Option(help="weight of the style loss (default: by --features)")
    ] = None,
    channels: Annotated[
        int,
        typer.Option(
            help="width of the first layer (Johnson et al.: 32; 16 is 2.5x faster, 24 FPS at 256² on 2 CPU cores)"
        ),
    ] = 32,
    content: Annotated[
        Optional[list[str]], typer.Option(help="a content photograph (repeat; default: scikit-image's photographs)")
    ] = None,
    seed: Annotated[int, typer.Option(help="seeds the network, the crops and the random VGG")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    resume: Annotated[Optional[Path], typer.Option(help="continue this run from its newest checkpoint")] = None,
    runs_dir: Annotated[Path, typer.Option(help="where new runs go")] = Path("runs"),
) -> None:
    """Train a fast style network on STYLE; writes runs/style__fast__<seed>__<time>/."""
    from marionnette.generation.style.fast import FastTrainConfig, train
    from marionnette.generation.style.losses import PerceptualConfig
    from marionnette.generation.style.transformer import TransformerConfig

    config = None
    if resume is None:
        if style is None:
            raise MarionnetteError("give the STYLE image to learn (a path or skimage:NAME), or --resume RUN")
        extra = {} if not content else {"content": tuple(content)}
        config = FastTrainConfig(style=style, size=size, epochs=epochs, steps_per_epoch=steps_per_epoch,
                                 batch_size=batch_size, lr=lr, seed=seed, net=TransformerConfig(channels=channels),
                                 loss=PerceptualConfig(features=features, seed=seed, style_weight=style_weight),
                                 **extra)  # fmt: skip
    elif style is not None:
        raise MarionnetteError(f"--resume continues a run on its own style: drop STYLE ({style})")
    started = time.perf_counter()
    with training(f"fast network on {style or resume}", "style", unit="batches") as update:
        run = train(config, device=device, runs_dir=runs_dir, resume=resume, progress=update)
    console.print(f"trained in {time.perf_counter() - started:.1f}s → [bold]{run.path}[/]", soft_wrap=True)
    console.print(f"next: marionnette style apply skimage:chelsea --model {run.path} --out chelsea.png", soft_wrap=True)


@app.command()
@one_line_errors
def texture(
    sample: Annotated[str, typer.Argument(help=f"the texture to grow: {IMAGE_HELP}")],
    out: Annotated[Path, typer.Option(help="the picture (.png, .jpg)")] = Path("texture.png"),
    method: Annotated[str, typer.Option(help="efros-leung (pixel by pixel) or gatys (Gram matrices from noise)")] = (
        "efros-leung"
    ),
    size: Annotated[int, typer.Option(help="side of the square texture")] = 48,
    sample_size: Annotated[int, typer.Option(help="longer side the sample is read at")] = 48,
    window: Annotated[int, typer.Option(help="efros-leung: the odd side of the matched neighbourhood")] = 11,
    steps: Annotated[int, typer.Option(help="gatys: loss evaluations")] = 200,
    features: Annotated[str, typer.Option(help=f"gatys: {FEATURES_HELP}")] = "imagenet",
    seed: Annotated[int, typer.Option(help="seeds the growth or the noise (and the random VGG)")] = 0,
    device: Annotated[str, typer.Option(help="gatys: auto, cpu or cuda")] = "auto",
) -> None:
    """Grow a SIZE x SIZE texture like SAMPLE (Efros and Leung, or Gatys et al.)."""
    from marionnette.generation.images import load_image, save_image

    if method not in ("efros-leung", "gatys"):
        raise MarionnetteError(f"--method {method!r}: use efros-leung or gatys")
    _check_out(out, (".png", ".jpg", ".jpeg"))
    image = load_image(sample, sample_size)
    started = time.perf_counter()
    if method == "efros-leung":
        from marionnette.generation.style.texture import efros_leung

        with progress_bar(f"Efros-Leung from {sample}", unit="pixels") as update:
            grown = efros_leung(image, size, window=window, seed=seed, progress=update)
    else:
        from marionnette.generation.style.losses import Perceptual, PerceptualConfig
        from marionnette.generation.style.texture import gatys_texture
        from marionnette.nets.training import pick_device

        perceptual = Perceptual(PerceptualConfig(features=features, seed=seed))
        with progress_bar(f"Gatys texture from {sample}", unit="steps") as update:
            grown = gatys_texture(image, size, steps, perceptual, seed=seed, device=pick_device(device),
                                  progress=update)  # fmt: skip
    path = save_image(out, grown)
    console.print(f"{size}x{size} in {time.perf_counter() - started:.1f}s → [bold]{path}[/]", soft_wrap=True,
                  highlight=False)  # fmt: skip


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="style")
