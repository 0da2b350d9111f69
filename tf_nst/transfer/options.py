"""What a fast transfer is asked to do, independent of the model that does it.

:class:`TransferOptions` (strength, colour, size, tiles, the style images of a model that takes
any painting) and :class:`OutputOptions` (bit depth, JPEG quality) are plain data, checked by the
model that uses them (:meth:`tf_nst.transfer.fast_model.FastModel.check_options`);
:func:`finish_network_output` is the pixel post-processing every transform network's output
gets (colour preservation, strength, the mask composite).
"""
from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from tf_nst.config import PRESERVE_COLOR
from tf_nst.core.errors import UserError
from tf_nst.media import images as images_lib
from tf_nst.media import tiling
from tf_nst.segmentation import masks


def check_strength(strength: float) -> None:
    """A one-line error unless ``strength`` is a number from 0 to 1."""
    if not isinstance(strength, (int, float)) or not 0.0 <= strength <= 1.0:
        raise UserError(f"strength must be a number from 0 to 1, got {strength!r}")


@dataclasses.dataclass
class TransferOptions:
    """How images go through a fast model; each field is the ``tf-nst transfer`` flag of that name.

    strength: 0..1. A transform network's output is mixed with the photo in pixels; the universal
        model mixes the style's and the photo's features at every level (Li et al.'s alpha).
    preserve_color: "none" | "luminance" (stylized brightness, the photo's colours) | "histogram"
        (universal: the style recoloured to the photo's colour statistics first; networks: the
        result recoloured to the photo's).
    max_size: shrink inputs whose long side exceeds this many pixels (None = keep the size).
    tile_size, tile_overlap: tiles for large images (:mod:`tf_nst.media.tiling`); None = tile images of
        more than the model's ``auto_tile_pixels`` with its ``tile_size``; 0 = never tile.
    styles, style_weights, background_style, transform, style_size: the universal model's style
        images (or :class:`tf_nst.universal.model.EncodedStyle`), their blend, the style for the unmasked
        region, "wct" | "adain", and the style's long side in pixels (stroke scale).
    """

    strength: float = 1.0
    preserve_color: str = "none"
    max_size: int | None = None
    styles: Sequence = ()
    style_weights: Sequence[float] | None = None
    background_style: object = None
    transform: str = "wct"
    style_size: int = 512
    tile_size: int | None = None
    tile_overlap: int | None = None

    def tiling_for(self, model, height: int, width: int) -> tiling.Tiling | None:
        """How to tile an image of this size through ``model`` (None: in one piece)."""
        if self.tile_size == 0 or (self.tile_size is None and height * width <= model.auto_tile_pixels):
            return None
        size = self.tile_size or model.tile_size
        overlap = min(model.tile_overlap, tiling.largest_overlap(size, model.tile_alignment)) \
            if self.tile_overlap is None else self.tile_overlap
        return tiling.Tiling(size, overlap, model.tile_alignment).check(model.receptive_field)

    def check(self, model) -> "TransferOptions":
        """These options, checked for ``model`` (a :class:`~tf_nst.transfer.fast_model.FastModel`):
        one-line errors for what no model or this model cannot do."""
        check_strength(self.strength)
        if self.preserve_color not in PRESERVE_COLOR:
            raise UserError(f"unknown preserve_color {self.preserve_color!r}; choose one of {', '.join(PRESERVE_COLOR)}")
        if self.max_size is not None and self.max_size < 16:
            raise UserError(f"max_size must be at least 16 px, got {self.max_size}")
        model.check_options(self)
        if self.tile_size != 0:
            self.tiling_for(model, 1 << 30, 1)
        return self

    def encoded_for(self, model) -> "TransferOptions":
        """These options prepared once by ``model`` for many photos or frames (the universal model
        encodes its style images here)."""
        return model.prepare(self)


@dataclasses.dataclass(frozen=True)
class OutputOptions:
    """How result files are written: ``bit_depth`` 8 or 16 (PNG/TIFF), ``jpeg_quality`` 1..100."""

    bit_depth: int = 8
    jpeg_quality: int = 95

    @property
    def dtype(self):
        """The numpy dtype of the written pixels."""
        return np.uint16 if self.bit_depth == 16 else np.uint8


def fit_max_size(image: np.ndarray, max_size: int | None) -> np.ndarray:
    """``image`` shrunk to a long side of ``max_size`` if it is longer (None: as it is)."""
    return image if max_size is None or max(image.shape[:2]) <= max_size else images_lib.resize_long_side(image, max_size)


def finish_network_output(stylized: np.ndarray, photo: np.ndarray, options: TransferOptions,
                          mask: np.ndarray | None = None, recolor=None) -> np.ndarray:
    """Colour preservation, strength and the mask composite applied to a transform network's output
    (``recolor``: the histogram colour map to use, by default the one from ``stylized`` to ``photo``)."""
    photo = np.asarray(photo, np.float32)
    if options.preserve_color == "luminance":
        stylized = images_lib.combine_luminance(stylized, photo)
    elif options.preserve_color == "histogram":
        stylized = (recolor or images_lib.color_matching(stylized, photo))(stylized)
    if options.strength < 1.0:
        stylized = options.strength * stylized + (1.0 - options.strength) * photo
    if mask is not None:
        stylized = masks.composite(stylized, photo, mask)
    return np.clip(stylized, 0.0, 255.0).astype(np.float32)
