"""The terminal side of the front door: one rich console, one-line errors and warnings,
progress bars."""

from __future__ import annotations

import functools
import logging
import os
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from marionnette.errors import MarionnetteError

console = Console()
errors = Console(stderr=True)

DEBUG_ENV = "MARIONNETTE_DEBUG"  # MARIONNETTE_DEBUG=1 does what --debug does
_debug: ContextVar[bool] = ContextVar("marionnette_debug", default=False)  # set for one command line
T = TypeVar("T")


@contextmanager
def debug_mode(on: bool) -> Iterator[None]:
    """``--debug`` for as long as the block runs (the app's callback holds it for the command)."""
    token = _debug.set(on)
    try:
        yield
    finally:
        _debug.reset(token)


def debug_enabled() -> bool:
    """``marionnette --debug ...`` or ``MARIONNETTE_DEBUG=1``: errors show their whole traceback."""
    return _debug.get() or os.environ.get(DEBUG_ENV, "").strip() not in ("", "0")


def one_line_errors(command: Callable) -> Callable:
    """Turn :class:`MarionnetteError` into ``error: <message>`` and exit status 2, with the
    whole chained traceback above it under ``--debug``; show the library's log warnings as
    one ``warning: <message>`` line each, on stderr."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            with library_warnings():
                return command(*args, **kwargs)
        except MarionnetteError as e:
            if debug_enabled():
                errors.print(
                    "".join(traceback.format_exception(e)), markup=False, highlight=False, soft_wrap=True, end=""
                )
            errors.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


class _WarningLines(logging.Handler):
    """A library warning (``logging.getLogger(__name__).warning``) as one line on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = " ".join(record.getMessage().split())  # one line, whatever it holds
            errors.print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)
        except Exception:
            self.handleError(record)


@contextmanager
def library_warnings() -> Iterator[None]:
    """While a command runs, the ``marionnette`` loggers' warnings print as one line each."""
    logger = logging.getLogger("marionnette")
    if any(isinstance(h, _WarningLines) for h in logger.handlers):  # a command run by another
        yield
        return
    handler = _WarningLines(level=logging.WARNING)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


@contextmanager
def progress_bar(description: str, unit: str = "steps") -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar that appears with the first ``update(done, total)`` it yields
    (so that an error in the set-up is not printed under an empty bar)."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(unit),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    progress = Progress(*columns, console=console, transient=False)
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if task is None:
            progress.start()
            task = progress.add_task(description, total=total)
        progress.update(task, completed=done, total=total)

    try:
        yield update
    finally:
        progress.stop()


@contextmanager
def training(description: str, group: str, unit: str = "epochs") -> Iterator[Callable[[int, int], None]]:
    """:func:`progress_bar` for a trainer of ``marionnette GROUP train``: Ctrl-C becomes one
    line saying that the run keeps its last checkpoint and how to continue it."""
    try:
        with progress_bar(description, unit=unit) as update:
            yield update
    except KeyboardInterrupt:
        raise MarionnetteError(
            f"interrupted: the run keeps its last checkpoint; continue it with `marionnette {group} train --resume RUN`"
        ) from None


@contextmanager
def frame_progress(
    description: str, fps: float, total: int | None = None
) -> Iterator[Callable[[Iterable[T]], Iterator[T]]]:
    """Count frames as they pass: yields ``counted(frames)``, an iterator over ``frames``
    that shows frames so far and the seconds of video they make (out of ``total``, when the
    length is known). The bar appears with the first frame."""
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:.0f}{task.fields[of]} frames"),
        TextColumn("· {task.fields[seconds]:.1f}s of video"),
        TimeElapsedColumn(),
    )
    progress = Progress(*columns, console=console, transient=False)
    of = f"/{total}" if total is not None else ""

    def counted(frames: Iterable[T]) -> Iterator[T]:
        task = None
        try:
            for n, frame in enumerate(frames, start=1):
                if task is None:
                    progress.start()
                    task = progress.add_task(description, total=total, of=of, seconds=0.0)
                yield frame
                progress.update(task, completed=n, seconds=n / fps)
        finally:  # stopped early (a window closed): close what it reads, e.g. the env
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    try:
        yield counted
    finally:
        progress.stop()


def key_values(pairs: Iterable[str], example: str) -> dict:
    """``--set key=value`` pairs as a dict, each value read as YAML (64, 1e-3, scratch,
    [64, 128]); ``example`` is shown in the one-line error for a pair without ``=``."""
    import yaml

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise MarionnetteError(f"--set {pair!r}: write key=value, e.g. --set {example}")
        out[key.strip()] = yaml.safe_load(value)
    return out
