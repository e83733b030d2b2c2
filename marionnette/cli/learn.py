"""Learning commands: ``envs``, ``train``, ``eval``, ``watch``, ``play``."""

from __future__ import annotations

import importlib.util
import os
import statistics
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.markup import escape
from rich.table import Table

from marionnette.agents import ALGOS  # a table of names: torch loads only when a family is used
from marionnette.cli.console import console, frame_progress, one_line_errors, progress_bar
from marionnette.errors import MarionnetteError

if TYPE_CHECKING:
    from marionnette.agents.evaluate import Recording

TICTACTOE = "marionnette/TicTacToe-v0"
ALGO_HELP = f"one of {', '.join(ALGOS)}"


def envs() -> None:
    """List every registered marionnette environment id, and the families of ids from other packages."""
    from marionnette.envs import ENVS, FAMILIES

    table = Table("id", "description", title="marionnette environments")
    for entry in ENVS:
        table.add_row(entry.id, entry.description)
    console.print(table)
    families = Table("ids", "description", "installed", title="from other packages")
    for family in FAMILIES:
        installed = all(importlib.util.find_spec(m) is not None for m in family.modules)  # without importing them
        families.add_row(family.pattern, family.description, "yes" if installed else escape(f"no: {family.install}"))
    console.print(families)


@one_line_errors
def train(
    env: Annotated[Optional[str], typer.Argument(help="Gymnasium id, e.g. marionnette/TicTacToe-v0")] = None,
    algo: Annotated[Optional[str], typer.Option("--algo", "-a", help=ALGO_HELP)] = None,
    steps: Annotated[Optional[int], typer.Option(help="environment steps in all (default: YAML n_timesteps)")] = None,
    seed: Annotated[int, typer.Option(help="seeds the agent and the environments")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "auto",
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="override a hyperparameter: key=value")] = None,
    resume: Annotated[Optional[Path], typer.Option(help="continue this run from its newest checkpoint")] = None,
    runs_dir: Annotated[Path, typer.Option(help="where new runs go")] = Path("runs"),
    nproc: Annotated[int, typer.Option(help="data-parallel processes (torchrun, DDP): ppo_native")] = 1,
) -> None:
    """Train an agent; writes runs/<env>__<algo>__<seed>__<time>/."""
    import contextlib

    from marionnette import agents

    ranked = int(os.environ.get("WORLD_SIZE", "1") or 1) > 1  # this process is one of torchrun's ranks
    if nproc != 1 and not ranked:
        from marionnette.nets.distributed import launch

        name = algo or (str(agents.run_config(resume)["algo"]) if resume is not None else None)
        if name is None or agents.canonical_algo(name) not in agents.DATA_PARALLEL:
            raise MarionnetteError(f"--nproc {nproc}: {name or 'no --algo'} trains in one process; data-parallel "
                                   f"training is {', '.join(agents.DATA_PARALLEL)}'s")  # fmt: skip
        args = ["train", *([env] if env else []), *(["--algo", algo] if algo else []),
                *(["--steps", str(steps)] if steps is not None else []), "--seed", str(seed), "--device", device,
                *[a for kv in set_ or () for a in ("--set", kv)], *(["--resume", str(resume)] if resume else []),
                "--runs-dir", str(runs_dir)]  # fmt: skip
        raise typer.Exit(launch(args, nproc, agents.resolve_device(device)))
    quiet = ranked and int(os.environ.get("RANK", "0")) != 0  # rank 0 speaks for all
    label = f"{algo or 'resume'} on {env or resume}"
    started = time.perf_counter()
    try:
        with contextlib.nullcontext(None) if quiet else progress_bar(label) as update:
            run = agents.train(
                env, algo, steps=steps, seed=seed, device=device, overrides=set_ or (),
                runs_dir=runs_dir, resume=resume, progress=update,
            )  # fmt: skip
    except KeyboardInterrupt:
        raise MarionnetteError(
            "interrupted: the run keeps its last checkpoint; continue it with "
            "`marionnette train --resume RUN` (the folder under runs/)"
        ) from None
    if quiet:
        return
    console.print(f"trained in {time.perf_counter() - started:.1f}s → [bold]{run.path}[/]", soft_wrap=True)
    console.print(f"next: marionnette eval {run.path}   |   marionnette watch {run.path}", soft_wrap=True)


@one_line_errors
def eval_(
    run: Annotated[Path, typer.Argument(help="a run directory, or zoo:NAME")],
    episodes: Annotated[int, typer.Option(help="games per row of the table")] = 100,
    seed: Annotated[int, typer.Option(help="first episode seed")] = 0,
    device: Annotated[str, typer.Option(help="auto, cpu or cuda")] = "cpu",
) -> None:
    """Print the score table of a trained run."""
    from marionnette import agents
    from marionnette.agents import evaluate

    policy = agents.load(run, device=device)
    config = agents.run_config(run)
    env_id = config["env_id"]
    console.print(f"run {run}", soft_wrap=True, highlight=False)
    if env_id == TICTACTOE:
        console.print(tictactoe_table(policy, episodes, seed, title=f"{config['algo']} · tic-tac-toe"))
        return
    played = list(evaluate.returns(policy, env_id, episodes, seed, config["hyperparams"].get("env_kwargs")))
    results = [e.ret for e in played]
    columns = ["env", "episodes", "mean return", "std", "mean length"]
    std = statistics.pstdev(results) if len(results) > 1 else 0.0
    row = [env_id, str(len(results)), f"{statistics.fmean(results):.2f}", f"{std:.2f}",
           f"{statistics.fmean(e.length for e in played):.0f}"]  # fmt: skip
    if played[0].forward is not None:  # a character: how far it got
        columns.append("metres forward (mean, max)")
        forward = [e.forward for e in played]
        row.append(f"{statistics.fmean(forward):.2f}, {max(forward):.2f}")
    table = Table(*columns, title=f"{config['algo']} · {env_id}")
    table.add_row(*row)
    console.print(table)


def tictactoe_table(policy, episodes: int, seed: int, title: str) -> Table:
    """Wins / draws / losses as X and O against random and minimax, and the certificate."""
    from marionnette.agents import evaluate

    scores = evaluate.tictactoe_table(policy, episodes, seed)
    cert = evaluate.certify(policy)
    table = Table("plays", "against", "wins", "draws", "losses", title=title)
    for (side, opponent), s in scores.items():
        table.add_row(side, opponent, str(s.wins), str(s.draws), f"[red]{s.losses}[/]" if s.losses else "0")
    verdict = " · certified perfect" if cert.perfect else ""
    table.caption = f"optimal move in {cert.optimal} of {cert.checked} positions{verdict}"
    return table


@one_line_errors
def watch(
    run: Annotated[Path, typer.Argument(help="a run directory, or zoo:NAME")],
    episodes: Annotated[int, typer.Option(help="episodes to play")] = 2,
    seed: Annotated[int, typer.Option(help="first episode seed")] = 0,
    seconds: Annotated[Optional[float], typer.Option(help="stop after this many seconds of play")] = None,
    out: Annotated[Optional[Path], typer.Option(help="write the MP4 here (default: RUN/videos/)")] = None,
    window: Annotated[Optional[bool], typer.Option("--window/--video", help="force a window or an MP4")] = None,
) -> None:
    """Play a trained policy: a window where there is a display, else an MP4."""
    from marionnette import agents
    from marionnette.agents.evaluate import record
    from marionnette.envs import entry
    from marionnette.runs import Run

    if seconds is not None and seconds <= 0:
        raise MarionnetteError(f"--seconds {seconds:g}: give a positive length of play")
    policy = agents.load(run, device="cpu")
    config = agents.run_config(run)
    env_id = config["env_id"]
    base = config["hyperparams"].get("env_kwargs") or {}
    known = entry(env_id)
    variants = [{**base, **kw} for kw in (known.watch_kwargs if known else ({},))]
    recording = record(policy, env_id, episodes, seed, variants, seconds=seconds)
    if window is None:
        window = bool(os.environ.get("DISPLAY")) and importlib.util.find_spec("cv2") is not None
    if window:
        show_window(recording.frames, recording.fps, title=f"marionnette · {env_id}")
        return
    stamp = time.strftime("%Y%m%d-%H%M%S")
    if out is None and str(run).startswith("zoo:"):  # the zoo is inside the package: films go here
        out = Path("videos") / f"{str(run).removeprefix('zoo:')}-{stamp}.mp4"
    path = out or Run(run).video_path(f"watch-{stamp}")
    n = film(recording, path, description=f"filming {env_id}")
    console.print(f"wrote {n} frames ({n / recording.fps:.1f}s) to [bold]{path}[/]", soft_wrap=True)


def film(recording: Recording, path: Path, description: str) -> int:
    """Encode a :class:`~marionnette.agents.evaluate.Recording` to an MP4 at ``path`` as it
    is played, showing the frames written; returns how many."""
    from marionnette.runs import write_video

    written = 0

    def count(frames):
        nonlocal written
        for frame in frames:
            written += 1
            yield frame

    with frame_progress(description, recording.fps, total=recording.limit) as counted:
        write_video(path, count(counted(recording.frames)), recording.fps)
    return written


def show_window(frames, fps: float, title: str) -> None:
    """Show frames in an OpenCV window as they come (q or Esc closes it)."""
    try:
        import cv2
    except ImportError as e:
        raise MarionnetteError("--window needs OpenCV (pip install opencv-contrib-python); use --video") from e
    delay = max(int(1000 / fps), 1)
    try:
        for frame in frames:
            cv2.imshow(title, cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
            if cv2.waitKey(delay) & 0xFF in (ord("q"), 27):
                break
    finally:
        close = getattr(frames, "close", None)  # a recording: closing it closes its env
        if close is not None:
            close()
        cv2.destroyAllWindows()


@one_line_errors
def play(
    env: Annotated[str, typer.Argument(help="Gymnasium id")] = TICTACTOE,
    against: Annotated[str, typer.Option(help="random, minimax, a run directory or zoo:NAME")] = "minimax",
    as_: Annotated[str, typer.Option("--as", help="the side you play: X or O")] = "X",
    seed: Annotated[Optional[int], typer.Option(help="seed the opponent (default: a new game each time)")] = None,
) -> None:
    """Play a game yourself: tic-tac-toe in the terminal, arcade and Atari games with the keyboard.

    Arcade and Atari games open a window (WASD to move, space to fire, Esc to quit); they need
    a display and pygame (`pip install 'marionnette[play]'`).
    """
    import gymnasium as gym

    from marionnette.envs import check_env_id

    if check_env_id(env) != TICTACTOE:
        return play_with_keyboard(env, seed=seed)
    if as_ not in ("X", "O"):
        raise MarionnetteError(f"--as {as_!r}: play X or O")
    opponent = against
    if against not in ("random", "minimax"):
        from marionnette import agents

        policy = agents.load(against, device="cpu")

        def opponent(obs, mask):
            return policy.predict(obs, action_mask=mask)

    game = gym.make(TICTACTOE, agent_player=as_, opponent=opponent, render_mode="ansi")
    obs, info = game.reset(seed=seed)
    console.print(f"You are {as_}; your opponent is {against}. Type a cell number (1-9), q to quit.")
    while True:
        console.print(game.render(), highlight=False)
        move = typer.prompt("your move", default="", show_default=False).strip().lower()
        if move in ("q", "quit"):
            return
        if not (move.isdigit() and 1 <= int(move) <= 9 and info["action_mask"][int(move) - 1]):
            console.print(f"'{move}' is not an empty cell: type one of the numbers on the board")
            continue
        obs, reward, terminated, _, info = game.step(int(move) - 1)
        if terminated:
            console.print(game.render(), highlight=False)
            verdict = {1.0: "You win!", 0.0: "Draw.", -1.0: "You lose."}[float(reward)]
            console.print(f"[bold]{verdict}[/]")
            return


def play_with_keyboard(env_id: str, seed: int | None = None, zoom: float = 2.0, callback=None) -> None:
    """Gymnasium's keyboard player (pygame) on any env that lists its keys (`get_keys_to_action`)."""
    import os

    import gymnasium as gym

    from marionnette.envs import check_env_id

    check_env_id(env_id)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("SDL_VIDEODRIVER")):
        raise MarionnetteError(f"playing {env_id} opens a window and no display is set (DISPLAY is empty)")
    try:
        from gymnasium.utils.play import play as gym_play
    except ImportError as e:  # gymnasium.utils.play imports pygame
        raise MarionnetteError(f"playing {env_id} needs pygame: pip install 'marionnette[play]'") from e
    game = gym.make(env_id, render_mode="rgb_array")  # the raw game: a person sees the full-colour screen
    if not hasattr(game.unwrapped, "get_keys_to_action"):
        raise MarionnetteError(f"{env_id} has no keyboard controls; arcade (marionnette/*) and ALE/* games do")
    console.print(f"Playing {env_id}: WASD to move, space to fire; close the window or press Esc to stop.")
    gym_play(game, fps=15, zoom=zoom, seed=seed, callback=callback, noop=0)  # 15 steps/s = 60 Hz, 4 frames a step


@one_line_errors
def zoo(
    check: Annotated[bool, typer.Option("--check", help="play each agent again and compare with its card")] = False,
) -> None:
    """List the trained agents shipped with marionnette (use zoo:NAME wherever a run directory goes)."""
    from marionnette.agents import zoo as shipped

    table = Table("zoo:NAME", "what", "algo", "score", "size", title="marionnette zoo")
    total = 0
    for e in shipped.entries():
        score = "perfect" if e.metric == "certified" else f"{e.value:.4g} {e.metric}"
        if check:
            from marionnette.pipelines.zoo import measure

            again = measure(e)
            score += f" (now {again:.4g})"
        total += e.size
        table.add_row(f"zoo:{e.name}", e.summary or e.env_id, e.algo, score, f"{e.size / 1e6:.2f} MB")
    table.caption = f"{total / 1e6:.2f} MB in all; each card.yaml says how its score is measured"
    console.print(table)
    for e in shipped.entries():
        console.print(f"zoo:{e.name}: {escape(e.recipe)}", soft_wrap=True, highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(envs)
    app.command()(zoo)
    app.command()(train)
    app.command("eval")(eval_)
    app.command()(watch)
    app.command()(play)
