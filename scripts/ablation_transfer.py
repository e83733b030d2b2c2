"""Everybody Dance Now's ablation on the dancer target: pix2pixHD, + temporal smoothing, + face GAN.

    .venv/bin/python scripts/ablation_transfer.py --runs-dir /tmp/abl/runs [--target /tmp/abl/target64.npz]
        [--size 64] [--epochs 16] [--steps-per-epoch 250] [--face-epochs 4] [--channels 16 --downs 3 --blocks 3]
        [--features random] [--threads 1] [--device cpu]

Three runs on one target video (``marionnette data dancer --size SIZE``, made when missing):

- ``pix2pixhd``: ``transfer train --no-temporal`` (the baseline);
- ``edn``: ``transfer train --temporal`` (EDN's temporal smoothing);
- ``edn+face``: the ``edn`` run, copied, resumed with ``--face-epochs`` (EDN §3.4: the face
  GAN trains after the main generator, which stays frozen).

A run already in ``--runs-dir`` is reused, resumed if it stopped short (the runs are long on a
CPU: start them in parallel from the command line, then let this script score them). Each is
scored on the target's held-out frames (:func:`~marionnette.generation.transfer.evaluate.evaluate`:
PSNR, SSIM with scikit-image, flicker), plus PSNR on the face crop (the square the face GAN
corrects, the same for every row); the nearest-pose baseline is the training frame whose pose
is closest. Last, ``transfer run`` on ``virtual:wave`` (a motion the target never performed)
with the ``edn+face`` run: frames a second of the whole pipeline and of figure + generator.
Prints a markdown table for docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

MODELS = ("pix2pixhd", "edn", "edn+face")


def find(runs_dir: Path, model: str) -> Path | None:
    prefix = {"pix2pixhd": "transfer__pix2pixhd__", "edn": "transfer__edn__", "edn+face": "transfer__edn-face__"}[model]
    found = sorted(runs_dir.glob(prefix + "*")) if runs_dir.is_dir() else []
    return found[-1] if found else None


def command(*args: str) -> None:
    print("$", "marionnette", *args, flush=True)
    subprocess.run([sys.executable, "-m", "marionnette", *args], check=True)


def face_psnr(trained, made: np.ndarray, truth: np.ndarray, points: np.ndarray, size: tuple[int, int]) -> float:
    """Mean PSNR on the square around the head (``FaceConfig()``'s crop), frames ``(T, H, W, 3)`` in [0, 1]."""
    from skimage.metrics import peak_signal_noise_ratio

    from marionnette.generation.transfer.face import FaceConfig, corners, head_index
    from marionnette.motion.skeleton import BUILTIN_SKELETONS

    face = trained.config.face if trained.face is not None else FaceConfig()
    side = face.side(size[0])
    skeleton = next(s for s in BUILTIN_SKELETONS if s.name == trained.skeleton)
    at = corners(points, head_index(skeleton), side, size)
    scores = [peak_signal_noise_ratio(t[y : y + side, x : x + side], m[y : y + side, x : x + side], data_range=1.0)
              for m, t, (y, x) in zip(made, truth, at, strict=True) if y >= 0]  # fmt: skip
    return float(np.mean(scores))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs-dir", type=Path, required=True)
    parser.add_argument("--target", type=Path, default=None, help="default: RUNS_DIR/../target<SIZE>.npz")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=16)
    parser.add_argument("--steps-per-epoch", type=int, default=250)
    parser.add_argument("--face-epochs", type=int, default=4)
    parser.add_argument("--channels", type=int, default=16)
    parser.add_argument("--downs", type=int, default=3)
    parser.add_argument("--blocks", type=int, default=3)
    parser.add_argument("--features", default="random")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--frames", type=int, default=60, help="frames of virtual:wave for the transfer run's rate")
    args = parser.parse_args()
    os.environ.setdefault("MUJOCO_GL", "egl")
    torch.set_num_threads(args.threads)
    target = args.target or args.runs_dir.parent / f"target{args.size}.npz"
    if not target.is_file():
        command("data", "dancer", "--size", str(args.size), "--out", str(target))
    shape = ["--epochs", str(args.epochs), "--steps-per-epoch", str(args.steps_per_epoch), "--channels",
             str(args.channels), "--downs", str(args.downs), "--blocks", str(args.blocks), "--features", args.features,
             "--device", args.device, "--runs-dir", str(args.runs_dir)]  # fmt: skip
    for model, flag in (("pix2pixhd", "--no-temporal"), ("edn", "--temporal")):
        run = find(args.runs_dir, model)
        if run is None:
            command("transfer", "train", str(target), flag, *shape)
        elif not (run / "model.pt").is_file():
            command("transfer", "train", "--resume", str(run), "--device", args.device)
    face_run = find(args.runs_dir, "edn+face")
    if face_run is None:
        edn = find(args.runs_dir, "edn")
        face_run = args.runs_dir / edn.name.replace("transfer__edn__", "transfer__edn-face__")
        shutil.copytree(edn, face_run)
    from marionnette.runs import read_progress

    rows = read_progress(face_run / "progress.csv")
    if sum(r.get("stage") == "face" for r in rows) < args.face_epochs:
        command("transfer", "train", "--resume", str(face_run), "--face-epochs", str(args.face_epochs),
                "--device", args.device)  # fmt: skip

    from marionnette.generation.transfer.data import TargetVideo
    from marionnette.generation.transfer.evaluate import evaluate, generate, nearest_frames
    from marionnette.generation.transfer.train import figures, load
    from marionnette.pipelines.transfer import run as transfer_run

    video = TargetVideo.load(target)
    held = np.flatnonzero(video.held_out)
    truth = video.frames[held].astype(np.float64) / 255.0
    nearest = video.frames[nearest_frames(video, video.points[held])].astype(np.float64) / 255.0
    print(f"\ntarget {target}: {video.size[1]}x{video.size[0]}, {int((~video.held_out).sum())} training frames, "
          f"{len(held)} held out; {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {args.threads} thread(s)\n")  # fmt: skip
    print("| model | steps | PSNR (dB) | SSIM | L1 | person PSNR (dB) | face PSNR (dB) | flicker (truth) |")
    print("|---|---|---|---|---|---|---|---|")
    scores = None
    for model in MODELS:
        run = find(args.runs_dir, model)
        trained = load(run, args.device)
        scores = evaluate(trained, video)
        made = generate(trained, figures(video)[held], video.piece[held], video.points[held]).astype(np.float64)
        steps = read_progress(run / "progress.csv")[-1]["step"]
        print(f"| {model} | {steps} | {scores.psnr:.2f} | {scores.ssim:.3f} | {scores.l1:.4f} | "
              f"{scores.person_psnr:.2f} | "
              f"{face_psnr(trained, made, truth, video.points[held], video.size):.2f} | "
              f"{scores.flicker:.4f} ({scores.true_flicker:.4f}) |")  # fmt: skip
    print(f"| nearest training pose | — | {scores.nearest_psnr:.2f} | {scores.nearest_ssim:.3f} | "
          f"{scores.nearest_l1:.4f} | {scores.nearest_person_psnr:.2f} | "
          f"{face_psnr(trained, nearest, truth, video.points[held], video.size):.2f} | "
          f"{_flicker(nearest, video.piece[held]):.4f} ({scores.true_flicker:.4f}) |")  # fmt: skip
    done = transfer_run(find(args.runs_dir, "edn+face"), "virtual:wave", None, max_frames=args.frames,
                        device=args.device)  # fmt: skip
    print(f"\ntransfer run {find(args.runs_dir, 'edn+face').name} --source virtual:wave ({done.frames} frames at "
          f"{video.size[1]}x{video.size[0]}): {done.rate:.1f} frames/s overall (source render, figure, G, view), "
          f"{done.paint_rate:.1f} frames/s figure + G + face")  # fmt: skip


def _flicker(frames: np.ndarray, piece: np.ndarray) -> float:
    same = piece[1:] == piece[:-1]
    return float(np.abs(np.diff(frames, axis=0))[same].mean())


if __name__ == "__main__":
    main()
