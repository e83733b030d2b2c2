"""``marionnette demo``: the embedded default, run by ``make demo`` on a fresh machine.

Each capability adds a segment here; the demo stays one command.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from marionnette.cli.console import console, one_line_errors, progress_bar
from marionnette.cli.learn import TICTACTOE, film, tictactoe_table

PONG = "marionnette/Pong-v0"
WALK = "marionnette/CharacterWalk-v0"


@one_line_errors
def demo(
    runs_dir: Annotated[Path, typer.Option(help="where the demo's runs go")] = Path("runs"),
    episodes: Annotated[int, typer.Option(help="games per row of the score tables")] = 100,
    pong_steps: Annotated[int, typer.Option(help="native PPO steps on Pong (about a minute on 2 cores)")] = 1_310_720,
    walk_steps: Annotated[int, typer.Option(help="SB3 PPO steps on the walking character")] = 40_960,
    verbose: Annotated[bool, typer.Option("--verbose", help="show MediaPipe's own log lines in the puppet")] = False,
    action_subjects: Annotated[int, typer.Option(help="subjects of the demo's action dataset")] = 6,
    action_epochs: Annotated[int, typer.Option(help="epochs of the demo's action recognizer")] = 10,
) -> None:
    """Train tic-tac-toe agents, Pong, the walking character, an action recognizer and an autoencoder; score
    and film them; paint a photograph in a texture's style; colour the games' frames; paint the character's
    wave as a dressed target person (motion transfer); detect and track the players of a pitch."""
    from marionnette import agents
    from marionnette.agents.evaluate import record
    from marionnette.envs import entry

    started = time.perf_counter()
    for algo, what in (("td", "TD(0) afterstate values, self-play"), ("ppo_mask", "MaskablePPO (sb3-contrib)")):
        console.rule(f"[bold]tic-tac-toe · {what}")
        with progress_bar(algo) as update:
            run = agents.train(TICTACTOE, algo, seed=0, device="cpu", runs_dir=runs_dir, progress=update)
        policy = agents.load(run.path)
        console.print(f"run {run.path}", soft_wrap=True, highlight=False)
        console.print(tictactoe_table(policy, episodes, seed=0, title=f"{algo} · tic-tac-toe"))

    recording = record(policy, TICTACTOE, episodes=2, seed=0, env_kwargs=entry(TICTACTOE).watch_kwargs)
    video = run.video_path("vs-minimax")
    film(recording, video, description="filming tic-tac-toe")
    console.print(f"MaskablePPO against minimax (as X, then as O): [bold]{video}[/]", soft_wrap=True)

    console.rule("[bold]arcade · Pong, native batched PPO (128 games at once, on the CPU)")
    with progress_bar("ppo_native") as update:
        run = agents.train(PONG, "ppo_native", steps=pong_steps, device="cpu", runs_dir=runs_dir, progress=update)
    policy = agents.load(run.path)
    recording = record(policy, PONG, episodes=1, seed=0, env_kwargs=[{"max_episode_steps": 900}], hold_seconds=0.5)
    video = run.video_path("pong")
    film(recording, video, description="filming Pong")
    console.print(f"after {pong_steps:,} steps of training, a minute of its play: [bold]{video}[/]", soft_wrap=True)
    console.rule("[bold]the character · learning to walk, SB3 PPO (a short budget: it learns to fall forward)")
    with progress_bar("ppo") as update:
        run = agents.train(WALK, "ppo", steps=walk_steps, device="cpu", runs_dir=runs_dir, progress=update)
    policy = agents.load(run.path)
    recording = record(policy, WALK, episodes=1, seed=0, hold_seconds=0.5)
    video = run.video_path("walk")
    film(recording, video, description="filming the walk")
    console.print(f"after {walk_steps:,} steps, the tracking camera: [bold]{video}[/]", soft_wrap=True)
    _shipped_gait(runs_dir)
    console.rule("[bold]the puppet · MediaPipe captures the character from its own front camera, the avatar follows")
    from marionnette.cli.puppet import puppet

    out = runs_dir / "puppet"
    puppet(
        source="virtual:wave", out=out / "puppet.mp4", npz=out / "wave.npz", bvh=out / "wave.bvh", window=False,
        verbose=verbose,
    )  # fmt: skip
    console.rule("[bold]actions · the character performs for 3 Kinects; Ke et al.'s clips + CNN + MTLN, 6 classes")
    from marionnette.datasets.actions import CLASSES, ActionConfig, make_actions
    from marionnette.perception.action.train import ActionTrainConfig, evaluate
    from marionnette.perception.action.train import train as train_actions
    from marionnette.pipelines.recognize import recognize

    with progress_bar("performing", unit="performances") as update:
        actions = make_actions(ActionConfig(subjects=action_subjects, replications=2), progress=update)
    data_dir = runs_dir / "actions"
    actions.save(data_dir / "actions.npz")
    shown = [CLASSES.index(name) for name in ("wave", "reach", "clap", "punch", "squat", "bow")]  # 3 confusable pairs
    config = ActionTrainConfig(model="mtln", epochs=action_epochs, classes=shown, model_config={"cnn": "scratch"})
    with progress_bar("mtln", unit="epochs") as update:
        run = train_actions(data_dir, config, device="cpu", runs_dir=runs_dir, progress=update)
    scored = evaluate(run.path)
    console.print(f"{actions}; cross-subject test: [bold]{100 * scored.accuracy:.1f}%[/] of {scored.count} "
                  f"sequences (chance {100 / len(scored.classes):.0f}%)", soft_wrap=True, highlight=False)  # fmt: skip
    video = run.path / "videos" / "recognize_wave.mp4"
    said = recognize(run.path, "virtual:wave", out=video, window=False)
    console.print(f"the character waves before its camera (a performance it never saw); the recognizer says "
                  f"{said.last!r}: [bold]{video}[/]", soft_wrap=True)  # fmt: skip
    console.rule("[bold]generation · a denoising autoencoder on the digits; a photograph painted like a texture")
    from marionnette.cli.style import apply as paint
    from marionnette.generation.autoencoders.pictures import show
    from marionnette.generation.autoencoders.train import AETrainConfig
    from marionnette.generation.autoencoders.train import train as train_ae

    with progress_bar("denoising autoencoder", unit="epochs") as update:
        run = train_ae(AETrainConfig(data="digits", kind="denoise", epochs=15), device="cpu", runs_dir=runs_dir,
                       progress=update)  # fmt: skip
    pictures = show(run.path)
    console.print(f"held-out digits, noisy and denoised: [bold]{pictures[0].parent}/[/]", soft_wrap=True)
    paint(content="skimage:chelsea", style="skimage:immunohistochemistry", out=runs_dir / "style" / "chelsea.png",
          steps=30, size=96, features="random", device="cpu")  # fmt: skip
    _colorize(runs_dir)
    _transfer(runs_dir)
    _detect(runs_dir)
    console.print(f"demo done in {time.perf_counter() - started:.0f}s; runs are under {runs_dir}/", soft_wrap=True)


def _colorize(runs_dir: Path) -> None:
    """Zhang et al.'s colorizer trained on frames of the four games; held-out frames grey, coloured, true."""
    import numpy as np

    from marionnette.datasets.frames import cached_frames
    from marionnette.generation.colorize import (
        ColorizeTrainConfig,
        ColorNetConfig,
        colorize_image,
        evaluate,
        grey_baseline,
        load,
        score,
        train,
    )
    from marionnette.generation.images import image_sources, load_image, save_image

    console.rule("[bold]generation · colorizing the games' frames from their lightness (Zhang et al.)")
    training = cached_frames(runs_dir / "frames", "arcade", 128, 64, seed=0)
    truths = [load_image(s) for s in image_sources([cached_frames(runs_dir / "frames", "arcade", 16, 64, seed=1)])]
    config = ColorizeTrainConfig(images=(str(training),), size=64, epochs=1, steps_per_epoch=200, batch_size=8,
                                 prior_batches=4, net=ColorNetConfig(channels=8))  # fmt: skip
    with progress_bar("colorizer", unit="batches") as update:
        net = load(train(config, device="cpu", runs_dir=runs_dir, progress=update).path)
    ours, grey = evaluate(net, truths), score([grey_baseline(t) for t in truths], truths)
    shown = truths[::4]  # one frame of each game: grey, coloured, true, one row each
    strip = np.concatenate(
        [
            np.concatenate(row, axis=1)
            for row in ([grey_baseline(t) for t in shown], [colorize_image(net, t) for t in shown], shown)
        ]
    )
    path = save_image(runs_dir / "colorize" / "arcade.png", strip)  # fmt: skip
    console.print(f"{len(truths)} held-out frames: PSNR {ours.psnr:.1f} dB coloured, {grey.psnr:.1f} dB grey; "
                  f"rows grey, coloured, true: [bold]{path}[/]", soft_wrap=True, highlight=False)  # fmt: skip


def _transfer(runs_dir: Path, steps: int = 100) -> None:
    """Everybody Dance Now in a minute: a small target video, a brief pix2pixHD, the wave painted as the target."""
    from marionnette.datasets.dancer import DancerConfig, make_dancer
    from marionnette.generation.transfer.evaluate import evaluate
    from marionnette.generation.transfer.models import GeneratorConfig
    from marionnette.generation.transfer.train import TransferTrainConfig, load, train
    from marionnette.pipelines.transfer import TransferConfig
    from marionnette.pipelines.transfer import run as transfer_run

    console.rule("[bold]motion transfer · Everybody Dance Now: the character's wave painted as a dressed target")
    with console.status("rendering the target person's video"):
        data = make_dancer(DancerConfig(size=64, repeats=1))
        target = data.target_video().save(runs_dir / "transfer" / "target64.npz")
    config = TransferTrainConfig(
        video=str(target),
        temporal=False,
        epochs=1,
        steps_per_epoch=steps,
        batch_size=4,
        features="random",
        d_channels=16,
        net=GeneratorConfig(channels=8, downs=2, blocks=2),
    )
    with progress_bar("pix2pixHD", unit="batches") as update:
        run = train(config, device="cpu", runs_dir=runs_dir, progress=update)
    scores = evaluate(load(run.path), data.target_video())
    video = run.video_path("wave")
    done = transfer_run(run.path, "virtual:wave", video, config=TransferConfig(panel=192), max_frames=60)
    console.print(f"{data!r}; after {steps} batches, on the held-out wave: PSNR {scores.person_psnr:.1f} dB on the "
                  f"person (the nearest training pose's frame: {scores.nearest_person_psnr:.1f} dB; the ablation's "
                  f"4,000-step runs are in docs/BENCHMARKS.md); the wave as the target, {done.frames} frames at "
                  f"{done.rate:.0f} frames/s: [bold]{video}[/]", soft_wrap=True, highlight=False)  # fmt: skip


def _shipped_gait(runs_dir: Path, seconds: float = 8.0) -> None:
    """The gait the short training above cannot reach: the zoo's 7M-step imitation of `walk`."""
    from marionnette import agents
    from marionnette.agents import zoo
    from marionnette.agents.evaluate import record

    console.rule("[bold]the zoo · the same character after 7M steps of imitating a walking clip (zoo:walk)")
    shipped = zoo.entry("walk")
    kwargs = {**shipped.config["hyperparams"]["env_kwargs"], "camera": "track",
              "max_mpjpe": float("inf"), "max_root_distance": float("inf")}  # only a fall ends it  # fmt: skip
    recording = record(agents.load("zoo:walk"), shipped.env_id, episodes=1, seed=0, env_kwargs=[kwargs],
                       seconds=seconds)  # fmt: skip
    video = runs_dir / "zoo" / "walk.mp4"
    film(recording, video, description="filming zoo:walk")
    console.print(f"{seconds:.0f} s of the shipped gait ({shipped.value:.1f} m in 20 s on its card; "
                  f"`marionnette zoo` lists the others): [bold]{video}[/]", soft_wrap=True)  # fmt: skip


def _detect(runs_dir: Path) -> None:
    """The shipped pitch detector and ByteTrack on a sequence it never saw; boxes and ids to an MP4."""
    from marionnette.datasets.scenes import PERSON, ScenesConfig, make_scenes
    from marionnette.perception.detect.coco import read_coco
    from marionnette.perception.detect.metrics import coco_map
    from marionnette.perception.detect.mot import mot_scores, read_mot
    from marionnette.pipelines.detect import PITCH_DETECTOR, open_detector, track

    console.rule("[bold]detection · a YOLOv8-style detector and ByteTrack on a held-out pitch sequence")
    config = ScenesConfig()  # `marionnette data scenes`: the detector trained on pitch-00..05
    with console.status("filming held-out pitch-06"):
        folder = make_scenes(config, only=[config.sequences - config.held_out]).save(runs_dir / "scenes")
    (held,) = [p.name for p in (folder / "images").iterdir()]
    scores = coco_map(open_detector(PITCH_DETECTOR), read_coco(folder / "val.json"))
    video = runs_dir / "track" / f"{held}.mp4"
    done = track(PITCH_DETECTOR, str(folder / "images" / held), video, fps=config.fps)
    gt = read_mot(folder / "mot" / held / "gt" / "gt.txt")
    s = mot_scores(gt[gt[:, 7] == PERSON], done.rows)  # the tracker follows the people
    console.print(f"the shipped detector (docs/BENCHMARKS.md's recipe) on {held}: mAP@0.5 {scores.map50:.2f}, "
                  f"mAP@0.5:0.95 {scores.map50_95:.2f}; ByteTrack: MOTA {s.mota:.2f}, IDF1 {s.idf1:.2f}, "
                  f"{done.rate:.0f} frames/s: [bold]{video}[/]", soft_wrap=True, highlight=False)  # fmt: skip


def register(app: typer.Typer) -> None:
    app.command()(demo)
