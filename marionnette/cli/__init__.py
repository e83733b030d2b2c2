"""The ``marionnette`` command: one front door, one module per command group.

Each group module defines its commands on ``app`` with :func:`typer.Typer.command`;
this file only assembles them, and takes the options every command shares.
"""

from __future__ import annotations

from typing import Annotated

import typer

from marionnette.cli.console import DEBUG_ENV, debug_mode

app = typer.Typer(
    name="marionnette",
    help="Teach characters and game agents to move.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


@app.callback()
def options(
    ctx: typer.Context,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help=f"on an error, print the whole traceback (each cause chained) above its one line; "
            f"{DEBUG_ENV}=1 does the same",
        ),
    ] = False,
) -> None:
    """Teach characters and game agents to move."""
    ctx.with_resource(debug_mode(debug))  # held until the command has run


from marionnette.cli import (  # noqa: E402
    action,
    ae,
    colorize,
    data,
    demo,
    detect,
    imitate,
    learn,
    puppet,
    segment,
    style,
    sweep,
    transfer,
)  # fmt: skip

learn.register(app)  # envs, zoo, train, eval, watch, play
sweep.register(app)  # sweep
puppet.register(app)  # puppet
imitate.register(app)  # imitate
data.register(app)  # data actions, data ntu
action.register(app)  # action train, eval, recognize
ae.register(app)  # ae train, ae show
style.register(app)  # style apply, train, texture
colorize.register(app)  # colorize train, apply, eval
transfer.register(app)  # transfer train, eval, run
segment.register(app)  # segment train, eval, run
detect.register(app)  # detect train, eval, export, run; track
demo.register(app)


def main() -> None:
    app()
