"""Atomic writes: a file appears whole at its path or not at all.

Everything marionnette writes (run directories, pose sequences, BVH files, videos) goes
to a temporary name beside its target and is renamed into place with ``os.replace``, so a
process killed at any moment leaves the old file or the new one, never half of one. The
file gets the mode ``open()`` would give it (``0o666`` less the umask), so a TensorBoard
server or a colleague under another account reads a run as they read any other file.
This module sits on the ground floor with :mod:`marionnette.errors`: it imports nothing of ours.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

PARTIAL = ".partial"  # the suffix of a file being written; renamed away once whole


def current_umask() -> int:
    """The process's umask, read without changing it where Linux says it
    (``/proc/self/status``); elsewhere set and restored at once, as there is no getter."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o077)  # the strictest value for the instant it is held
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` for a library that writes to a path itself; once
    the block ends without error it is synced and replaces ``path`` at once.

    On an exception the temporary file is removed and ``path`` keeps its old content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=PARTIAL)
    try:
        try:  # mkstemp makes it 0600, private to us: give it the mode open() would
            os.fchmod(fd, 0o666 & ~current_umask())
        finally:
            os.close(fd)
        yield Path(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """:func:`atomic_path`, opened: write to the file object; it replaces ``path`` on success."""
    with atomic_path(path) as tmp, open(tmp, mode) as f:
        yield f


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as f:
        f.write(text)
