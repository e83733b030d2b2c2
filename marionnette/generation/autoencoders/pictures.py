"""Pictures of what an autoencoder does (PNG, matplotlib, drawn off-screen).

:func:`show` draws a run's pictures into a folder:

- ``reconstructions.png``: held-out images above their reconstructions;
- ``interpolation.png``: the decoded straight line between the codes of two held-out images;
- ``denoising.png`` (denoise runs): held-out images, corrupted by the run's noise, denoised;
- ``samples.png`` (vae runs): images decoded from ``z ~ N(0, I)``;
- ``point_cloud.png``: the 2-D demo of :mod:`~.pointcloud` (points off a curve, and arrows
  to where a small autoencoder puts them).

Each figure is a :class:`matplotlib.figure.Figure` saved through the Agg canvas (no
pyplot, no backend switched), written atomically.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from marionnette.files import atomic_path
from marionnette.generation.autoencoders.noise import corrupt
from marionnette.generation.autoencoders.pointcloud import PointCloudDemo, point_cloud_demo
from marionnette.generation.autoencoders.train import load

_DPI = 110


def mosaic(images: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """``(N, C, H, W)`` images in ``[0, 1]`` as one ``(rows*(H+gap)-gap, columns*(W+gap)-gap[, 3])``
    picture, row by row, with white gaps."""
    N, C, H, W = images.shape
    rows = -(-N // columns)
    out = np.ones((rows * (H + gap) - gap, columns * (W + gap) - gap, C), np.float32)
    for k, image in enumerate(images):
        r, c = divmod(k, columns)
        out[r * (H + gap) : r * (H + gap) + H, c * (W + gap) : c * (W + gap) + W] = image.transpose(1, 2, 0)
    return out[..., 0] if C == 1 else np.clip(out, 0.0, 1.0)


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _save(fig, path: str | os.PathLike) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=_DPI)
    return path


def image_rows(rows: list[tuple[str, np.ndarray]], path: str | os.PathLike, title: str) -> Path:
    """Rows of images, each row labelled; every row ``(n, C, H, W)`` of one shape."""
    n = max(len(images) for _, images in rows)
    fig = _figure(0.6 * n + 1.4, 0.75 * len(rows) + 0.6)
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, (label, images) in zip(axes, rows, strict=True):
        ax.imshow(mosaic(images, n), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def reconstruction_figure(originals: np.ndarray, reconstructions: np.ndarray, path: str | os.PathLike,
                          title: str = "held-out images and their reconstructions") -> Path:  # fmt: skip
    """Originals ``(n, C, H, W)`` above their reconstructions."""
    return image_rows([("held out", originals), ("reconstructed", reconstructions)], path, title)


def interpolation_figure(frames: np.ndarray, path: str | os.PathLike,
                         title: str = "decoded along the line between two codes") -> Path:  # fmt: skip
    """One row of ``(steps, C, H, W)`` images, the first and last the two ends' decodings."""
    return image_rows([("a → b", frames)], path, title)


def denoising_figure(clean: np.ndarray, corrupted: np.ndarray, denoised: np.ndarray, path: str | os.PathLike,
                     title: str = "denoising held-out images") -> Path:  # fmt: skip
    """Clean, corrupted and denoised ``(n, C, H, W)`` images, a row each."""
    return image_rows([("clean", clean), ("corrupted", corrupted), ("denoised", denoised)], path, title)


def samples_figure(samples: np.ndarray, path: str | os.PathLike, columns: int = 8,
                   title: str = "decoded from z ~ N(0, I)") -> Path:  # fmt: skip
    """A grid of ``(n, C, H, W)`` samples."""
    rows = -(-len(samples) // columns)
    fig = _figure(0.6 * columns + 0.4, 0.6 * rows + 0.6)
    ax = fig.subplots()
    ax.imshow(mosaic(samples, columns), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def point_cloud_figure(demo: PointCloudDemo, path: str | os.PathLike) -> Path:
    """The curve, the training points, and an arrow from each point off the curve to where
    the autoencoder puts it."""
    fig = _figure(7.0, 3.6)
    ax = fig.subplots()
    ax.scatter(*demo.training.T, s=3, color="0.75", label="training points")
    ax.plot(*demo.curve.T, color="tab:blue", lw=1.2, label="the curve")
    delta = demo.projected - demo.inputs
    ax.quiver(*demo.inputs.T, *delta.T, angles="xy", scale_units="xy", scale=1, width=0.0025, color="tab:red",
              alpha=0.7)  # fmt: skip
    ax.scatter(*demo.inputs.T, s=6, color="tab:red", label=f"off the curve (mean distance {demo.before:.3f})")
    ax.scatter(*demo.projected.T, s=6, color="black", label=f"through the autoencoder ({demo.after:.3f})")
    ax.set_aspect("equal")
    ax.legend(fontsize=7, loc="lower right")
    ax.set_title("an autoencoder with a 1-unit code projects points onto the curve it learned", fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def show(run: str | os.PathLike, out: str | os.PathLike | None = None, device: str = "cpu", count: int = 12,
         seed: int = 0) -> list[Path]:  # fmt: skip
    """Draw a run's pictures into ``out`` (``RUN/pictures`` by default); returns their paths.
    ``count`` held-out images (the first of the run's held-out ones) and samples; ``seed``
    seeds the samples, the pairs interpolated between and the point-cloud demo."""
    trained = load(run, device)
    folder = Path(run) / "pictures" if out is None else Path(out)
    held = trained.held_out()
    c = trained.train_config
    name = f"{c.arch} {c.kind} autoencoder on {Path(c.data).name}"
    shown = held[:count]
    written = [reconstruction_figure(shown, trained.reconstruct(shown), folder / "reconstructions.png",
                                     f"{name}: held-out images and their reconstructions")]  # fmt: skip
    a, b = np.random.default_rng(seed).choice(len(held), 2, replace=False)
    written.append(interpolation_figure(trained.interpolate(held[a], held[b], steps=10), folder / "interpolation.png",
                                        f"{name}: decoded along the line between two held-out codes"))  # fmt: skip
    if c.kind == "denoise":
        noisy = corrupt(torch.from_numpy(shown), c.noise, c.noise_level, torch.Generator().manual_seed(seed)).numpy()
        written.append(denoising_figure(shown, noisy, trained.reconstruct(noisy), folder / "denoising.png",
                                        f"{name}: {c.noise} noise at {c.noise_level:g}"))  # fmt: skip
    if c.kind == "vae":
        written.append(samples_figure(trained.sample(2 * count, seed), folder / "samples.png",
                                      title=f"{name}: decoded from z ~ N(0, I)"))  # fmt: skip
    written.append(point_cloud_figure(point_cloud_demo(seed), folder / "point_cloud.png"))
    return written


__all__ = ["denoising_figure", "image_rows", "interpolation_figure", "mosaic", "point_cloud_figure",
           "reconstruction_figure", "samples_figure", "show"]  # fmt: skip
