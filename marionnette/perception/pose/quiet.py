"""MediaPipe's native log lines, kept off the terminal unless asked for.

MediaPipe's C++ graph, TensorFlow Lite and absl write straight to file descriptor 2, not
through Python, so neither ``logging`` nor ``sys.stderr`` sees them, and the environment
variables that quieten them (``GLOG_minloglevel``) are read once, when mediapipe loads.
Measured with mediapipe 0.10.21 (``marionnette puppet --source virtual:wave``), a capture
prints::

    INFO: Created TensorFlow Lite XNNPACK delegate for CPU.                 (TFLite, graph start)
    WARNING: All log messages before absl::InitializeLog() is called ...     (absl, its first line)
    W0000 ... inference_feedback_manager.cc:114] Feedback manager requires a model with a
        single signature inference. Disabling support for feedback tensors.  (twice, graph start)
    W0000 ... landmark_projection_calculator.cc:186] Using NORM_RECT without
        IMAGE_DIMENSIONS is only supported for the square ROI. ...           (first person found)

The graph-start lines come from MediaPipe's worker threads *after* ``Pose()`` returns, so
:class:`~marionnette.perception.pose.PoseCapture` waits for its graph to go idle inside the
quiet block. :func:`quiet_stderr` points fd 2 at a temporary file for the length of a
block and puts it back in a ``finally``: a Python exception still reaches the user, and
when one leaves the block the lines caught during it are written to the real stderr first
(they may say why). Everything written to fd 2 during the block is caught, by any thread;
the redirect is process-wide, as fd 2 is.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

_REPLAY_BYTES = 1 << 16  # at most the last 64 KiB of caught lines are shown with an exception


def _flush() -> None:
    for stream in (sys.stderr, sys.__stderr__):
        if stream is not None and hasattr(stream, "flush"):
            stream.flush()


@contextmanager
def quiet_stderr(quiet: bool = True) -> Iterator[None]:
    """Send file descriptor 2 (native code's stderr) to a temporary file while the block runs.

    :param quiet: ``False`` leaves stderr alone (``verbose``).

    Restored in a ``finally``; if the block raises, what it wrote is replayed to the real
    stderr before the exception goes on. Without a file descriptor 2 (closed), nothing is
    redirected.
    """
    if not quiet:
        yield
        return
    _flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to quieten
        yield
        return
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        failed = True
        try:
            yield
            failed = False
        finally:
            _flush()
            os.dup2(saved, 2)
            os.close(saved)
            if failed:
                size = sink.seek(0, os.SEEK_END)
                sink.seek(max(0, size - _REPLAY_BYTES))
                os.write(2, sink.read())
