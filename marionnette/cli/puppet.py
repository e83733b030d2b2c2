"""``marionnette puppet``: drive the character with a body in front of a camera.

The motion spine, joined here (DESIGN.md: perception and body never import each other)::

    source ─▶ MediaPipe Pose ─▶ MediaPipe-33 → canonical ─▶ One-Euro ─▶ IK (mink) ─▶ body camera
    (webcam, video,          (world landmarks, metres)    (filter)     (retarget)   (render)
     images, virtual)

Each frame shows the camera image with the captured skeleton drawn over it beside the
avatar, live in a window where there is a display, else written to an MP4; the captured
motion is kept as a canonical :class:`~marionnette.motion.PoseSequence` (``.npz`` and BVH).
A frame with no person holds the avatar's last pose and is marked by confidence 0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer

from marionnette.cli.console import console, one_line_errors
from marionnette.errors import MarionnetteError


@dataclass
class PuppetConfig:
    filter: bool = True
    """One-Euro filtering of the canonical joints before retargeting."""
    static_images: bool = False
    """Capture each frame on its own (MediaPipe's static_image_mode): for unrelated images."""
    avatar_camera: str = "front"
    """The body camera that films the avatar: ``front`` faces it like a mirror image of the webcam."""
    ground: bool = True
    """Keep the avatar's feet on the floor (captured world landmarks are hip-centred)."""
    calibrate: bool = True
    """Take the first frame with a person as a neutral stance (standing straight, facing the
    camera) and remove the forward/backward lean MediaPipe reads into it from every frame.
    On the character's own renders MediaPipe tilts an upright body by ~14 degrees (head
    forward, feet back), whatever the camera's height or pitch; a VTuber tracker's
    calibration pose does the same job."""
    avatar_size: tuple[int, int] = (480, 360)
    """(height, width) of the avatar panel; the camera image is scaled to the same height."""
    extra: dict = field(default_factory=dict)


@dataclass
class PuppetFrame:
    timestamp: float
    found: bool
    positions: np.ndarray  # (16, 3) canonical, metres, y up (filtered when the filter is on)
    confidence: np.ndarray  # (16,)
    qpos: np.ndarray  # (nq,) the avatar's pose
    view: np.ndarray | None  # (H, W_image + W_avatar, 3): overlay beside avatar (None when not rendering)


class Puppet:
    """The pipeline, one frame at a time: ``puppet.step(t, image) -> PuppetFrame``."""

    def __init__(self, config: PuppetConfig | None = None, fps: float = 30.0, render: bool = True):
        import mujoco

        from marionnette.body import BodyCamera, Character, Retargeter
        from marionnette.motion import CANONICAL, MEDIAPIPE_33, find_mapping
        from marionnette.perception.pose import CaptureConfig, OneEuro, PoseCapture

        self.config = config or PuppetConfig()
        self.character = Character()
        self.data = mujoco.MjData(self.character.model)
        self._mujoco = mujoco
        self.capture = PoseCapture(CaptureConfig(static_image_mode=self.config.static_images))
        self.mapping = find_mapping(MEDIAPIPE_33, CANONICAL)
        self.filter = OneEuro(len(CANONICAL.joints), fps) if self.config.filter else None
        self.retargeter = Retargeter(self.character, ground=self.config.ground)
        h, w = self.config.avatar_size
        self.camera = BodyCamera(self.character.model, self.config.avatar_camera, w, h) if render else None
        self.qpos = self.character.standing_qpos.copy()
        self.standing = self.character.forward_kinematics(self.qpos).positions[0]  # (16, 3)
        self.pitch: float | None = None if self.config.calibrate else 0.0  # radians, about +x (the left)

    def step(self, timestamp: float, image: np.ndarray) -> PuppetFrame:
        from marionnette.perception.pose import draw_pose

        capture = self.capture.process(image, timestamp)
        positions, confidence = self.mapping.apply(capture.world[None], capture.visibility[None])
        positions, confidence = positions[0], confidence[0]  # (16, 3), (16,)
        if capture.found and self.pitch is None:
            self.pitch = lean(positions, confidence, self.standing)
        if self.pitch:
            positions = rotate_about_x(positions, -self.pitch)
        if self.filter is not None:
            positions = self.filter(positions, timestamp, confidence)
        if capture.found:  # no person: the avatar holds its last pose
            if self.config.static_images:
                self.retargeter.reset()  # unrelated images: no previous pose to start from
            self.qpos = self.retargeter.solve_frame(positions, confidence)
        view = None
        if self.camera is not None:
            self.data.qpos[:] = self.qpos
            self._mujoco.mj_forward(self.character.model, self.data)  # bodies and the cameras that follow them
            avatar = self.camera.render(self.data)
            view = side_by_side(draw_pose(image, capture) if capture.found else _no_person(image), avatar)
        return PuppetFrame(timestamp, capture.found, positions, confidence, self.qpos.copy(), view)

    def close(self) -> None:
        self.capture.close()
        if self.camera is not None:
            self.camera.close()

    def __enter__(self) -> Puppet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def lean(positions: np.ndarray, confidence: np.ndarray, upright: np.ndarray) -> float:
    """The pitch (radians, about +x) that best turns ``upright`` (16, 3) into ``positions``,
    both about their pelvis: a rotation about one axis in closed form (Kabsch in the y-z plane)."""
    seen = (confidence > 0.5) & np.isfinite(positions).all(axis=1)
    p = (positions - positions[0])[seen][:, 1:]  # (n, 2): y, z
    u = (upright - upright[0])[seen][:, 1:]
    cross = np.sum(u[:, 0] * p[:, 1] - u[:, 1] * p[:, 0])
    return float(np.arctan2(cross, np.sum(u * p)))


def rotate_about_x(positions: np.ndarray, angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    rotation = np.array([[1, 0, 0], [0, c, -s], [0, s, c]], np.float32)
    return positions @ rotation.T


def side_by_side(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """``left`` scaled to ``right``'s height, then both side by side (widths rounded to 16 for H.264)."""
    import cv2

    h = right.shape[0]
    w = round(left.shape[1] * h / left.shape[0])
    left = cv2.resize(left, (w, h), interpolation=cv2.INTER_AREA) if left.shape[0] != h else left
    view = np.concatenate([left, right], axis=1)
    pad = (-view.shape[1]) % 16
    return np.pad(view, ((0, 0), (0, pad), (0, 0))) if pad else view


def _no_person(image: np.ndarray) -> np.ndarray:
    import cv2

    marked = image.copy()
    cv2.putText(marked, "no person", (12, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 80, 80), 2, cv2.LINE_AA)
    return marked


def virtual_source(spec: str, fps: float = 30.0):
    """``virtual`` or ``virtual:CLIP``: the character itself, filmed by its front camera while it
    plays one of the project's clips (``marionnette.body.clips``; ``wave`` by default)."""
    from marionnette.body import Character, VirtualCamera
    from marionnette.body.clips import clip_qpos

    name = spec.partition(":")[2] or "wave"
    character = Character()
    return VirtualCamera(character, clip_qpos(name, fps=fps), fps=fps, camera="front")


def open_any_source(spec: str):
    if spec == "virtual" or spec.startswith("virtual:"):
        return virtual_source(spec)
    from marionnette.perception.pose import open_source

    return open_source(spec)


@one_line_errors
def puppet(
    source: Annotated[
        str, typer.Option(help="webcam, webcam:N, a video file, a folder of images, or virtual[:CLIP]")
    ] = "webcam",
    out: Annotated[Optional[Path], typer.Option(help="write the overlay-beside-avatar video here (MP4)")] = None,
    bvh: Annotated[Optional[Path], typer.Option(help="save the captured motion as BVH")] = None,
    npz: Annotated[Optional[Path], typer.Option(help="save the captured motion as a PoseSequence .npz")] = None,
    window: Annotated[
        Optional[bool],
        typer.Option("--window/--no-window", help="show a live window (default: when there is a display)"),
    ] = None,
    filter_: Annotated[bool, typer.Option("--filter/--no-filter", help="One-Euro filtering")] = True,
    max_frames: Annotated[Optional[int], typer.Option(help="stop after this many frames")] = None,
) -> None:
    """Drive the character with your body: camera image and skeleton beside the avatar."""  # fmt: skip
    import os

    from marionnette.motion import CANONICAL, PoseSequence
    from marionnette.runs import write_video

    if window is None:
        window = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) and out is None
    if not window and out is None:
        out = Path("puppet.mp4")
    frames_source = open_any_source(source)
    fps = float(getattr(frames_source, "fps", 30.0))
    kept: list[PuppetFrame] = []

    def views():
        with Puppet(PuppetConfig(filter=filter_), fps=fps) as pipeline:
            started = time.perf_counter()
            for i, (t, image) in enumerate(frames_source):
                if max_frames is not None and i >= max_frames:
                    break
                frame = pipeline.step(t, image)
                kept.append(
                    PuppetFrame(frame.timestamp, frame.found, frame.positions, frame.confidence, frame.qpos, None)
                )
                if window:
                    import cv2

                    cv2.imshow("marionnette puppet (Esc to stop)", frame.view[..., ::-1])
                    if cv2.waitKey(1) == 27:
                        break
                yield frame.view
            if kept:
                rate = len(kept) / (time.perf_counter() - started)
                seen = sum(f.found for f in kept)
                console.print(f"{len(kept)} frames at {rate:.1f} FPS; a person in {seen} of them")

    if out is not None:
        write_video(out, views(), fps)
        console.print(f"video: [bold]{out}[/]", soft_wrap=True)
    else:
        for _ in views():
            pass
    if not kept:
        raise MarionnetteError(f"source {source!r} gave no frames")
    positions = np.stack([f.positions for f in kept])  # (T, 16, 3)
    confidence = np.stack([f.confidence for f in kept])  # (T, 16)
    positions = np.where(confidence[..., None] > 0, positions, np.nan).astype(np.float32)
    seq = PoseSequence(positions=positions, confidence=confidence, fps=fps, skeleton=CANONICAL)
    if npz is not None:
        console.print(f"motion: [bold]{seq.save(npz)}[/]", soft_wrap=True)
    if bvh is not None:
        filled = fill_gaps(seq)
        console.print(f"BVH: [bold]{filled.save_bvh(bvh)}[/]", soft_wrap=True)


def fill_gaps(seq):
    """BVH has no confidence: missing joints hold their last seen position (or the next one)."""
    from marionnette.motion import PoseSequence

    positions = seq.positions.copy()
    for j in range(positions.shape[1]):
        seen = np.flatnonzero(seq.confidence[:, j] > 0)
        if len(seen) == 0:
            raise MarionnetteError(f"joint {seq.skeleton.joints[j]} was never seen: no BVH can be written")
        index = np.maximum.accumulate(np.where(seq.confidence[:, j] > 0, np.arange(len(positions)), -1))
        index = np.where(index < 0, seen[0], index)
        positions[:, j] = positions[index, j]
    return PoseSequence(positions=positions, fps=seq.fps, skeleton=seq.skeleton)


def register(app: typer.Typer) -> None:
    app.command()(puppet)
