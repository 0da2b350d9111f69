"""What a training run optimizes: one task per kind of network, all run by :func:`tf_nst.training.trainer.train`.

A task builds its network (inside the tf.distribute scope), computes the losses of one batch of
photos, renders sample images for TensorBoard, and says what to store beside the weights so
that the network can be rebuilt (``metadata``).

* :class:`TransformTask` — a feed-forward transform network for one style (Johnson et al. 2016),
  perceptual loss on a fixed VGG.
* :class:`MultiStyleTask` — one conditional network for several styles (Dumoulin et al. 2017), each
  batch taking the next style in turn.
* :class:`DecoderTask` — universal-style decoders (Li et al. 2017): reconstruct each photo from
  its VGG19 features at every level, pixel + feature loss, no style images at all.
"""
from __future__ import annotations

from typing import Sequence

import keras
import ml_collections
import numpy as np
import tensorflow as tf

from tf_nst.networks import decoders

from tf_nst.networks import light_encoder

from tf_nst.perceptual import metrics

from tf_nst.networks import transform_net
from tf_nst.media import images as images_lib
from tf_nst.core.errors import UserError
from tf_nst.perceptual.backbones import FeatureExtractor, dtype_policy, load_backbone
from tf_nst.networks.store import read_metadata, resolve_model_path
from tf_nst.perceptual.combined import build_perceptual_loss


class TransformTask:
    """A transform network for one style image ([H, W, 3] in 0..255)."""

    #: Fields that must match when a run resumes (the network's shape).
    architecture_fields = ("width", "residual_blocks", "backbone", "reflect_border")

    def __init__(self, config: ml_collections.ConfigDict, styles: Sequence[np.ndarray],
                 style_names: Sequence[str], weights_dir: str | None):
        if len(styles) != 1:
            raise UserError("a transform network needs a style image (--style)")
        for field, single in (("style_weight_per_style", "style_weight"), ("style_scale_per_style", "style_scale")):
            if config[field]:
                raise UserError(f"config.{field} is for the styles of a multi-style network (several --style); "
                                f"for one style set config.{single}")
        self.config, self.weights_dir = config, weights_dir
        self.style = _painting_for_training(styles[0], config)
        self.metadata = {"width": config.width, "residual_blocks": config.residual_blocks,
                         "style": style_names[0], "image_size": config.image_size,
                         "reflect_border": config.reflect_border}

    def build(self) -> keras.Model:
        config = self.config
        with dtype_policy(config.precision):
            self.model = transform_net.build_transform_net(config.width, config.residual_blocks,
                                                           reflect_border=config.reflect_border)
        self.perceptual = build_perceptual_loss(config, None, [self.style], weights_dir=self.weights_dir)
        self.content_features = FeatureExtractor(config.backbone, config.content_layers, config.precision,
                                                 self.weights_dir) if config.content_layers else None
        self.extra_terms = extra_terms(config)
        return self.model

    def losses(self, batch: tf.Tensor) -> dict[str, tf.Tensor]:
        targets = self.content_features(batch) if self.content_features is not None else None
        outputs = self.model(batch, training=True)
        values = self.perceptual(outputs / 255.0, targets)
        stylize = lambda photos: self.model(photos, training=True)  # noqa: E731
        for term in self.extra_terms:
            values = term.add(values, stylize, batch, outputs)
        return values

    def samples(self, batch: tf.Tensor) -> tf.Tensor:
        """Each photo beside its stylization."""
        return tf.concat([batch, self.model(batch, training=False)], 2)


class MultiStyleTask:
    """One conditional transform network for several styles; batch ``k`` learns style ``k mod S``.

    ``init_from`` (a trained multi-style network's ``.npz``) adds ``styles`` to its styles and trains
    only their scales and shifts (Dumoulin et al.'s fine-tuning shortcut): the convolutions are
    frozen and the earlier styles' rows get no gradient, so their outputs stay exactly the same.
    """

    architecture_fields = ("width", "residual_blocks", "backbone", "reflect_border")

    def __init__(self, config: ml_collections.ConfigDict, styles: Sequence[np.ndarray],
                 style_names: Sequence[str], weights_dir: str | None, init_from: str | None = None):
        self.init_from, previous = init_from, []
        if init_from is not None:
            self.init_from = str(resolve_model_path(init_from))
            metadata = read_metadata(self.init_from)
            previous = list(metadata.get("styles", ()))
            if not previous:
                raise UserError(f"--init_from takes a multi-style network; {init_from} is not one")
            config = _adopt_architecture(config, metadata)
            clash = sorted(set(previous) & set(style_names))
            if clash:
                raise UserError(f"{init_from} already has the style(s) {', '.join(clash)}")
        self.config, self.weights_dir, self.previous = config, weights_dir, len(previous)
        self.names = previous + list(style_names)
        self.style_factors = _per_style(config, "style_weight_per_style", len(styles))
        self.styles = [_painting_for_training(style, config, factor)
                       for style, factor in zip(styles, _per_style(config, "style_scale_per_style", len(styles)))]
        self.metadata = {"width": config.width, "residual_blocks": config.residual_blocks, "styles": self.names,
                         "image_size": config.image_size, "reflect_border": config.reflect_border}

    def build(self) -> keras.Model:
        config = self.config
        with dtype_policy(config.precision):
            self.model = transform_net.build_transform_net(config.width, config.residual_blocks,
                                                           num_styles=len(self.names),
                                                           reflect_border=config.reflect_border)
        if self.init_from is not None:  # train the new styles' scales and shifts only
            transform_net.extend_styles(self.model, self.init_from)
            for layer in self.model.layers:
                layer.trainable = isinstance(layer, transform_net.ConditionalInstanceNorm)
        self.perceptual = build_perceptual_loss(config, None, self.styles, weights_dir=self.weights_dir,
                                                per_style_factors=self.style_factors)
        self.content_features = FeatureExtractor(config.backbone, config.content_layers, config.precision,
                                                 self.weights_dir) if config.content_layers else None
        self.batches = tf.Variable(0, dtype=tf.int64, trainable=False, name="batches_seen",
                                   aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        self.extra_terms = extra_terms(config)
        return self.model

    def _one_hot(self, trained: tf.Tensor, count: int) -> tf.Tensor:
        """[N, all styles] weights selecting trained style ``trained`` for every photo of the batch."""
        return tf.tile(tf.one_hot(self.previous + trained, len(self.names))[None], [count, 1])

    def losses(self, batch: tf.Tensor) -> dict[str, tf.Tensor]:
        count = len(self.styles)
        index = tf.cast(self.batches.assign_add(1) - 1, tf.int32) % count
        targets = self.content_features(batch) if self.content_features is not None else None
        one_hot = self._one_hot(index, tf.shape(batch)[0])
        outputs = self.model([batch, one_hot], training=True)
        values = self.perceptual(outputs / 255.0, targets, index)
        stylize = lambda photos: self.model([photos, one_hot], training=True)  # noqa: E731
        for term in self.extra_terms:
            values = term.add(values, stylize, batch, outputs)
        # Under round robin, the interval mean of count x (style loss where active, else 0) is that
        # style's mean loss (exactly when the logging interval is a multiple of the style count).
        active = tf.one_hot(index, count)
        for position, name in enumerate(self.names[self.previous:]):
            values[f"style/{name}"] = count * active[position] * values["style"]
        return values

    def samples(self, batch: tf.Tensor) -> tf.Tensor:
        """Each photo beside its transfer in (up to) the first three trained styles."""
        outputs = [batch]
        for position in range(min(3, len(self.styles))):
            outputs.append(self.model([batch, self._one_hot(tf.constant(position), tf.shape(batch)[0])],
                                      training=False))
        return tf.concat(outputs, 2)


class ShiftConsistency:
    """Stable strokes for video without video data: compound regularization (Wang et al., AAAI
    2020), of which Huang et al. 2017's sub-pixel shift is the special case. The network's output
    for the photos moved by a random small motion (shift up to ``config.temporal_shift`` px,
    rotation up to ``temporal_rotation`` degrees, zoom up to ``temporal_zoom``; bilinear, about the
    centre) plus noise of ``temporal_noise`` should be its output for the photos, moved the same way.
    Adds ``temporal`` (mean squared difference in 0..255 units, a border band that the motion can
    bring in left out) times ``config.temporal_weight`` to the total; off at weight 0."""

    def __init__(self, config: ml_collections.ConfigDict):
        self.weight, self.max_shift = float(config.temporal_weight), float(config.temporal_shift)
        self.max_angle = float(np.deg2rad(config.get("temporal_rotation", 0.0)))
        self.max_zoom = float(config.get("temporal_zoom", 0.0))
        self.noise = float(config.get("temporal_noise", 0.0))
        # the farthest a pixel of a crop moves: shift + rotation and zoom at the corner
        reach = self.max_shift + config.image_size * 0.71 * (self.max_angle + self.max_zoom)
        self.margin = int(np.ceil(reach)) + 2
        self.offsets = tf.random.Generator.from_seed(config.seed) if self.weight > 0 else None

    def _motion(self, photos: tf.Tensor) -> tf.Tensor:
        """[N, 8] projective transforms (keras.ops.image.affine_transform's layout: output (x, y)
        reads input (a0 x + a1 y + a2, b0 x + b1 y + b2)) of a random motion about the centre."""
        count = tf.shape(photos)[0]
        shift = self.offsets.uniform([count, 2], -self.max_shift, self.max_shift)
        angle = self.offsets.uniform([count], -self.max_angle, self.max_angle) if self.max_angle else tf.zeros([count])
        zoom = 1.0 + (self.offsets.uniform([count], -self.max_zoom, self.max_zoom) if self.max_zoom
                      else tf.zeros([count]))
        height, width = tf.cast(tf.shape(photos)[1], tf.float32), tf.cast(tf.shape(photos)[2], tf.float32)
        centre_x, centre_y = (width - 1) / 2, (height - 1) / 2
        cos, sin = tf.cos(angle) / zoom, tf.sin(angle) / zoom
        # inverse map: input = R^-1 / zoom (output - centre - shift) + centre
        a2 = centre_x - cos * (centre_x + shift[:, 0]) - sin * (centre_y + shift[:, 1])
        b2 = centre_y + sin * (centre_x + shift[:, 0]) - cos * (centre_y + shift[:, 1])
        zeros = tf.zeros([count])
        return tf.stack([cos, sin, a2, -sin, cos, b2, zeros, zeros], 1)

    def add(self, values: dict[str, tf.Tensor], stylize, photos: tf.Tensor, outputs: tf.Tensor) -> dict[str, tf.Tensor]:
        if self.offsets is None:
            return values
        transform = self._motion(photos)

        def move(images):
            return keras.ops.image.affine_transform(tf.cast(images, tf.float32), transform, fill_mode="reflect")
        moved = move(photos)
        if self.noise:
            moved = tf.clip_by_value(moved + self.offsets.normal(tf.shape(moved), 0.0, self.noise), 0.0, 255.0)
        difference = tf.cast(stylize(moved), tf.float32) - move(outputs)
        margin = self.margin
        values["temporal"] = tf.reduce_mean(tf.square(difference[:, margin:-margin, margin:-margin]))
        values["total"] = values["total"] + self.weight * values["temporal"]
        return values


class BorderConsistency:
    """No frame along any side: the step in mean luminance from the outer ``width`` px of each side
    of the output to the next ``width`` px should be zero (:func:`tf_nst.perceptual.metrics.border_step`
    measures it around the whole frame; a frame on one side is a defect too). Adds ``border`` (the
    mean square of the four steps over the batch, 0..255 units) times ``config.border_weight`` to the
    total; off at weight 0."""

    width = metrics.BORDER_WIDTH

    def __init__(self, config: ml_collections.ConfigDict):
        self.weight = float(config.border_weight)

    def side_steps(self, images: tf.Tensor) -> tf.Tensor:
        """[N, 4]: outer minus inner mean luminance at the top, bottom, left and right."""
        luma = tf.tensordot(tf.cast(images, tf.float32), tf.constant(images_lib.LUMA_WEIGHTS), 1)
        columns, width = tf.transpose(luma, [0, 2, 1]), self.width
        return tf.stack([tf.reduce_mean(side[:, :width], [1, 2]) - tf.reduce_mean(side[:, width:2 * width], [1, 2])
                         for side in (luma, luma[:, ::-1], columns, columns[:, ::-1])], 1)

    def add(self, values: dict[str, tf.Tensor], stylize, photos: tf.Tensor, outputs: tf.Tensor) -> dict[str, tf.Tensor]:
        if self.weight == 0:
            return values
        values["border"] = tf.reduce_mean(tf.square(self.side_steps(outputs)))
        values["total"] = values["total"] + self.weight * values["border"]
        return values


def extra_terms(config: ml_collections.ConfigDict) -> list:
    """The terms a transform network's training adds to the perceptual loss (each off at weight 0)."""
    return [ShiftConsistency(config), BorderConsistency(config)]


def _painting_for_training(style: np.ndarray, config: ml_collections.ConfigDict, factor: float = 1.0) -> np.ndarray:
    """The painting at ``config.style_scale`` (x ``factor``) times the crop size, long side (sets the strokes' size)."""
    return images_lib.resize_long_side(style, max(16, round(config.image_size * config.style_scale * factor)))


def _per_style(config: ml_collections.ConfigDict, field: str, count: int) -> list[float]:
    """``config[field]``: one factor per --style (1 each when empty), or a one-line error."""
    factors = list(config[field]) or [1.0] * count
    if len(factors) != count:
        raise UserError(f"config.{field} has {len(factors)} factors for {count} --style images "
                        "(one per --style, in order)")
    return factors


def _adopt_architecture(config: ml_collections.ConfigDict, metadata: dict) -> ml_collections.ConfigDict:
    """``config`` with the network shape in ``metadata`` (of the model whose styles are extended)."""
    config = ml_collections.ConfigDict(config.to_dict())
    config.width, config.residual_blocks = metadata["width"], metadata["residual_blocks"]
    config.reflect_border = metadata.get("reflect_border", False)
    return config


class DecoderTask:
    """Decoders from VGG19 ``config.levels`` back to the photo (Li et al. 2017, Sec. 3.1); with
    ``config.encoder == "light"``, a light encoder trained with them and distilled into VGG19
    (Wang et al. 2020, :mod:`tf_nst.networks.light_encoder`)."""

    architecture_fields = ("width", "levels", "encoder", "encoder_width")

    def __init__(self, config: ml_collections.ConfigDict, styles: Sequence[np.ndarray],
                 style_names: Sequence[str], weights_dir: str | None):
        if styles:
            raise UserError("universal decoders learn from photos alone; leave out --style")
        self.config, self.weights_dir = config, weights_dir
        self.levels = tuple(config.levels)
        self.light = config.encoder == "light"
        self.metadata = {"kind": "universal_decoders", "levels": list(self.levels), "width": config.width,
                         "image_size": config.image_size}
        if self.light:
            self.metadata.update(encoder="light", encoder_width=config.encoder_width)

    def build(self) -> keras.Model:
        config = self.config
        self.encoder = FeatureExtractor("vgg19", self.levels, config.precision, self.weights_dir)
        if self.light:
            with dtype_policy(config.precision):
                self.model = light_encoder.build_light_universal(self.levels, config.width, config.encoder_width)
            light_encoder.seed_from_vgg19(self.model, load_backbone("vgg19", "float32", self.weights_dir), self.levels)
            self.level_encoders = light_encoder.level_extractors(self.model, self.levels)
            return self.model
        with dtype_policy(config.precision):
            self.model = decoders.build_decoder_set(self.levels, config.width)
        self.level_encoders = {level: FeatureExtractor("vgg19", [level], config.precision, self.weights_dir)
                               for level in self.levels}
        return self.model

    def _reconstruct(self, batch: tf.Tensor, training: bool):
        """(features per level the decoders start from, their reconstructions, embedded features or None)."""
        if self.light:
            outputs = self.model(batch, training=training)
            count = len(self.levels)
            return outputs[:count], outputs[count:2 * count], outputs[2 * count:]
        features = self.encoder(batch)
        features = [features[level] for level in self.levels]
        outputs = self.model(features, training=training)
        return features, outputs if isinstance(outputs, (list, tuple)) else [outputs], None

    def losses(self, batch: tf.Tensor) -> dict[str, tf.Tensor]:
        features, outputs, embedded = self._reconstruct(batch, training=True)
        teacher = self.encoder(batch) if self.light else None
        values, total = {}, 0.0
        for index, (level, output) in enumerate(zip(self.levels, outputs)):
            target = tf.stop_gradient(tf.cast(features[index], tf.float32))
            pixel = tf.reduce_mean(tf.square((output - batch) / 255.0))
            feature = tf.reduce_mean(tf.square(self.level_encoders[level](output)[level] - target)) / 255.0**2
            values[f"{level}/pixel"], values[f"{level}/feature"] = pixel, feature
            total += self.config.pixel_weight * pixel + self.config.feature_weight * feature
            if embedded is not None:
                # relative to the energy of VGG19's features, so every level counts alike
                distill = tf.reduce_mean(tf.square(tf.cast(embedded[index], tf.float32) - teacher[level])) / (
                    tf.reduce_mean(tf.square(teacher[level])) + 1e-6)
                values[f"{level}/distill"] = distill
                total += self.config.distill_weight * distill
        values["total"] = total
        return values

    def samples(self, batch: tf.Tensor) -> tf.Tensor:
        """Each photo beside its reconstruction from every level."""
        _, outputs, _ = self._reconstruct(batch, training=False)
        return tf.clip_by_value(tf.concat([batch, *outputs], 2), 0.0, 255.0)


TASKS = {"transform_training": TransformTask, "decoder_training": DecoderTask}


def make_task(config: ml_collections.ConfigDict, styles: Sequence[np.ndarray], style_names: Sequence[str],
              weights_dir: str | None, init_from: str | None = None, finetune_from: str | None = None):
    """The task for ``config.kind``; a transform network with several styles (or styles added to a
    trained multi-style network, ``init_from``) is the conditional one. ``finetune_from`` (a trained
    transform network with as many styles as ``styles``) sets the task's ``finetune_from``: its
    weights, all trainable, start the run, and the network takes that model's shape."""
    if finetune_from is not None:
        if init_from is not None:
            raise UserError("--init_from adds styles, --finetune_from continues every weight: give one of them")
        finetune_from = str(resolve_model_path(finetune_from))
        config = _finetune_config(config, read_metadata(finetune_from), len(styles), finetune_from)
    if config.kind == "transform_training" and (len(styles) > 1 or init_from is not None):
        if len(set(style_names)) != len(style_names):
            raise UserError(f"style names must differ (they name the styles of the network): {', '.join(style_names)}")
        if not styles:
            raise UserError("--init_from adds styles: give at least one --style")
        task = MultiStyleTask(config, styles, style_names, weights_dir, init_from)
    elif init_from is not None:
        raise UserError("--init_from adds styles to a multi-style network (a transform network config)")
    else:
        task = TASKS[config.kind](config, styles, style_names, weights_dir)
    task.finetune_from = finetune_from
    return task


def _finetune_config(config: ml_collections.ConfigDict, metadata: dict, style_count: int,
                     path: str) -> ml_collections.ConfigDict:
    """``config`` in the shape of the transform network at ``path``, which must have ``style_count`` styles."""
    if config.kind != "transform_training" or "residual_blocks" not in metadata:
        raise UserError(f"--finetune_from continues a transform network with a transform network config; "
                        f"{path} is not one or the config is of kind {config.kind}")
    styles = metadata.get("styles") or [metadata.get("style")]
    if len(styles) != style_count:
        raise UserError(f"{path} has {len(styles)} style(s) ({', '.join(map(str, styles))}); give as many --style "
                        "images, in that order (--init_from adds styles)")
    return _adopt_architecture(config, metadata)
