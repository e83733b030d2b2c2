"""docs/img/ae_reconstructions.png, ae_vae_samples.png, ae_point_cloud.png: what the
autoencoders do on scikit-learn's digits, and the 2-D point-cloud demo.

Trains, on the CPU with seed 0, MLP autoencoders on the digits (a 32-unit code; the VAE a
16-unit latent): plain, denoising (gaussian noise of sd 0.5), sparse (L1 weight 0.01) for
30 epochs each, the VAE for 60; draws the same 12 held-out digits through each (and,
corrupted, through the plain and the denoising one), 32 VAE samples from the prior, and
the point cloud of :func:`~marionnette.generation.autoencoders.pointcloud.point_cloud_demo`
(seed 0). Prints each model's held-out scores and training samples/s. About a minute.

    .venv/bin/python scripts/figures_autoencoders.py [--out docs/img] [--runs-dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from marionnette.generation.autoencoders.noise import corrupt
from marionnette.generation.autoencoders.pictures import image_rows, point_cloud_figure, samples_figure
from marionnette.generation.autoencoders.pointcloud import point_cloud_demo
from marionnette.generation.autoencoders.train import AETrainConfig, evaluate, load, train
from marionnette.runs import read_progress

MODELS = {  # name: settings
    "plain": dict(kind="plain", code=32, epochs=30),
    "denoise": dict(kind="denoise", code=32, epochs=30, noise="gaussian", noise_level=0.5),
    "sparse": dict(kind="sparse", code=32, epochs=30, sparsity=0.01),
    "vae": dict(kind="vae", code=16, epochs=60),
}
SHOWN = 12


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    parser.add_argument("--runs-dir", type=Path, default=None, help="keep the runs here (default: a temporary folder)")
    args = parser.parse_args()
    torch.set_num_threads(1)  # these models are small: one thread is the fastest (see scripts/bench_autoencoders.py)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        runs_dir = args.runs_dir or Path(scratch)
        trained = {name: load(train(AETrainConfig(**settings), device="cpu", runs_dir=runs_dir).path)
                   for name, settings in MODELS.items()}  # fmt: skip
        print(f"{'model':8} {'MSE':>7} {'SSIM':>6} {'|code|':>7} {'noisy MSE':>9} {'ELBO':>7} {'samples/s':>10}")
        for name, model in trained.items():
            clean, noisy = evaluate(model), evaluate(model, noise="gaussian", level=0.5)
            rows = read_progress(model.run.progress_path)
            rate = statistics.median(float(r["samples_per_s"]) for r in rows[1:])
            elbo = f"{clean.elbo:7.2f}" if clean.elbo is not None else f"{'':7}"
            print(f"{name:8} {clean.mse:7.4f} {clean.ssim:6.3f} {clean.mean_code:7.3f} {noisy.mse:9.4f} {elbo} "
                  f"{rate:10.0f}")  # fmt: skip
        held = trained["plain"].held_out()[:SHOWN]
        noisy = corrupt(torch.from_numpy(held), "gaussian", 0.5, torch.Generator().manual_seed(0)).numpy()
        rows = [("held out", held)]
        rows += [(f"{name} AE" if name != "vae" else "VAE (mu)", trained[name].reconstruct(held))
                 for name in ("plain", "sparse", "vae")]  # fmt: skip
        rows += [("noisy (sd 0.5)", noisy), ("plain AE", trained["plain"].reconstruct(noisy)),
                 ("denoising AE", trained["denoise"].reconstruct(noisy))]  # fmt: skip
        title = "held-out digits (8x8) through MLP autoencoders; below, the same digits corrupted"
        print("wrote", image_rows(rows, args.out / "ae_reconstructions.png", title))
        title = "VAE (16-d latent, 60 epochs on the digits): decoded from z ~ N(0, I)"
        print("wrote", samples_figure(trained["vae"].sample(32, seed=0), args.out / "ae_vae_samples.png", title=title))
    demo = point_cloud_demo(0)
    closer = demo.before / demo.after
    print(f"point cloud: mean distance to the curve {demo.before:.4f} before, {demo.after:.4f} after ({closer:.0f}x)")
    print("wrote", point_cloud_figure(demo, args.out / "ae_point_cloud.png"))
    print(f"{time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
