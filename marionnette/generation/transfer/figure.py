"""Stick figures: a 2-D pose drawn as the conditioning image the motion-transfer generator reads.

Chan et al., "Everybody Dance Now" (ICCV 2019), condition a pix2pixHD generator on
OpenPose-style renders of the pose: on black, each limb a thick line in its own colour and
each joint a dot, at the training resolution. This module draws them for any
:class:`~marionnette.motion.skeleton.Skeleton`.

Coordinates
    ``points`` are pixels as the camera sees them: ``points[j] = (x, y)``, x to the right,
    y down, ``(0, 0)`` the *centre* of the top-left pixel (so ``(W - 1, H - 1)`` is the
    centre of the bottom-right one). Points outside the image are fine: their bones are cut
    at its edge. ``size`` is ``(H, W)``, at least 8 pixels each way.

Bones and colours
    The bones are the skeleton's tree, ``(parent, child)`` pairs in child index order
    (:attr:`Skeleton.bones`). Bone ``b`` of ``B`` has hue ``b / B`` on the HSV wheel at full
    saturation and value (OpenPose's palette is such a wheel): fixed for a skeleton,
    distinct for every bone, red first. A joint's dot has the colour of the bone that ends
    at it; the root's dot, ending no bone, is white.

    For ``MEDIAPIPE_33`` the tree is MediaPipe's graph cut to a tree (see
    :mod:`marionnette.motion.skeleton`): the face is the nose's fan to the eyes (and on to
    the ears) and to the two mouth corners, the neck is two lines nose → shoulder, the
    torso is its two sides shoulder → hip with no line across the shoulders or the hips,
    and the hands and feet are short fans from wrist and ankle. Every limb a generator
    needs is there, each in its own colour; the figure is what the tree gives, not
    MediaPipe's ``POSE_CONNECTIONS`` drawing.

What is drawn
    Each bone is a capsule ``thickness`` pixels wide (a line with round ends), drawn in
    bone order, later bones over earlier ones; then each joint's dot, 1.5 × ``thickness``
    across, over the bones. A bone is skipped when either end is NaN or infinite (a joint
    pose capture lost) or marked not ``visible``; a joint's dot likewise. Nothing is an
    error about a lost joint: a frame with none left is a black image.

Anti-aliasing
    Lines and dots are drawn by Pillow, which draws thick lines and filled ellipses but not
    anti-aliased ones; ``antialias=True`` (the default of :func:`draw_figure`) draws at
    5 × the size and box-filters down, so an edge pixel is the mean over the 25 samples it
    covers: its area coverage to within a fifth of a pixel. The factor is odd so that a
    pixel's centre is a sample and a line through it is drawn symmetrically about it (a
    thick line's width is then rounded up to an odd number of samples: at most a fifth of
    a pixel wider). Pixels well inside a bone, and every pixel a bone passes through the
    centre of, have its exact colour.

Label maps
    :func:`label_maps` is pix2pixHD's other input form: one channel per bone, 1 on the
    bone's capsule (the same shape :func:`draw_figure` draws, before anything is drawn
    over it), 0 elsewhere; binary by default, the area coverage with ``antialias=True``.
    Dots belong to no bone and are not in it.
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

import numpy as np

# Pillow, not scikit-image: Pillow is a core dependency (scikit-image is an extra), and its
# ImageDraw draws thick lines (`line(width=...)`) and filled discs in C, where skimage.draw
# has only 1-pixel anti-aliased lines and would need a hand-built polygon per thick bone.
# Pillow does not anti-alias; supersampling and a box filter (`Image.reduce`) do.
from PIL import Image, ImageDraw

from marionnette.errors import MarionnetteError
from marionnette.motion.skeleton import Skeleton

SUPERSAMPLE = 5
"""Anti-aliased drawing is done at this many times the size, then box-filtered down (odd:
see the module docstring)."""

MIN_SIZE = 8
"""The smallest height or width a figure is drawn at."""

DOT_SCALE = 1.5
"""A joint's dot is this many bone thicknesses across."""

ROOT_COLOUR = (255, 255, 255)
"""The root joint's dot (it ends no bone, so has no bone colour)."""


# -- bones and colours --------------------------------------------------------------------


def bones(skeleton: Skeleton) -> list[tuple[int, int]]:
    """The ``(parent, child)`` joint index pairs drawn as bones, in child index order."""
    return list(skeleton.bones)


def bone_colours(skeleton: Skeleton) -> np.ndarray:
    """``(B, 3)`` uint8 RGB: bone ``b`` at hue ``b / B``, full saturation and value."""
    B = len(skeleton.bones)
    rgb = [colorsys.hsv_to_rgb(b / B, 1.0, 1.0) for b in range(B)]
    return np.round(np.asarray(rgb, dtype=np.float64).reshape(B, 3) * 255).astype(np.uint8)


def joint_colours(skeleton: Skeleton) -> np.ndarray:
    """``(J, 3)`` uint8 RGB of the joints' dots: the colour of the bone ending at each
    joint, :data:`ROOT_COLOUR` for the root."""
    colours = np.empty((len(skeleton), 3), dtype=np.uint8)
    colours[skeleton.root] = ROOT_COLOUR
    for (_, child), colour in zip(skeleton.bones, bone_colours(skeleton), strict=True):
        colours[child] = colour
    return colours


def default_thickness(size: tuple[int, int]) -> int:
    """Bone width in pixels for an ``(H, W)`` image: ``max(1, round(min(H, W) / 64))``
    (8 pixels at 512, as OpenPose's renders at that size)."""
    H, W = _check_size(size)
    return max(1, round(min(H, W) / 64))


# -- drawing ------------------------------------------------------------------------------


def draw_figure(
    points: np.ndarray,
    skeleton: Skeleton,
    size: tuple[int, int],
    thickness: int | None = None,
    visible: np.ndarray | None = None,
    antialias: bool = True,
) -> np.ndarray:
    """One pose as a stick figure: ``(H, W, 3)`` uint8 RGB on black.

    :param points: ``(J, 2)`` pixel coordinates ``(x, y)``, x right, y down; NaN for a lost joint.
    :param skeleton: whose joints ``points`` holds (``J == len(skeleton)``).
    :param size: ``(H, W)`` of the image, each at least 8.
    :param thickness: bone width in pixels; by default :func:`default_thickness`.
    :param visible: ``(J,)`` bool; a bone or dot with a joint marked False is not drawn.
    :param antialias: smooth edges by 5× supersampling (see the module docstring).
    """
    H, W = _check_size(size)
    xy = _check_points(points, skeleton, frames=False, what="draw_figure")
    drawn = _drawn(xy, _check_visible(visible, skeleton, xy.shape[:-1], "draw_figure"))
    width = _check_thickness(thickness, (H, W))
    return _draw(xy, drawn, skeleton, (H, W), width, SUPERSAMPLE if antialias else 1)


def draw_figures(
    points: np.ndarray,
    skeleton: Skeleton,
    size: tuple[int, int],
    thickness: int | None = None,
    visible: np.ndarray | None = None,
    antialias: bool = True,
) -> np.ndarray:
    """A clip of poses as stick figures: ``(T, J, 2)`` points → ``(T, H, W, 3)`` uint8.

    ``visible`` is ``(T, J)`` (per frame) or ``(J,)`` (the same every frame); the rest as
    :func:`draw_figure`.
    """
    H, W = _check_size(size)
    xy = _check_points(points, skeleton, frames=True, what="draw_figures")
    if visible is not None and np.ndim(visible) == 1:
        visible = np.broadcast_to(np.asarray(visible), xy.shape[:-1])
    drawn = _drawn(xy, _check_visible(visible, skeleton, xy.shape[:-1], "draw_figures"))
    width = _check_thickness(thickness, (H, W))
    scale = SUPERSAMPLE if antialias else 1
    out = np.zeros((len(xy), H, W, 3), dtype=np.uint8)  # (T, H, W, 3)
    for t in range(len(xy)):
        out[t] = _draw(xy[t], drawn[t], skeleton, (H, W), width, scale)
    return out


def label_maps(
    points: np.ndarray,
    skeleton: Skeleton,
    size: tuple[int, int],
    thickness: int | None = None,
    visible: np.ndarray | None = None,
    antialias: bool = False,
) -> np.ndarray:
    """One pose as pix2pixHD label maps: ``(B, H, W)`` float32, channel ``b`` 1 on bone
    ``b``'s capsule and 0 elsewhere (its area coverage in ``[0, 1]`` with ``antialias``).

    Bones are those of :func:`bones`, skipped (an all-zero channel) as :func:`draw_figure`
    skips them; the arguments are :func:`draw_figure`'s.
    """
    H, W = _check_size(size)
    xy = _check_points(points, skeleton, frames=False, what="label_maps")
    drawn = _drawn(xy, _check_visible(visible, skeleton, xy.shape[:-1], "label_maps"))
    width = _check_thickness(thickness, (H, W))
    scale = SUPERSAMPLE if antialias else 1
    maps = np.zeros((len(skeleton.bones), H, W), dtype=np.float32)  # (B, H, W)
    for b, (parent, child) in enumerate(skeleton.bones):
        if not (drawn[parent] and drawn[child]):
            continue
        canvas = Image.new("L", (W * scale, H * scale), 0)
        ends = _scaled(xy[parent], scale), _scaled(xy[child], scale)
        _capsule(ImageDraw.Draw(canvas), *ends, _samples(width, scale), 255, canvas.size)
        maps[b] = np.asarray(_reduce(canvas, scale), dtype=np.float32) / 255.0
    return maps


# -- inside -------------------------------------------------------------------------------


def _samples(width: int, scale: int) -> int:
    """A bone ``width`` pixels wide in canvas samples: odd when supersampled, so that it
    lies symmetrically about a line through sample (pixel) centres."""
    return width if scale == 1 else width * scale | 1


def _draw(
    xy: np.ndarray, drawn: np.ndarray, skeleton: Skeleton, size: tuple[int, int], width: int, scale: int
) -> np.ndarray:
    """Bones (capsules) then dots onto black at ``scale`` × ``size``, reduced back; ``(H, W, 3)``."""
    H, W = size
    canvas = Image.new("RGB", (W * scale, H * scale), (0, 0, 0))
    pen = ImageDraw.Draw(canvas)
    for (parent, child), colour in zip(skeleton.bones, bone_colours(skeleton), strict=True):
        if drawn[parent] and drawn[child]:
            ends = _scaled(xy[parent], scale), _scaled(xy[child], scale)
            _capsule(pen, *ends, _samples(width, scale), tuple(colour), canvas.size)
    radius = DOT_SCALE * width * scale / 2
    for j, colour in enumerate(joint_colours(skeleton)):
        if drawn[j]:
            _disc(pen, _scaled(xy[j], scale), radius, tuple(colour), canvas.size)
    return np.asarray(_reduce(canvas, scale), dtype=np.uint8)


def _scaled(point: np.ndarray, scale: int) -> tuple[float, float]:
    """A point in the ``scale`` × canvas, whose pixel centres are its integer coordinates:
    output pixel ``i`` covers canvas pixels ``scale·i … scale·i + scale - 1``, centred at
    ``scale·i + (scale - 1) / 2``."""
    x, y = (float(v) * scale + (scale - 1) / 2 for v in point)
    return x, y


def _capsule(
    pen: ImageDraw.ImageDraw, a: tuple[float, float], b: tuple[float, float], width: int, fill, canvas: tuple[int, int]
) -> None:
    """A line ``width`` wide from ``a`` to ``b`` with round ends (discs ``width`` across),
    on a ``canvas`` of ``(W, H)`` pixels.

    The segment is first cut to the canvas grown by a margin wider than the line (the
    Liang-Barsky clip, in floats): Pillow rounds coordinates to 32-bit integers and draws
    a wrong line, silently, for a point a billion pixels out. The ends cut off lie outside
    the canvas, so their caps would not show anyway.
    """
    margin = 2.0 * width + 2.0
    clipped = _clip(a, b, (-margin, -margin), (canvas[0] - 1 + margin, canvas[1] - 1 + margin))
    if clipped is None:
        return
    a, b = clipped
    pen.line([a, b], fill=fill, width=width)
    if width > 1:
        _disc(pen, a, width / 2, fill, canvas)
        _disc(pen, b, width / 2, fill, canvas)


def _clip(
    a: tuple[float, float], b: tuple[float, float], lo: tuple[float, float], hi: tuple[float, float]
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of segment ``a``–``b`` inside the box ``lo``–``hi`` (Liang-Barsky); None if none."""
    t0, t1 = 0.0, 1.0
    for axis in (0, 1):
        d = b[axis] - a[axis]
        for p, q in ((-d, a[axis] - lo[axis]), (d, hi[axis] - a[axis])):
            if p == 0:
                if q < 0:
                    return None  # parallel to this edge and outside it
                continue
            t = q / p
            if p < 0:
                t0 = max(t0, t)
            else:
                t1 = min(t1, t)
            if t0 > t1:
                return None
    (ax, ay), (bx, by) = a, b
    return (ax + t0 * (bx - ax), ay + t0 * (by - ay)), (ax + t1 * (bx - ax), ay + t1 * (by - ay))


def _disc(pen: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float, fill, canvas: tuple[int, int]) -> None:
    """A filled disc; none when it lies wholly off the ``(W, H)`` canvas."""
    x, y = centre
    r = max(radius, 0.5)
    if -r - 1 <= x <= canvas[0] + r and -r - 1 <= y <= canvas[1] + r:
        pen.ellipse([x - r, y - r, x + r, y + r], fill=fill)


def _reduce(canvas: Image.Image, scale: int) -> Image.Image:
    return canvas if scale == 1 else canvas.reduce(scale)  # box filter: the mean of each scale × scale block


def _drawn(xy: np.ndarray, visible: np.ndarray | None) -> np.ndarray:
    """``(..., J)`` bool: finite and visible."""
    finite = np.isfinite(xy).all(axis=-1)
    return finite if visible is None else finite & visible


# -- checks -------------------------------------------------------------------------------


def _check_size(size: Sequence[int]) -> tuple[int, int]:
    try:
        H, W = (int(s) for s in size)
        whole = all(float(s) == int(s) for s in size)
    except (TypeError, ValueError):
        raise MarionnetteError(f"size {size!r}: give the image size as (H, W), two whole numbers of pixels") from None
    if not whole or H < MIN_SIZE or W < MIN_SIZE:
        raise MarionnetteError(
            f"size {tuple(size)!r}: a stick figure is drawn at least {MIN_SIZE}×{MIN_SIZE} pixels; "
            f"give size=(H, W) with whole H, W >= {MIN_SIZE}"
        )
    return H, W


def _check_points(points: np.ndarray, skeleton: Skeleton, frames: bool, what: str) -> np.ndarray:
    J = len(skeleton)
    expected = f"(T, J, 2) = (T, {J}, 2)" if frames else f"(J, 2) = ({J}, 2)"
    try:
        xy = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise MarionnetteError(
            f"{what}: points are not numbers; give {expected} pixel coordinates (x, y) for skeleton "
            f"{skeleton.name!r} ({J} joints)"
        ) from None
    ndim = 3 if frames else 2
    if xy.ndim != ndim or xy.shape[-2:] != (J, 2):
        raise MarionnetteError(
            f"{what}: points of shape {xy.shape}; expected {expected} pixel coordinates (x, y) for skeleton "
            f"{skeleton.name!r} ({J} joints)"
        )
    return xy


def _check_visible(visible, skeleton: Skeleton, shape: tuple[int, ...], what: str) -> np.ndarray | None:
    if visible is None:
        return None
    mask = np.asarray(visible)
    if mask.shape != shape or mask.dtype != np.bool_:
        raise MarionnetteError(
            f"{what}: visible of shape {mask.shape} and dtype {mask.dtype}; expected a bool array of shape "
            f"{shape}, one flag per joint of skeleton {skeleton.name!r}"
        )
    return mask


def _check_thickness(thickness: int | None, size: tuple[int, int]) -> int:
    if thickness is None:
        return default_thickness(size)
    if isinstance(thickness, bool) or not isinstance(thickness, int | np.integer) or thickness < 1:
        raise MarionnetteError(f"thickness {thickness!r}: give a bone width of at least 1 whole pixel")
    return int(thickness)
