"""``marionnette sweep``: a hyperparameter sweep on Ray Tune, each trial a ``train`` run.

``sweep ENV --algo ALGO --trials N`` draws N settings from the algorithm's search space
(``--space FILE``, else the shipped ``spaces/<algo>.yml``), trains them with ASHA stopping
the weak ones early, and prints the trials ranked by the metric, with the ``marionnette
train`` command that reruns the best; ``sweep --resume OUT`` continues an interrupted
sweep. The sweep itself is :mod:`marionnette.pipelines.sweep`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from marionnette.agents import ALGOS  # a table of names: nothing heavy loads
from marionnette.cli.console import console, one_line_errors
from marionnette.errors import MarionnetteError

if TYPE_CHECKING:
    from marionnette.pipelines.sweep import SweepResult


@one_line_errors
def sweep(
    env: Annotated[Optional[str], typer.Argument(help="Gymnasium id, e.g. marionnette/TicTacToe-v0")] = None,
    algo: Annotated[Optional[str], typer.Option("--algo", "-a", help=f"one of {', '.join(ALGOS)}")] = None,
    trials: Annotated[int, typer.Option(help="settings to draw and train")] = 8,
    space: Annotated[Optional[Path], typer.Option(help="search-space YAML (default: spaces/ALGO.yml)")] = None,
    search: Annotated[str, typer.Option(help="random or optuna (TPE)")] = "random",
    scheduler: Annotated[str, typer.Option(help="asha (stop weak trials early) or none")] = "asha",
    metric: Annotated[Optional[str], typer.Option(help="the progress.csv column to rank by (default per algo)")] = None,
    mode: Annotated[str, typer.Option(help="max or min the metric")] = "max",
    steps: Annotated[Optional[int], typer.Option(help="env steps per trial (default: YAML n_timesteps)")] = None,
    seed: Annotated[int, typer.Option(help="seeds every trial's training and the search")] = 0,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="key=value for every trial")] = None,
    concurrent: Annotated[Optional[int], typer.Option(help="trials at once (default: one per CPU)")] = None,
    gpus_per_trial: Annotated[float, typer.Option(help="GPU share per trial; above 0 trains on cuda")] = 0.0,
    address: Annotated[Optional[str], typer.Option(help="a Ray cluster, HOST:6379 (default: a local Ray)")] = None,
    out: Annotated[Optional[Path], typer.Option(help="the sweep's folder (default: sweeps/ENV__ALGO__TIME)")] = None,
    resume: Annotated[Optional[Path], typer.Option(help="continue the sweep in this folder")] = None,
) -> None:
    """Search hyperparameters on Ray Tune: N training runs, the weak ones stopped early."""
    from marionnette.pipelines import sweep as pipeline

    config = None
    try:
        if resume is not None:
            if env is not None or algo is not None:
                raise MarionnetteError("--resume continues a sweep as it was asked: leave out ENV and --algo")
            result = pipeline.resume_sweep(resume, address=address)
        else:
            if env is None or algo is None:
                raise MarionnetteError("give an environment id and --algo (or --resume OUT)")
            config = pipeline.SweepConfig(
                env, algo, trials=trials, space=str(space) if space else None, search=search, scheduler=scheduler,
                metric=metric, mode=mode, steps=steps, seed=seed, concurrent=concurrent, address=address,
                gpus_per_trial=gpus_per_trial, overrides=set_ or [], out=str(out) if out else None,
            )  # fmt: skip
            result = pipeline.run_sweep(config)
    except KeyboardInterrupt:
        where = resume or (config.out if config is not None else None) or "OUT"
        raise MarionnetteError(
            f"interrupted: finished trials keep their run directories; "
            f"continue with `marionnette sweep --resume {where}`"
        ) from None
    console.print(results_table(result))
    console.print(f"results → [bold]{escape(str(result.results_path))}[/]", soft_wrap=True)
    if result.best is not None:
        console.print(f"best: {escape(result.best.run_dir)}", soft_wrap=True, highlight=False)
        console.print(f"rerun it: {escape(result.command(result.best))}", soft_wrap=True, highlight=False)
    if result.interrupted:
        console.print(
            f"interrupted before every trial ran: continue with "
            f"`marionnette sweep --resume {escape(str(result.path))}`",
            soft_wrap=True,
        )


def results_table(result: SweepResult) -> Table:
    """The trials, ranked: the sampled hyperparameters, the metric, the steps each ran."""
    from marionnette.pipelines.search_space import override

    metric = str(result.config.metric)
    table = Table("#", "trial", "status", *result.params, metric, "steps",
                  title=f"sweep · {result.config.algo} on {result.config.env_id}")  # fmt: skip
    for rank, t in enumerate(result.trials, 1):
        values = [_short(override(k, t.params[k]).partition("=")[2]) for k in result.params]
        status = f"[red]{escape(t.status)}[/]" if t.status == "error" else t.status
        score = "" if t.metric is None else f"{t.metric:.4g}"
        table.add_row(str(rank), t.trial, status, *values, score, f"{t.steps:,}")
    errors = [t for t in result.trials if t.error]
    if errors:
        table.caption = escape(f"{len(errors)} failed; {errors[0].trial}: {errors[0].error}")
    return table


def _short(value: str) -> str:
    """A sampled float to 4 figures for the table (results.csv keeps every digit)."""
    try:
        number = float(value)
    except ValueError:
        return value
    return value if number.is_integer() and "." not in value else f"{number:.4g}"


def register(app: typer.Typer) -> None:
    app.command()(sweep)
