"""The ``marionnette`` command: one front door, one module per command group.

Each group module defines its commands on ``app`` with :func:`typer.Typer.command`;
this file only assembles them.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="marionnette",
    help="Teach characters and game agents to move.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)

from marionnette.cli import demo, imitate, learn, puppet  # noqa: E402

learn.register(app)  # envs, train, eval, watch, play
puppet.register(app)  # puppet
imitate.register(app)  # imitate
demo.register(app)


def main() -> None:
    app()
