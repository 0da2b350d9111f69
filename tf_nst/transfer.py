"""Fast transfer: ``load_model(name_or_dir)`` and :func:`transfer_image` / :func:`transfer_files`,
the one API the CLI, the notebooks, the web page and the tests call.

A model is a bundled name (``starry_night``, ``universal``, see :func:`tf_nst.model_files.bundled_models`), a folder
written by ``tf-nst train`` (holding ``model.npz``) or an ``.npz`` file. Transform networks
(:class:`StyleModel`) carry their style; the universal model (:class:`tf_nst.universal.UniversalModel`)
takes any painting through :class:`TransferOptions`.
"""
from __future__ import annotations

import concurrent.futures
import dataclasses
import sys
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import tensorflow as tf

from tf_nst import images as images_lib
from tf_nst import masks, model_files, tiling, transform_net
from tf_nst.model_files import locate_model
from tf_nst.errors import UserError
from tf_nst.config import PRESERVE_COLOR
from tf_nst.features import resolve_precision

class StyleModel:
    """A trained transform network as a callable on float32 [N, H, W, 3] images in 0..255.

    A multi-style network (``metadata["styles"]``) applies :attr:`style_weights` (one weight per
    style; :meth:`select` sets them from a style name, an index or a blend).
    """

    #: Tiling: the network's receptive field, the tile size and the image size above which to tile.
    receptive_field = tiling.TRANSFORM_NET_RECEPTIVE_FIELD
    tile_size, tile_overlap, tile_alignment = 1024, 128, tiling.TILE_ALIGNMENT
    auto_tile_pixels = 2048 * 2048

    def __init__(self, network, metadata: dict, precision: str):
        self.network, self.metadata, self.precision = network, metadata, precision
        self.styles: list[str] = list(metadata.get("styles", ()))
        self.name = metadata.get("style", "style")
        self._apply = self._compile(network)
        self._tiles: tiling.ThumbnailNormalized | None = None
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
        statistics of the image's thumbnail (:mod:`tf_nst.tiling`); ``finish(output, tile, window)``
        post-processes each tile's output."""
        if self._tiles is None:
            self._tiles = tiling.ThumbnailNormalized(self.network)
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


def load_model(name_or_dir: str | Path, precision: str = "auto", weights_dir: str | None = None,
               models_dir: str | Path | None = None):
    """Load a model by name (bundled, a style of the bundled multi-style network — selected — or
    one in ``models_dir``), a ``tf-nst train`` folder or an .npz file: a :class:`StyleModel` for a
    transform network, a :class:`tf_nst.universal.UniversalModel` for universal decoders (which
    also need the VGG19 weights: ``weights_dir`` or ``$TF_NST_WEIGHTS_DIR``)."""
    precision = resolve_precision(precision)
    path, style = locate_model(name_or_dir, models_dir)
    try:
        kind = model_files.read_metadata(path).get("kind", "transform_net")
        if kind == "universal_decoders":
            from tf_nst.universal import load_universal
            return load_universal(path, precision, weights_dir)
        network, metadata = transform_net.load_weights(path, precision)
    except (OSError, ValueError, KeyError) as error:
        raise UserError(f"{path} is not a tf_nst model file ({type(error).__name__})") from None
    model = StyleModel(network, metadata, precision)
    return model.select(style) if style is not None else model


@dataclasses.dataclass
class TransferOptions:
    """How images go through a fast model; each field is the ``tf-nst transfer`` flag of that name.

    strength: 0..1. A transform network's output is mixed with the photo in pixels; the universal
        model mixes the style's and the photo's features at every level (Li et al.'s alpha).
    preserve_color: "none" | "luminance" (stylized brightness, the photo's colours) | "histogram"
        (universal: the style recoloured to the photo's colour statistics first; networks: the
        result recoloured to the photo's).
    max_size: shrink inputs whose long side exceeds this many pixels (None = keep the size).
    tile_size, tile_overlap: tiles for large images (:mod:`tf_nst.tiling`); None = tile images of
        more than the model's ``auto_tile_pixels`` with its ``tile_size``; 0 = never tile.
    styles, style_weights, background_style, transform, style_size: the universal model's style
        images (or :class:`tf_nst.universal.EncodedStyle`), their blend, the style for the unmasked
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

    def encoded_for(self, model) -> "TransferOptions":
        """These options with the universal model's style images encoded once (for many photos or frames)."""
        from tf_nst.universal import UniversalModel
        if not isinstance(model, UniversalModel):
            return self

        def encoded(style):
            return model.encode_style(style, self.style_size) if isinstance(style, np.ndarray) else style
        return dataclasses.replace(self, styles=[encoded(style) for style in self.styles],
                                   background_style=encoded(self.background_style))

    def check(self, model) -> "TransferOptions":
        from tf_nst import universal
        universal.check_strength(self.strength)
        if self.preserve_color not in PRESERVE_COLOR:
            raise UserError(f"unknown preserve_color {self.preserve_color!r}; choose one of {', '.join(PRESERVE_COLOR)}")
        if self.max_size is not None and self.max_size < 16:
            raise UserError(f"max_size must be at least 16 px, got {self.max_size}")
        is_universal = isinstance(model, universal.UniversalModel)
        if is_universal and not self.styles:
            raise UserError("the universal model needs a style image (--style)")
        if not is_universal and (self.styles or self.background_style is not None):
            raise UserError(f"{model.name} is a single-style network; a style image needs --model=universal")
        universal.check_style_weights(self.styles, self.style_weights)
        if self.tile_size != 0:
            self.tiling_for(model, 1 << 30, 1)
        return self


@dataclasses.dataclass(frozen=True)
class OutputOptions:
    """How result files are written: ``bit_depth`` 8 or 16 (PNG/TIFF), ``jpeg_quality`` 1..100."""

    bit_depth: int = 8
    jpeg_quality: int = 95

    @property
    def dtype(self):
        return np.uint16 if self.bit_depth == 16 else np.uint8


def _fit(image: np.ndarray, max_size: int | None) -> np.ndarray:
    return image if max_size is None or max(image.shape[:2]) <= max_size else images_lib.resize_long_side(image, max_size)


def finish_network_output(stylized: np.ndarray, photo: np.ndarray, options: TransferOptions,
                          mask: np.ndarray | None = None, recolour=None) -> np.ndarray:
    """Colour preservation, strength and the mask composite applied to a transform network's output
    (``recolour``: the histogram colour map to use, by default the one from ``stylized`` to ``photo``)."""
    photo = np.asarray(photo, np.float32)
    if options.preserve_color == "luminance":
        stylized = images_lib.combine_luminance(stylized, photo)
    elif options.preserve_color == "histogram":
        stylized = (recolour or images_lib.colour_matching(stylized, photo))(stylized)
    if options.strength < 1.0:
        stylized = options.strength * stylized + (1.0 - options.strength) * photo
    if mask is not None:
        stylized = masks.composite(stylized, photo, mask)
    return np.clip(stylized, 0.0, 255.0).astype(np.float32)


def transfer_image(model, image: np.ndarray, options: TransferOptions = TransferOptions(),
                   mask: np.ndarray | None = None, out_dtype=np.float32,
                   progress: Callable[[tiling.TileProgress], None] | None = None) -> np.ndarray:
    """One photo [H, W, 3] (0..255, float or uint8) through a fast model -> [H, W, 3] of ``out_dtype``
    (float32 0..255, uint8, or uint16 0..65535); ``mask`` ([H, W] in 0..1, the photo's size after
    ``max_size``) restricts the style to the selected region. Large images go tile by tile
    (``options.tile_size``), reporting each tile to ``progress``."""
    image = _fit(image, options.max_size)
    tiles = options.tiling_for(model, *image.shape[:2])
    if tiles is not None:
        return _transfer_tiled(model, image, options, mask, tiles, out_dtype, progress)
    return tiling.convert(_transfer_whole(model, image, options, mask), out_dtype)


def _transfer_tiled(model, image, options: TransferOptions, mask, tiles: tiling.Tiling, out_dtype, progress):
    from tf_nst.universal import UniversalModel
    if isinstance(model, UniversalModel):
        if mask is not None:
            raise UserError("the universal model takes a mask only in one piece; give --tile_size=0 or a "
                            "smaller --max_size")
        return model.transfer_tiled(image, list(options.styles), tiles, options.style_weights, options.strength,
                                    options.transform, preserve_color=options.preserve_color,
                                    style_size=options.style_size, out_dtype=out_dtype, progress=progress)
    height, width = image.shape[:2]
    fitted = transform_net.fitted_size(height, width)
    if fitted != (height, width):  # tile the image as the network sees it whole: resized to multiples of 4
        image = _resized(image, fitted, image.dtype if image.dtype == np.uint8 else np.float32)
        mask = None if mask is None else np.clip(_resized(mask[..., None], fitted, np.float32)[..., 0], 0.0, 1.0)
    recolour = None
    if options.preserve_color == "histogram":  # one colour map for the whole image, from its thumbnail
        thumbnail = tiling.thumbnail(image, model.auto_tile_pixels)
        recolour = images_lib.colour_matching(model.transfer(thumbnail), thumbnail)

    def finish(stylized, tile, window):
        return finish_network_output(stylized, tile, options, None if mask is None else mask[window], recolour)
    if fitted == (height, width):
        return model.transfer_tiled(image, tiles, finish, out_dtype, progress)
    return _resized(model.transfer_tiled(image, tiles, finish, np.float32, progress), (height, width), out_dtype)


def _resized(image: np.ndarray, size: tuple[int, int], dtype) -> np.ndarray:
    """``image`` [H, W, C] resized to ``size`` (height, width) as ``dtype`` (tiling.convert), one
    channel at a time (a large image is held once more in float32 only per channel)."""
    output = np.empty((*size, image.shape[2]), dtype)
    for channel in range(image.shape[2]):
        output[..., channel] = tiling.convert(images_lib.resize(image[..., channel:channel + 1], size[::-1]), dtype)[..., 0]
    return output


def _transfer_whole(model, image, options: TransferOptions, mask) -> np.ndarray:
    from tf_nst.universal import UniversalModel
    image = np.asarray(image, np.float32)
    if isinstance(model, UniversalModel):
        stylized = model.transfer(image, list(options.styles), options.style_weights, options.strength,
                                 options.transform, mask=mask, background=options.background_style,
                                 preserve_color=options.preserve_color, style_size=options.style_size)
        # Outside the mask the features kept the photo's statistics; keep its exact pixels too.
        return stylized if mask is None or options.background_style is not None else masks.composite(
            stylized, image, mask)
    return finish_network_output(model.transfer(image), image, options, mask)


def transfer_batch(model: StyleModel, batch: np.ndarray, options: TransferOptions = TransferOptions(),
                   mask_fn: Callable[[np.ndarray], np.ndarray] | None = None,
                   executor: concurrent.futures.Executor | None = None) -> np.ndarray:
    """[N, H, W, 3] photos through a transform network; ``mask_fn(image) -> [H, W] mask`` runs on
    ``executor`` (a worker thread) while the network runs (both release the GIL)."""
    pending = None
    if mask_fn is not None:
        pending = [executor.submit(mask_fn, image) for image in batch] if executor else [None] * len(batch)
    outputs = model(batch).numpy()
    return np.stack([finish_network_output(output, image, options, None if pending is None else (
        pending[index].result() if executor else mask_fn(image)))
        for index, (output, image) in enumerate(zip(outputs, batch))])


def transfer_files(model, pairs: Iterable[tuple[Path, Path]], options: TransferOptions = TransferOptions(),
                   batch_size: int = 4, mask_fn: Callable[[np.ndarray], np.ndarray] | None = None,
                   warn=lambda message: print(f"warning: {message}", file=sys.stderr, flush=True),
                   progress: Callable[[int], None] | None = None, output: OutputOptions = OutputOptions(),
                   tile_progress: Callable[[tiling.TileProgress], None] | None = None,
                   max_pixels: int = images_lib.MAX_PIXELS, strict: bool = False) -> tuple[list[Path], list[Path]]:
    """Transfer each (input, output) pair; returns (written, skipped).

    An input that cannot be read is skipped with a warning (``strict``: raises the error); the
    others are still written. Inputs are decoded to 8 bits per channel; a transform network takes
    images of equal size in batches, and a large image goes alone, tile by tile (``tile_progress``);
    the universal model encodes each style once for the whole set. ``mask_fn(image) -> [H, W]
    mask`` makes it local.
    """
    from tf_nst.universal import UniversalModel
    options.check(model)
    written, skipped = [], []
    options = options.encoded_for(model)
    pending: dict[tuple[int, ...], list[tuple[np.ndarray, Path]]] = {}

    def save(path: Path, image: np.ndarray) -> None:
        images_lib.save_image(path, image, output.bit_depth, output.jpeg_quality)
        written.append(path)
        if progress is not None:
            progress(len(written))

    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="tf_nst_masks") as executor:
        def flush(shape: tuple[int, ...]) -> None:
            group = pending.pop(shape)
            batch = np.stack([image for image, _ in group])
            if isinstance(model, UniversalModel):
                outputs = [transfer_image(model, image, options, mask_fn(image) if mask_fn else None)
                           for image in batch]
            else:
                outputs = transfer_batch(model, batch, options, mask_fn, executor)
            for output_image, (_, output_path) in zip(outputs, group):
                save(output_path, output_image)

        for source, target in pairs:
            try:
                image = _fit(images_lib.load_image(source, "input", max_pixels, np.uint8), options.max_size)
            except UserError as error:
                if strict:
                    raise
                warn(f"skipped {error}")
                skipped.append(source)
                continue
            if options.tiling_for(model, *image.shape[:2]) is not None:
                save(target, transfer_image(model, image, options, mask_fn(image) if mask_fn else None,
                                            output.dtype, tile_progress))
                continue
            pending.setdefault(image.shape, []).append((image, target))
            if len(pending[image.shape]) >= batch_size:
                flush(image.shape)
            elif sum(len(group) for group in pending.values()) >= 2 * batch_size:
                flush(max(pending, key=lambda shape: len(pending[shape])))
        for shape in list(pending):
            flush(shape)
    return written, skipped
