"""The front door end to end: train → eval → watch, resume after a kill, and bad input."""

import shutil
import subprocess
import sys
import time

import imageio.v2 as imageio
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from marionnette import agents
from marionnette.agents.evaluate import record
from marionnette.cli import app
from marionnette.envs import entry
from marionnette.runs import Run, read_progress

ID = "marionnette/TicTacToe-v0"
runner = CliRunner()
TINY_PPO = ["--set", "n_envs=2", "--set", "n_steps=128", "--set", "batch_size=128", "--set", "n_epochs=1"]


def marionnette(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """The real command in a fresh interpreter, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "marionnette", *args], capture_output=True, text=True, timeout=timeout)


def only_run(root) -> Run:
    (path,) = root.iterdir()
    return Run(path)


@pytest.fixture(scope="module")
def ppo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    result = runner.invoke(
        app,
        ["train", ID, "--algo", "ppo_mask", "--steps", "1024", *TINY_PPO, "--runs-dir", str(root), "--device", "cpu"],
    )
    assert result.exit_code == 0, result.output
    return only_run(root)


def test_train_eval_watch_end_to_end(ppo_run, tmp_path):
    assert ppo_run.path.name.startswith("marionnette-TicTacToe-v0__ppo_mask__0__")
    config = yaml.safe_load(ppo_run.config_path.read_text())
    assert config["hyperparams"]["n_envs"] == 2 and config["hyperparams"]["n_timesteps"] == 1024

    result = runner.invoke(app, ["eval", str(ppo_run.path), "--episodes", "10"])
    assert result.exit_code == 0, result.output
    assert "minimax" in result.output and "optimal move in" in result.output

    video = tmp_path / "game.mp4"
    result = runner.invoke(app, ["watch", str(ppo_run.path), "--video", "--out", str(video)])
    assert result.exit_code == 0, result.output
    base = config["hyperparams"]["env_kwargs"]
    recording = record(agents.load(ppo_run.path), ID, 2, 0, [{**base, **kw} for kw in entry(ID).watch_kwargs])
    frames = list(recording.frames)
    decoded = [frame for frame in imageio.get_reader(video)]  # list() asks len(), which is inf
    assert len(decoded) == len(frames) and recording.fps == 2
    assert decoded[0].shape == (256, 256, 3)
    # Lossy, but the first frame is still the empty board (or X's opening) we drew.
    assert np.abs(decoded[0].astype(int) - frames[0].astype(int)).mean() < 8


def test_resume_after_a_kill_ends_on_the_same_step(tmp_path):
    steps, rollout = 12_000, 2 * 128
    proc = subprocess.Popen(
        [sys.executable, "-m", "marionnette", "train", ID, "--algo", "ppo_mask", "--steps", str(steps), *TINY_PPO,
         "--set", "checkpoint_every=1024", "--runs-dir", str(tmp_path), "--device", "cpu"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(tmp_path.glob("*/checkpoints/step_*.zip")):
        time.sleep(0.02)
    proc.kill()  # SIGKILL: no clean-up code runs
    proc.wait()
    run = only_run(tmp_path)
    assert run.checkpoints(), "no checkpoint appeared"
    assert not run.model_path("zip").exists(), "the run finished before it was killed"
    # Every file the killed run left is whole (a partial file is the only exception).
    from sb3_contrib import MaskablePPO

    for checkpoint in run.checkpoints():
        assert MaskablePPO.load(checkpoint.path).num_timesteps == checkpoint.step
    yaml.safe_load(run.config_path.read_text())
    if run.progress_path.exists():
        read_progress(run.progress_path)

    result = marionnette("train", "--resume", str(run.path), "--device", "cpu")
    assert result.returncode == 0, result.stderr
    expected = -(-steps // rollout) * rollout  # whole rollouts, as in an uninterrupted run
    assert MaskablePPO.load(run.model_path("zip")).num_timesteps == expected
    logged = [int(r["step"]) for r in read_progress(run.progress_path)]
    assert logged == sorted(set(logged)) and logged[-1] == expected
    assert not [p for p in run.path.rglob("*") if ".partial" in p.name]


def test_tabular_resume_after_an_interrupt(tmp_path):
    def stop_after_first_checkpoint(done, total):
        if done >= 6000:
            raise KeyboardInterrupt

    args = dict(steps=20_000, seed=0, device="cpu", runs_dir=tmp_path)
    with pytest.raises(KeyboardInterrupt):
        agents.train(ID, "td", overrides=["checkpoint_every=5000", "log_every=2500"],
                     progress=stop_after_first_checkpoint, **args)  # fmt: skip
    run = only_run(tmp_path)
    assert [c.step for c in run.checkpoints()] == [5000]
    agents.train(resume=run.path, device="cpu")
    with np.load(run.model_path("npz")) as final:
        assert int(final["step"]) == 20_000
    assert [int(r["step"]) for r in read_progress(run.progress_path)] == list(range(2500, 20_001, 2500))


def test_watch_seconds_caps_a_long_game(ppo_run, tmp_path):
    video = tmp_path / "short.mp4"
    result = runner.invoke(app, ["watch", str(ppo_run.path), "--video", "--seconds", "1.5", "--out", str(video)])
    assert result.exit_code == 0, result.output
    assert len([frame for frame in imageio.get_reader(video)]) == 3  # 1.5 s at tic-tac-toe's 2 fps
    assert "wrote 3 frames (1.5s)" in result.stdout


def test_resume_skips_a_checkpoint_cut_short_and_says_so_in_one_line(tmp_path):
    overrides = ["checkpoint_every=5000", "log_every=5000"]
    run = agents.train(ID, "td", steps=15_000, seed=0, device="cpu", runs_dir=tmp_path, overrides=overrides)
    newest = run.latest_checkpoint()
    data = newest.path.read_bytes()
    newest.path.write_bytes(data[: len(data) // 2])
    result = runner.invoke(app, ["train", "--resume", str(run.path), "--steps", "20000", "--device", "cpu"])
    assert result.exit_code == 0, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("warning: resuming from step_000010000.npz") and newest.path.name in line
    with np.load(run.model_path("npz")) as final:
        assert int(final["step"]) == 20_000


def in_process_one_line_error(result, *phrases: str) -> str:
    """What assert_one_line_error checks, for a command run by CliRunner; returns the line."""
    assert result.exit_code == 2, result.output
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("error:"), result.stderr
    for phrase in phrases:
        assert phrase in line, line
    return line


@pytest.mark.parametrize("key", ["algo", "env_id", "hyperparams"])
def test_a_config_without_a_key_names_the_key_and_the_file(ppo_run, tmp_path, key):
    run = Run(shutil.copytree(ppo_run.path, tmp_path / "run"))
    config = yaml.safe_load(run.config_path.read_text())
    del config[key]
    run.config_path.write_text(yaml.safe_dump(config))
    result = runner.invoke(app, ["eval", str(run.path), "--episodes", "1"])
    in_process_one_line_error(result, f"{run.config_path} has no {key!r}")
    assert len(result.stderr.strip().splitlines()) == 1 and "None" not in result.stderr


@pytest.mark.parametrize("how", ["--debug", "MARIONNETTE_DEBUG=1"])
def test_debug_prints_the_chained_traceback_above_the_line(ppo_run, tmp_path, monkeypatch, how):
    broken = Run(shutil.copytree(ppo_run.path, tmp_path / "broken"))
    broken.model_path("zip").write_text("hello")  # not even a zip
    args = ["eval", str(broken.path)]
    quiet = runner.invoke(app, args)
    assert in_process_one_line_error(quiet, "model.zip") == quiet.stderr.strip()  # one line, no traceback
    if how == "--debug":
        args = ["--debug", *args]
    else:
        monkeypatch.setenv("MARIONNETTE_DEBUG", "1")
    result = runner.invoke(app, args)
    in_process_one_line_error(result, "model.zip")
    assert "Traceback" in result.stderr and "BadZipFile" in result.stderr
    assert "The above exception was the direct cause of the following exception" in result.stderr
    assert "CheckpointError" in result.stderr


def test_train_help_lists_every_algorithm():
    result = runner.invoke(app, ["train", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for algo in agents.ALGOS:
        assert algo in result.stdout, algo


def test_import_of_the_command_is_light():
    probe = (
        "import sys, marionnette.cli; "
        "print([m for m in ('torch', 'stable_baselines3', 'sb3_contrib', 'mujoco', 'cv2') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_play_in_the_terminal_cannot_beat_minimax():
    moves = "\n".join(["5", "5", "abc", *"123456789"]) + "\n"
    result = runner.invoke(app, ["play", ID, "--against", "minimax", "--as", "X", "--seed", "0"], input=moves)
    assert result.exit_code == 0, result.output
    assert "not an empty cell" in result.output
    assert ("Draw." in result.output or "You lose." in result.output) and "You win!" not in result.output


def test_play_against_a_trained_run(ppo_run):
    moves = "\n".join("123456789") + "\n"
    result = runner.invoke(app, ["play", "--against", str(ppo_run.path), "--as", "O"], input=moves)
    assert result.exit_code == 0, result.output
    assert any(v in result.output for v in ("You win!", "Draw.", "You lose."))


def assert_one_line_error(result: subprocess.CompletedProcess, *phrases: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def test_unknown_env_id_suggests_the_closest():
    assert_one_line_error(marionnette("train", "marionnette/TicTacTo-v0", "--algo", "td"), "did you mean " + ID)


def test_unknown_algo():
    assert_one_line_error(marionnette("train", ID, "--algo", "ppo_msk"), "unknown algorithm", "ppo_mask")


def test_set_of_an_unknown_key():
    assert_one_line_error(
        marionnette("train", ID, "--algo", "ppo_mask", "--set", "n_env=4"), "unknown hyperparameter 'n_env'", "n_envs"
    )


def test_run_dir_that_does_not_exist(tmp_path):
    assert_one_line_error(marionnette("eval", str(tmp_path / "nope")), "does not exist")


def test_corrupt_checkpoint(ppo_run, tmp_path):
    broken = Run(shutil.copytree(ppo_run.path, tmp_path / "broken"))
    data = broken.model_path("zip").read_bytes()
    broken.model_path("zip").write_bytes(data[: len(data) // 2])  # a half-copied file
    assert_one_line_error(marionnette("eval", str(broken.path)), "model.zip", "corrupt")


def test_foreign_checkpoint(ppo_run, tmp_path):
    dqn = agents.train(ID, "dqn", steps=64, seed=0, device="cpu", runs_dir=tmp_path / "dqn",
                       overrides=["learning_starts=32"])  # fmt: skip
    foreign = Run(shutil.copytree(ppo_run.path, tmp_path / "foreign"))
    shutil.copy(dqn.model_path("zip"), foreign.model_path("zip"))
    assert_one_line_error(marionnette("watch", str(foreign.path)), "not a loadable ppo_mask checkpoint")
    (foreign.path / "model.zip").write_text("hello")  # not even a zip
    assert_one_line_error(marionnette("eval", str(foreign.path)), "model.zip")


def test_import_marionnette_is_light():
    probe = (
        "import sys, marionnette; "
        "print([m for m in ('torch', 'stable_baselines3', 'sb3_contrib', 'ale_py', 'cv2') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_envs_lists_the_ids():
    result = marionnette("envs")
    assert result.returncode == 0 and ID in result.stdout
    assert "ALE/<Game>-v5" in result.stdout  # the Atari family, whether installed or not
