"""Tiled transfer for large images: bounded memory, no seams, the whole image's statistics.

An image is cut into overlapping tiles on a regular grid; each tile goes through the network, and
the outputs are blended with raised-cosine ramps across the overlaps that sum to one (a partition
of unity), after dropping a margin at each inner tile edge where the tile's padding shows. The
blend streams over rows of tiles: only one row of tiles is held in float32, the input and output
stay in 8 or 16 bits.

A network with instance normalization computes its statistics over the whole input; per tile they
would differ and every tile would get its own tint. As in Chen et al., "Towards Ultra-Resolution
Neural Style Transfer via Thumbnail Instance Normalization" (AAAI 2022), the statistics come from
a first pass over a thumbnail of the whole image, and every tile is normalized with them
(:class:`tf_nst.networks.thumbnail_norms.ThumbnailNormalized`; the universal model does the same with its WCT/AdaIN feature maps,
:meth:`tf_nst.universal.model.UniversalModel.transfer_tiled`). The thumbnail is the image itself up to
the model's ``auto_tile_pixels`` (the size above which it tiles), so there tiled output equals
untiled output up to rounding; above it, the statistics are the thumbnail's, and the result
differs from an untiled run by as much as the statistics of a downscaled image differ (README).
"""
from __future__ import annotations

import dataclasses
import math
import time
from typing import Callable

import numpy as np

from tf_nst.core.errors import UserError
from tf_nst.media.images import convert, resize

#: Tiles start at multiples of this by default: a network downsamples by up to 8, and a tile off
#: that grid would pool other pixels together than the whole image (a model with a coarser grid,
#: such as the universal cascade's half-size relu4_1 stage, says so: ``Tiling.alignment``).
TILE_ALIGNMENT = 8


@dataclasses.dataclass(frozen=True)
class Tiling:
    """Tile side, overlap and start grid in pixels; ``check(receptive_field)`` rejects tiles too small to work."""

    tile_size: int = 1024
    overlap: int = 128
    alignment: int = TILE_ALIGNMENT

    def check(self, receptive_field: int) -> "Tiling":
        if self.tile_size < receptive_field:
            raise UserError(f"tile size {self.tile_size} px is smaller than the network's receptive field "
                            f"({receptive_field} px); use at least {receptive_field}")
        largest = largest_overlap(self.tile_size, self.alignment)
        if not 0 <= self.overlap <= largest:
            raise UserError(f"tile overlap must be from 0 to {largest} px for {self.tile_size} px tiles, "
                            f"got {self.overlap}")
        return self

    @property
    def margin(self) -> int:
        """Pixels dropped at each inner tile edge (a quarter of the overlap)."""
        return self.overlap // 4


def largest_overlap(tile_size: int, alignment: int = TILE_ALIGNMENT) -> int:
    """The largest overlap a tile holds on both sides (each up to two alignment steps over)."""
    return max(0, (tile_size - 7 * alignment) // 3)


def axis_tiles(length: int, tiling: Tiling) -> list[tuple[int, np.ndarray]]:
    """Tiles along one axis: (start, weights) per tile, the weights [tile length] summing to one
    over the axis. The fewest tiles of about ``tiling.tile_size`` that overlap by at least
    ``tiling.overlap``, shrunk to spread the overlap evenly; starts and lengths are multiples of
    ``tiling.alignment``, except that the last tile ends at ``length``."""
    if tiling.tile_size >= length:
        return [(0, np.ones(length, np.float32))]
    align = tiling.alignment
    tile_size = tiling.tile_size // align * align  # every tile but the last spans whole grid cells
    step = tile_size - tiling.overlap - align
    count = math.ceil((length - tiling.overlap) / step)
    size = -(-(math.ceil((length - tiling.overlap) / count) + tiling.overlap + align) // align) * align
    starts = [align * int(i * (length - size) / (count - 1) / align) for i in range(count)]
    ends = [min(start + size, length) for start in starts[:-1]] + [length]
    tiles = []
    for index, (start, end) in enumerate(zip(starts, ends)):
        weights = np.ones(end - start, np.float32)
        if index > 0:  # ramp up over the overlap with the previous tile
            overlap = ends[index - 1] - start
            weights[:overlap] = _ramp(overlap, tiling.margin)
        if index + 1 < count:  # ramp down over the overlap with the next tile (the complement)
            overlap = end - starts[index + 1]
            weights[len(weights) - overlap:] = 1.0 - _ramp(overlap, tiling.margin)
        tiles.append((start, weights))
    return tiles


def _ramp(length: int, margin: int) -> np.ndarray:
    """0 for ``margin`` pixels, a raised cosine up to 1, then 1 for ``margin`` pixels."""
    margin = min(margin, length // 2)
    inner = length - 2 * margin
    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(inner, dtype=np.float32) + 0.5) / max(inner, 1))
    return np.concatenate([np.zeros(margin, np.float32), ramp, np.ones(margin, np.float32)])


def tile_count(height: int, width: int, tiling: Tiling) -> int:
    return len(axis_tiles(height, tiling)) * len(axis_tiles(width, tiling))


def tiled_map(image: np.ndarray, apply_tile: Callable[[np.ndarray, tuple[slice, slice]], np.ndarray],
              tiling: Tiling, out_dtype=np.uint8, progress: Callable[["TileProgress"], None] | None = None
              ) -> np.ndarray:
    """Blend ``apply_tile(tile float32 [h, w, 3] 0..255, (rows, cols)) -> [h, w, 3]`` over the tiles of
    ``image`` ([H, W, 3], any dtype, 0..255) into an array of ``out_dtype`` (uint8, uint16 = x257,
    or float32), one row of tiles at a time."""
    height, width = image.shape[:2]
    rows, cols = axis_tiles(height, tiling), axis_tiles(width, tiling)
    output = np.empty((height, width, 3), out_dtype)
    tracker = TileProgress(len(rows) * len(cols), height * width)
    carry = None
    for row_index, (top, row_weights) in enumerate(rows):
        strip = np.zeros((len(row_weights), width, 3), np.float32)
        for left, col_weights in cols:
            window = (slice(top, top + len(row_weights)), slice(left, left + len(col_weights)))
            result = apply_tile(np.asarray(image[window], np.float32), window)
            strip[:, window[1]] += result * col_weights[None, :, None]
            if progress is not None:
                progress(tracker.step())
        strip *= row_weights[:, None, None]
        if carry is not None:
            strip[: len(carry)] += carry
        done = (rows[row_index + 1][0] if row_index + 1 < len(rows) else height) - top
        output[top: top + done] = convert(strip[:done], out_dtype)
        carry = strip[done:]
    return output


class TileProgress:
    """Tiles done, megapixels of the image per second and time left, for progress reports."""

    def __init__(self, total: int, pixels: int):
        self.total, self.pixels, self.done, self.start = total, pixels, 0, time.perf_counter()

    def step(self) -> "TileProgress":
        self.done += 1
        return self

    @property
    def megapixels_per_second(self) -> float:
        return self.pixels * self.done / self.total / 1e6 / max(time.perf_counter() - self.start, 1e-9)

    @property
    def seconds_left(self) -> float:
        elapsed = time.perf_counter() - self.start
        return elapsed / self.done * (self.total - self.done) if self.done else float("nan")

    def __str__(self) -> str:
        return (f"tile {self.done}/{self.total}, {self.megapixels_per_second:.2f} MP/s, "
                f"ETA {self.seconds_left:.0f}s")


def thumbnail(image: np.ndarray, max_pixels: int) -> np.ndarray:
    """``image`` as float32, shrunk (Lanczos) to at most ``max_pixels`` pixels if it is larger (a
    model's ``auto_tile_pixels``: up to that size the thumbnail is the image itself, and tiled
    output equals untiled output up to rounding)."""
    height, width = image.shape[:2]
    if height * width <= max_pixels:
        return np.asarray(image, np.float32)
    scale = math.sqrt(max_pixels / (height * width))
    return resize(image, (max(1, int(width * scale)), max(1, int(height * scale))))
