"""Toy pitch scenes for the segmentation tests: grass, lines, people, a ball, where colour alone misleads.

A green pitch in mown stripes with pixel noise and white lines (one or two, at a slant);
two to four "people" (a skin-toned head, a shirt, shorts, legs) of 12-26 pixels, some in
green shirts near the grass's hue and some in white ones or white socks; a small white
ball (radius 1.5-2.5 pixels), a third of the time on a line. Class maps: 0 pitch, 1
person, 2 ball (the ball in front). The last ``held_out`` frames are held out.
"""

import numpy as np
from skimage.color import hsv2rgb

from marionnette.perception.segment.data import SegmentationData

SHIRTS = np.array([
    [0.85, 0.10, 0.10], [0.10, 0.20, 0.80], [0.95, 0.85, 0.10], [0.20, 0.55, 0.22],  # red, blue, yellow, grass green
    [0.93, 0.93, 0.90], [0.08, 0.08, 0.08], [0.55, 0.80, 0.45], [0.90, 0.45, 0.70],  # white, black, light green, pink
])  # fmt: skip
SHORTS = np.array([[0.95, 0.95, 0.95], [0.05, 0.05, 0.05], [0.10, 0.15, 0.55], [0.15, 0.45, 0.15]])
SKIN = np.array([[0.96, 0.80, 0.69], [0.78, 0.57, 0.44], [0.45, 0.30, 0.20]])


def _frame(rng: np.random.Generator, H: int, W: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    hue = rng.uniform(0.27, 0.36)
    stripe = ((xx + rng.uniform(0, 20)) // rng.uniform(8, 16)) % 2  # mown stripes
    hsv = np.stack([np.full((H, W), hue), np.full((H, W), rng.uniform(0.45, 0.7)),
                    0.45 + 0.08 * stripe + rng.normal(0, 0.03, (H, W))], axis=-1)  # fmt: skip
    image = hsv2rgb(np.clip(hsv, 0, 1))
    mask = np.zeros((H, W), np.uint8)
    lines = []
    for _ in range(rng.integers(1, 3)):  # white lines y = a + b x, or x = a + b y
        a, b, vertical = rng.uniform(0.15, 0.85), rng.uniform(-0.3, 0.3), rng.random() < 0.4
        u, v = (xx, yy) if vertical else (yy, xx)
        side = W if vertical else H
        on = np.abs(u - (a * side + b * v)) < rng.uniform(0.5, 1.2)
        image[on] = rng.uniform(0.85, 0.97)
        lines.append((a, b, vertical))
    people = []
    for _ in range(rng.integers(2, 5)):
        h = rng.uniform(12, 26)
        w = h * rng.uniform(0.28, 0.4)
        cx, foot = rng.uniform(2, W - 2), rng.uniform(h * 0.8, H + 2)
        people.append((foot, cx, h, w))
    for foot, cx, h, w in sorted(people):  # nearer (lower) people in front
        top = foot - h
        head = (yy - (top + 0.1 * h)) ** 2 + (xx - cx) ** 2 <= (0.11 * h) ** 2
        body = (np.abs(xx - cx) <= w / 2) & (yy >= top + 0.2 * h) & (yy < top + 0.55 * h)
        shorts = (np.abs(xx - cx) <= w / 2) & (yy >= top + 0.55 * h) & (yy < top + 0.72 * h)
        legs = (np.abs(np.abs(xx - cx) - w / 4) <= w / 6) & (yy >= top + 0.72 * h) & (yy < foot)
        shirt = SHIRTS[rng.integers(len(SHIRTS))]
        sock = SHORTS[0] if rng.random() < 0.4 else shirt * 0.8
        for part, colour in ((head, SKIN[rng.integers(len(SKIN))]), (body, shirt),
                             (shorts, SHORTS[rng.integers(len(SHORTS))]), (legs, sock)):  # fmt: skip
            image[part] = np.clip(colour + rng.normal(0, 0.03, (part.sum(), 3)), 0, 1)
            mask[part] = 1
    r = rng.uniform(1.5, 2.5)
    if rng.random() < 1 / 3:  # on a line
        a, b, vertical = lines[0]
        v = rng.uniform(3, (H if vertical else W) - 3)
        u = a * (W if vertical else H) + b * v
        bx, by = (u, v) if vertical else (v, u)
    else:
        bx, by = rng.uniform(3, W - 3), rng.uniform(3, H - 3)
    ball = (yy - by) ** 2 + (xx - bx) ** 2 <= r**2
    image[ball] = rng.uniform(0.88, 1.0)
    mask[ball] = 2
    return (image * 255).round().astype(np.uint8), mask


def synthetic_scenes(frames: int = 64, size: tuple[int, int] = (64, 64), held_out: int = 16, seed: int = 0):
    """``frames`` toy scenes of ``size`` (H, W), the last ``held_out`` held out."""
    rng = np.random.default_rng(seed)
    pairs = [_frame(rng, *size) for _ in range(frames)]
    held = np.arange(frames) >= frames - held_out
    return SegmentationData(np.stack([p[0] for p in pairs]), np.stack([p[1] for p in pairs]), held_out=held)
