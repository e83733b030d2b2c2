"""Drawing a batch of games with tensor ops: rectangles and tile maps, area-sampled.

Games live in Atari playfield units (160 wide, 210 tall, y down). A picture of ``H × W``
pixels is drawn by area sampling: each pixel gets the fraction of it that a rectangle
covers, which is what resizing the 210×160 frame to 84×84 with ``INTER_AREA`` (the ALE
preprocessing) gives, so thin objects like a 2-unit ball never vanish between pixels.

A rectangle's coverage factorises into rows × columns, so a whole scene is one batched
matrix product per channel: ``image = bg + (row_cover · colour) @ col_cover``.
"""

from __future__ import annotations

import torch

FIELD_W, FIELD_H = 160.0, 210.0  # Atari 2600 playfield, in its own pixels


def coverage(lo: torch.Tensor, hi: torch.Tensor, n: int, extent: float) -> torch.Tensor:
    """Fraction of each of ``n`` pixels along an axis of length ``extent`` covered by
    ``[lo, hi)``: ``lo, hi`` of shape ``(N, R)`` → ``(N, R, n)``."""
    index = torch.arange(n, device=lo.device)
    return coverage_at(lo[..., None], hi[..., None], index, extent / n)


def coverage_at(
    lo: torch.Tensor,
    hi: torch.Tensor,
    index: torch.Tensor,
    size: float,
    out: torch.Tensor | None = None,
    scratch: torch.Tensor | None = None,
) -> torch.Tensor:
    """Fraction of pixels ``index`` (of ``size`` units each) covered by ``[lo, hi)``, all
    broadcast together: the same float32 operations :func:`coverage` takes, so any pixel's
    coverage is the same bits whichever pixels are asked for. ``out`` and ``scratch``
    (float32, of the broadcast shape) take the result and the one intermediate, for
    callers that keep work buffers (fresh MB-sized tensors cost a page fault every 4 KB)."""
    shape = torch.broadcast_shapes(lo.shape, hi.shape, index.shape)
    edges = torch.mul(index.to(torch.float32).expand(shape), size, out=scratch)  # each pixel's first unit
    end = torch.minimum(hi, torch.add(edges, size, out=out), out=out)
    start = torch.maximum(lo, edges, out=edges)
    return end.sub_(start).clamp_(min=0.0).div_(size)


def draw_rects(
    rects: torch.Tensor, colours: torch.Tensor, background: torch.Tensor, height: int, width: int
) -> torch.Tensor:
    """Draw ``rects`` ``(N, R, 4)`` as ``(x0, y0, x1, y1)`` in playfield units.

    :param colours: ``(R, C)`` per-rectangle colour (C = 1 grey or 3 RGB), 0–255.
    :param background: ``(C,)``.
    :returns: ``(N, C, height, width)`` float32, not yet clamped or rounded (see
        :func:`to_uint8`). Overlapping rectangles add up their difference from the background.
    """
    n, r = rects.shape[:2]
    rows = coverage(rects[..., 1], rects[..., 3], height, FIELD_H)  # (N, R, H)
    cols = coverage(rects[..., 0], rects[..., 2], width, FIELD_W)  # (N, R, W)
    # The background is one more rectangle covering everything, so that the whole picture
    # is a single batched matmul per channel: (N, H, R+1) @ (N, R+1, W).
    rows = torch.cat([rows, torch.ones(n, 1, height, device=rows.device)], dim=1)
    cols = torch.cat([cols, torch.ones(n, 1, width, device=cols.device)], dim=1)
    tint = torch.cat([colours - background, background[None]]).to(rows)  # (R+1, C)
    channels = [torch.bmm((rows * tint[:, c, None]).transpose(1, 2), cols) for c in range(tint.shape[1])]
    return torch.stack(channels, dim=1)  # (N, C, H, W)


def draw_tiles(
    alive: torch.Tensor,
    colours: torch.Tensor,
    top: float,
    left: float,
    tile_h: float,
    tile_w: float,
    height: int,
    width: int,
) -> torch.Tensor:
    """Draw a grid of tiles (Breakout's bricks): ``alive`` ``(N, rows, cols)`` bool.

    :param colours: ``(rows, C)``, one colour per row of tiles (as the 2600 draws them),
        as the difference from the background.
    :returns: ``(N, C, height, width)``, the tiles' difference from the background (add it
        to :func:`draw_rects`' picture).
    """
    n_rows, n_cols = alive.shape[1:]
    device = alive.device
    y0 = top + tile_h * torch.arange(n_rows, device=device, dtype=torch.float32)
    x0 = left + tile_w * torch.arange(n_cols, device=device, dtype=torch.float32)
    row_cover = coverage(y0[None], (y0 + tile_h)[None], height, FIELD_H)[0]  # (rows, H)
    col_cover = coverage(x0[None], (x0 + tile_w)[None], width, FIELD_W)[0]  # (cols, W)
    weighted = alive.to(torch.float32)[:, None] * colours.T.to(torch.float32)[None, :, :, None]  # (N, C, rows, cols)
    return torch.einsum("rh,ncrk,kw->nchw", row_cover, weighted, col_cover)


def to_uint8(image: torch.Tensor) -> torch.Tensor:
    """Round to uint8 in two passes over the picture (``round`` alone costs more than both)."""
    return image.add_(0.5).clamp_(0, 255).to(torch.uint8)


def grey(rgb: tuple[int, int, int]) -> float:
    """ITU-R 601 luma, as ALE's grayscale observations use."""
    r, g, b = rgb
    return 0.299 * r + 0.587 * g + 0.114 * b
