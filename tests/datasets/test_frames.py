"""The frames the project renders of its games and character: seeded, varied, coloured, cached on disk."""

import numpy as np
import pytest
import yaml
from PIL import Image

from marionnette.datasets.frames import FRAME_SOURCES, render_frames, write_frames
from marionnette.errors import MarionnetteError

GAMES = [source for source in FRAME_SOURCES if source.startswith("arcade:")]


@pytest.fixture(scope="module")
def character():
    return render_frames("character", 12, 32, seed=0)


def test_arcade_frames_are_seeded_and_every_frame_differs():
    frames = render_frames("arcade", 16, 32, seed=0)
    assert frames.shape == (16, 32, 32, 3) and frames.dtype == np.uint8
    assert render_frames("arcade", 16, 32, seed=0).tobytes() == frames.tobytes()
    assert render_frames("arcade", 16, 32, seed=1).tobytes() != frames.tobytes()
    assert len(np.unique(frames.reshape(16, -1), axis=0)) == 16
    # Measured at seed 0: consecutive frames differ by 0.43 grey levels at the least (two
    # moments of one game), by ~49 on average (mostly two games).
    step = np.abs(np.diff(frames.astype(np.int16), axis=0)).mean(axis=(1, 2, 3))  # (15,)
    assert step.min() > 0.1 and step.mean() > 10


@pytest.mark.parametrize("source", GAMES)
def test_a_game_is_in_colour_letterboxed_and_its_frames_move(source):
    frames = render_frames(source, 8, 32, seed=0).astype(np.int16)
    coloured = (np.ptp(frames, axis=-1) > 0).mean()  # share of pixels whose channels differ
    assert coloured > 0.05, f"{source}: {coloured:.3f} of the pixels in colour"  # measured 0.09 (Freeway) to 0.70
    width = round(32 * 160 / 210)  # 24 columns of playfield, 4 black either side
    assert frames[:, :, :4].max() == 0 and frames[:, :, 4 + width :].max() == 0
    assert frames[:, :, 4 : 4 + width].std() > 10
    step = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2, 3))  # measured >= 0.16 (Breakout's paddle and ball)
    assert step.min() > 0.05, f"{source}: two consecutive frames differ by {step.min():.3f} grey levels"


def test_the_mix_holds_each_games_own_frames():
    mix = render_frames("arcade", 8, 16, seed=3)
    mixed = {frame.tobytes() for frame in mix}
    for source in GAMES:
        assert {frame.tobytes() for frame in render_frames(source, 2, 16, seed=3)} <= mixed, source


def test_character_frames_show_the_body_in_the_middle(character):
    assert character.shape == (12, 32, 32, 3) and character.dtype == np.uint8
    assert render_frames("character", 12, 32, seed=0).tobytes() == character.tobytes()
    assert len(np.unique(character.reshape(12, -1), axis=0)) == 12  # no two (pose, camera) pairs alike
    frames = character.astype(np.int16)
    assert frames.reshape(12, -1).std(axis=1).min() > 30  # measured ~80: floor, sky and body
    # The character wears blue (blue over red by > 30: the floor is grey, the sky black);
    # measured 8-15 such pixels a frame at 32 px, all in columns 11-19.
    shirt = frames[..., 2] - frames[..., 0] > 30  # (N, H, W)
    assert shirt.sum(axis=(1, 2)).min() >= 4
    assert not shirt[:, :, :8].any() and not shirt[:, :, 24:].any()


def test_write_frames_writes_pngs_and_reuses_a_finished_folder(tmp_path):
    out = write_frames(tmp_path / "pong", "arcade:pong", 6, 16, seed=2)
    pngs = sorted(out.glob("*.png"))
    assert [p.name for p in pngs] == [f"frame_{k:05d}.png" for k in range(6)]
    frames = render_frames("arcade:pong", 6, 16, seed=2)
    for path, frame in zip(pngs, frames, strict=True):
        with Image.open(path) as image:
            assert image.size == (16, 16) and image.mode == "RGB"
            np.testing.assert_array_equal(np.asarray(image), frame)
    meta = yaml.safe_load((out / "frames.yaml").read_text())
    assert meta == {"source": "arcade:pong", "count": 6, "size": 16, "seed": 2, "version": 1}

    stamps = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.iterdir()}
    write_frames(out, "arcade:pong", 6, 16, seed=2)
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in out.iterdir()} == stamps  # nothing rewritten

    write_frames(out, "arcade:pong", 3, 16, seed=2)  # fewer: the leftover frames go
    assert sorted(p.name for p in out.glob("*.png")) == [f"frame_{k:05d}.png" for k in range(3)]
    assert yaml.safe_load((out / "frames.yaml").read_text())["count"] == 3
    (out / "frame_00001.png").unlink()  # a frame missing: written again
    write_frames(out, "arcade:pong", 3, 16, seed=2)
    assert (out / "frame_00001.png").is_file()


def test_bad_requests_get_one_line():
    with pytest.raises(MarionnetteError, match=r"'arcade:pongg'.*character.*did you mean arcade:pong\?") as caught:
        render_frames("arcade:pongg", 4)
    assert "\n" not in str(caught.value)
    with pytest.raises(MarionnetteError, match="count=0"):
        render_frames("arcade", 0)
    with pytest.raises(MarionnetteError, match="size=4: frames are at least 8"):
        render_frames("character", 4, size=4)


def test_write_frames_refuses_a_file_and_leaves_it(tmp_path):
    path = tmp_path / "taken"
    path.write_text("mine")
    with pytest.raises(MarionnetteError, match="is a file"):
        write_frames(path, "arcade", 4, 16)
    assert path.read_text() == "mine"
