"""PPO and DQN on ale-py's Pong: train, load, play, eval and watch (tiny runs, episodes capped)."""

import imageio.v2 as imageio
import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from marionnette import agents
from marionnette.agents import evaluate, sb3
from marionnette.cli import app
from marionnette.errors import MarionnetteError

pytest.importorskip("cv2", reason="the Atari preprocessing resizes with OpenCV (opencv-contrib-python<4.12)")
pytest.importorskip("ale_py", reason="ale-py is not installed: pip install -e '.[atari]'")

PONG = "ALE/Pong-v5"
CAP = 60  # agent steps per episode: a whole game of Pong lasts thousands
TINY_PPO = ["n_envs=2", "n_steps=64", "batch_size=64", "n_epochs=1", f"env_kwargs.max_episode_steps={CAP}"]


@pytest.fixture(scope="module")
def ppo_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    return agents.train(PONG, "ppo", steps=256, overrides=TINY_PPO, device="cpu", runs_dir=root)


def test_ppo_trains_on_pong_and_its_policy_plays(ppo_run):
    config = yaml.safe_load(ppo_run.config_path.read_text())
    assert config["hyperparams"]["policy"] == "CnnPolicy"
    assert config["hyperparams"]["learning_rate"] == "lin_2.5e-4"  # the run keeps what was asked for
    policy = agents.load(ppo_run.path)
    assert policy.model.observation_space.shape == (4, 84, 84)

    (episode,) = evaluate.returns(policy, PONG, episodes=1, env_kwargs=config["hyperparams"]["env_kwargs"])
    assert episode.length == CAP and -21 <= episode.ret <= 21


def test_lin_schedules_fall_from_the_given_value_to_zero(ppo_run):
    model = agents.load(ppo_run.path).model
    assert model.lr_schedule(1.0) == pytest.approx(2.5e-4)
    assert model.lr_schedule(0.5) == pytest.approx(1.25e-4)
    assert model.clip_range(1.0) == pytest.approx(0.1) and model.clip_range(0.0) == pytest.approx(0.0)
    # After the second (last) rollout of four, the optimizer runs below the start value.
    assert model.policy.optimizer.param_groups[0]["lr"] < 2.5e-4


@pytest.mark.parametrize("value", ["lin_", "lin_fast"])
def test_a_malformed_schedule_names_the_key(value):
    with pytest.raises(MarionnetteError, match=f"learning_rate={value!r}: a linear schedule is lin_"):
        sb3.schedule("learning_rate", value)


def test_eval_and_watch_from_the_command_line(ppo_run, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["eval", str(ppo_run.path), "--episodes", "2"])
    assert result.exit_code == 0, result.output
    assert PONG in result.output and "mean return" in result.output

    video = tmp_path / "pong.mp4"
    result = runner.invoke(app, ["watch", str(ppo_run.path), "--episodes", "1", "--video", "--out", str(video)])
    assert result.exit_code == 0, result.output
    reader = imageio.get_reader(video)
    frame = reader.get_data(0)
    assert frame.ndim == 3 and frame.shape[1] == 160 and frame.shape[0] >= 210  # full colour, padded to 16s
    assert reader.get_meta_data()["fps"] == 15
    assert np.asarray(frame).std() > 0


def test_dqn_trains_on_pong(tmp_path):
    overrides = ["buffer_size=1000", "learning_starts=64", "train_freq=4", f"env_kwargs.max_episode_steps={CAP}"]
    run = agents.train(PONG, "dqn", steps=128, overrides=overrides, device="cpu", runs_dir=tmp_path)
    policy = agents.load(run.path)
    (episode,) = evaluate.returns(policy, PONG, episodes=1, env_kwargs={"max_episode_steps": CAP})
    assert episode.length == CAP
