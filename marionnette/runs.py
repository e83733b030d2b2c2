"""The run directory: where one training run keeps everything it makes.

::

    runs/<env>__<algo>__<seed>__<time>/
      config.yaml        everything needed to rerun (env id, algorithm, seed, hyperparameters)
      checkpoints/       step_<N>.<ext>, written atomically; the newest one resumes the run
      model.<ext>        the final policy, once training has finished
      progress.csv       one row per logged step (rewritten atomically, never half a row)
      tb/                TensorBoard event files
      videos/            MP4s written by `marionnette watch`

Every file here is written to a temporary name beside its target and renamed into
place, so a run killed at any moment leaves only whole files behind. TensorBoard's event
files are the exception: append-only logs that TensorBoard reads up to the last whole
record.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from marionnette.errors import MarionnetteError
from marionnette.files import PARTIAL, atomic_write_text

CONFIG = "config.yaml"
PROGRESS = "progress.csv"
_CHECKPOINT = re.compile(r"^step_(\d+)\.(\w+)$")


class Checkpoint(NamedTuple):
    """One checkpoint file of a run: the environment steps it holds, and where it is."""

    step: int
    path: Path


def run_name(env_id: str, algo: str, seed: int, when: float | None = None) -> str:
    """``<env>__<algo>__<seed>__<time>`` with the id's ``/`` made safe for a folder name."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(when))
    return f"{env_id.replace('/', '-')}__{algo}__{seed}__{stamp}"


class Run:
    """A run directory on disk. :meth:`create` starts one, :meth:`open` finds one."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r})"

    # -- finding and making ---------------------------------------------------------------

    @classmethod
    def create(cls, root: str | os.PathLike, env_id: str, algo: str, seed: int) -> Run:
        root = Path(root)
        root.mkdir(parents=True, exist_ok=True)
        name = run_name(env_id, algo, seed)
        for k in range(1000):  # two runs started in the same second get a suffix
            path = root / (name if k == 0 else f"{name}-{k}")
            try:
                path.mkdir()
                return cls(path)
            except FileExistsError:
                continue
        raise MarionnetteError(f"could not make a new run directory under {root}")

    @classmethod
    def open(cls, path: str | os.PathLike) -> Run:
        """The run at ``path``; a one-line error when it is not a run directory."""
        path = Path(path)
        if not path.exists():
            raise MarionnetteError(
                f"run directory {str(path)!r} does not exist: pass a folder under runs/ (ls runs/ lists them)"
            )
        if not (path / CONFIG).is_file():
            raise MarionnetteError(
                f"{str(path)!r} is not a run directory (no {CONFIG}): pass the folder that `marionnette train` printed"
            )
        return cls(path)

    def remove_partial_files(self) -> list[Path]:
        """Delete the temporary files a killed writer left (``.<name>.*.partial``); the file
        each would have replaced is still whole. Called before a run resumes."""
        partial = [p for p in self.path.rglob(f".*{PARTIAL}*") if p.is_file()]
        for p in partial:
            p.unlink()
        return partial

    # -- config -------------------------------------------------------------------------

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG

    def write_config(self, config: dict[str, Any]) -> None:
        """``config`` as YAML, atomically; tuples (a dataclass's ``asdict``) are written as lists."""
        atomic_write_text(self.config_path, yaml.safe_dump(_plain(config), sort_keys=False))

    def read_config(self) -> dict[str, Any]:
        try:
            config = yaml.safe_load(self.config_path.read_text())
        except yaml.YAMLError as e:
            raise MarionnetteError(f"{self.config_path} is not valid YAML ({e.problem})") from e
        if not isinstance(config, dict):
            raise MarionnetteError(f"{self.config_path} does not hold a mapping of settings")
        return config

    # -- checkpoints ----------------------------------------------------------------------

    @property
    def checkpoint_dir(self) -> Path:
        return self.path / "checkpoints"

    def checkpoint_path(self, step: int, ext: str) -> Path:
        return self.checkpoint_dir / f"step_{step:09d}.{ext}"

    def checkpoints(self) -> list[Checkpoint]:
        """Every checkpoint, oldest first."""
        if not self.checkpoint_dir.is_dir():
            return []
        found = []
        for p in self.checkpoint_dir.iterdir():
            m = _CHECKPOINT.match(p.name)
            if m:
                found.append(Checkpoint(int(m.group(1)), p))
        return sorted(found)

    def latest_checkpoint(self) -> Checkpoint | None:
        found = self.checkpoints()
        return found[-1] if found else None

    def model_path(self, ext: str) -> Path:
        return self.path / f"model.{ext}"

    # -- metrics -------------------------------------------------------------------------

    @property
    def progress_path(self) -> Path:
        return self.path / PROGRESS

    @property
    def tensorboard_dir(self) -> Path:
        return self.path / "tb"

    # -- videos --------------------------------------------------------------------------

    def video_path(self, name: str) -> Path:
        return self.path / "videos" / f"{name}.mp4"


class ProgressLog:
    """``progress.csv``: one row per logged step, rewritten whole on every write.

    Rewriting a file of a few thousand rows costs well under a millisecond, and buys the
    guarantee that the file is never half a row. On resume, rows past the checkpoint the
    run resumes from are dropped, so the log and the policy tell the same story.
    """

    def __init__(self, path: Path, resume_step: int | None = None):
        self.path = Path(path)
        self.rows: list[dict[str, str]] = []
        if resume_step is not None and self.path.exists():
            with self.path.open(newline="") as f:
                self.rows = [r for r in csv.DictReader(f) if int(float(r["step"])) <= resume_step]

    def append(self, step: int, values: dict[str, Any]) -> None:
        self.rows.append({"step": str(step), **{k: _fmt(v) for k, v in values.items()}})
        columns = list(dict.fromkeys(k for row in self.rows for k in row))
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write_text(self.path, buf.getvalue())


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def read_progress(path: str | os.PathLike) -> list[dict[str, str]]:
    with Path(path).open(newline="") as f:
        return list(csv.DictReader(f))


def write_video(path: str | os.PathLike, frames: Iterable[Any], fps: float) -> Path:
    """Encode ``frames`` (each ``(H, W, 3)`` uint8) as an H.264 MP4 that every player opens.

    ``frames`` may be a generator: each frame is handed to the encoder as it comes and
    dropped, so memory stays flat however long the video. Written through imageio's ffmpeg
    plugin (imageio-ffmpeg ships an ffmpeg with libx264) to a temporary ``.mp4`` beside
    ``path``, then renamed into place.
    """
    import imageio.v2 as imageio

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}{PARTIAL}.mp4")  # ffmpeg picks the format by extension
    try:
        with imageio.get_writer(tmp, fps=fps, codec="libx264", pixelformat="yuv420p", macro_block_size=16) as writer:
            for frame in frames:
                writer.append_data(frame)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return path


def _plain(value: Any) -> Any:
    """``value`` with tuples as lists, which ``yaml.safe_dump`` writes (it refuses tuples)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
