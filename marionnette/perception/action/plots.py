"""Pictures of a recognizer's scores: the confusion matrix (matplotlib, drawn off-screen)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from marionnette.files import atomic_path


def confusion_figure(evaluation, path: str | os.PathLike) -> Path:
    """Draw ``evaluation``'s confusion matrix (rows: the true class, normalised to 1; the
    counts written in) as a PNG at ``path``, atomically; returns the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    confusion = np.asarray(evaluation.confusion, np.float64)  # (C, C)
    rates = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    C = len(evaluation.classes)
    fig, ax = plt.subplots(figsize=(1.0 + 0.45 * C, 0.8 + 0.45 * C))
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(C):
        for j in range(C):
            if confusion[i, j]:
                ax.text(j, i, int(confusion[i, j]), ha="center", va="center", fontsize=7,
                        color="white" if rates[i, j] > 0.6 else "black")  # fmt: skip
    ax.set_xticks(range(C), evaluation.classes, rotation=60, ha="right", fontsize=8)
    ax.set_yticks(range(C), evaluation.classes, fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{evaluation.split} test: {100 * evaluation.accuracy:.1f}% of {evaluation.count}", fontsize=9)
    fig.tight_layout()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110)
    plt.close(fig)
    return path
