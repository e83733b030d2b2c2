"""``marionnette imitate CLIP``: turn a motion into something the character learns to perform.

CLIP is a built-in clip (``wave``, ``squat``, ``march``, ``reach``, ``walk``), a PoseSequence
``.npz`` or a ``.bvh`` file, or a recording to capture first (a video file, a folder of
images, ``webcam``): the capture goes through the puppet's pipeline (MediaPipe, One-Euro;
:func:`marionnette.pipelines.capture.capture`) into ``captures/<name>.raw.npz`` under the runs
directory, and is made a motion a body can perform
(:func:`marionnette.motion.contacts.plausible_reference`: filtered, root travel and height
from the foot contacts, feet planted) into ``captures/<name>.npz``, the reference. A
``.bvh`` file is read in ``--units`` (``m``, ``cm``, ``mm``, ``inch``, ``cmu`` or metres per
unit), or in the unit its body's size tells (printed, and written into the run's
config as ``env_kwargs.units``). Then SB3 PPO trains ``marionnette/CharacterImitate-v0`` on it
with the shipped hyperparameters, and the mean per-joint position error (MPJPE) of the trained
character is printed beside that of the character standing still.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from marionnette.cli.console import console, one_line_errors, progress_bar

IMITATE = "marionnette/CharacterImitate-v0"


@one_line_errors
def imitate(
    clip: Annotated[
        str,
        typer.Argument(help="wave|squat|march|reach|walk, a .npz or .bvh file, or a video/folder/webcam to capture"),
    ],
    steps: Annotated[Optional[int], typer.Option(help="training steps (default: the shipped YAML's)")] = None,
    seed: Annotated[int, typer.Option(help="random seed")] = 0,
    runs_dir: Annotated[Path, typer.Option(help="where the run goes")] = Path("runs"),
    max_frames: Annotated[Optional[int], typer.Option(help="capture at most this many frames")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", help="show MediaPipe's own log lines while capturing")] = False,
    units: Annotated[
        Optional[str],
        typer.Option(help="a .bvh clip's unit: m, cm, mm, inch, cmu or metres per unit (default: told by its size)"),
    ] = None,
) -> None:
    """Capture or convert a motion, then train the character to imitate it (SB3 PPO)."""  # fmt: skip
    import gymnasium as gym

    from marionnette import agents
    from marionnette.body.clips import CLIPS
    from marionnette.envs.character.imitate import episode_mpjpe, mpjpe
    from marionnette.errors import MarionnetteError
    from marionnette.motion import bvh_units

    if units is not None and Path(clip).suffix.lower() != ".bvh":
        raise MarionnetteError(f"--units {units}: {clip} is no .bvh file (clips, .npz and captures are in metres)")
    env_kwargs: dict[str, str | float] = {}
    if clip in CLIPS or Path(clip).suffix.lower() in (".npz", ".bvh"):
        reference = clip if clip in CLIPS else str(Path(clip).resolve())
        if Path(clip).suffix.lower() == ".bvh":
            found = bvh_units(reference, units)  # once, so the envs (and config.yaml) get it said
            env_kwargs["units"] = found.name or found.metres
            told = " (told by its size; --units to choose)" if found.guessed else ""
            console.print(
                f"reading {clip} in {found.describe()}: its joints span {found.size:.2f} m{told}",
                soft_wrap=True,
                highlight=False,
                markup=False,
            )
    else:
        from marionnette.motion.contacts import plausible_reference
        from marionnette.pipelines.capture import capture
        from marionnette.pipelines.puppet import PuppetConfig

        out = runs_dir / "captures" / f"{Path(clip).stem or 'webcam'}.npz"
        console.print(f"capturing {clip} …")
        captured = capture(clip, PuppetConfig(verbose=verbose), max_frames=max_frames).fill_gaps()
        raw = captured.save(out.with_suffix(".raw.npz"))
        reference = str(plausible_reference(captured).save(out).resolve())
        console.print(f"captured motion: [bold]{raw}[/] (hip-centred, as captured)", soft_wrap=True)
        console.print(
            f"made plausible: [bold]{reference}[/] (root travel and height from the foot contacts, feet planted)",
            soft_wrap=True,
        )
    overrides = [f"env_kwargs.clip={reference}"] + [f"env_kwargs.{k}={v}" for k, v in env_kwargs.items()]
    with progress_bar("ppo") as update:
        run = agents.train(IMITATE, "ppo", steps=steps, seed=seed, device="cpu", runs_dir=runs_dir,
                           overrides=overrides, progress=update)  # fmt: skip
    policy = agents.load(run.path)
    env = gym.make(IMITATE, clip=reference, **env_kwargs)
    base = env.unwrapped
    standing = base.character.forward_kinematics(base.character.standing_qpos).positions[0]
    still = mpjpe(standing, base.reference.positions)
    learned = episode_mpjpe(env, policy.predict)
    tracked = episode_mpjpe(env)
    console.print(f"run {run.path}", soft_wrap=True, highlight=False)
    console.print(
        f"MPJPE over the clip: [bold]{100 * learned:.1f} cm[/] trained, {100 * tracked:.1f} cm plain PD tracking, "
        f"{100 * still:.1f} cm standing still"
    )


def register(app: typer.Typer) -> None:
    app.command()(imitate)
