"""SB3 PPO on the character: VecNormalize statistics saved beside every checkpoint (as
arrays, no pickle), restored on resume and applied at play time; eval and watch."""

import imageio.v2 as imageio
import numpy as np
from typer.testing import CliRunner

from marionnette import agents
from marionnette.agents.sb3 import load_normalizer, normalizer_path
from marionnette.cli import app

WALK = "marionnette/CharacterWalk-v0"
TINY = ["n_envs=2", "n_steps=128", "batch_size=64", "n_epochs=1", "checkpoint_every=256"]


def test_normalizer_is_saved_restored_and_used(tmp_path):
    run = agents.train(WALK, "ppo", steps=512, seed=0, device="cpu", runs_dir=tmp_path, overrides=TINY)
    checkpoints = run.checkpoints()
    assert [c.step for c in checkpoints] == [256, 512]
    for checkpoint in checkpoints:
        assert normalizer_path(checkpoint.path).is_file()
    final = load_normalizer(normalizer_path(run.model_path("zip")))
    assert final["obs_rms_mean"].shape == (63,) and float(final["obs_rms_count"]) > 500

    policy = agents.load(run.path)
    assert policy.normalizer is not None
    obs = np.zeros(63)
    action = policy.predict(obs)
    assert action.shape == (26,) and action.dtype == np.float32
    # The statistics change what the policy sees: without them it acts differently.
    policy.normalizer = None
    raw = policy.predict(obs)
    assert not np.allclose(action, raw)

    resumed = agents.train(resume=run.path, steps=1024, device="cpu")
    again = load_normalizer(normalizer_path(resumed.model_path("zip")))
    assert float(again["obs_rms_count"]) > float(final["obs_rms_count"])  # went on counting, not restarted


def test_eval_reports_metres_and_watch_films_the_tracking_camera(tmp_path):
    run = agents.train(WALK, "ppo", steps=256, seed=0, device="cpu", runs_dir=tmp_path, overrides=TINY)
    runner = CliRunner()
    result = runner.invoke(app, ["eval", str(run.path), "--episodes", "2"])
    assert result.exit_code == 0, result.output
    assert "metres" in result.output and "forward" in result.output  # the column (rich may wrap it)
    video = tmp_path / "walk.mp4"
    result = runner.invoke(app, ["watch", str(run.path), "--video", "--out", str(video), "--episodes", "1"])
    assert result.exit_code == 0, result.output
    frames = [frame for frame in imageio.get_reader(video)]
    assert len(frames) > 10 and frames[0].shape == (480, 640, 3)
