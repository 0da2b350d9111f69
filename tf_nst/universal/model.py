"""Universal (arbitrary-style) transfer: any painting as the style in one forward pass per level.

Li et al. 2017: a fixed VGG19 encoder and decoders trained only to reconstruct photos
(:mod:`tf_nst.networks.decoders`, ``tf_nst/config/presets/li2017_universal.py``). For each level of the cascade, deep to
shallow, the current image is encoded to that level, its features are transformed towards the
style's statistics (:mod:`tf_nst.universal.transforms`: WCT or AdaIN, by ``strength``), and the
level's decoder turns them into the next image. The style's statistics at every level come from
one encoder pass and are reused for every content image.

    model = tf_nst.load_model("universal")
    out = model(content_batch, style_batch, strength=0.8)        # float32 [N, H, W, 3] 0..255
    style = model.encode_style(painting)                          # reuse for many photos
    image = model.transfer(photo, [style], strength=0.8, transform="wct")
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Sequence

import numpy as np
import tensorflow as tf

from tf_nst.universal import transforms as ft
from tf_nst.media import images as images_lib
from tf_nst.segmentation import masks as masks_lib
from tf_nst.media import tiling
from tf_nst.networks import light_encoder
from tf_nst.networks.decoders import build_decoder_set
from tf_nst.config import PRESERVE_COLOR
from tf_nst.core.errors import UserError
from tf_nst.perceptual.backbones import FeatureExtractor, dtype_policy
from tf_nst.networks.store import read_weights
from tf_nst.transfer.options import TransferOptions, check_strength

#: The default cascade (deep to shallow) and transform, chosen by time and quality (README).
DEFAULT_LEVELS = ("relu4_1", "relu3_1", "relu2_1", "relu1_1")
DEFAULT_TRANSFORM = "wct"
DEFAULT_STYLE_SIZE = 512
#: By default the deepest level of a cascade runs on the image at half size (``deep_half_size``; its
#: output upsampled back): it brings the style's large-scale statistics at a quarter of the cost.
#: Its output is then mixed with this much of the photo before the next level: the deep decoder
#: blurs the photo's structure (20.6 dB PSNR at relu4_1), which the shallower stages cannot restore.
DEFAULT_PHOTO_MIX = 0.5


def size_multiple(levels: Sequence[str], deep_half_size: bool = True) -> int:
    """Image sides are padded to a multiple of this: the deepest level's stride, twice that when
    that level runs at half size."""
    stride = max(STRIDES[level] for level in levels)
    return stride * 2 if deep_half_size and len(levels) > 1 else stride
MIN_STYLE_SIZE = images_lib.MIN_STYLE_SIZE
#: How many pixels one feature of each level spans (VGG19 pools before relu2_1, relu3_1, relu4_1, relu5_1).
STRIDES = {"relu1_1": 1, "relu2_1": 2, "relu3_1": 4, "relu4_1": 8, "relu5_1": 16}


def _pad_bottom_right(image: tf.Tensor, rows: tf.Tensor, columns: tf.Tensor) -> tf.Tensor:
    """``image`` [H, W, C] reflect-padded by ``rows`` at the bottom and ``columns`` at the right; on
    sides too short to reflect that far (a photo a few pixels wide), the rest repeats the last row
    or column."""
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    reflected_rows, reflected_columns = tf.minimum(rows, height - 1), tf.minimum(columns, width - 1)
    image = tf.pad(image, [[0, reflected_rows], [0, reflected_columns], [0, 0]], mode="REFLECT")
    image = tf.concat([image, tf.repeat(image[-1:], rows - reflected_rows, axis=0)], axis=0)
    return tf.concat([image, tf.repeat(image[:, -1:], columns - reflected_columns, axis=1)], axis=1)


@dataclasses.dataclass
class EncodedStyle:
    """A style image's feature statistics per level (from :meth:`UniversalModel.encode_style`)."""

    stats: dict[str, ft.StyleStats]
    image: np.ndarray  # the style image as encoded (resized), float32 0..255


def check_style_weights(styles: Sequence, weights: Sequence[float] | None) -> list[float]:
    """The blend weights for ``styles`` (equal if None); one-line errors for a mismatch or bad value."""
    if weights is None:
        return [1.0] * len(styles)
    weights = list(weights)
    if len(weights) != len(styles):
        raise UserError(f"{len(weights)} style weights for {len(styles)} styles")
    if any(not np.isfinite(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise UserError(f"style weights must be non-negative and not all zero, got {weights}")
    return weights


class UniversalModel:
    """VGG19 encoder + reconstruction decoders; call on (content, style) batches."""

    #: Tiling (:mod:`tf_nst.media.tiling`): the default cascade's receptive field (VGG19 to relu4_1 spans
    #: 68 px, its mirror decoder as much, both at half size; the shallower stages 48 + 20 + 6), tile
    #: size, and the image size above which to tile (also the largest thumbnail whose feature maps
    #: every tile uses).
    receptive_field = 346
    tile_size, tile_overlap = 1024, 160
    tile_alignment = size_multiple(DEFAULT_LEVELS)
    auto_tile_pixels = 1536 * 1536

    kind = "universal_decoders"
    needs_style = True

    def __init__(self, decoder_set, metadata: dict, precision: str, weights_dir: str | None = None,
                 encoders: dict | None = None, style_encoder=None, name: str = "universal"):
        """``decoder_set`` holds a ``decoder_LEVEL`` layer per level; ``encoders`` (one extractor
        per level, truncated there) and ``style_encoder`` (all levels) default to VGG19's; ``name``
        names it in messages."""
        self.metadata, self.precision, self.name = metadata, precision, name
        self.levels = tuple(metadata["levels"])
        self.decoders = {level: decoder_set.get_layer(f"decoder_{level}") for level in self.levels}
        self.encoders = encoders or {level: FeatureExtractor("vgg19", [level], precision, weights_dir)
                                     for level in self.levels}
        self.style_encoder = style_encoder or FeatureExtractor("vgg19", self.levels, precision, weights_dir)
        self._stage = {level: tf.function(self._make_stage(level), reduce_retracing=True) for level in self.levels}
        self._stage_masked = {level: self._make_masked_stage(level) for level in self.levels}  # eager: rare
        self._stage_fixed = {level: tf.function(self._make_fixed_stage(level), reduce_retracing=True)
                             for level in self.levels}
        self._style_moments = tf.function(self._moments, reduce_retracing=True)

    def _moments(self, image: tf.Tensor) -> dict[str, tuple[tf.Tensor, tf.Tensor]]:
        """level -> (mean, covariance) of one image [1, H, W, 3]'s features, from one encoder pass."""
        stats = {level: ft.style_stats(features[0]) for level, features in self.style_encoder(image).items()}
        return {level: (s.mean, s.covariance) for level, s in stats.items()}

    def _encode(self, level: str, image: tf.Tensor) -> tf.Tensor:
        return tf.cast(self.encoders[level](image)[level][0], tf.float32)

    def _decode(self, level: str, features: tf.Tensor) -> tf.Tensor:
        decoded = tf.cast(self.decoders[level](features[None], training=False), tf.float32)
        return tf.clip_by_value(decoded, 0.0, 255.0)

    def _make_stage(self, level: str):
        """encode to ``level`` -> WCT/AdaIN -> decode, for one image [1, H, W, 3] (one graph per level);
        also returns the affine feature map (matrix, bias) it applied."""
        def stage(image, mean, covariance, covariance_sqrt, strength, kind):
            features = self._encode(level, image)
            flat = tf.reshape(features, [-1, tf.shape(features)[-1]])
            matrix, bias = ft.affine(flat, ft.StyleStats(mean, covariance, covariance_sqrt), strength, kind)
            return self._decode(level, tf.reshape(tf.matmul(flat, matrix) + bias, tf.shape(features))), matrix, bias
        return stage

    def _make_fixed_stage(self, level: str):
        """A stage with a given affine feature map (from a thumbnail's stage), for tiles."""
        def stage(image, matrix, bias):
            features = self._encode(level, image)
            flat = tf.reshape(features, [-1, tf.shape(features)[-1]])
            return self._decode(level, tf.reshape(tf.matmul(flat, matrix) + bias, tf.shape(features)))
        return stage

    def _make_masked_stage(self, level: str):
        def stage(image, stats, strength, kind, mask, outside):
            return self._decode(level, ft.transform(self._encode(level, image), stats, strength, kind, mask, outside))
        return stage

    def check_levels(self, levels: Sequence[str]) -> tuple[str, ...]:
        """``levels`` as a tuple, or a one-line error naming those this model has no decoder for."""
        missing = [level for level in levels if level not in self.levels]
        if missing or not levels:
            raise UserError(f"no decoder for level(s) {', '.join(missing) or '(none given)'}; "
                            f"this model has {', '.join(self.levels)}")
        return tuple(levels)

    def encode_style(self, style: np.ndarray, style_size: int | None = DEFAULT_STYLE_SIZE) -> EncodedStyle:
        """Statistics of ``style`` ([H, W, 3] 0..255) at every level; ``style_size`` sets its long side."""
        if min(style.shape[:2]) < MIN_STYLE_SIZE:
            raise UserError(f"the style image is {style.shape[1]}x{style.shape[0]} px; it needs at least "
                            f"{MIN_STYLE_SIZE} px on each side")
        if style_size is not None:
            if style_size < MIN_STYLE_SIZE:
                raise UserError(f"style size must be at least {MIN_STYLE_SIZE} px, got {style_size}")
            style = images_lib.resize_long_side(style, style_size)
        moments = self._style_moments(tf.constant(style[None], tf.float32))
        return EncodedStyle({level: ft.StyleStats(*moments[level]) for level in self.levels}, style)

    def transfer(self, content: np.ndarray, styles: Sequence[EncodedStyle | np.ndarray],
                style_weights: Sequence[float] | None = None, strength: float = 1.0,
                transform: str = DEFAULT_TRANSFORM, levels: Sequence[str] = DEFAULT_LEVELS,
                mask: np.ndarray | None = None, background: EncodedStyle | np.ndarray | None = None,
                preserve_color: str = "none", style_size: int | None = DEFAULT_STYLE_SIZE,
                photo_mix: float = DEFAULT_PHOTO_MIX, deep_half_size: bool = True) -> np.ndarray:
        """One content image [H, W, 3] 0..255 in the blended style(s), same size.

        ``mask`` ([H, W] in 0..1): only the selected region takes the style; the rest keeps the
        content, or takes ``background`` (a second style) if given. ``photo_mix``: how much of the
        photo the deepest level's output is mixed with before the next level; ``deep_half_size``:
        run the deepest level at half size.
        """
        if mask is not None and mask.shape != content.shape[:2]:
            raise UserError(f"the mask is {mask.shape[1]}x{mask.shape[0]} px, the content {content.shape[1]}x"
                            f"{content.shape[0]} px")
        levels = self.check_levels(levels)
        stats, outside = self._style_stats(content, styles, style_weights, strength, transform, levels,
                                           background, preserve_color, style_size)
        region = None
        if mask is not None:
            stride = size_multiple(levels, deep_half_size)
            padded_mask = np.pad(mask, ((0, -mask.shape[0] % stride), (0, -mask.shape[1] % stride)), mode="edge")

            def region(level: str, height: int, width: int):
                size = (height // STRIDES[level], width // STRIDES[level])
                return (tf.constant(masks_lib.resize_mask(padded_mask, *size)),
                        outside.stats[level] if outside is not None else None)
        image = self._cascade(tf.constant(content, tf.float32), stats, tf.constant(float(strength)), transform,
                              levels, region, photo_mix, deep_half_size).numpy()
        if preserve_color == "luminance":
            image = images_lib.combine_luminance(image, content)
        return image.astype(np.float32)

    def _style_stats(self, content, styles, style_weights, strength, transform, levels, background=None,
                     preserve_color="none", style_size=DEFAULT_STYLE_SIZE):
        """Checked arguments -> (the blended style statistics per level, the background's EncodedStyle)."""
        check_strength(strength)
        if transform not in ft.TRANSFORMS:
            raise UserError(f"unknown transform {transform!r}; choose one of {', '.join(ft.TRANSFORMS)}")
        if preserve_color not in PRESERVE_COLOR:
            raise UserError(f"unknown preserve_color {preserve_color!r}; choose one of {', '.join(PRESERVE_COLOR)}")
        weights = check_style_weights(styles, style_weights)
        if not styles:
            raise UserError("at least one style is needed")

        def encoded(style):
            if isinstance(style, EncodedStyle):
                return style
            if preserve_color == "histogram":
                style = images_lib.match_color_histogram(style, content)
            return self.encode_style(style, style_size)

        encoded_styles = [encoded(style) for style in styles]
        outside = encoded(background) if background is not None else None
        stats = {level: ft.blend_stats([s.stats[level] for s in encoded_styles], weights) for level in levels}
        return stats, outside

    def transfer_tiled(self, content: np.ndarray, styles: Sequence[EncodedStyle | np.ndarray], tiles: tiling.Tiling,
                       style_weights: Sequence[float] | None = None, strength: float = 1.0,
                       transform: str = DEFAULT_TRANSFORM, levels: Sequence[str] = DEFAULT_LEVELS,
                       preserve_color: str = "none", style_size: int | None = DEFAULT_STYLE_SIZE,
                       out_dtype=np.uint8, progress=None, photo_mix: float = DEFAULT_PHOTO_MIX,
                       deep_half_size: bool = True) -> np.ndarray:
        """A large content image [H, W, 3] (0..255, any dtype) tile by tile: the cascade runs once on a
        thumbnail, and every tile gets that run's feature map at every level (the thumbnail's content
        statistics, :mod:`tf_nst.media.tiling`) -> [H, W, 3] of ``out_dtype``."""
        thumbnail = tiling.thumbnail(content, self.auto_tile_pixels)
        levels = self.check_levels(levels)
        stats, _ = self._style_stats(thumbnail, styles, style_weights, strength, transform, levels,
                                     preserve_color=preserve_color, style_size=style_size)
        maps = {}

        def capture(level, image):
            image, *maps[level] = self._stage[level](image, stats[level].mean, stats[level].covariance,
                                                     stats[level].covariance_sqrt, tf.constant(float(strength)),
                                                     transform)
            return image
        self._run_cascade(tf.constant(thumbnail), levels, capture, photo_mix, deep_half_size)

        def apply(tile, window):
            image = self._run_cascade(tf.constant(tile), levels,
                                      lambda level, image: self._stage_fixed[level](image, *maps[level]),
                                      photo_mix, deep_half_size).numpy()
            return images_lib.combine_luminance(image, tile) if preserve_color == "luminance" else image
        return tiling.tiled_map(content, apply, tiles, out_dtype, progress)

    def _cascade(self, content: tf.Tensor, stats: dict[str, ft.StyleStats], strength: tf.Tensor, transform: str,
                 levels: Sequence[str], region=None, photo_mix: float = DEFAULT_PHOTO_MIX,
                 deep_half_size: bool = True) -> tf.Tensor:
        """content [H, W, 3] through the stages of ``levels`` -> [H, W, 3]; ``region(level, height, width)``
        gives the stage's (mask, outside style) when the transform is restricted to a region."""
        def stage(level, image):
            if region is None:
                return self._stage[level](image, stats[level].mean, stats[level].covariance,
                                          stats[level].covariance_sqrt, strength, transform)[0]
            return self._stage_masked[level](image, stats[level], strength, transform,
                                             *region(level, image.shape[1], image.shape[2]))
        return self._run_cascade(content, levels, stage, photo_mix, deep_half_size)

    @staticmethod
    def _run_cascade(content: tf.Tensor, levels: Sequence[str], stage, photo_mix: float,
                     deep_half_size: bool) -> tf.Tensor:
        """Pad ``content`` [H, W, 3] to :func:`size_multiple`, twice it at least (so every decoder
        returns the same size), ``image = stage(level, image)`` for each level (the first at half size if
        ``deep_half_size``, and its output mixed with ``photo_mix`` of the photo), crop back."""
        multiple = size_multiple(levels, deep_half_size)
        height, width = tf.shape(content)[0], tf.shape(content)[1]
        # up to a multiple, and to two multiples at least: the deepest features need 2 px to be reflect-padded
        rows, columns = (tf.maximum(-side % multiple, 2 * multiple - side) for side in (height, width))
        photo = _pad_bottom_right(content, rows, columns)[None]
        image = photo
        deep = len(levels) > 1  # the first level is the deep stage of a cascade
        for index, level in enumerate(levels):
            if index == 0 and deep and deep_half_size:
                size = tf.shape(photo)[1:3]
                image = tf.image.resize(stage(level, tf.image.resize(photo, size // 2, antialias=True)), size)
            else:
                image = stage(level, image)
            if index == 0 and deep:
                image = (1.0 - photo_mix) * image + photo_mix * photo
        return image[0, :height, :width]

    def transfer_tensor(self, content: tf.Tensor, style: tf.Tensor, strength: tf.Tensor,
                        transform: str = DEFAULT_TRANSFORM, levels: Sequence[str] = DEFAULT_LEVELS,
                        style_size: int = DEFAULT_STYLE_SIZE) -> tf.Tensor:
        """The same cascade in TensorFlow ops only (for SavedModels): content [H, W, 3] and style
        [h, w, 3] float32 0..255, strength a scalar -> [H, W, 3]."""
        shape = tf.cast(tf.shape(style)[:2], tf.float32)
        style = tf.image.resize(style, tf.cast(tf.round(shape * style_size / tf.reduce_max(shape)), tf.int32),
                                antialias=True)
        moments = self._moments(style[None])
        stats = {level: ft.StyleStats(*moments[level]) for level in levels}
        return self._cascade(content, stats, strength, transform, levels)

    def __call__(self, contents, styles, strength: float = 1.0) -> tf.Tensor:
        """Stylize each content image [N, H, W, 3] with the style of the same index ([N, h, w, 3],
        or one style [1, h, w, 3] for all) at the default settings; float32 0..255."""
        check_strength(strength)
        contents = tf.convert_to_tensor(contents, tf.float32)
        styles = tf.convert_to_tensor(styles, tf.float32)
        if styles.shape[0] not in (1, contents.shape[0]):
            raise UserError(f"{styles.shape[0]} styles for {contents.shape[0]} content images")
        strength = tf.constant(float(strength))
        return tf.stack([self.transfer_tensor(content, styles[0 if styles.shape[0] == 1 else index], strength)
                         for index, content in enumerate(tf.unstack(contents))])

    # --- the FastModel interface (tf_nst.transfer.fast_model) ---------------------------------
    def check_options(self, options: TransferOptions) -> None:
        """A style image is needed, and blend weights (if any) must fit the styles."""
        if not options.styles:
            raise UserError("the universal model needs a style image (--style)")
        check_style_weights(options.styles, options.style_weights)

    def prepare(self, options: TransferOptions) -> TransferOptions:
        """The options with their style images encoded once (for many photos or frames)."""
        def encoded(style):
            return self.encode_style(style, options.style_size) if isinstance(style, np.ndarray) else style
        return dataclasses.replace(options, styles=[encoded(style) for style in options.styles],
                                   background_style=encoded(options.background_style))

    def transfer_photo(self, image: np.ndarray, options: TransferOptions, mask: np.ndarray | None = None) -> np.ndarray:
        """The cascade on one photo; with a mask, the unselected pixels stay the photo's exactly."""
        image = np.asarray(image, np.float32)
        stylized = self.transfer(image, list(options.styles), options.style_weights, options.strength,
                                 options.transform, mask=mask, background=options.background_style,
                                 preserve_color=options.preserve_color, style_size=options.style_size)
        # Outside the mask the features kept the photo's statistics; keep its exact pixels too.
        return stylized if mask is None or options.background_style is not None else masks_lib.composite(
            stylized, image, mask)

    def transfer_photos(self, batch: np.ndarray, options: TransferOptions, mask_fn=None, executor=None) -> np.ndarray:
        """One photo at a time: the cascade's feature transforms are per image."""
        return np.stack([self.transfer_photo(image, options, None if mask_fn is None else mask_fn(image))
                         for image in batch])

    def transfer_photo_tiled(self, image: np.ndarray, options: TransferOptions, mask: np.ndarray | None,
                             tiles: tiling.Tiling, out_dtype=np.uint8, progress=None) -> np.ndarray:
        """Tile by tile, every tile given the feature maps of one run on the thumbnail (no mask)."""
        if mask is not None:
            raise UserError("the universal model takes a mask only in one piece; give --tile_size=0 or a "
                            "smaller --max_size")
        return self.transfer_tiled(image, list(options.styles), tiles, options.style_weights, options.strength,
                                   options.transform, preserve_color=options.preserve_color,
                                   style_size=options.style_size, out_dtype=out_dtype, progress=progress)

    def __repr__(self) -> str:
        return f"UniversalModel(levels={self.levels}, width={self.metadata.get('width')}, precision={self.precision!r})"


def load_universal(path: str | Path, precision: str, weights_dir: str | None = None) -> UniversalModel:
    """The decoders in ``path`` (written by ``tf-nst train --config=li2017_universal``), on VGG19;
    or, for ``encoder: light`` (``--config=wang2020_light_universal``), with the light encoder
    trained beside them, which then replaces VGG19 (no ImageNet weights needed). The model is named
    after its file (a training folder's model.npz: after the folder)."""
    weights, metadata = read_weights(path)
    levels = tuple(metadata["levels"])
    path = Path(path)
    name = path.parent.name if path.name == "model.npz" else path.stem
    if metadata.get("encoder", "vgg19") == "light":
        with dtype_policy(precision):
            model = light_encoder.build_light_universal(levels, metadata["width"], metadata["encoder_width"])
        model.set_weights(weights)
        encoder = model.get_layer("light_encoder")
        return UniversalModel(model, metadata, precision, encoders=light_encoder.level_extractors(model, levels),
                              style_encoder=light_encoder.LightFeatures(encoder, levels, levels), name=name)
    with dtype_policy(precision):
        decoder_set = build_decoder_set(levels, metadata["width"])
    decoder_set.set_weights(weights)
    return UniversalModel(decoder_set, metadata, precision, weights_dir, name=name)
