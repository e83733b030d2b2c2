"""``segment run``: a U-Net over a video, its classes painted, each frame's class map kept.

The network is trained for a few batches only; what is checked is the pipeline: frames in,
as many painted frames and class maps out, the class shares counted, bad input one line.
"""

import imageio.v2 as imageio
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from marionnette.cli import app as cli
from marionnette.errors import MarionnetteError
from marionnette.perception.segment.data import SegmentationData
from marionnette.perception.segment.train import SegmentTrainConfig, train
from marionnette.perception.segment.unet import UNetConfig
from marionnette.pipelines.segment import run
from marionnette.runs import write_video

pytestmark = pytest.mark.usefixtures("one_thread")


def pitch(frames: int = 12, size: tuple[int, int] = (48, 64)) -> SegmentationData:
    """A green pitch, a red "person" walking across and a white ball: frames and their class maps."""
    H, W = size
    images = np.zeros((frames, H, W, 3), np.uint8)
    images[...] = (40, 140, 50)
    masks = np.zeros((frames, H, W), np.uint8)
    for t in range(frames):
        x = 4 + 3 * t
        images[t, 10:40, x : x + 8] = (200, 40, 40)
        masks[t, 10:40, x : x + 8] = 1
        images[t, 36:40, 50:54] = 255
        masks[t, 36:40, 50:54] = 2
    return SegmentationData(images, masks, held_out=np.arange(frames) >= frames - 3)


def test_a_video_is_painted_and_its_class_maps_kept(tmp_path):
    data = pitch()
    data.save(tmp_path / "pitch.npz")
    config = SegmentTrainConfig(data=str(tmp_path / "pitch.npz"), epochs=1, steps_per_epoch=2, batch_size=2, crop=32,
                                eval_frames=2, net=UNetConfig(channels=4, depth=2))  # fmt: skip
    trained = train(config, device="cpu", runs_dir=tmp_path / "runs")
    source = write_video(tmp_path / "pitch.mp4", data.images, 10.0)
    done = run(trained.path, str(source), tmp_path / "out.mp4", masks=tmp_path / "masks")
    assert done.frames == 12 and abs(sum(done.fractions.values()) - 1) < 1e-6
    views = [frame for frame in imageio.get_reader(done.video)]  # noqa: C416 (list() runs out of memory)
    maps = sorted((tmp_path / "masks").glob("*.png"))
    assert len(views) == len(maps) == 12 and views[0].shape == (48, 64, 3)
    first = np.asarray(Image.open(maps[0]))
    assert first.shape == (48, 64) and first.dtype == np.uint8 and first.max() < 3
    result = CliRunner().invoke(cli, ["segment", "run", str(trained.path), "--source", str(source),
                                      "--max-frames", "3"])  # fmt: skip
    assert result.exit_code == 0 and "3 frames at" in result.output, result.output
    with pytest.raises(MarionnetteError, match="no such file or folder"):
        run(trained.path, str(tmp_path / "none.mp4"))
