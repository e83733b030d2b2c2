"""Pictures for docs/: a trained tic-tac-toe agent's games against minimax.

    .venv/bin/python scripts/figures_tictactoe.py RUN [--out docs/img]

Writes ``tictactoe_<algo>_vs_minimax.png`` (each game a row of frames: as X, then as O)
and the same games as an MP4.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from marionnette import agents
from marionnette.agents.evaluate import record
from marionnette.envs import entry
from marionnette.runs import write_video

ID = "marionnette/TicTacToe-v0"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/img"))
    args = parser.parse_args()
    policy, algo = agents.load(args.run), agents.run_config(args.run)["algo"]

    games, all_frames, fps = [], [], 2.0
    for i, kwargs in enumerate(entry(ID).watch_kwargs):
        recording = record(policy, ID, 1, seed=i, env_kwargs=[kwargs], hold_seconds=0)
        frames, fps = list(recording.frames), recording.fps  # a few frames: kept for the grid
        all_frames += frames + [frames[-1]] * int(fps)
        games.append(frames)
    width = max(len(g) for g in games)
    blank = np.full_like(games[0][0], 255)  # a white cell where a game ended early
    framed = [[np.pad(f, ((4, 4), (4, 4), (0, 0)), constant_values=255) for f in g + [blank] * (width - len(g))]
              for g in games]  # fmt: skip
    rows = [np.hstack(g) for g in framed]
    args.out.mkdir(parents=True, exist_ok=True)
    png = args.out / f"tictactoe_{algo}_vs_minimax.png"
    Image.fromarray(np.vstack(rows)).resize((width * 132, len(rows) * 132)).save(png)
    video = write_video(args.out / f"tictactoe_{algo}_vs_minimax.mp4", all_frames, fps)
    print(f"wrote {png} and {video}")


if __name__ == "__main__":
    main()
