"""Hyperparameter sweeps on Ray Tune: many ``marionnette train`` runs, the weak ones stopped early.

``marionnette sweep ENV --algo ALGO --trials N`` draws ``N`` settings from the algorithm's
search space (:mod:`.search_space`) and trains each as an ordinary run, through
:func:`marionnette.agents.train`, so every trial is a run directory like any other::

    sweeps/<env>__<algo>__<time>/        (or --out)
      sweep.yaml         what the sweep was asked (env, algo, space, budget, ...): --resume reads it
      trials/<trial>/<env>__<algo>__<seed>__<time>/   one run directory per trial, config.yaml and all
      tune/              Ray Tune's experiment state: what Tuner.restore resumes from
      results.csv        the trials ranked by the metric, best first

How it runs:

- **Trials** are a Ray Tune function trainable (:func:`trial`), one CPU each (and
  ``gpus_per_trial`` of a GPU), one torch thread. As training goes, the trial reads the
  rows the trainer appends to progress.csv and reports the metric (``tune.report``) with
  the step it was logged at, so a scheduler can judge it mid-run.
- **Metric**: the trainer's own progress.csv column, by default :data:`METRICS` (the mean
  episode return for the deep learners, the fraction of optimal moves for the tabular ones);
  a trial is ranked by the last value it logged.
- **Scheduler**: ``asha`` (:class:`ray.tune.schedulers.ASHAScheduler`, on the step
  count: rungs at a quarter, half and all of the budget by default) stops a trial whose
  metric at a rung is below the median of those that reached it before; ``none`` runs
  every trial to the end. PBT is not offered: it copies weights between trials and changes
  their hyperparameters mid-run, and a marionnette run keeps one set of hyperparameters
  from start to end, so that its config.yaml reruns it.
- **Search**: ``random`` (Tune's BasicVariantGenerator) or ``optuna`` (TPE, through
  :class:`ray.tune.search.optuna.OptunaSearch`), both seeded by ``seed``. Every trial
  trains with the same ``seed``: trials differ only by their hyperparameters.
- **Where**: a local Ray (``num_cpus`` = ``concurrent``, or every core), or the cluster at
  ``address`` (``HOST:6379``; checked with a plain TCP connect first, because Ray waits
  minutes for a head that is not there). On a cluster, ``out`` must be a folder every node
  mounts at the same path (NFS): the trials write their run directories there.
- **Resume**: :func:`resume_sweep` (``marionnette sweep --resume OUT``) restores the Tune
  experiment (``Tuner.restore(..., resume_errored=True)``): finished trials are not rerun,
  and a trial cut short continues its own run directory from its newest checkpoint.
- **Rerun**: the best trial is ``marionnette train ENV --algo ALGO --seed S --steps N --set
  k=v ...`` (:meth:`SweepResult.command`), which is also the ``command`` in its config.yaml.

Ray is imported inside the functions that need it: ``import marionnette.pipelines.sweep``
stays light, and Ray is needed only to run a sweep (``pip install 'marionnette[scale]'``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import re
import shlex
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from marionnette import agents
from marionnette.agents.hyperparams import apply_overrides, load_hyperparams
from marionnette.envs import check_env_id
from marionnette.errors import MarionnetteError
from marionnette.files import atomic_write_text
from marionnette.pipelines.search_space import BUDGET_KEY, SearchSpace, load_space, override, plain
from marionnette.runs import CONFIG, Run, read_progress

logger = logging.getLogger(__name__)

METRICS = {  # algorithm -> the progress.csv column a trial is judged by (higher is better)
    "td": "eval/optimal_move_fraction",
    "qlearning": "eval/optimal_move_fraction",
    "dqn": "rollout/ep_rew_mean",
    "ppo": "rollout/ep_rew_mean",
    "ppo_mask": "rollout/ep_rew_mean",
    "ppo_native": "rollout/ep_rew_mean",
}
SEARCHES = ("random", "optuna")
SCHEDULERS = ("asha", "none")
SWEEP_FILE = "sweep.yaml"
RESULTS_FILE = "results.csv"
TUNE_DIR = "tune"  # Ray Tune's experiment folder inside the sweep's
TIME_ATTR = "step"  # what ASHA counts: environment steps, the same unit as the budget
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # the colours in Ray's error text
CONNECT_TIMEOUT_S = 3.0  # a head that does not answer a TCP connect in this long is not there


@dataclass
class SweepConfig:
    """What a sweep is asked; written to ``<out>/sweep.yaml`` so that ``--resume`` needs nothing else."""

    env_id: str
    algo: str
    trials: int = 8
    """Settings to draw and train (``num_samples``)."""
    space: str | None = None
    """A search-space file (``--space``); None: the shipped ``spaces/<algo>.yml``."""
    search: str = "random"
    """``random`` or ``optuna``."""
    scheduler: str = "asha"
    """``asha`` or ``none``."""
    metric: str | None = None
    """The progress.csv column to rank by; None: :data:`METRICS` of the algorithm."""
    mode: str = "max"
    """``max`` or ``min`` the metric."""
    steps: int | None = None
    """Environment steps per trial, the same for all; None: the YAML's ``n_timesteps``."""
    seed: int = 0
    """Seeds every trial's training, and the search."""
    concurrent: int | None = None
    """Trials at once; None: as many as Ray has CPUs for."""
    address: str | None = None
    """A Ray cluster (``HOST:6379``, ``auto``, ``ray://HOST:10001``); None: a local Ray."""
    gpus_per_trial: float = 0.0
    """A share of a GPU for each trial (0.25: four to a GPU); above 0 trials train on cuda."""
    overrides: list[str] = field(default_factory=list)
    """``key=value`` for every trial, over the YAML (``--set``)."""
    grace_fraction: float = 0.25
    """ASHA's first rung, as a fraction of the budget."""
    reduction_factor: int = 2
    """ASHA keeps the best 1 / this of the trials at each rung."""
    out: str | None = None
    """The sweep's folder; None: ``sweeps/<env>__<algo>__<time>``."""

    def __post_init__(self):
        self.algo = agents.canonical_algo(self.algo)
        if self.trials < 1:
            raise MarionnetteError(f"--trials {self.trials}: give at least 1")
        if self.search not in SEARCHES:
            raise MarionnetteError(f"--search {self.search!r}: use {' or '.join(SEARCHES)}")
        if self.scheduler == "pbt":
            raise MarionnetteError(
                "--scheduler pbt: not offered; PBT changes a trial's hyperparameters mid-run and a marionnette "
                "run keeps one set from start to end (its config.yaml reruns it); use asha or none"
            )
        if self.scheduler not in SCHEDULERS:
            raise MarionnetteError(f"--scheduler {self.scheduler!r}: use {' or '.join(SCHEDULERS)}")
        if self.mode not in ("max", "min"):
            raise MarionnetteError(f"--mode {self.mode!r}: use max or min")
        if self.steps is not None and self.steps < 1:
            raise MarionnetteError(f"--steps {self.steps}: give a positive number of environment steps")
        if self.concurrent is not None and self.concurrent < 1:
            raise MarionnetteError(f"--concurrent {self.concurrent}: give at least 1")
        if self.gpus_per_trial < 0:
            raise MarionnetteError(f"--gpus-per-trial {self.gpus_per_trial:g}: give 0 or a positive share")
        if not 0 < self.grace_fraction <= 1 or self.reduction_factor < 2:
            raise MarionnetteError("ASHA needs 0 < grace_fraction <= 1 and reduction_factor >= 2")
        self.overrides = list(self.overrides)
        if self.metric is None:
            self.metric = METRICS.get(self.algo)

    @property
    def device(self) -> str:
        return "cuda" if self.gpus_per_trial > 0 else "cpu"


class Trial(NamedTuple):
    """One row of results.csv."""

    trial: str  # Tune's trial id: also the folder under trials/
    status: str  # done, stopped early (by ASHA), error, unfinished
    params: dict[str, Any]  # the sampled hyperparameters
    metric: float | None  # the last value it reported
    steps: int  # the step of that value
    run_dir: str  # its run directory ("" when it never started one)
    error: str = ""


@dataclass
class SweepResult:
    """A finished (or interrupted) sweep: its trials ranked, best first."""

    config: SweepConfig
    path: Path
    trials: list[Trial]
    params: list[str]
    """The sampled hyperparameters, the columns of results.csv."""
    fixed: list[str]
    """``key=value`` settings every trial shared (``--set`` and the space's plain values)."""
    budget: int
    interrupted: bool = False

    @property
    def best(self) -> Trial | None:
        return self.trials[0] if self.trials and self.trials[0].metric is not None else None

    @property
    def results_path(self) -> Path:
        return self.path / RESULTS_FILE

    def command(self, trial: Trial) -> str:
        """The ``marionnette train`` command line that reruns ``trial``."""
        return train_command(self.config, self.budget, [*self.fixed, *trial_overrides(trial.params)])


# -- the trial: one agents.train run inside a Ray worker -----------------------------------


@dataclass(frozen=True)
class TrialSetup:
    """What every trial shares, handed to :func:`trial` by ``tune.with_parameters``."""

    config: SweepConfig
    budget: int
    fixed: tuple[str, ...]
    trials_dir: str


def trial(params: dict[str, Any], setup: TrialSetup) -> None:
    """The Tune trainable: train one setting into ``<trials>/<trial id>/``, reporting the metric.

    A trial Tune runs again (the sweep was resumed while it ran, or it failed) finds its
    run directory there and continues it from its newest checkpoint.
    """
    from ray import tune

    _one_thread()
    conf = setup.config
    runs_dir = Path(setup.trials_dir) / tune.get_context().get_trial_id()
    report = _Reporter(runs_dir, str(conf.metric), setup.budget)
    earlier = _run_in(runs_dir)
    overrides = [*setup.fixed, *trial_overrides(params)]
    with _argv(train_command(conf, setup.budget, overrides)):  # config.yaml's `command`: the rerun
        if earlier is not None:
            run = agents.train(resume=earlier.path, device=conf.device, progress=report)
        else:
            run = agents.train(
                conf.env_id, conf.algo, steps=setup.budget, seed=conf.seed, device=conf.device,
                overrides=overrides, runs_dir=runs_dir, progress=report,
            )  # fmt: skip
    report.last()  # the final row, and any written after the trainer's last progress call
    if report.reported == 0:
        rows = read_progress(run.progress_path) if run.progress_path.exists() else []
        columns = ", ".join(rows[0]) if rows else "nothing"
        raise MarionnetteError(
            f"{run.progress_path} has no value of {conf.metric!r} (it logs: {columns}); pass --metric one of "
            "those, or more --steps where the column comes later (returns: once episodes end)"
        )


class _Reporter:
    """The ``progress`` callback of :func:`agents.train`: reports each new progress.csv row
    that holds the metric to Tune. Reads the file only when it has changed (a stat per call).

    The row at the budget waits for :meth:`last`, once training has returned: ASHA stops a
    trial that reaches ``max_t`` at once, and stopped inside ``train`` it would never write
    its final model.
    """

    def __init__(self, runs_dir: Path, metric: str, budget: int):
        self.runs_dir, self.metric, self.budget = runs_dir, metric, budget
        self.run: Run | None = None
        self.seen: tuple[int, int] | None = None  # (mtime_ns, size) of the file last read
        self.last_step = -1
        self.reported = 0

    def __call__(self, done: int, total: int) -> None:
        self._report(final=False)

    def last(self) -> None:
        self.seen = None
        self._report(final=True)

    def _report(self, final: bool) -> None:
        from ray import tune

        if self.run is None:
            self.run = _run_in(self.runs_dir)
            if self.run is None:
                return
        try:
            stat = self.run.progress_path.stat()
        except FileNotFoundError:
            return
        if (stat.st_mtime_ns, stat.st_size) == self.seen:
            return
        self.seen = (stat.st_mtime_ns, stat.st_size)
        for row in read_progress(self.run.progress_path):
            step, value = int(float(row["step"])), row.get(self.metric)
            if step <= self.last_step or value in (None, ""):  # ppo logs returns once an episode ends
                continue
            if step >= self.budget and not final:
                break
            self.last_step = step
            self.reported += 1
            # Tune stops a trial here (SystemExit) when the scheduler says so: not an Exception,
            # so agents.train keeps the run directory, as it is, for the table.
            tune.report({self.metric: float(value), TIME_ATTR: step, "run_dir": str(self.run.path)})


def _run_in(runs_dir: Path) -> Run | None:
    """The run directory a trial made under ``runs_dir`` (it makes one at most)."""
    if not runs_dir.is_dir():
        return None
    found = sorted(p for p in runs_dir.iterdir() if (p / CONFIG).is_file())
    return Run(found[-1]) if found else None


def _one_thread() -> None:
    """One torch thread a trial: a trial has one CPU, and small nets lose to thread sync."""
    try:
        import torch
    except ImportError:  # the tabular learners need no torch to learn
        return
    torch.set_num_threads(1)


@contextlib.contextmanager
def _argv(command: str) -> Iterator[None]:
    """``sys.argv`` as the rerun command while the trial trains: agents.train records
    ``sys.argv`` as config.yaml's ``command``, and a Ray worker's own is no use to anyone."""
    saved = sys.argv
    sys.argv = shlex.split(command)
    try:
        yield
    finally:
        sys.argv = saved


def trial_overrides(params: dict[str, Any]) -> list[str]:
    return [override(key, value) for key, value in sorted(params.items())]


def train_command(conf: SweepConfig, budget: int, overrides: list[str]) -> str:
    args = ["marionnette", "train", conf.env_id, "--algo", conf.algo, "--seed", str(conf.seed),
            "--steps", str(budget), *[a for kv in overrides for a in ("--set", kv)]]  # fmt: skip
    if conf.device != "cpu":
        args += ["--device", conf.device]
    return shlex.join(args)


def _trial_dirname(t) -> str:
    """Tune's folder for a trial: its id, as the trial's folder under trials/ is."""
    return t.trial_id


# -- the sweep --------------------------------------------------------------------------


def run_sweep(config: SweepConfig, verbose: int = 1) -> SweepResult:
    """Run the sweep ``config`` describes and return its trials, ranked; writes results.csv.

    :param verbose: Ray Tune's output (0 silent, 1 a status table now and then, 2 every result).
    :raises MarionnetteError: a bad env, algorithm, space or option; a cluster that does not
        answer; ``out`` already holding a sweep; every trial failing (the first one's line).
    """
    _require_ray()
    out = Path(config.out or default_out(config)).resolve()
    if (out / TUNE_DIR).exists():
        raise MarionnetteError(
            f"--out {out} already holds a sweep: continue it with `marionnette sweep --resume {out}`, "
            "or pick another --out"
        )
    config.out = str(out)
    space, budget, fixed = _prepare(config)
    with ray_session(config.address, config.concurrent, verbose):
        from ray import tune

        out.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out / SWEEP_FILE, yaml.safe_dump(asdict(config), sort_keys=False))

        tuner = tune.Tuner(
            _trainable(config, budget, fixed, out),
            param_space=space.to_tune(),
            tune_config=_tune_config(config, budget),
            run_config=tune.RunConfig(
                name=TUNE_DIR, storage_path=str(out), verbose=verbose, failure_config=tune.FailureConfig(max_failures=0)
            ),
        )
        grid = tuner.fit()
    return _finish(config, grid, list(space.sampled), fixed, budget, out)


def resume_sweep(path: str | Path, address: str | None = None, verbose: int = 1) -> SweepResult:
    """Continue the sweep at ``path`` (its ``--out``): finished trials stay as they are,
    errored and unfinished ones run again, each continuing its run directory.

    :param address: a Ray cluster to continue on (None: the one it started on, or a local Ray).
    """
    _require_ray()
    out = Path(path).resolve()
    if not (out / SWEEP_FILE).is_file():
        raise MarionnetteError(f"--resume {out}: no {SWEEP_FILE} there; pass the folder `marionnette sweep` printed")
    try:
        raw = yaml.safe_load((out / SWEEP_FILE).read_text())
        config = SweepConfig(**{k: v for k, v in raw.items() if k in {f.name for f in fields(SweepConfig)}})
    except (yaml.YAMLError, TypeError, AttributeError) as e:
        raise MarionnetteError(f"--resume {out}: {SWEEP_FILE} does not read ({e}); start a new sweep") from e
    config.out = str(out)
    if address is not None:
        config.address = address
    space, budget, fixed = _prepare(config)
    with ray_session(config.address, config.concurrent, verbose):
        from ray import tune

        if not tune.Tuner.can_restore(str(out / TUNE_DIR)):
            raise MarionnetteError(
                f"--resume {out}: no Ray Tune state in {out / TUNE_DIR} (the sweep stopped before it began); "
                "start it again without --resume"
            )
        tuner = tune.Tuner.restore(
            str(out / TUNE_DIR), _trainable(config, budget, fixed, out), resume_unfinished=True, resume_errored=True
        )
        grid = tuner.fit()
    return _finish(config, grid, list(space.sampled), fixed, budget, out)


def _require_ray() -> None:
    try:
        import ray.tune  # noqa: F401
    except ImportError as e:
        raise MarionnetteError(f"a sweep runs on Ray Tune, which is not installed here ({e}): "
                               "pip install 'marionnette[scale]'") from e  # fmt: skip


def default_out(config: SweepConfig) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    return Path("sweeps") / f"{config.env_id.replace('/', '-')}__{config.algo}__{stamp}"


def _prepare(config: SweepConfig) -> tuple[SearchSpace, int, list[str]]:
    """Check everything that can be checked before Ray starts: the env, the algorithm, the
    space, the fixed settings (as agents.train will apply them); the budget in steps."""
    config.env_id = check_env_id(config.env_id)
    allowed = agents.hyperparam_keys(config.algo)
    if config.metric is None:
        raise MarionnetteError(f"--algo {config.algo}: no default metric; pass --metric, a column of progress.csv")
    space = load_space(config.algo, config.env_id, allowed, config.space)
    fixed = _merge([*space.fixed_overrides(), *config.overrides])  # --set last: it wins over the space
    hyperparams = apply_overrides(load_hyperparams(config.algo, config.env_id), fixed, allowed)
    budget = int(config.steps if config.steps is not None else hyperparams[BUDGET_KEY])
    if config.search == "optuna":
        lists = [k for k, d in space.sampled.items() if any(isinstance(a, (list, dict)) for a in d.args)]
        if lists:
            raise MarionnetteError(f"{space.source}: {lists[0]!r}: Optuna chooses among numbers and words only, "
                                   "not lists; use --search random")  # fmt: skip
    return space, budget, fixed


def _merge(overrides: list[str]) -> list[str]:
    """``key=value`` strings with one per key, the last given (as apply_overrides would leave it)."""
    merged: dict[str, str] = {}
    for item in overrides:
        key = item.partition("=")[0].strip()
        merged.pop(key, None)
        merged[key] = item
    return list(merged.values())


def _trainable(config: SweepConfig, budget: int, fixed: list[str], out: Path):
    from ray import tune

    setup = TrialSetup(config, budget, tuple(fixed), str(out / "trials"))
    resources = {"cpu": 1, "gpu": config.gpus_per_trial}
    return tune.with_resources(tune.with_parameters(trial, setup=setup), resources)


def _tune_config(config: SweepConfig, budget: int):
    from ray import tune

    scheduler = None
    if config.scheduler == "asha":
        from ray.tune.schedulers import ASHAScheduler

        scheduler = ASHAScheduler(
            time_attr=TIME_ATTR,
            max_t=budget,
            grace_period=max(1, int(budget * config.grace_fraction)),
            reduction_factor=config.reduction_factor,
        )
    if config.search == "optuna":
        from ray.tune.search.optuna import OptunaSearch

        search = OptunaSearch(seed=config.seed)
    else:
        from ray.tune.search.basic_variant import BasicVariantGenerator

        # a SearchGenerator limits its own concurrency: Tune ignores max_concurrent_trials for it
        search = BasicVariantGenerator(random_state=config.seed, max_concurrent=config.concurrent or 0)
    return tune.TuneConfig(
        metric=config.metric,
        mode=config.mode,
        num_samples=config.trials,
        search_alg=search,
        scheduler=scheduler,
        max_concurrent_trials=config.concurrent if config.search == "optuna" else None,
        reuse_actors=True,  # one worker trains trial after trial: torch and the envs import once
        trial_dirname_creator=_trial_dirname,
    )


@contextlib.contextmanager
def ray_session(address: str | None, num_cpus: int | None, verbose: int = 1) -> Iterator[None]:
    """Ray for the length of the block: a local one (``num_cpus`` CPUs, no dashboard), the
    cluster at ``address``, or the session the caller already holds (left running)."""
    import ray

    if address is not None:
        check_address(address)
    if ray.is_initialized():
        yield
        return
    quiet = {"logging_level": logging.WARNING, "log_to_driver": verbose > 0}
    try:
        if address is None:
            ray.init(num_cpus=num_cpus, include_dashboard=False, **quiet)
        else:
            ray.init(address=address, **quiet)
    except ConnectionError as e:
        raise MarionnetteError(
            f"--address {address}: no Ray cluster there ({e}); start one with `ray start --head`"
        ) from e
    try:
        yield
    finally:
        ray.shutdown()


def check_address(address: str) -> None:
    """A one-line error unless something answers a TCP connect at ``address``
    (``HOST:PORT`` or ``ray://HOST:PORT``; ``auto`` is left to Ray)."""
    if address == "auto":
        return
    hostport = address.removeprefix("ray://")
    host, sep, port = hostport.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise MarionnetteError(f"--address {address!r}: write HOST:PORT, e.g. 10.0.0.5:6379 (the head's GCS port)")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except OSError as e:
        why = e.strerror or type(e).__name__
        raise MarionnetteError(
            f"--address {address}: nothing answers there ({why}); start the head with "
            f"`ray start --head --port={port}` on {host}, or leave --address out for a local Ray"
        ) from e


# -- the table --------------------------------------------------------------------------


def _finish(config: SweepConfig, grid, params: list[str], fixed: list[str], budget: int, out: Path) -> SweepResult:
    """Rank the trials, write results.csv; every trial failed → the first one's error."""
    trials = [_trial_row(r, str(config.metric), params, budget) for r in grid]
    interrupted = grid.num_terminated + grid.num_errors < config.trials
    if not interrupted:
        trials = [t._replace(status="stopped early") if t.status == "unfinished" else t for t in trials]
    sign = -1.0 if config.mode == "max" else 1.0
    trials.sort(key=lambda t: (t.metric is None, sign * t.metric if t.metric is not None else 0.0, t.trial))
    result = SweepResult(config, out, trials, params, fixed, budget, interrupted)
    write_results(result)
    if trials and all(t.status == "error" for t in trials):
        raise MarionnetteError(f"every trial failed; the first: {trials[0].error}")
    return result


def _trial_row(result, metric: str, params: list[str], budget: int) -> Trial:
    """One :class:`Trial` from Tune's result (its last report) for the trial."""
    metrics = result.metrics or {}
    config = result.config or {}
    trial_id = Path(result.path).name  # _trial_dirname: the trial id
    value = metrics.get(metric)
    steps = int(metrics.get(TIME_ATTR) or 0)
    if result.error is not None:
        status = "error"
    elif steps >= budget:
        status = "done"
    else:
        status = "unfinished"  # or stopped by ASHA: told apart once the sweep has run to its end
    return Trial(
        trial=trial_id,
        status=status,
        params={k: plain(config.get(k)) for k in params},
        metric=float(value) if value is not None else None,
        steps=steps,
        run_dir=str(metrics.get("run_dir") or ""),
        error=_error_line(result.error) if result.error is not None else "",
    )


def _error_line(error: BaseException) -> str:
    """The line a trial's error comes down to: its MarionnetteError's, or the last line Ray shows."""
    seen: BaseException | None = error
    while seen is not None:
        inner = getattr(seen, "cause", None)  # a RayTaskError: the worker's exception
        if isinstance(inner, BaseException) and inner is not seen:
            seen = inner  # (RayTaskError(MarionnetteError) is one too, but its str is Ray's header)
        elif isinstance(seen, MarionnetteError):
            return str(seen).splitlines()[0] if str(seen) else type(seen).__name__
        else:
            seen = seen.__cause__
    lines = [line for line in _ANSI.sub("", str(error)).splitlines() if line.strip()]
    return lines[-1].strip() if lines else type(error).__name__


def write_results(result: SweepResult) -> Path:
    """``results.csv``: rank, trial, status, each sampled hyperparameter, the metric, steps, run_dir."""
    metric = str(result.config.metric)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["rank", "trial", "status", *result.params, metric, "steps", "run_dir"])
    for rank, t in enumerate(result.trials, 1):
        values = [override(k, t.params[k]).partition("=")[2] for k in result.params]
        writer.writerow([rank, t.trial, t.status, *values, "" if t.metric is None else repr(t.metric), t.steps,
                         t.run_dir])  # fmt: skip
    atomic_write_text(result.results_path, buf.getvalue())
    return result.results_path
