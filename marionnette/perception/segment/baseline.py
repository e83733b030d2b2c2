"""The classic segmenters U-Net is measured against: colour rules and colour clusters, no learning of shape.

Broadcast football analysis segmented the pitch long before deep nets by its colour: the
grass is a narrow band of green hues, the lines and the ball are bright and unsaturated,
and whatever is neither is a player (e.g. Ekin, Tekalp and Mehrotra, "Automatic soccer
video analysis and summarization", IEEE TIP 2003, dominant-colour pitch detection). Two
such pipelines, each a ``predict(image (H, W, 3) uint8) -> (H, W) uint8`` over the
scenes' classes (0 background, 1 person, 2 ball):

:class:`HSVBaseline` (no training)
    In scikit-image's HSV (hue in ``[0, 1)``, green at 1/3): a pixel whose hue is in
    :attr:`ColourRules.pitch_hue` with enough saturation and value is *pitch*; a *white*
    pixel (low saturation, high value) is the *ball* when its connected blob
    (scikit-image's ``label``, 8-connected) is small and compact (:func:`ball_blobs`), else
    a line (*pitch*); everything else inside the field is a *person*. The field is the
    convex hull of the largest region of grass and lines (scikit-image's ``convex_hull_image``), as
    broadcast analysis finds it: what lies outside (the stand, the boards) is background.

:class:`KMeansBaseline` (fitted on the training frames)
    scikit-learn's k-means clusters the training pixels' CIE Lab colours (scikit-image's
    ``rgb2lab``); each cluster takes the class most of its training pixels have (the
    stand, the boards and the goals join the background this way, which the HSV rule
    calls people). The ball, a few pixels in a hundred thousand, wins no cluster: the
    white-blob rule above marks it.

Where colour is ambiguous they fail, and that is their lesson: a green or white shirt is
pitch or line to them, a ball on a line is part of the line, a white sock is a ball. The
U-Net reads shape and context.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from marionnette.errors import MarionnetteError
from marionnette.perception.segment.data import CLASSES, SegmentationData

BACKGROUND, PERSON, BALL = 0, 1, 2  # the scenes' class map values (data.CLASSES)


@dataclass(frozen=True)
class ColourRules:
    """The thresholds of the classic pipelines (scikit-image's HSV: every channel in ``[0, 1]``)."""

    pitch_hue: tuple[float, float] = (0.17, 0.50)
    """Hues of grass: yellow-green to cyan-green (60-180 degrees)."""
    pitch_saturation: float = 0.20
    """Least saturation of grass (below it a pixel is grey or white)."""
    pitch_value: float = 0.10
    """Least value of grass (below it a pixel is a shadow or black)."""
    white_saturation: float = 0.25
    """Most saturation of a white pixel (lines, the ball)."""
    white_value: float = 0.70
    """Least value of a white pixel."""
    ball_area: tuple[int, int] = (3, 80)
    """Pixels of a white blob that can be the ball (a line's blob is larger, noise smaller)."""
    ball_extent: float = 0.45
    """Least blob area / its box's area: a ball fills its box (pi / 4), a thin diagonal line does not."""
    ball_aspect: float = 2.0
    """Most ratio of the blob box's long side to its short side."""
    field: bool = True
    """Only inside the grass's convex hull is anything a person or the ball."""


def _checked(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[-1] != 3:
        raise MarionnetteError(f"image of {image.dtype} {image.shape}: give one (H, W, 3) uint8 RGB frame")
    return image


def white_pixels(hsv: np.ndarray, rules: ColourRules) -> np.ndarray:
    """``(H, W)`` bool: bright, unsaturated pixels of an HSV frame ``(H, W, 3)``."""
    return (hsv[..., 1] <= rules.white_saturation) & (hsv[..., 2] >= rules.white_value)


def ball_blobs(white: np.ndarray, rules: ColourRules) -> np.ndarray:
    """``(H, W)`` bool: the pixels of the small, compact, 8-connected blobs of ``white``."""
    from skimage.measure import label, regionprops

    labels = label(white, connectivity=2)
    ball = np.zeros(white.shape, bool)
    low, high = rules.ball_area
    for region in regionprops(labels):
        y0, x0, y1, x1 = region.bbox
        h, w = y1 - y0, x1 - x0
        if (
            low <= region.area <= high
            and region.extent >= rules.ball_extent
            and max(h, w) <= rules.ball_aspect * min(h, w)
        ):
            ball[labels == region.label] = True
    return ball


def field_region(grass: np.ndarray, lines: np.ndarray | None = None) -> np.ndarray:
    """``(H, W)`` bool: the convex hull of the largest 8-connected region of ``grass`` and the pitch's
    ``lines`` (which cut the grass in pieces), all False without grass."""
    from skimage.measure import label
    from skimage.morphology import convex_hull_image

    labels = label(grass if lines is None else grass | lines, connectivity=2)
    if labels.max() == 0:
        return np.zeros(grass.shape, bool)
    largest = np.bincount(labels.ravel())[1:].argmax() + 1
    return convex_hull_image(labels == largest)


class HSVBaseline:
    """Colour thresholds in HSV; see the module docstring."""

    classes = CLASSES

    def __init__(self, rules: ColourRules | None = None):
        self.rules = rules or ColourRules()

    def predict(self, image: np.ndarray) -> np.ndarray:
        """The class map ``(H, W)`` uint8 of a frame ``(H, W, 3)`` uint8."""
        from skimage.color import rgb2hsv

        hsv = rgb2hsv(_checked(image))  # (H, W, 3) float64 in [0, 1]
        r = self.rules
        hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]
        grass = (r.pitch_hue[0] <= hue) & (hue <= r.pitch_hue[1]) & (sat >= r.pitch_saturation) & (val >= r.pitch_value)
        white = white_pixels(hsv, r)
        out = np.full(hsv.shape[:2], PERSON, np.uint8)
        out[grass | white] = BACKGROUND  # white and not the ball: a line
        out[ball_blobs(white, r)] = BALL
        if r.field:
            out[~field_region(grass, white)] = BACKGROUND
        return out


class KMeansBaseline:
    """k-means on Lab colours, clusters named by the training frames' majority; see the module docstring."""

    def __init__(self, clusters: int = 8, pixels: int = 50_000, seed: int = 0, rules: ColourRules | None = None):
        if clusters < 2 or pixels < clusters:
            raise MarionnetteError(f"{clusters} clusters of {pixels} pixels: give 2 or more clusters, more pixels")
        self.clusters, self.pixels, self.seed = clusters, pixels, seed
        self.rules = rules or ColourRules()
        self.kmeans = None
        self.cluster_class: np.ndarray | None = None  # (K,) the class of each cluster
        self.classes: tuple[str, ...] = CLASSES

    def fit(self, data: SegmentationData) -> KMeansBaseline:
        """Cluster ``pixels`` pixels drawn from the training frames of ``data`` and name each cluster."""
        from skimage.color import rgb2lab
        from sklearn.cluster import KMeans

        train = data.subset(held_out=False)
        if len(train) == 0:
            raise MarionnetteError("the data has no training frames: the k-means baseline is fitted on them")
        rng = np.random.default_rng(self.seed)
        pick = rng.integers(train.images[..., 0].size, size=self.pixels)  # flat (frame, y, x) indices
        rgb = train.images.reshape(-1, 3)[pick]  # (P, 3)
        lab = rgb2lab(rgb[None])[0]  # (P, 3)
        self.kmeans = KMeans(self.clusters, n_init=4, random_state=self.seed).fit(lab)
        truth = train.masks.reshape(-1)[pick]
        votes = np.zeros((self.clusters, len(data.classes)), np.int64)
        np.add.at(votes, (self.kmeans.labels_, truth), 1)
        self.cluster_class = votes.argmax(axis=1).astype(np.uint8)
        self.classes = data.classes
        return self

    def predict(self, image: np.ndarray) -> np.ndarray:
        """The class map ``(H, W)`` uint8 of a frame ``(H, W, 3)`` uint8."""
        from skimage.color import rgb2hsv, rgb2lab

        if self.kmeans is None:
            raise MarionnetteError("the k-means baseline is not fitted: call fit(data) first")
        image = _checked(image)
        H, W = image.shape[:2]
        nearest = self.kmeans.predict(rgb2lab(image).reshape(-1, 3))  # (H * W,)
        out = self.cluster_class[nearest].reshape(H, W)
        if "ball" in self.classes:
            out[ball_blobs(white_pixels(rgb2hsv(image), self.rules), self.rules)] = self.classes.index("ball")
        return out


__all__ = ["BACKGROUND", "BALL", "PERSON", "ColourRules", "HSVBaseline", "KMeansBaseline", "ball_blobs", "white_pixels"]
