"""Painting a video frame by frame: a trained generator fed one stick figure at a time.

What ``transfer eval`` and ``transfer run`` share. With temporal smoothing (EDN §3.2) frame
``t`` is ``G(figure_t, figure_{t-1}, image_{t-1})``, conditioned on the image it painted
before; the first frame of a piece of video has no past and is made as training makes the
first of a pair, ``G(figure, figure, 0)``. Without it (pix2pixHD), ``G(figure_t)``.
With a face GAN (EDN §3.4) the face of each image is corrected at its crop corner
(:meth:`~.train.Trained.face_corners`, from the frame's pose); the generator's next frame is
still conditioned on its own image, as in training. Figures come as :mod:`~.figure` draws
them, ``(H, W, 3)`` uint8; images go out as ``(H, W, 3)`` float in ``[0, 1]``.
"""

from __future__ import annotations

import numpy as np
import torch

from marionnette.errors import MarionnetteError
from marionnette.generation.transfer.train import Trained


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """``(..., H, W, 3)`` uint8 → ``(..., 3, H, W)`` float in ``[-1, 1]``."""
    t = torch.from_numpy(np.array(images, dtype=np.float32)).div(127.5).sub(1)  # a copy: the input may be read-only
    return t.movedim(-1, -3)


def to_image(x: torch.Tensor) -> np.ndarray:
    """``(3, H, W)`` in ``[-1, 1]`` → ``(H, W, 3)`` float in ``[0, 1]``."""
    return x.detach().permute(1, 2, 0).add(1).div(2).clamp(0, 1).cpu().numpy()


class Painter:
    """``painter(figure, first) -> image``: ``trained``'s generator over a video, one frame a call.

    :param trained: a loaded run (:func:`~.train.load`).

    ``figure`` is ``(H, W, 3)`` uint8 at the run's size; ``first`` starts a new piece of
    video (no past frame to condition on); ``corner`` is the face crop's ``(y, x)`` for a
    run with a face GAN (None or ``-1``: the face is left as ``G`` made it). Returns
    ``(H, W, 3)`` float in ``[0, 1]``.
    """

    def __init__(self, trained: Trained):
        self.trained = trained
        self.device = next(trained.G.parameters()).device
        self._last: tuple[torch.Tensor, torch.Tensor] | None = None  # the previous (figure, image), batched

    @torch.no_grad()
    def paint(self, figure: torch.Tensor, first: bool, corner: np.ndarray | None = None) -> torch.Tensor:
        """:meth:`__call__` on a figure tensor ``(1, 3, H, W)`` in ``[-1, 1]``; returns ``(1, 3, H, W)``."""
        G = self.trained.G
        figure = figure.to(self.device)
        if not self.trained.config.temporal:
            x = G(figure)
        else:
            fig_p, x_p = (figure, torch.zeros_like(figure)) if first or self._last is None else self._last
            x = G(torch.cat([figure, fig_p, x_p], 1))
        self._last = (figure, x)
        face = self.trained.face
        if face is not None and corner is not None and corner[0] >= 0:
            x = face.apply(figure, x, np.asarray(corner, dtype=np.int64)[None])
        return x

    def __call__(self, figure: np.ndarray, first: bool = False, corner: np.ndarray | None = None) -> np.ndarray:
        H, W = self.trained.size
        if figure.shape != (H, W, 3):
            raise MarionnetteError(
                f"a stick figure of shape {figure.shape}: this model paints ({H}, {W}, 3), the size it was trained at"
            )
        return to_image(self.paint(to_tensor(figure)[None], first, corner)[0])


__all__ = ["Painter", "to_image", "to_tensor"]
