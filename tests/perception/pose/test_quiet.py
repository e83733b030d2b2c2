"""MediaPipe's native log lines: off stderr by default, there with ``verbose``; errors still shown."""

import os
import subprocess
import sys

import pytest

from marionnette.perception.pose import quiet_stderr

# What mediapipe 0.10.21 writes to fd 2 around a capture (TFLite, absl, the graph's calculators).
NATIVE_LINES = (
    "Created TensorFlow Lite XNNPACK delegate",
    "All log messages before absl::InitializeLog() is called",
    "Feedback manager requires a model with a single signature",
)

CAPTURE = """
import skimage.data
from marionnette.perception.pose import CaptureConfig, PoseCapture

image = skimage.data.astronaut()
with PoseCapture(CaptureConfig(verbose={verbose})) as capture:
    found = [capture.process(image, t / 30).found for t in range(3)]
print("found", found)
"""


def test_native_writes_to_fd_2_are_dropped_and_replayed_when_the_block_raises(capfd):
    with quiet_stderr():
        os.write(2, b"native chatter\n")
    os.write(2, b"after\n")
    with quiet_stderr(quiet=False):
        os.write(2, b"verbose chatter\n")
    err = capfd.readouterr().err
    assert "native chatter" not in err
    assert "after" in err and "verbose chatter" in err
    with pytest.raises(ValueError, match="boom"), quiet_stderr():
        os.write(2, b"the native reason\n")
        raise ValueError("boom")
    os.write(2, b"restored\n")
    err = capfd.readouterr().err
    assert "the native reason" in err and "restored" in err


@pytest.mark.parametrize("verbose", [False, True])
def test_a_capture_prints_mediapipes_log_lines_only_when_verbose(verbose):
    done = subprocess.run(
        [sys.executable, "-c", CAPTURE.format(verbose=verbose)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "found [True, True, True]" in done.stdout
    for line in NATIVE_LINES:
        assert (line in done.stderr) == verbose, (line, done.stderr[-3000:])
    if not verbose:
        assert done.stderr == "", done.stderr[-3000:]
