import cv2
import imageio.v2 as imageio
import numpy as np
import pytest
import skimage.data

from marionnette.errors import MarionnetteError
from marionnette.perception.pose import (
    Frames,
    FrameSource,
    ImageFolder,
    VideoFile,
    Webcam,
    holds_still_images,
    letterbox,
    open_source,
)


def one_line_naming(error, *names):
    message = str(error.value)
    assert "\n" not in message, message
    for name in names:
        assert str(name) in message, message
    return message


def red_ramp(n=12, height=48, width=64):
    """``n`` RGB frames growing redder: frame i has R = 20 i, G = 0, B = 60."""
    frames = np.zeros((n, height, width, 3), dtype=np.uint8)  # (T, H, W, 3)
    frames[..., 0] = (np.arange(n) * 20)[:, None, None]
    frames[..., 2] = 60
    return frames


@pytest.fixture
def video(tmp_path):
    path = tmp_path / "ramp.mp4"
    with imageio.get_writer(path, fps=25, codec="libx264", macro_block_size=16, quality=9) as writer:
        for frame in red_ramp():
            writer.append_data(frame)
    return path


# -- video files ----------------------------------------------------------------------------


def test_video_file_reads_back_every_frame_in_rgb(video):
    source = VideoFile(video)
    assert isinstance(source, FrameSource)
    assert (source.fps, source.frame_count, source.width, source.height) == (25.0, 12, 64, 48)
    frames = list(source)
    assert len(frames) == 12
    assert [f.timestamp for f in frames] == pytest.approx(np.arange(12) / 25)
    for i, (_, image) in enumerate(frames):
        assert image.shape == (48, 64, 3) and image.dtype == np.uint8
        r, g, b = image.reshape(-1, 3).mean(axis=0)
        assert abs(r - 20 * i) < 6 and g < 6 and abs(b - 60) < 6, (i, r, g, b)  # RGB, not OpenCV's BGR
    assert len(list(source)) == 12  # iterating again reads the file again


def test_missing_or_broken_video_is_one_line(tmp_path):
    with pytest.raises(MarionnetteError) as e:
        VideoFile(tmp_path / "nope.mp4")
    one_line_naming(e, "nope.mp4", "no such video file")
    (tmp_path / "broken.mp4").write_bytes(b"not a video at all")
    with pytest.raises(MarionnetteError) as e:
        VideoFile(tmp_path / "broken.mp4")
    one_line_naming(e, "broken.mp4", "not a readable video")


# -- image folders --------------------------------------------------------------------------


def test_image_folder_in_natural_order(tmp_path):
    ramp = red_ramp(n=3)
    for name, frame in zip(["frame10.png", "frame2.png", "frame1.png"], ramp[::-1], strict=True):
        imageio.imwrite(tmp_path / name, frame)
    (tmp_path / "notes.txt").write_text("not an image")
    source = ImageFolder(tmp_path, fps=10)
    assert isinstance(source, FrameSource) and len(source) == 3
    assert [p.name for p in source.files] == ["frame1.png", "frame2.png", "frame10.png"]
    frames = list(source)
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 0.1, 0.2])
    for (_, image), expected in zip(frames, ramp, strict=True):
        np.testing.assert_array_equal(image, expected)  # PNG is lossless: exactly the RGB written


def test_image_folder_errors_are_one_line(tmp_path):
    with pytest.raises(MarionnetteError) as e:
        ImageFolder(tmp_path / "nowhere")
    one_line_naming(e, "nowhere", "no such folder")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    with pytest.raises(MarionnetteError) as e:
        ImageFolder(tmp_path / "empty")
    one_line_naming(e, "empty", "no images")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "0.png").write_bytes(b"not a png")
    with pytest.raises(MarionnetteError) as e:
        list(ImageFolder(tmp_path / "bad"))
    one_line_naming(e, "0.png", "not a readable image")
    imageio.imwrite(tmp_path / "bad" / "1.png", red_ramp(n=1)[0])
    with pytest.raises(MarionnetteError) as e:
        ImageFolder(tmp_path / "bad", fps=0)
    one_line_naming(e, "fps")


# -- webcams, specs, iterables ----------------------------------------------------------------


def test_missing_webcam_is_one_line():
    with pytest.raises(MarionnetteError) as e:
        Webcam(99)
    one_line_naming(e, "no webcam at index 99")
    with pytest.raises(MarionnetteError) as e:
        open_source("webcam:99")
    one_line_naming(e, "no webcam at index 99")


def test_open_source_picks_the_source(tmp_path, video):
    imageio.imwrite(tmp_path / "0.png", red_ramp(n=1)[0])
    assert isinstance(open_source(video), VideoFile)
    assert isinstance(open_source(str(tmp_path)), ImageFolder)
    for spec, says in [("webcam:one", "webcam index is a number"), (str(tmp_path / "gone.mp4"), "no such file")]:
        with pytest.raises(MarionnetteError) as e:
            open_source(spec)
        one_line_naming(e, says)


def test_frames_wraps_an_iterable():
    source = Frames((image for image in red_ramp(n=4)), fps=20)
    assert isinstance(source, FrameSource) and source.fps == 20
    frames = list(source)
    assert [f.timestamp for f in frames] == pytest.approx([0.0, 0.05, 0.1, 0.15])
    assert frames[3].image[0, 0, 0] == 60


# -- sizes, still images ------------------------------------------------------------------------


def test_letterbox_keeps_the_aspect_and_pads_around_it():
    image = np.zeros((100, 200, 3), np.uint8)
    image[..., 0] = 200  # a red 2:1 picture
    boxed = letterbox(image, (240, 320))  # a 4:3 frame: the picture spans its width, bands above and below
    assert boxed.shape == (240, 320, 3) and boxed.dtype == np.uint8
    np.testing.assert_array_equal(boxed[:40], 0)  # 240 - 160 = 80 rows of padding, half on top
    np.testing.assert_array_equal(boxed[200:], 0)
    np.testing.assert_array_equal(boxed[40:200, :, 0], 200)  # the picture, scaled 1.6x, whole and unstretched
    tall = letterbox(image.transpose(1, 0, 2), (240, 320))  # 1:2 into 4:3: bands left and right
    assert (tall[:, :100] == 0).all() and (tall[:, 220:] == 0).all() and (tall[:, 100:220, 0] == 200).all()
    assert letterbox(image, (100, 200)) is image  # already that size: untouched


@pytest.fixture
def photos(tmp_path):
    """Three photographs scikit-image ships, each of its own size, as a folder."""
    shots = {"1.png": skimage.data.astronaut(), "2.jpg": skimage.data.coffee(), "3.png": skimage.data.chelsea()}
    for name, image in shots.items():
        imageio.imwrite(tmp_path / name, image)
    return tmp_path, [image.shape for image in shots.values()]  # (512, 512), (400, 600), (300, 451)


def test_a_folder_is_still_images_each_at_its_own_size(photos):
    folder, shapes = photos
    source = ImageFolder(folder)
    assert source.still_images and holds_still_images(source)
    assert [image.shape for _, image in source] == shapes


def test_a_folder_of_video_frames_is_letterboxed_to_the_first(photos):
    folder, _ = photos
    source = ImageFolder(folder, still_images=False)
    assert not holds_still_images(source) and "video frames" in repr(source)
    frames = [image for _, image in source]
    assert {image.shape for image in frames} == {(512, 512, 3)}
    coffee = frames[1]  # 400x600 into 512x512: 600 -> 512 wide, 341 high, 85 rows of padding on top
    assert (coffee[:85] == 0).all() and (coffee[-85:] == 0).all()
    expected = cv2.resize(skimage.data.coffee(), (512, 341), interpolation=cv2.INTER_AREA)
    assert np.abs(coffee[85:426].astype(int) - expected).mean() < 3  # JPEG's loss: the same picture


def test_which_sources_hold_still_images(photos, video):
    folder, _ = photos
    assert holds_still_images(open_source(folder)) and not holds_still_images(open_source(folder, video_frames=True))
    assert not holds_still_images(open_source(video))
    assert not holds_still_images(Frames([], fps=30)) and holds_still_images(Frames([], fps=30, still_images=True))
    assert not holds_still_images(object())  # a source that does not say is a stream
