"""docs/img/actions_classes.png: every class of the generated skeleton action dataset;
with ``--confusion RUN``, docs/img/actions_confusion.png: that action run's confusion matrix.

One row per class, five frames across one performance of subject 1 (replication 1, view
1: the camera facing the performer), drawn as Kinect's 25-joint stick figure from that
camera (x mirrored so the figure appears as the camera sees it), with the same
performance seen from the side beside it (view 2, 45 degrees off).

    .venv/bin/python scripts/figures_actions.py [--out docs/img/actions_classes.png] [--confusion RUN]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from marionnette.datasets.actions import ActionConfig, make_actions  # noqa: E402
from marionnette.motion import NTU_25  # noqa: E402

FRAMES = 5


def draw(ax, frame: np.ndarray, score: np.ndarray, colour: str) -> None:
    """One NTU_25 frame (25, 3) in the camera's frame, as the camera sees it (x to its left)."""
    for j, parent in enumerate(NTU_25.parents):
        if parent >= 0:
            ax.plot(-frame[[j, parent], 0], frame[[j, parent], 1], color=colour, lw=1.5)
    inferred = score < 1
    ax.scatter(-frame[~inferred, 0], frame[~inferred, 1], s=4, color=colour)
    ax.scatter(-frame[inferred, 0], frame[inferred, 1], s=10, color="red", marker="x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/img/actions_classes.png"))
    parser.add_argument("--confusion", type=Path, help="an action run: draw its cross-subject confusion matrix too")
    args = parser.parse_args()
    if args.confusion is not None:
        from marionnette.perception.action.plots import confusion_figure
        from marionnette.perception.action.train import evaluate

        picture = confusion_figure(evaluate(args.confusion), args.out.parent / "actions_confusion.png")
        print(f"wrote {picture}")
    data = make_actions(ActionConfig(subjects=2, replications=1))
    classes = data.classes
    fig, axes = plt.subplots(len(classes), 2 * FRAMES, figsize=(2 * FRAMES * 1.0, len(classes) * 1.25))
    for label, name in enumerate(classes):
        for column, view in enumerate((1, 2)):
            (i,) = np.flatnonzero((data.label == label) & (data.subject == 1) & (data.view == view))
            seq, score = data.sequence(i), data.score[i, : data.length[i]]
            for k, t in enumerate(np.linspace(0, len(seq) - 1, FRAMES).round().astype(int)):
                ax = axes[label, column * FRAMES + k]
                draw(ax, seq[t], score[t], "tab:blue" if view == 1 else "tab:green")
                ax.set_xlim(-1.2, 1.2)
                ax.set_ylim(-1.4, 1.0)
                ax.set_aspect("equal")
                ax.set_xticks([])
                ax.set_yticks([])
                if k == 0 and column == 0:
                    ax.set_ylabel(name, fontsize=9)
                if label == 0:
                    ax.set_title(f"view {view}, t={t}", fontsize=7)
    fig.suptitle("marionnette data actions: 14 classes (subject 1; view 1 front, view 2 at 45°; x: inferred joints)",
                 fontsize=9)  # fmt: skip
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=110)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
