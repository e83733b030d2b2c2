"""Data-parallel native PPO: torchrun's ranks take the step one process takes on their batches together."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from marionnette import agents
from marionnette.agents import native_ppo
from marionnette.cli import app
from marionnette.errors import MarionnetteError
from marionnette.nets import distributed

HERE = Path(__file__).parent
spec = importlib.util.spec_from_file_location("ddp_step", HERE / "ddp_step.py")
ddp_step = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ddp_step)


def torchrun(nproc: int, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def test_two_gloo_ranks_take_one_process_step_on_their_batches_together(tmp_path):
    done = torchrun(2, str(HERE / "ddp_step.py"), str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]

    model = ddp_step.network()
    start = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = torch.optim.Adam(model.parameters(), lr=ddp_step.CONF.learning_rate, eps=1e-5)
    row = native_ppo._update(model, optimizer, ddp_step.rollout(), ddp_step.CONF, torch.Generator().manual_seed(0))
    moved = max((model.state_dict()[k] - start[k]).abs().max().item() for k in start)
    assert moved > 1e-3  # the step did something to compare
    for got in ranks:
        for key, value in model.state_dict().items():
            torch.testing.assert_close(got["params"][key], value, rtol=1e-5, atol=1e-6)
        for key in ("train/policy_loss", "train/value_loss", "train/entropy"):  # logged for the whole batch
            assert got["row"][key] == pytest.approx(row[key], rel=1e-5, abs=1e-7)


def test_a_world_of_one_is_untouched():
    here = distributed.world()
    assert here == distributed.World() and here.main
    assert distributed.share(256, here, "n_envs") == 256
    with pytest.raises(MarionnetteError, match=r"n_envs=6 does not split over 4 processes"):
        distributed.share(6, distributed.World(0, 4, 0), "n_envs")


def test_nproc_beyond_the_devices_or_for_a_one_process_algorithm_is_one_line(tmp_path):
    runner = CliRunner()
    cores = os.cpu_count() or 1
    got = runner.invoke(app, ["train", "marionnette/Pong-v0", "--algo", "ppo_native", "--nproc", str(cores + 1),
                              "--device", "cpu", "--runs-dir", str(tmp_path)])  # fmt: skip
    assert got.exit_code != 0 and f"this machine has {cores} CPU cores; give --nproc {cores}" in got.output
    got = runner.invoke(app, ["train", "marionnette/TicTacToe-v0", "--algo", "td", "--nproc", "2",
                              "--runs-dir", str(tmp_path)])  # fmt: skip
    assert got.exit_code != 0 and "td trains in one process" in got.output
    assert not list(tmp_path.iterdir())  # nothing started


def test_a_two_process_run_writes_one_run_directory_and_resumes_in_one(tmp_path):
    """Rank 0 alone writes; the checkpoint two ranks wrote continues in one process."""
    done = torchrun(2, "-m", "marionnette", "train", "marionnette/Pong-v0", "--algo", "ppo_native", "--device", "cpu",
                    "--steps", "4096", "--set", "n_envs=32", "--set", "n_steps=64", "--set", "checkpoint_every=2048",
                    "--runs-dir", str(tmp_path))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = list(tmp_path.iterdir())
    rows = (run / "progress.csv").read_text().splitlines()
    assert len(rows) == 3 and rows[-1].startswith("4096,")  # the header, two rollouts of 2048 steps
    assert sorted(c.name for c in (run / "checkpoints").iterdir()) == ["step_000002048.pt", "step_000004096.pt"]
    assert agents.run_config(run)["world_size"] == 2
    resumed = agents.train(resume=run, steps=6144, device="cpu")
    assert (resumed.path / "progress.csv").read_text().splitlines()[-1].startswith("6144,")


@pytest.mark.slow  # the single-process check's 4M steps, on two processes of one core each
def test_two_processes_beat_the_pong_computer_as_one_does(tmp_path):
    spec = importlib.util.spec_from_file_location("pong_check", HERE / "test_native_ppo.py")
    pong_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pong_check)
    command = [sys.executable, "-m", "marionnette", "train", "marionnette/Pong-v0", "--algo", "ppo_native",
               "--nproc", "2", "--device", "cpu", "--runs-dir", str(tmp_path)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    (run,) = list(tmp_path.iterdir())
    scores = pong_check.play_pong(agents.load(run))
    assert scores.mean() > 0, scores
