"""Copy a trained detect run into the package as the shipped pitch detector (what `make demo` tracks with).

    .venv/bin/python scripts/ship_detector.py RUN [--out marionnette/perception/detect/pitch]

Writes ``config.yaml`` (the run's, with the data paths made relative: the recipe, not this
machine's folders) and ``model.pt``: the final weights as float16 (half the bytes; the
detector loads them into its float32 network), read back with ``weights_only=True``. The
shipped one: ``marionnette data scenes --out scenes``; ``marionnette detect train
scenes/train.json --val scenes/val.json --p2 --width 0.125 --epochs 40`` (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
import yaml

from marionnette.nets.training import final_weights, read_weights, save_weights
from marionnette.runs import Run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--out", type=Path, default=Path("marionnette/perception/detect/pitch"))
    args = parser.parse_args()
    run = Run.open(args.run)
    config = run.read_config()
    for key in ("train", "val"):
        if config["train"].get(key):
            config["train"][key] = f"scenes/{Path(config['train'][key]).name}"
    state = read_weights(final_weights(run, "pt"), "cpu", what="detect model")
    half = {k: v.half() if v.is_floating_point() else v for k, v in state["model"].items()}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    path = save_weights(args.out / "model.pt", {"model": half, "step": state.get("step", 0)})
    print(f"{sum(v.numel() for v in half.values()) / 1e6:.2f}M values → {path} ({path.stat().st_size / 1e6:.2f} MB)")
    assert torch.load(path, weights_only=True)["model"].keys() == half.keys()


if __name__ == "__main__":
    main()
