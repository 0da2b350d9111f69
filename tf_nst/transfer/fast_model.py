"""Fast models: one interface for every model that stylizes a photo in a forward pass.

:class:`FastModel` is what the file and folder pipeline (:mod:`tf_nst.transfer.pipeline`), video,
the contact sheet and export rely on; :class:`StyleModel` (a trained transform network, Johnson
et al. / Dumoulin et al.) and :class:`tf_nst.universal.model.UniversalModel` (any painting, Li et
al.) implement it, so none of them asks which kind of model it holds.
"""
from __future__ import annotations

import concurrent.futures
from typing import Callable, Protocol

import numpy as np
import tensorflow as tf

from tf_nst.core.errors import UserError
from tf_nst.media import images as images_lib
from tf_nst.media import tiling
from tf_nst.networks import transform_net
from tf_nst.networks.thumbnail_norms import ThumbnailNormalized
from tf_nst.transfer.options import TransferOptions, finish_network_output


class FastModel(Protocol):
    """A model that stylizes photos in one forward pass.

    ``name`` names it in messages; ``kind`` is its file's kind (``transform_net`` or
    ``universal_decoders``, the key of its SavedModel archive); ``needs_style``: it takes any
    painting as the style (``TransferOptions.styles``). Tiling: its receptive field, tile size,
    overlap and grid, and the image size above which it tiles.
    """

    name: str
    kind: str
    needs_style: bool
    receptive_field: int
    tile_size: int
    tile_overlap: int
    tile_alignment: int
    auto_tile_pixels: int

    def check_options(self, options: TransferOptions) -> None:
        """A one-line error for options this model cannot honour."""

    def prepare(self, options: TransferOptions) -> TransferOptions:
        """The options with per-folder or per-clip work done once (e.g. style images encoded)."""

    def transfer_photo(self, image: np.ndarray, options: TransferOptions, mask: np.ndarray | None = None) -> np.ndarray:
        """One photo [H, W, 3] 0..255 in one piece -> float32 [H, W, 3] 0..255."""

    def transfer_photos(self, batch: np.ndarray, options: TransferOptions,
                        mask_fn: Callable[[np.ndarray], np.ndarray] | None = None,
                        executor: concurrent.futures.Executor | None = None) -> np.ndarray:
        """Photos of one size [N, H, W, 3] -> float32 [N, H, W, 3]; ``mask_fn(image)`` makes it local."""

    def transfer_photo_tiled(self, image: np.ndarray, options: TransferOptions, mask: np.ndarray | None,
                             tiles: tiling.Tiling, out_dtype=np.uint8, progress=None) -> np.ndarray:
        """A large photo tile by tile, with the whole image's statistics -> [H, W, 3] of ``out_dtype``."""


class StyleModel:
    """A trained transform network as a callable on float32 [N, H, W, 3] images in 0..255.

    A multi-style network (``metadata["styles"]``) applies :attr:`style_weights` (one weight per
    style; :meth:`select` sets them from a style name, an index or a blend). :attr:`style_fixed` is
    True when the model was loaded by one style's name (``load_model("starry_night")``): it then
    stands for that style alone, and its exports take images only.
    """

    #: Tiling: the network's receptive field, the tile size and the image size above which to tile.
    receptive_field = transform_net.RECEPTIVE_FIELD
    tile_size, tile_overlap, tile_alignment = 1024, 128, tiling.TILE_ALIGNMENT
    auto_tile_pixels = 2048 * 2048

    kind = "transform_net"
    needs_style = False

    def __init__(self, network, metadata: dict, precision: str):
        self.network, self.metadata, self.precision = network, metadata, precision
        self.styles: list[str] = list(metadata.get("styles", ()))
        self.name = metadata.get("style", "style")
        self._apply = self._compile(network)
        self._tiles: ThumbnailNormalized | None = None
        self.style_fixed = False
        if self.styles:
            self.select(0)

    def _compile(self, network):
        spec = tf.TensorSpec([None, None, None, 3], tf.float32)
        if not self.styles:
            return tf.function(lambda batch: network(batch, training=False), input_signature=[spec])
        return tf.function(
            lambda batch, weights: network([batch, tf.tile(weights[None], [tf.shape(batch)[0], 1])], training=False),
            input_signature=[spec, tf.TensorSpec([len(self.styles)], tf.float32)])

    def _inputs(self, batch: tf.Tensor):
        return [batch, tf.tile(tf.constant(self.style_weights)[None], [batch.shape[0], 1])] if self.styles else batch

    @property
    def takes_style_weights(self) -> bool:
        """Whether its exports take the style as weights per request (the whole multi-style network)
        rather than serving its selected style alone (a single-style network, or ``style_fixed``)."""
        return bool(self.styles) and not self.style_fixed

    def select(self, style: int | str | dict[str, float]) -> "StyleModel":
        """Choose the style of a multi-style network: an index, a name, or {name: weight} (a blend)."""
        if not self.styles:
            raise UserError(f"{self.name} is a single-style network; it has no styles to choose from")
        blend = style if isinstance(style, dict) else {style: 1.0}
        weights = np.zeros(len(self.styles), np.float32)
        for key, weight in blend.items():
            if isinstance(key, (int, np.integer)) and 0 <= key < len(self.styles):
                index = int(key)
            elif key in self.styles:
                index = self.styles.index(key)
            else:
                raise UserError(f"no style {key!r} in this network; it has {len(self.styles)}: {', '.join(self.styles)}")
            if not np.isfinite(weight) or weight < 0:
                raise UserError(f"blend weights must be non-negative, got {weight!r} for {key!r}")
            weights[index] += weight
        if weights.sum() <= 0:
            raise UserError("blend weights must not all be zero")
        self.style_weights = weights / weights.sum()
        self.name = " + ".join(f"{self.styles[i]}:{w:.2g}" for i, w in enumerate(self.style_weights) if w) \
            if np.count_nonzero(self.style_weights) > 1 else self.styles[int(np.argmax(self.style_weights))]
        return self

    def __call__(self, images: tf.Tensor | np.ndarray, apply=None) -> tf.Tensor:
        images = tf.convert_to_tensor(images, tf.float32)
        apply = apply or self._apply
        if self.styles:
            return apply(images, tf.constant(self.style_weights))
        return apply(images)

    def transfer_tiled(self, image: np.ndarray, tiles: tiling.Tiling,
                       finish: Callable[[np.ndarray, np.ndarray, tuple[slice, slice]], np.ndarray],
                       out_dtype=np.uint8, progress=None) -> np.ndarray:
        """One large image [H, W, 3] (0..255, any dtype) tile by tile, every tile normalized with the
        statistics of the image's thumbnail (:mod:`tf_nst.media.tiling`); ``finish(output, tile, window)``
        post-processes each tile's output."""
        if self._tiles is None:
            self._tiles = ThumbnailNormalized(self.network)
            self._apply_tile = self._compile(self._tiles.network)
        thumbnail = tf.constant(tiling.thumbnail(image, self.auto_tile_pixels)[None])
        self._tiles.use(self._tiles.statistics(self._inputs(thumbnail)))
        return tiling.tiled_map(image, lambda tile, window: finish(self(tile[None], self._apply_tile)[0].numpy(),
                                                                   tile, window), tiles, out_dtype, progress)

    def transfer(self, image: np.ndarray) -> np.ndarray:
        """One [H, W, 3] image in 0..255 -> its stylized version, same size."""
        return self(image[None])[0].numpy()

    def __repr__(self) -> str:
        return f"StyleModel({self.name!r}, width={self.metadata.get('width')}, precision={self.precision!r})"

    # --- the FastModel interface --------------------------------------------------------------
    def check_options(self, options: TransferOptions) -> None:
        """A network has its style built in: style images are an error."""
        if options.styles or options.background_style is not None:
            raise UserError(f"{self.name} is a single-style network; a style image needs --model=universal")

    def prepare(self, options: TransferOptions) -> TransferOptions:
        """Nothing to prepare: the options as they are."""
        return options

    def transfer_photo(self, image: np.ndarray, options: TransferOptions, mask: np.ndarray | None = None) -> np.ndarray:
        """The network on one photo, then colour, strength and the mask composite."""
        image = np.asarray(image, np.float32)
        return finish_network_output(self.transfer(image), image, options, mask)

    def transfer_photos(self, batch: np.ndarray, options: TransferOptions,
                        mask_fn: Callable[[np.ndarray], np.ndarray] | None = None,
                        executor: concurrent.futures.Executor | None = None) -> np.ndarray:
        """[N, H, W, 3] photos in one pass; ``mask_fn(image) -> [H, W] mask`` runs on ``executor``
        (a worker thread) while the network runs (both release the GIL)."""
        pending = None
        if mask_fn is not None:
            pending = [executor.submit(mask_fn, image) for image in batch] if executor else [None] * len(batch)
        outputs = self(batch).numpy()
        return np.stack([finish_network_output(output, image, options, None if pending is None else (
            pending[index].result() if executor else mask_fn(image)))
            for index, (output, image) in enumerate(zip(outputs, batch))])

    def transfer_photo_tiled(self, image: np.ndarray, options: TransferOptions, mask: np.ndarray | None,
                             tiles: tiling.Tiling, out_dtype=np.uint8, progress=None) -> np.ndarray:
        """Tile by tile with thumbnail statistics, at the size the network sees whole (multiples of 4)."""
        height, width = image.shape[:2]
        fitted = transform_net.fitted_size(height, width)
        if fitted != (height, width):  # tile the image as the network sees it whole: resized to multiples of 4
            image = _resized(image, fitted, image.dtype if image.dtype == np.uint8 else np.float32)
            mask = None if mask is None else np.clip(_resized(mask[..., None], fitted, np.float32)[..., 0], 0.0, 1.0)
        recolor = None
        if options.preserve_color == "histogram":  # one colour map for the whole image, from its thumbnail
            thumbnail = tiling.thumbnail(image, self.auto_tile_pixels)
            recolor = images_lib.color_matching(self.transfer(thumbnail), thumbnail)

        def finish(stylized, tile, window):
            return finish_network_output(stylized, tile, options, None if mask is None else mask[window], recolor)
        if fitted == (height, width):
            return self.transfer_tiled(image, tiles, finish, out_dtype, progress)
        return _resized(self.transfer_tiled(image, tiles, finish, np.float32, progress), (height, width), out_dtype)


def _resized(image: np.ndarray, size: tuple[int, int], dtype) -> np.ndarray:
    """``image`` [H, W, C] resized to ``size`` (height, width) as ``dtype`` (images_lib.convert), one
    channel at a time (a large image is held once more in float32 only per channel)."""
    output = np.empty((*size, image.shape[2]), dtype)
    for channel in range(image.shape[2]):
        output[..., channel] = images_lib.convert(images_lib.resize(image[..., channel:channel + 1], size[::-1]), dtype)[..., 0]
    return output
