"""The transfer trainer: the target-video file, the run directory, exact resume, and learning on a small target.

The target here is drawn, not rendered: a "person" who is its own stick figure painted thick
and brighter over a checked background, 32 px, so that a few hundred CPU steps can learn it.
The character's rendered target video is the slow check's.
"""

import numpy as np
import pytest
import torch
import yaml
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from marionnette.errors import CheckpointError, MarionnetteError
from marionnette.generation.transfer.data import TargetVideo
from marionnette.generation.transfer.evaluate import evaluate, nearest_frames
from marionnette.generation.transfer.face import FaceConfig
from marionnette.generation.transfer.figure import draw_figures
from marionnette.generation.transfer.models import GeneratorConfig
from marionnette.generation.transfer.paint import Painter
from marionnette.generation.transfer.train import TransferTrainConfig, load, train
from marionnette.motion.skeleton import CANONICAL
from marionnette.nets.training import read_weights
from marionnette.runs import read_progress

from .test_normalize import standing

SIZE = 32
NET = GeneratorConfig(channels=8, downs=2, blocks=2)

pytestmark = pytest.mark.usefixtures("one_thread")


def drawn_target(frames: int = 80) -> TargetVideo:
    """A swaying, breathing figure; the last fifth (motion the rest never shows: it crouches lower) held out."""
    t = np.arange(frames)
    crouch = np.where(t < 0.8 * frames, 0, 3.0)
    points = np.stack([standing(16 + 6 * np.sin(k / 5), 28 + np.cos(k / 7), 20 + 2 * np.sin(k / 3) - c)
                       for k, c in zip(t, crouch, strict=True)]).astype(np.float32)  # fmt: skip
    figure = draw_figures(points, CANONICAL, (SIZE, SIZE), thickness=3)
    background = ((np.indices((SIZE, SIZE)).sum(0) % 8 < 4)[..., None] * np.array([40, 80, 40])).astype(np.uint8)
    person = (figure // 2 + 60 * (figure > 0)).astype(np.uint8)
    return TargetVideo(np.maximum(person, background), points, t >= 0.8 * frames, np.zeros(frames, int))


def tiny(video, **changes) -> TransferTrainConfig:
    settings = dict(video=str(video), epochs=2, steps_per_epoch=3, batch_size=2, features="random", net=NET,
                    d_channels=8)  # fmt: skip
    return TransferTrainConfig(**{**settings, **changes})


@pytest.fixture
def video_file(tmp_path):
    return drawn_target().save(tmp_path / "target.npz")


def test_the_target_video_file_round_trips_and_bad_files_are_one_line(tmp_path):
    video = drawn_target()
    back = TargetVideo.load(video.save(tmp_path / "v.npz"))
    assert np.array_equal(back.frames, video.frames) and np.array_equal(back.points, video.points, equal_nan=True)
    assert back.skeleton == "canonical" and back.held_out.sum() == 16
    assert list(TargetVideo(video.frames[:4], video.points[:4], [0, 0, 1, 1], [0, 0, 1, 1]).previous()) == [0, 0, 2, 2]
    (tmp_path / "cut.npz").write_bytes((tmp_path / "v.npz").read_bytes()[:300])
    with pytest.raises(MarionnetteError, match="cut.npz is not a readable target video"):
        TargetVideo.load(tmp_path / "cut.npz")
    with pytest.raises(MarionnetteError, match="no such file; pass a target video"):
        TargetVideo.load(tmp_path / "none.npz")
    with pytest.raises(MarionnetteError, match=r"points of shape \(80, 15, 2\): give \(80, 16, 2\)"):
        TargetVideo(video.frames, video.points[:, :15], video.held_out, video.piece)
    with pytest.raises(MarionnetteError, match="both to train on and held out"):
        TargetVideo(video.frames, video.points, np.zeros(80, bool), video.piece)


@pytest.mark.parametrize("temporal", [False, True])
def test_the_run_directory_is_every_trainers_and_resumes_exactly(tmp_path, video_file, temporal):
    whole = train(tiny(video_file, temporal=temporal), device="cpu", runs_dir=tmp_path / "a")
    assert whole.path.name.startswith("transfer__edn__" if temporal else "transfer__pix2pixhd__")
    config = yaml.safe_load(whole.config_path.read_text())
    assert config["size"] == [SIZE, SIZE] and config["skeleton"] == "canonical"
    feet = config["target"]["feet"]  # what `transfer run` normalises to without the video
    assert config["target"]["size"] == [SIZE, SIZE] and feet["close"] > feet["far"] > 0 and feet["close_height"] > 10
    rows = read_progress(whole.progress_path)
    assert [int(r["epoch"]) for r in rows] == [1, 2] and {"g_gan", "g_feat", "g_vgg", "d", "l1"} <= set(rows[0])
    images = EventAccumulator(str(whole.tensorboard_dir), size_guidance={"images": 0}).Reload()
    shown = images.Images("transfer/held_out")  # a grid an epoch: 4 held-out rows of figure | made | true
    assert [e.step for e in shown] == [3, 6] and (shown[0].height, shown[0].width) == (4 * 33 + 1, 3 * 33 + 1)
    cut = train(tiny(video_file, temporal=temporal), device="cpu", runs_dir=tmp_path / "b")
    cut.model_path("pt").unlink()
    cut.checkpoint_path(6, "pt").write_bytes(b"cut")
    resumed = train(resume=cut.path, device="cpu")
    short = train(tiny(video_file, temporal=temporal, epochs=1), device="cpu", runs_dir=tmp_path / "c")
    longer = train(resume=short.path, epochs=2, device="cpu")  # a finished run trained on
    assert yaml.safe_load(longer.config_path.read_text())["train"]["epochs"] == 2
    a = read_weights(whole.model_path("pt"))["model"]
    for other in (resumed, longer):
        b = read_weights(other.model_path("pt"))["model"]
        for key in a:
            torch.testing.assert_close(a[key], b[key], rtol=0, atol=0)
    trained = load(resumed.path)
    assert trained.G.in_channels == (9 if temporal else 3) and not trained.G.training


def test_the_face_gan_continues_a_finished_run_and_corrects_only_the_face(tmp_path, video_file):
    """EDN §3.4's protocol: G trained, then frozen while the face GAN trains; resuming a finished
    run with face epochs added is the same run as one that planned them."""
    face = FaceConfig(epochs=1, net=GeneratorConfig(channels=4, downs=2, blocks=1))
    planned = train(tiny(video_file, epochs=1, face=face), device="cpu", runs_dir=tmp_path / "a")
    first = train(tiny(video_file, epochs=1, face=FaceConfig(epochs=0, net=face.net)), device="cpu",
                  runs_dir=tmp_path / "b")  # fmt: skip
    added = train(resume=first.path, face_epochs=1, device="cpu")
    a, b = (read_weights(r.model_path("pt")) for r in (planned, added))
    for part in ("model", "face"):
        for key in a[part]:
            torch.testing.assert_close(a[part][key], b[part][key], rtol=0, atol=0)
    main = read_weights(first.checkpoint_path(3, "pt"))["model"]
    for key, value in b["model"].items():  # G frozen in the face stage
        torch.testing.assert_close(value, main["G." + key], rtol=0, atol=0)
    assert [r["stage"] for r in read_progress(added.progress_path)] == ["main", "face"]
    trained = load(added.path)
    assert trained.face is not None and yaml.safe_load(added.config_path.read_text())["train"]["face"]["epochs"] == 1
    video = TargetVideo.load(video_file)
    at = trained.face_corners(video.points)  # (T, 2): an 8-px square around the head
    figure = draw_figures(video.points[:1], CANONICAL, (SIZE, SIZE))[0]
    plain, corrected = Painter(trained)(figure, True), Painter(trained)(figure, True, at[0])
    (y, x), changed = at[0], np.abs(corrected - plain).max(axis=-1) > 0
    inside = np.zeros_like(changed)
    inside[y : y + 8, x : x + 8] = True
    assert changed.any() and not changed[~inside].any()
    assert np.isfinite(evaluate(trained, video).psnr)


def test_bad_input_is_one_line(tmp_path, video_file):
    with pytest.raises(MarionnetteError, match="give the target video"):
        train(device="cpu", runs_dir=tmp_path)
    with pytest.raises(MarionnetteError, match="is 32x32: the generator .6 downsamplings. needs sides that are mult"):
        train(tiny(video_file, net=GeneratorConfig(channels=4, downs=6, blocks=1)), device="cpu",
              runs_dir=tmp_path / "none")  # fmt: skip
    assert not (tmp_path / "none").exists()
    run = train(tiny(video_file, epochs=1), device="cpu", runs_dir=tmp_path)
    config = yaml.safe_load(run.config_path.read_text())
    config["train"]["net"]["channels"] = 16
    run.config_path.write_text(yaml.safe_dump(config))
    with pytest.raises(CheckpointError, match="holds another network"):
        load(run.path)


def test_nearest_neighbour_baseline_finds_the_closest_pose():
    video = drawn_target()
    held = np.flatnonzero(video.held_out)
    found = nearest_frames(video, video.points[held])
    assert not video.held_out[found].any()
    train_index = np.flatnonzero(~video.held_out)
    assert nearest_frames(video, video.points[train_index[:5]]).tolist() == train_index[:5].tolist()


def test_a_few_hundred_steps_learn_the_drawn_target(tmp_path, video_file):
    """pix2pixHD's objective, 150 steps of 4 (~20 s on one thread). Measured on the 16 held-out
    frames: L1 0.404 untrained, 0.125 after (3.2x lower; PSNR 7.0 -> 15.7 dB); 300 steps
    reach 0.094. With temporal smoothing (300 steps, twice the time): L1 0.073 and flicker
    0.036 against pix2pixHD's 0.055 (the truth's: 0.018). The nearest training pose's frame still scores L1 0.019: the
    held-out motion is close to the trained one, and 300 steps are few."""
    video = TargetVideo.load(video_file)
    untrained = evaluate(load(train(tiny(video_file, epochs=1, steps_per_epoch=1, lr=1e-12, temporal=False),
                                    device="cpu", runs_dir=tmp_path / "u").path), video)  # fmt: skip
    run = train(tiny(video_file, epochs=1, steps_per_epoch=150, batch_size=4, temporal=False), device="cpu",
                runs_dir=tmp_path / "t")  # fmt: skip
    scores = evaluate(load(run.path), video)
    assert scores.l1 < 0.5 * untrained.l1, (scores, untrained)


def test_the_commands_train_and_score(tmp_path, video_file):
    from typer.testing import CliRunner

    from marionnette.cli.transfer import app

    invoke = lambda *a: CliRunner().invoke(app, [str(x) for x in a])  # noqa: E731
    result = invoke("train", video_file, "--no-temporal", "--epochs", 1, "--steps-per-epoch", 2, "--batch-size", 1,
                    "--channels", 4, "--downs", 2, "--blocks", 1, "--features", "random", "--device", "cpu",
                    "--runs-dir", tmp_path / "runs")  # fmt: skip
    assert result.exit_code == 0, result.output
    run = next((tmp_path / "runs").glob("transfer__pix2pixhd__*"))
    result = invoke("eval", run)
    assert result.exit_code == 0, result.output
    assert "16 held-out frames" in result.output and "nearest pose" in result.output and "flicker" in result.output
    result = invoke("train", tmp_path / "none.npz", "--runs-dir", tmp_path / "runs")
    assert result.exit_code == 2 and "no such file; pass a target video" in result.output
