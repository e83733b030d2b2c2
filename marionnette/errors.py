"""The one exception type that the front door turns into a single line.

Raise :class:`MarionnetteError` for a problem with what the user gave us (an unknown id,
a wrong shape, a missing or corrupt file) with a message that names the input and the
fix. Anything else is a bug and keeps its traceback.
"""


class MarionnetteError(Exception):
    """Bad input that one line can explain: the message names the input and the fix."""


class CheckpointError(MarionnetteError):
    """A checkpoint or weight file that cannot be read back: cut short, another program's,
    or written by another algorithm. The message names the file; the cause is chained."""
