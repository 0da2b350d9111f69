"""What a training run optimizes: one task per kind of network, all run by :func:`tf_nst.training.train`.

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

from tf_nst import decoders, transform_net
from tf_nst import images as images_lib
from tf_nst.errors import UserError
from tf_nst.features import FeatureExtractor, dtype_policy
from tf_nst.perceptual import build_perceptual_loss


class TransformTask:
    """A transform network for one style image ([H, W, 3] in 0..255)."""

    #: Fields that must match when a run resumes (the network's shape).
    architecture_fields = ("width", "residual_blocks", "backbone", "reflect_border")

    def __init__(self, config: ml_collections.ConfigDict, styles: Sequence[np.ndarray],
                 style_names: Sequence[str], weights_dir: str | None):
        if len(styles) != 1:
            raise UserError("a transform network needs a style image (--style)")
        self.config, self.weights_dir = config, weights_dir
        size = max(16, round(config.image_size * config.style_scale))
        self.style = images_lib.resize_long_side(styles[0], size)
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
        return self.model

    def losses(self, batch: tf.Tensor) -> dict[str, tf.Tensor]:
        targets = self.content_features(batch) if self.content_features is not None else None
        return self.perceptual(self.model(batch, training=True) / 255.0, targets)

    def samples(self, batch: tf.Tensor) -> tf.Tensor:
        """Each photo beside its stylization."""
        return tf.concat([batch, self.model(batch, training=False)], 2)


class MultiStyleTask:
    """One conditional transform network for several styles; batch ``k`` learns style ``k mod S``."""

    architecture_fields = ("width", "residual_blocks", "backbone", "reflect_border")

    def __init__(self, config: ml_collections.ConfigDict, styles: Sequence[np.ndarray],
                 style_names: Sequence[str], weights_dir: str | None):
        self.config, self.weights_dir, self.names = config, weights_dir, list(style_names)
        size = max(16, round(config.image_size * config.style_scale))
        self.styles = [images_lib.resize_long_side(style, size) for style in styles]
        self.metadata = {"width": config.width, "residual_blocks": config.residual_blocks, "styles": self.names,
                         "image_size": config.image_size, "reflect_border": config.reflect_border}

    def build(self) -> keras.Model:
        config = self.config
        with dtype_policy(config.precision):
            self.model = transform_net.build_transform_net(config.width, config.residual_blocks,
                                                           num_styles=len(self.styles),
                                                           reflect_border=config.reflect_border)
        self.perceptual = build_perceptual_loss(config, None, self.styles, weights_dir=self.weights_dir,
                                                per_style_targets=True)
        self.content_features = FeatureExtractor(config.backbone, config.content_layers, config.precision,
                                                 self.weights_dir) if config.content_layers else None
        self.batches = tf.Variable(0, dtype=tf.int64, trainable=False, name="batches_seen",
                                   aggregation=tf.VariableAggregation.ONLY_FIRST_REPLICA)
        return self.model

    def losses(self, batch: tf.Tensor) -> dict[str, tf.Tensor]:
        count = len(self.styles)
        index = tf.cast(self.batches.assign_add(1) - 1, tf.int32) % count
        one_hot = tf.one_hot(index, count)
        weights = tf.tile(one_hot[None], [tf.shape(batch)[0], 1])
        targets = self.content_features(batch) if self.content_features is not None else None
        values = self.perceptual(self.model([batch, weights], training=True) / 255.0, targets, index)
        # Under round robin, the interval mean of count x (style loss where active, else 0) is that
        # style's mean loss (exactly when the logging interval is a multiple of the style count).
        for position, name in enumerate(self.names):
            values[f"style/{name}"] = count * one_hot[position] * values["style"]
        return values

    def samples(self, batch: tf.Tensor) -> tf.Tensor:
        """Each photo beside its transfer in (up to) the first three styles."""
        outputs = [batch]
        for position in range(min(3, len(self.styles))):
            weights = tf.one_hot(tf.fill([tf.shape(batch)[0]], position), len(self.styles))
            outputs.append(self.model([batch, weights], training=False))
        return tf.concat(outputs, 2)


class DecoderTask:
    """Decoders from VGG19 ``config.levels`` back to the photo (Li et al. 2017, Sec. 3.1)."""

    architecture_fields = ("width", "levels")

    def __init__(self, config: ml_collections.ConfigDict, styles: Sequence[np.ndarray],
                 style_names: Sequence[str], weights_dir: str | None):
        if styles:
            raise UserError("universal decoders learn from photos alone; leave out --style")
        self.config, self.weights_dir = config, weights_dir
        self.levels = tuple(config.levels)
        self.metadata = {"kind": "universal_decoders", "levels": list(self.levels), "width": config.width,
                         "image_size": config.image_size}

    def build(self) -> keras.Model:
        config = self.config
        with dtype_policy(config.precision):
            self.model = decoders.build_decoder_set(self.levels, config.width)
        self.encoder = FeatureExtractor("vgg19", self.levels, config.precision, self.weights_dir)
        self.level_encoders = {level: FeatureExtractor("vgg19", [level], config.precision, self.weights_dir)
                               for level in self.levels}
        return self.model

    def losses(self, batch: tf.Tensor) -> dict[str, tf.Tensor]:
        features = self.encoder(batch)
        outputs = self.model([features[level] for level in self.levels], training=True)
        values, total = {}, 0.0
        for level, output in zip(self.levels, outputs):
            pixel = tf.reduce_mean(tf.square((output - batch) / 255.0))
            feature = tf.reduce_mean(tf.square(self.level_encoders[level](output)[level] - features[level])) / 255.0**2
            values[f"{level}/pixel"], values[f"{level}/feature"] = pixel, feature
            total += self.config.pixel_weight * pixel + self.config.feature_weight * feature
        values["total"] = total
        return values

    def samples(self, batch: tf.Tensor) -> tf.Tensor:
        """Each photo beside its reconstruction from every level."""
        features = self.encoder(batch)
        outputs = self.model([features[level] for level in self.levels], training=False)
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        return tf.clip_by_value(tf.concat([batch, *outputs], 2), 0.0, 255.0)


TASKS = {"transform_training": TransformTask, "decoder_training": DecoderTask}


def make_task(config: ml_collections.ConfigDict, styles: Sequence[np.ndarray], style_names: Sequence[str],
              weights_dir: str | None):
    """The task for ``config.kind``; a transform network with several styles is the conditional one."""
    if config.kind == "transform_training" and len(styles) > 1:
        if len(set(style_names)) != len(style_names):
            raise UserError(f"style names must differ (they name the styles of the network): {', '.join(style_names)}")
        return MultiStyleTask(config, styles, style_names, weights_dir)
    return TASKS[config.kind](config, styles, style_names, weights_dir)
