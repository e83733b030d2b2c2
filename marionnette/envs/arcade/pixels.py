"""Pixel observations at memory speed: a step writes one 84×84 frame per env, not a stack.

:meth:`ArcadeVectorEnv._paint` draws a whole picture (a float32 matrix product over every
rectangle, then rounded), and stacking frames by concatenation rewrote the four frames of
every env each step: ~30 bytes of traffic per observation pixel. Two pieces here cut it to
about the one frame a step must write:

- :class:`FrameWindow` keeps each env's frames in a window of ``slots`` frames; the
  observation is a view of its last four (no copy), and only when the window is full are
  the last three moved to its front (3 frames every ``slots - 3`` steps).
- :class:`Painter` draws a frame as the scenery, drawn once, plus a small patch around
  each sprite on screen (the rectangles that move; absent ones, of no width, get none).
  The scenery (the rectangles before a game's ``SPRITES``, and Breakout's bricks) is drawn
  with sprites of no width by ``_paint`` itself: where no sprite reaches, its pixels are
  ``_paint``'s own, since the sprites' terms are exact zeros there. It is one image for the
  batch, or one per env for a game with tiles, redrawn only for the envs whose tiles changed.

The patches are where care is needed: ``_paint``'s float32 matrix product sums its terms
in an order that depends on the shapes, so a patch cannot be drawn bit for bit the same by
a smaller product. Each patch pixel is summed here from the same float32 coverages and
tints (the scenery's, its sprite's, the other sprites' that reach in, the tiles') in
another order: the two sums differ by less than a bound on float32's rounding error
(:data:`UNIT_ROUNDOFF`), so both round alike unless the pixel lies that close to a rounding
tie (x.5); such a pixel is not trusted, and its env's whole frame is drawn by ``_paint``
instead (0-1% of frames, measured). No pixel of the scenery alone lies that close to a tie,
so the patches' pixels that no sprite touches come out as the scenery's. The frames are
thus bit for bit ``_paint``'s (tests/envs/arcade/test_pixels.py checks it over every game,
restarts and bricks included).

Speed on the CPU is mostly memory: every tensor of a few MB made afresh costs a page fault
every 4 KB, more than the arithmetic on it, so the patches' tensors are work buffers made
once (and sized for every sprite; a step uses the first P).
"""

from __future__ import annotations

import math
from typing import ClassVar, Protocol

import torch

from marionnette.envs.arcade import draw

State = dict[str, torch.Tensor]


class Game(Protocol):
    """What :class:`Painter` reads of a game (an ``ArcadeVectorEnv``; declared here, not
    imported, so that core can import this module)."""

    SPRITES: ClassVar[int]
    SPRITE_SIZE: ClassVar[tuple[float, float]]
    TILE_GEOMETRY: ClassVar[tuple[float, float, float, float] | None]
    num_envs: int
    device: torch.device
    _state: State
    _grey: dict[str, torch.Tensor]

    def _scene(self, state: State) -> tuple[torch.Tensor, torch.Tensor | None]: ...

    def _paint(self, rects: torch.Tensor, tiles: torch.Tensor | None, palette: dict[str, torch.Tensor],
               height: int, width: int) -> torch.Tensor: ...  # fmt: skip

FRAME = 84
STACK = 4
ROW = draw.FIELD_H / FRAME  # playfield units per pixel row (2.5)
COL = draw.FIELD_W / FRAME  # per pixel column (1.905)
# A float32 sum of k terms of total magnitude S errs by at most (k - 1)·u·S in any order,
# and each term's own rounding by u·|term| (u = 2**-24); two more roundings follow (the
# tiles added, 0.5 added). So two sums of a pixel in different orders differ by less than
# 2·(k + 2)·u·S, and a pixel nearer than that to a tie (x.5) rounds by float32's luck.
UNIT_ROUNDOFF = 2.0**-24
SLOTS = 12  # frames a window keeps: the last three move to its front every SLOTS - 3 steps
EDGE = 0.01  # units: far less than a pixel, far more than float32's error on a playfield coordinate


class FrameWindow:
    """The last :data:`STACK` frames of ``n`` envs as a view into ``(n, slots, 84, 84)`` uint8.

    ``next_slot()`` hands out the frame to write this step; ``stack()`` is then the
    observation, oldest frame first. A stack stays valid until ``slots - 3`` more steps
    (when the window wraps round): callers that keep observations copy them.
    """

    def __init__(self, n: int, device: torch.device, slots: int = SLOTS):
        if slots < STACK + 1:
            raise ValueError(f"slots={slots}: the window needs at least {STACK + 1}")
        self.frames = torch.zeros((n, slots, FRAME, FRAME), dtype=torch.uint8, device=device)
        self.newest = STACK - 1  # slot of the newest frame

    def next_slot(self) -> torch.Tensor:
        """``(n, 84, 84)``: the slot this step's frame goes into."""
        slots = self.frames.shape[1]
        if self.newest == slots - 1:  # full: the three frames the next stack keeps go to the front
            self.frames[:, : STACK - 1] = self.frames[:, slots - STACK + 1 :]
            self.newest = STACK - 2
        self.newest += 1
        return self.frames[:, self.newest]

    def stack(self) -> torch.Tensor:
        """``(n, 4, 84, 84)``, a view: the last four frames, oldest first."""
        return self.frames[:, self.newest - STACK + 1 : self.newest + 1]

    def restart(self, envs: torch.Tensor | None = None) -> None:
        """Envs that (re)started see their first frame four times. ``envs``: indices
        ``(k,)``, or a bool mask ``(n,)`` (a where over every stack: no host sync), or None
        for all."""
        older = self.frames[:, self.newest - STACK + 1 : self.newest]  # (n, 3, 84, 84)
        newest = self.frames[:, self.newest, None]
        if envs is None:
            older.copy_(newest.expand_as(older))
        elif envs.dtype == torch.bool:
            older.copy_(torch.where(envs[:, None, None, None], newest, older))
        elif envs.numel():
            older[envs] = newest[envs].expand(-1, STACK - 1, -1, -1)


class Painter:
    """Draws ``env``'s observation frames (grey, 84×84) as scenery plus sprite patches; see
    the module docstring. ``env`` declares ``SPRITES`` (how many of ``_scene``'s last
    rectangles move) and ``SPRITE_SIZE`` (the largest ``(w, h)`` of any, in playfield
    units); the rectangles before them are the same in every env and every step."""

    def __init__(self, env: Game):
        self.env = env
        self.palette = env._grey
        self.sprites = env.SPRITES
        w, h = env.SPRITE_SIZE
        # A rect of height h touches at most floor(h / ROW) + 2 rows; a patch starts from
        # EDGE units above the rect (a row early at worst, never late) and has one row more.
        self.patch = ph, pw = (math.floor(h / ROW) + 3, math.floor(w / COL) + 3)  # (rows, cols)
        self.down, self.across = (torch.arange(k, dtype=torch.float32, device=env.device) for k in (ph, pw))
        self.offsets = (self.down[:, None] * FRAME + self.across).long().view(1, -1)  # a patch's pixels from its corner
        self.others = ~torch.eye(self.sprites, dtype=torch.bool, device=env.device)  # not a sprite and itself
        # Work buffers for every sprite's patch, made once (a step uses the first P): a step's
        # patches are a few MB, and fresh allocations that size cost a page fault every 4 KB.
        shape = (env.num_envs * self.sprites, ph, pw)
        self.work = {name: torch.empty(shape, dtype=torch.float32, device=env.device)
                     for name in ("value", "own", "magnitude", "rounded")}  # fmt: skip
        self.work["drawn"] = torch.empty(shape, dtype=torch.uint8, device=env.device)
        self.work["pixels"] = torch.empty((shape[0], ph * pw), dtype=torch.int64, device=env.device)
        for name, k in (("rows", ph), ("row_cover", ph), ("row_scratch", ph),
                        ("cols", pw), ("col_cover", pw), ("col_scratch", pw)):  # fmt: skip
            self.work[name] = torch.empty((shape[0], k), dtype=torch.float32, device=env.device)
        pairs = (env.num_envs, self.sprites, self.sprites)
        self.pairs = {name: torch.empty(pairs, dtype=torch.bool, device=env.device) for name in ("reaches", "test")}
        self.fallbacks = 0  # frames drawn whole because of a near-tie (a diagnostic)
        self.frames = 0
        rects, tiles = env._scene(env._state)
        n_static = rects.shape[1] - self.sprites
        bg = self.palette["background"][0]
        tint = (self.palette["rects"] - self.palette["background"])[:, 0]  # (R,) float32, as _paint makes it
        self.sprite_tint = tint[-self.sprites :]  # (M,)
        # The scenery unrounded, for the patches: bg + the static rects' float32 terms.
        scenery = rects[:1, :n_static]
        rows = draw.coverage(scenery[..., 1], scenery[..., 3], FRAME, draw.FIELD_H)[0]  # (S, 84)
        cols = draw.coverage(scenery[..., 0], scenery[..., 2], FRAME, draw.FIELD_W)[0]
        terms = (rows * tint[:n_static, None])[:, :, None] * cols[:, None, :]  # (S, 84, 84)
        self.scenery = (bg + terms.sum(0)).view(-1)  # (84 * 84,) float32
        # For the rounding-error bound (see _patches): the terms' magnitude and count.
        self.scenery_abs = (bg.abs() + terms.abs().sum(0)).view(-1)
        self.scenery_terms = 1 + int((terms != 0).sum(0).max())  # the most any pixel sums (the background's too)
        self.tiles = tiles is not None
        if self.tiles:
            top, left, tile_h, tile_w = env.TILE_GEOMETRY
            n_rows, n_cols = tiles.shape[1:]
            self.tile_rows = top + tile_h * torch.arange(n_rows, dtype=torch.float32, device=env.device)
            self.tile_cols = left + tile_w * torch.arange(n_cols, dtype=torch.float32, device=env.device)
            self.tile_size = (tile_h, tile_w)
            self.tile_tint = (self.palette["tiles"] - self.palette["background"])[:, 0]  # (rows,)
            self.base = torch.empty((env.num_envs, FRAME, FRAME), dtype=torch.uint8, device=env.device)
            self.base_tiles = tiles.clone()
            self._redraw_base(rects, tiles, None)
        else:  # one scenery for the whole batch
            self.base = self._without_sprites(rects[:1], None)[0]

    def _without_sprites(self, rects: torch.Tensor, tiles: torch.Tensor | None) -> torch.Tensor:
        """``_paint`` of the scenery alone: the sprites drawn with no width."""
        rects = rects.clone()
        rects[:, -self.sprites :, 2] = rects[:, -self.sprites :, 0]
        return self.env._paint(rects, tiles, self.palette, FRAME, FRAME)[:, 0]

    def _redraw_base(self, rects: torch.Tensor, tiles: torch.Tensor, envs: torch.Tensor | None) -> None:
        if envs is None:
            self.base.copy_(self._without_sprites(rects, tiles))
            self.base_tiles.copy_(tiles)
        else:
            self.base[envs] = self._without_sprites(rects[envs], tiles[envs])
            self.base_tiles[envs] = tiles[envs]

    def paint(self, state: State, out: torch.Tensor) -> None:
        """Draw every env's frame of ``state`` into ``out`` ``(N, 84, 84)`` uint8."""
        rects, tiles = self.env._scene(state)
        n = rects.shape[0]
        if self.tiles:  # bricks broken since the base was drawn: those envs' scenery again
            changed = (tiles != self.base_tiles).flatten(1).any(1).nonzero().squeeze(1)
            if changed.numel():
                self._redraw_base(rects, tiles, changed)
            out.copy_(self.base)
        else:
            out.copy_(self.base.expand(n, -1, -1))
        env, pixels, drawn, near = self._patches(rects, tiles)
        # ``out`` is a slot of a window: its frames lie a stride apart in one storage
        if env.numel() == n * self.sprites:  # every sprite shown: a row of patches per env (in parallel)
            frames = out.as_strided((n, FRAME * FRAME), (out.stride(0), 1))
            frames.scatter_(1, pixels.view(n, -1), drawn.view(n, -1))
        else:
            frames = out.as_strided(((n - 1) * out.stride(0) + FRAME * FRAME,), (1,))
            at = pixels.add_((env * out.stride(0))[:, None])  # (P, ph*pw): into ``frames``
            frames.index_copy_(0, at.view(-1), drawn.view(-1))
        redo = env[near].unique()
        if redo.numel():  # near a rounding tie: these envs' frames drawn whole, the old way
            out[redo] = self.env._paint(rects[redo], None if tiles is None else tiles[redo], self.palette,
                                        FRAME, FRAME)[:, 0]  # fmt: skip
        self.frames += n
        self.fallbacks += int(redo.numel())

    def _patches(self, rects: torch.Tensor, tiles: torch.Tensor | None
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:  # fmt: skip
        """A patch round each sprite on screen: its env ``(P,)``; its ``pixels``, indices
        into the env's flattened frame ``(P, ph*pw)``; their values, ``drawn`` ``(P, ph, pw)``
        uint8; and whether the patch has a pixel too close to a rounding tie to be trusted,
        ``near`` ``(P,)`` (see :data:`UNIT_ROUNDOFF`)."""
        n, m = rects.shape[0], self.sprites
        ph, pw = self.patch
        sprites = rects[:, -m:]  # (N, M, 4)
        x0, y0, x1, y1 = sprites.unbind(2)  # (N, M) each
        # Only sprites with some area on screen get a patch (Asterix's empty lanes and lost
        # lives, a ball out of play): everywhere else the scenery is the frame.
        shown = (x1 > x0) & (y1 > y0) & (x1 > 0) & (x0 < draw.FIELD_W) & (y1 > 0) & (y0 < draw.FIELD_H)
        index = shown.view(-1).nonzero().squeeze(1)  # (P,)
        p = index.numel()
        env, which = index // m, index % m
        rect = sprites.reshape(n * m, 4)[index]  # (P, 4)
        top_all = ((y0 - EDGE) / ROW).floor().clamp(0, FRAME - ph)  # (N, M), float: the patch's first row
        left_all = ((x0 - EDGE) / COL).floor().clamp(0, FRAME - pw)
        top, left = top_all.view(-1)[index], left_all.view(-1)[index]  # (P,), whole numbers
        work = {name: buffer[:p] for name, buffer in self.work.items()}
        # Pixel rows and columns as float32 (what coverage_at takes; int64 broadcasts are 15× slower)
        rows = torch.add(top[:, None], self.down, out=work["rows"])  # (P, ph)
        cols = torch.add(left[:, None], self.across, out=work["cols"])  # (P, pw)
        corner = (top * FRAME + left).long()[:, None]  # (P, 1): exact, far below 2**24
        pixels = torch.add(corner, self.offsets, out=work["pixels"])  # (P, ph*pw)
        at = pixels.view(-1)
        own = self._terms(rect, self.sprite_tint[which], rows, cols, work)  # (P, ph, pw)
        value = torch.index_select(self.scenery, 0, at, out=work["value"].view(-1)).view(p, ph, pw).add_(own)
        magnitude = torch.index_select(self.scenery_abs, 0, at, out=work["magnitude"].view(-1)).view(p, ph, pw)
        magnitude.add_(own.abs_())
        # The terms a patch's pixel can sum (for the bound): the scenery's, the sprite's own,
        # the other sprites reaching in, the tiles' (at most four), and the bound's two roundings.
        most = self.scenery_terms + 1 + 2 + (4 if tiles is not None else 0)
        count = torch.full((p,), float(most), device=rects.device)  # (P,)
        # reaches[n, j, k]: sprite k reaches into the patch of sprite j (a unit of margin)
        py0, py1 = top_all[..., None] * ROW - 1, (top_all[..., None] + ph) * ROW + 1  # (N, M, 1)
        px0, px1 = left_all[..., None] * COL - 1, (left_all[..., None] + pw) * COL + 1
        sx0, sy0, sx1, sy1 = (c[:, None, :] for c in (x0, y0, x1, y1))  # (N, 1, M)
        reaches, test = torch.lt(sx0, px1, out=self.pairs["reaches"]), self.pairs["test"]  # (N, M, M)
        reaches &= torch.gt(sx1, px0, out=test)
        reaches &= torch.lt(sy0, py1, out=test)
        reaches &= torch.gt(sy1, py0, out=test)
        reaches &= shown[:, :, None]
        reaches &= shown[:, None, :]
        reaches &= self.others
        pair_env, patch, sprite = reaches.nonzero().unbind(1)  # (Q,) each
        if pair_env.numel():
            position = shown.view(-1).cumsum(0) - 1  # a shown sprite's patch among the P
            p_index = position[pair_env * m + patch]  # the patch each pair adds to
            other = self._terms(sprites[pair_env, sprite], self.sprite_tint[sprite], rows[p_index], cols[p_index])
            value.index_add_(0, p_index, other)
            magnitude.index_add_(0, p_index, other.abs_())
            count.index_add_(0, p_index, torch.ones_like(p_index, dtype=count.dtype))
        if tiles is not None:
            tile_sum, tile_abs = self._tile_patches(tiles[env], rows, cols)
            value += tile_sum
            magnitude += tile_abs
        margin = magnitude.mul_(count.mul_(2 * UNIT_ROUNDOFF)[:, None, None])  # 2·(k + 2)·u·Σ|terms|
        rounded = torch.round(value, out=work["rounded"])  # = _paint's floor(x + 0.5) wherever x is not near a tie
        distance = value.sub_(rounded).abs_().add_(margin)  # |x - round(x)| + margin
        near = distance.view(p, ph * pw).amax(1) > 0.5
        drawn = work["drawn"].copy_(rounded.clamp_(0, 255))
        return env, pixels, drawn, near

    @staticmethod
    def _terms(rect: torch.Tensor, tint: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor,
               work: dict[str, torch.Tensor] | None = None) -> torch.Tensor:  # fmt: skip
        """``_paint``'s float32 terms of rectangles ``rect (P, 4)`` of ``tint (P,)`` on pixel rows
        ``(P, ph)`` and columns ``(P, pw)``: ``(P, ph, pw)`` (into ``work["own"]`` if given)."""
        work = work or {}
        # (P, ph) and (P, pw), _paint's bits
        row_cover = draw.coverage_at(rect[:, 1, None], rect[:, 3, None], rows, ROW,
                                     work.get("row_cover"), work.get("row_scratch"))  # fmt: skip
        col_cover = draw.coverage_at(rect[:, 0, None], rect[:, 2, None], cols, COL,
                                     work.get("col_cover"), work.get("col_scratch"))  # fmt: skip
        weighted = row_cover.mul_(tint[:, None])  # the float32 product _paint takes before its matmul
        return torch.mul(weighted[:, :, None], col_cover[:, None, :], out=work.get("own"))

    def _tile_patches(self, tiles: torch.Tensor, rows: torch.Tensor, cols: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
        """The tiles' terms on each patch and their magnitude, ``(P, ph, pw)`` each."""
        tile_h, tile_w = self.tile_size
        row_cover = draw.coverage_at(self.tile_rows[:, None], (self.tile_rows + tile_h)[:, None],
                                     rows[:, None, :], ROW)  # (P, T_rows, ph)  # fmt: skip
        col_cover = draw.coverage_at(self.tile_cols[:, None], (self.tile_cols + tile_w)[:, None],
                                     cols[:, None, :], COL)  # (P, T_cols, pw)  # fmt: skip
        alive = tiles.float()  # (P, T_rows, T_cols): each patch's env's tiles
        signed, size = (alive * tint[None, :, None] for tint in (self.tile_tint, self.tile_tint.abs()))
        return (torch.einsum("prh,prk,pkw->phw", row_cover, signed, col_cover),
                torch.einsum("prh,prk,pkw->phw", row_cover, size, col_cover))  # fmt: skip
