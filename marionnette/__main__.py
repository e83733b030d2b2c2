"""``python -m marionnette`` is the ``marionnette`` command."""

from marionnette.cli import main

main()
