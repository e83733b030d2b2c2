"""``marionnette sweep``: search spaces read into Ray Tune's distributions, ASHA stopping the
weak td trials on tic-tac-toe, results.csv ranked, an interrupted sweep resumed without
rerunning a finished trial, and a cluster that does not answer as one line.

One local Ray (2 CPUs) serves the whole module: it costs ~6 s to start.
"""

from __future__ import annotations

import csv
import glob
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from marionnette.agents.hyperparams import apply_overrides, load_hyperparams
from marionnette.agents.tabular import hyperparam_keys
from marionnette.errors import MarionnetteError
from marionnette.pipelines.search_space import load_space, parse_distribution
from marionnette.pipelines.sweep import SweepConfig, resume_sweep, run_sweep
from marionnette.runs import read_progress

ray = pytest.importorskip("ray", reason="marionnette sweep needs Ray Tune: pip install 'marionnette[scale]'")

T3 = "marionnette/TicTacToe-v0"
TD_KEYS = hyperparam_keys("td")
METRIC = "eval/optimal_move_fraction"
STEPS = 10_000  # ~1 s of TD(0) a trial; ASHA's rungs at 2.5k, 5k and 10k
EVERY = ["log_every=1000", "checkpoint_every=2500"]  # ten reports a trial, a checkpoint at each rung


@pytest.fixture(scope="module")
def local_ray():
    """One local Ray for the module (a sweep uses the session it finds, and leaves it up)."""
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def one_line(e: pytest.ExceptionInfo) -> str:
    message = str(e.value)
    assert "\n" not in message, message
    return message


# -- (a) search spaces -----------------------------------------------------------------


def test_shipped_spaces_read_into_tune_distributions():
    from ray.tune.search import sample

    space = load_space("td", T3, TD_KEYS)
    assert set(space.sampled) == {"learning_rate", "epsilon"} and space.fixed == {"log_every": 5000}
    domains = space.to_tune()
    lr, eps = domains["learning_rate"], domains["epsilon"]
    assert isinstance(lr, sample.Float) and isinstance(lr.get_sampler(), sample.LogUniform)
    assert (lr.lower, lr.upper) == (0.05, 1.0)
    assert isinstance(eps, sample.Float) and isinstance(eps.get_sampler(), sample.Uniform)

    from marionnette.agents.native_ppo import hyperparam_keys as ppo_keys

    pong = load_space("ppo_native", "marionnette/Pong-v0", ppo_keys("ppo_native")).to_tune()
    assert isinstance(pong["n_epochs"], sample.Categorical) and pong["n_epochs"].categories == [2, 4, 8]
    assert pong["learning_rate"].lower == pytest.approx(1e-4)  # YAML 1.1 reads 1e-4 as a word: made a float


def test_a_space_file_with_every_kind_of_value(tmp_path):
    from ray.tune.search import sample

    path = tmp_path / "space.yml"
    path.write_text(
        f"{T3}:\n"
        "  learning_rate: quniform(0.1, 1, 0.1)\n"
        "  log_every: randint(1000, 5000)\n"
        "  env_kwargs:\n    opponent_epsilon: uniform(0, 0.5)\n    opponent: minimax\n"
        "  checkpoint_every: choice(2500, 5000)\n"
    )
    space = load_space("td", T3, TD_KEYS, path)
    assert space.fixed == {"env_kwargs.opponent": "minimax"}
    assert space.fixed_overrides() == ["env_kwargs.opponent=minimax"]
    domains = space.to_tune()
    assert isinstance(domains["log_every"], sample.Integer) and domains["log_every"].upper == 5000
    assert isinstance(domains["learning_rate"].get_sampler(), sample.Quantized)
    assert isinstance(domains["env_kwargs.opponent_epsilon"], sample.Float)
    assert domains["checkpoint_every"].categories == [2500, 5000]
    assert parse_distribution("choice([64, 64], [128, 128], tanh)").args == ([64, 64], [128, 128], "tanh")


def test_an_unknown_key_is_one_line_naming_the_file_and_the_key(tmp_path):
    path = tmp_path / "space.yml"
    path.write_text(f"{T3}:\n  learning_rat: loguniform(0.05, 1.0)\n")
    with pytest.raises(MarionnetteError) as e:
        load_space("td", T3, TD_KEYS, path)
    message = one_line(e)
    assert str(path) in message and "'learning_rat'" in message and "did you mean learning_rate" in message


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("loguniform(1e-3)", "takes 2 arguments"),
        ("uniform(0.1, fast)", "must be numbers"),
        ("loguniform(0, 1)", "log scale needs low > 0"),
        ("uniform(1, 0.5)", "low must be below high"),
        ("randint(1.5, 4)", "must be integers"),
        ("lognormal(0, 1)", "unknown distribution 'lognormal'"),
        ("uniform(0.1, 0.9", "is not a distribution"),
        ("uniform(0.1, [0.9)", "do not read"),
    ],
)
def test_a_malformed_distribution_is_one_line(tmp_path, written, why):
    path = tmp_path / "space.yml"
    path.write_text(yaml.safe_dump({T3: {"epsilon": written}}))
    with pytest.raises(MarionnetteError) as e:
        load_space("td", T3, TD_KEYS, path)
    message = one_line(e)
    assert f"{path}: epsilon:" in message and why in message
    assert "write" in message or "did you mean" in message  # and the fix


def test_the_budget_and_a_missing_env_are_refused(tmp_path):
    path = tmp_path / "space.yml"
    path.write_text(f"{T3}:\n  n_timesteps: randint(1000, 5000)\n")
    with pytest.raises(MarionnetteError, match="budget.*--steps"):
        load_space("td", T3, TD_KEYS, path)
    with pytest.raises(MarionnetteError, match="no search space for 'marionnette/Pong-v0'.*covers"):
        load_space("td", "marionnette/Pong-v0", TD_KEYS)


# -- (b) a sweep with ASHA -------------------------------------------------------------


def test_asha_stops_weak_trials_and_the_table_is_ranked(local_ray, tmp_path):
    started = time.perf_counter()
    config = SweepConfig(T3, "td", trials=4, steps=STEPS, concurrent=2, overrides=EVERY, out=str(tmp_path / "sw"))
    result = run_sweep(config, verbose=0)
    took = time.perf_counter() - started
    assert not result.interrupted and len(result.trials) == 4
    stopped = [t for t in result.trials if t.status == "stopped early"]
    assert stopped and all(t.steps < STEPS for t in stopped), result.trials  # ASHA cut them short
    assert any(t.status == "done" and t.steps == STEPS for t in result.trials)

    runs = [Path(t.run_dir) for t in result.trials]
    assert len(set(runs)) == 4
    for t, run in zip(result.trials, runs, strict=True):
        assert run.parent == tmp_path / "sw" / "trials" / t.trial and (run / "config.yaml").is_file()
        hyperparams = yaml.safe_load((run / "config.yaml").read_text())["hyperparams"]
        assert {k: hyperparams[k] for k in t.params} == t.params  # the trial trained what it reports
        assert int(read_progress(run / "progress.csv")[-1]["step"]) >= t.steps

    with open(result.results_path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["rank", "trial", "status", "learning_rate", "epsilon", METRIC, "steps", "run_dir"]
    scores = [float(r[METRIC]) for r in rows]
    assert scores == sorted(scores, reverse=True) and [r["trial"] for r in rows] == [t.trial for t in result.trials]

    # the best trial reruns as `marionnette train ... --set k=v`: the same hyperparameters
    best = Path(result.best.run_dir)
    assert (best / "model.npz").is_file()  # it trained to the end, final model written
    config_yaml = yaml.safe_load((best / "config.yaml").read_text())
    command = shlex.split(result.command(result.best))
    assert command[:6] == ["marionnette", "train", T3, "--algo", "td", "--seed"] and config_yaml["command"] == (
        result.command(result.best)
    )
    sets = [command[i + 1] for i, a in enumerate(command) if a == "--set"]
    again = apply_overrides(load_hyperparams("td", T3), sets, TD_KEYS)
    again["n_timesteps"] = int(command[command.index("--steps") + 1])
    assert again == config_yaml["hyperparams"]
    print(f"4 td trials under ASHA: {took:.1f}s")


def test_optuna_draws_inside_the_space(local_ray, tmp_path):
    config = SweepConfig(T3, "td", trials=2, steps=2000, search="optuna", scheduler="none", concurrent=2,
                         overrides=["log_every=1000"], out=str(tmp_path / "sw"))  # fmt: skip
    result = run_sweep(config, verbose=0)
    assert [t.status for t in result.trials] == ["done", "done"]
    for t in result.trials:
        assert 0.05 <= t.params["learning_rate"] <= 1.0 and 0.1 <= t.params["epsilon"] <= 1.0
    assert result.trials[0].metric >= result.trials[1].metric


def test_a_metric_no_trial_logs_is_one_line(local_ray, tmp_path):
    config = SweepConfig(T3, "td", trials=1, steps=2000, metric="eval/elo", overrides=["log_every=1000"],
                         scheduler="none", out=str(tmp_path / "sw"))  # fmt: skip
    with pytest.raises(MarionnetteError) as e:
        run_sweep(config, verbose=0)
    message = one_line(e)
    assert "every trial failed" in message and "'eval/elo'" in message and METRIC in message


# -- (c) resume --------------------------------------------------------------------------


def test_an_interrupted_sweep_resumes_without_rerunning_finished_trials(local_ray, tmp_path):
    """Ctrl-C (SIGINT) a `marionnette sweep` once its first trial has finished, then resume it:
    the finished trial's files are untouched, every trial keeps one run directory, all four end."""
    out = tmp_path / "sw"
    command = [sys.executable, "-m", "marionnette", "sweep", T3, "--algo", "td", "--trials", "4",
               "--steps", str(STEPS), "--concurrent", "1", "--address", local_ray, "--out", str(out),
               *[a for kv in EVERY for a in ("--set", kv)]]  # fmt: skip
    sweep = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while not glob.glob(f"{out}/trials/*/*/model.npz"):  # a trial has finished
            assert sweep.poll() is None and time.monotonic() < deadline, "the sweep ended before it was interrupted"
            time.sleep(0.1)
        sweep.send_signal(signal.SIGINT)
        output, _ = sweep.communicate(timeout=60)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 0 and f"marionnette sweep --resume {out}" in output, output
    with open(out / "results.csv", newline="") as f:
        statuses = [row["status"] for row in csv.DictReader(f)]
    assert len(statuses) < 4 or "unfinished" in statuses  # the table so far: some trials still to run
    finished = {Path(p).parent for p in glob.glob(f"{out}/trials/*/*/model.npz")}
    assert 1 <= len(finished) < 4
    before = {p: p.stat().st_mtime_ns for run in finished for p in run.rglob("*") if p.is_file()}

    result = resume_sweep(out, verbose=0)
    assert not result.interrupted and len(result.trials) == 4
    assert all(t.status in ("done", "stopped early") for t in result.trials)
    assert {p: p.stat().st_mtime_ns for p in before} == before  # no finished trial ran again
    folders = list((out / "trials").iterdir())
    assert len(folders) == 4 and all(len(list(d.iterdir())) == 1 for d in folders)  # one run each, continued
    assert {Path(t.run_dir) for t in result.trials} == {next(d.iterdir()) for d in folders}


# -- (d) a cluster that does not answer ------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_address_nobody_answers_is_one_line_and_fast(tmp_path):
    port = free_port()
    started = time.perf_counter()
    with pytest.raises(MarionnetteError) as e:
        run_sweep(SweepConfig(T3, "td", trials=2, steps=1000, address=f"127.0.0.1:{port}", out=str(tmp_path / "sw")))
    assert time.perf_counter() - started < 10
    message = one_line(e)
    assert f"--address 127.0.0.1:{port}: nothing answers there" in message and "ray start --head" in message
    assert not (tmp_path / "sw").exists()  # nothing to resume: the next try starts clean


def test_the_command_line_refuses_pbt_and_a_missing_sweep(tmp_path):
    from typer.testing import CliRunner

    from marionnette.cli import app

    runner = CliRunner()
    refused = runner.invoke(app, ["sweep", T3, "--algo", "td", "--scheduler", "pbt"])
    assert refused.exit_code == 2 and "--scheduler pbt: not offered" in refused.output
    missing = runner.invoke(app, ["sweep", "--resume", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "no sweep.yaml there" in missing.output
