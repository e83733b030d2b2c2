"""Fast style network against Gatys' optimisation: frames a second beside seconds an image, at the same sizes.

    .venv/bin/python scripts/bench_generation.py [--sizes 256 512] [--channels 32 16] [--frames 10]
        [--gatys-steps 300] [--measure-steps 5] [--features random] [--threads N] [--device cpu]

For each size S (an S x S image, batch of one, on ``--device``):

- the fast network at each width of ``--channels`` (Johnson et al.'s is 32 channels, 5
  residual blocks; 16 channels is the light form, about a quarter of the arithmetic; the
  weights do not change the speed, so it is not trained here): the median time of
  ``--frames`` forward passes after two warm-up passes, as frames a second;
- Gatys' optimisation (L-BFGS from the content image, the loss on VGG19 to ``relu5_1``):
  ``--measure-steps`` loss evaluations timed after one warm-up evaluation, their mean
  times ``--gatys-steps`` (the command's default, 300) as the seconds for one image. With
  ``--measure-steps`` equal to ``--gatys-steps`` the whole optimisation is timed, not
  extrapolated. Each step is one forward and one backward pass through VGG, whatever the
  optimiser (L-BFGS's line search evaluations included), so the extrapolation is linear.

The ratio is Gatys' seconds per image over the network's seconds per frame: how many images
the network paints in the time the optimisation paints one.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import torch

from marionnette.generation.style import (
    GatysConfig,
    Perceptual,
    PerceptualConfig,
    TransformerConfig,
    TransformerNet,
    stylize,
)
from marionnette.nets.training import pick_device


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def fast_seconds(size: int, frames: int, device: torch.device, channels: int = 32) -> float:
    """Median seconds of one forward pass of the network on an ``(1, 3, size, size)`` image."""
    torch.manual_seed(0)
    net = TransformerNet(TransformerConfig(channels=channels)).to(device).eval()
    x = torch.rand(1, 3, size, size, device=device)
    for _ in range(2):
        net(x)
    _sync(device)
    times = []
    for _ in range(frames):
        began = time.perf_counter()
        net(x)
        _sync(device)
        times.append(time.perf_counter() - began)
    return statistics.median(times)


def gatys_seconds_per_step(size: int, steps: int, perceptual: Perceptual, device: torch.device) -> float:
    """Mean seconds of one L-BFGS loss evaluation at ``size``, after one warm-up evaluation."""
    generator = torch.Generator().manual_seed(0)
    content = torch.rand(1, 3, size, size, generator=generator).to(device)
    style = torch.rand(1, 3, size, size, generator=generator).to(device)
    stylize(content, style, GatysConfig(steps=1, loss=perceptual.config), perceptual=perceptual)  # warm-up
    _sync(device)
    began = time.perf_counter()
    stylize(content, style, GatysConfig(steps=steps, loss=perceptual.config), perceptual=perceptual)
    _sync(device)
    return (time.perf_counter() - began) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--channels", type=int, nargs="+", default=[32, 16], help="the networks' widths")
    parser.add_argument("--frames", type=int, default=10, help="timed forward passes of the network")
    parser.add_argument("--gatys-steps", type=int, default=300, help="the evaluations one Gatys image takes")
    parser.add_argument("--measure-steps", type=int, default=5, help="evaluations actually timed")
    parser.add_argument("--features", default="random", choices=("random", "imagenet"))
    parser.add_argument("--threads", type=int, default=None, help="torch's CPU threads (default: torch's own)")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    perceptual = Perceptual(PerceptualConfig(features=args.features)).to(device)
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or platform.machine()
    print(f"device {device} ({where}), {os.cpu_count()} CPUs, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads", flush=True)  # fmt: skip
    measured = "timed" if args.measure_steps >= args.gatys_steps else f"{args.measure_steps} timed, extrapolated"
    header = f"{'size':>9}  {'net':>5}  {'fast ms/frame':>13}  {'fast FPS':>8}  {'Gatys s/step':>12}  "
    print(header + f"{'Gatys s/image':>13}  ratio")
    for size in args.sizes:
        step = gatys_seconds_per_step(size, min(args.measure_steps, args.gatys_steps), perceptual, device)
        image = step * args.gatys_steps
        for channels in args.channels:
            fast = fast_seconds(size, args.frames, device, channels)
            print(f"{size:>4}x{size:<4}  {f'c={channels}':>5}  {1000 * fast:>13.1f}  {1 / fast:>8.2f}  {step:>12.3f}  "
                  f"{image:>13.1f}  {image / fast:>5.0f}x", flush=True)  # fmt: skip
    print(f"Gatys: L-BFGS, {args.gatys_steps} steps an image ({measured}); {args.features} VGG19 features")


if __name__ == "__main__":
    main()
