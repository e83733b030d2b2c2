"""``marionnette transfer``: motion transfer with a pose-to-image GAN (Everybody Dance Now).

``transfer train VIDEO.npz`` learns the target person of a target video (frames with their
2-D poses, :mod:`marionnette.generation.transfer.data`) and writes a run directory;
``transfer eval RUN`` scores it on the video's held-out frames beside the nearest-pose
baseline; ``transfer run RUN --source SOURCE --out out.mp4`` paints a source's motion (a
video, a webcam, ``virtual:CLIP``, a ``.bvh`` or ``.npz``) as the target person
(:mod:`marionnette.pipelines.transfer`), the view source | stick figure | result.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from marionnette.cli.console import console, one_line_errors, training

app = typer.Typer(help="Motion transfer: a pose-to-image GAN (Everybody Dance Now).", no_args_is_help=True)


@app.command("train")
@one_line_errors
def train_(
    video: Annotated[
        Optional[Path],
        typer.Argument(
            help="the target: a .npz of frames and poses, your own video (file or frames folder: its poses "
            "captured), or synthetic (the dressed character, rendered)"
        ),
    ] = None,
    size: Annotated[int, typer.Option(help="pixels a side of a captured or synthetic target")] = 128,
    temporal: Annotated[bool, typer.Option(help="EDN's temporal smoothing (off: the pix2pixHD baseline)")] = True,
    epochs: Annotated[
        Optional[int], typer.Option(help="epochs of --steps-per-epoch batches [default: 4]; --resume: trains on to it")
    ] = None,
    steps_per_epoch: Annotated[int, typer.Option(help="batches an epoch")] = 200,
    batch_size: Annotated[int, typer.Option(help="frames a batch")] = 4,
    channels: Annotated[int, typer.Option(help="the generator's first width (pix2pixHD: 64)")] = 32,
    downs: Annotated[int, typer.Option(help="the generator's downsamplings (pix2pixHD: 4)")] = 3,
    blocks: Annotated[int, typer.Option(help="the generator's residual blocks (pix2pixHD: 9)")] = 6,
    local: Annotated[int, typer.Option(help="pix2pixHD's local enhancers around the global generator (512+ px)")] = 0,
    features: Annotated[str, typer.Option(help="VGG19 for the perceptual loss: imagenet or random")] = "imagenet",
    lr: Annotated[float, typer.Option(help="Adam's learning rate")] = 2e-4,
    face_epochs: Annotated[
        Optional[int],
        typer.Option(help="epochs of EDN's face GAN after the main ones (G frozen); with --resume, adds them to a run"),
    ] = None,
    face_crop: Annotated[float, typer.Option(help="the face crop's side, a fraction of the frame's height")] = 0.25,
    seed: Annotated[int, typer.Option(help="seeds the networks and the batches")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    resume: Annotated[Optional[Path], typer.Option(help="continue this run from its newest checkpoint")] = None,
    runs_dir: Annotated[Path, typer.Option(help="where new runs go")] = Path("runs"),
) -> None:
    """Train the generator on VIDEO; writes runs/transfer__<edn|pix2pixhd>__<seed>__<time>/."""
    from marionnette.errors import MarionnetteError
    from marionnette.generation.transfer.face import FaceConfig
    from marionnette.generation.transfer.models import GeneratorConfig
    from marionnette.generation.transfer.train import TransferTrainConfig, train

    config = None
    if resume is None:
        if video is None:
            raise MarionnetteError("give the target VIDEO (frames and poses .npz, a video, synthetic) or --resume RUN")
        video = target_file(video, size, runs_dir)
        config = TransferTrainConfig(video=str(video), temporal=temporal, epochs=4 if epochs is None else epochs,
                                     steps_per_epoch=steps_per_epoch, batch_size=batch_size, features=features,
                                     lr=lr, seed=seed, net=GeneratorConfig(channels=channels, downs=downs,
                                                                           blocks=blocks),
                                     face=FaceConfig(epochs=face_epochs or 0, crop=face_crop))  # fmt: skip
    started = time.perf_counter()
    with training(f"{'edn' if temporal else 'pix2pixhd'} on {video or resume}", "transfer", unit="batches") as update:
        run = train(config, device=device, runs_dir=runs_dir, resume=resume, face_epochs=face_epochs,
                    epochs=epochs if resume is not None else None, progress=update)  # fmt: skip
    console.print(f"trained in {time.perf_counter() - started:.1f}s → [bold]{run.path}[/]", soft_wrap=True)
    console.print(f"next: marionnette transfer eval {run.path}", soft_wrap=True)


def target_file(target: Path, size: int, runs_dir: Path) -> Path:
    """The ``.npz`` to train on: ``target`` itself, or made in ``runs_dir/targets/`` from a video or ``synthetic``."""
    if target.suffix.lower() == ".npz":
        return target
    out = runs_dir / "targets" / f"{target.stem}_{size}.npz"
    started = time.perf_counter()
    if str(target) == "synthetic":
        from marionnette.datasets.dancer import DancerConfig, make_dancer

        with console.status("rendering the dressed character"):
            made = make_dancer(DancerConfig(size=size)).target_video()
    else:
        from marionnette.pipelines.transfer import captured_target

        with console.status(f"capturing the poses of {target}"):
            made = captured_target(str(target), size)
    made.save(out)
    seconds = time.perf_counter() - started
    console.print(f"target: {len(made.frames)} frames of {size}x{size}, {int(made.held_out.sum())} held out, "
                  f"in {seconds:.1f}s → [bold]{out}[/]", soft_wrap=True, highlight=False)  # fmt: skip
    return out


@app.command("eval")
@one_line_errors
def eval_(
    run: Annotated[Path, typer.Argument(help="a transfer run directory")],
    video: Annotated[Optional[Path], typer.Option(help="the target video to score on (default: the run's own)")] = None,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Score RUN on the held-out frames of its target video, beside the nearest training pose's frame."""
    from marionnette.errors import MarionnetteError
    from marionnette.generation.transfer.data import TargetVideo
    from marionnette.generation.transfer.evaluate import evaluate
    from marionnette.generation.transfer.train import load

    trained = load(run, device)
    target = TargetVideo.load(video or trained.config.video)
    if target.size != trained.size or target.skeleton != trained.skeleton:
        raise MarionnetteError(
            f"the video is {target.size[1]}x{target.size[0]} with {target.skeleton} poses; {run} was trained at "
            f"{trained.size[1]}x{trained.size[0]} on {trained.skeleton}: score it on a video like its own"
        )
    s = evaluate(trained, target)
    console.print(f"{s.frames} held-out frames:", highlight=False)
    console.print(f"  generator       PSNR {s.psnr:6.2f} dB  SSIM {s.ssim:.3f}  L1 {s.l1:.4f}  "
                  f"on the person PSNR {s.person_psnr:6.2f} dB", highlight=False)  # fmt: skip
    console.print(f"  nearest pose    PSNR {s.nearest_psnr:6.2f} dB  SSIM {s.nearest_ssim:.3f}  L1 {s.nearest_l1:.4f}  "
                  f"on the person PSNR {s.nearest_person_psnr:6.2f} dB", highlight=False)  # fmt: skip
    console.print(f"  flicker {s.flicker:.4f} (the true video's {s.true_flicker:.4f})", highlight=False)


@app.command("run")
@one_line_errors
def run_(
    run: Annotated[Path, typer.Argument(help="a transfer run directory")],
    source: Annotated[
        str, typer.Option(help="a video file, a folder of one video's frames, webcam[:N], virtual[:CLIP], .bvh or .npz")
    ] = "virtual:wave",
    out: Annotated[Path, typer.Option(help="the side-by-side video to write (MP4)")] = Path("transfer.mp4"),
    max_frames: Annotated[Optional[int], typer.Option(help="stop after this many source frames")] = None,
    normalize: Annotated[bool, typer.Option(help="global pose normalisation into the target's frame")] = True,
    panel: Annotated[int, typer.Option(help="height of each panel of the view, pixels")] = 256,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Paint SOURCE's motion as RUN's target person; writes OUT (source | stick figure | result)."""
    from marionnette.errors import MarionnetteError
    from marionnette.pipelines.transfer import TransferConfig
    from marionnette.pipelines.transfer import run as transfer

    if max_frames is not None and max_frames < 1:
        raise MarionnetteError(f"--max-frames {max_frames}: give at least 1")
    if source.startswith("webcam") and max_frames is None:
        max_frames = 300  # the webcam's frames are kept for the second pass: bounded
        console.print("webcam: 300 frames (--max-frames to change)")
    with console.status(f"painting {source} as {run.name} …"):
        done = transfer(run, source, out, config=TransferConfig(panel=panel, normalize=normalize),
                        max_frames=max_frames, device=device)  # fmt: skip
    filled = f"; {len(done.filled)} with no person, filled" if len(done.filled) else ""
    rates = f"{done.rate:.1f} frames/s ({done.paint_rate:.1f} for figure + generator)"
    console.print(f"{done.frames} frames{filled}: {rates} → [bold]{done.video}[/]", soft_wrap=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="transfer")
