"""Instance norms with the statistics of a thumbnail of the whole image, for tiled transfer.

As in Chen et al., "Towards Ultra-Resolution Neural Style Transfer via Thumbnail Instance
Normalization" (AAAI 2022): a first pass of the network over a thumbnail records every instance
norm's mean and variance; a clone of the network whose norms use them (:class:`FixedStatsNorm`)
then runs the tiles (:mod:`tf_nst.media.tiling` cuts and blends them), so no tile gets a tint of
its own.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from tf_nst.networks.transform_net import ConditionalInstanceNorm


@keras.saving.register_keras_serializable(package="tf_nst")
class FixedStatsNorm(layers.Layer):
    """Instance normalization with given statistics (``mean``, ``variance``: variables [C]) and the
    scale and shift of ``source`` (a ``GroupNormalization(groups=-1)`` or a ConditionalInstanceNorm)."""

    def __init__(self, source: layers.Layer, **kwargs):
        super().__init__(dtype=source.dtype_policy, name=f"{source.name}_fixed", **kwargs)
        self.source = source
        self.epsilon = source.epsilon

    def build(self, x_shape, style_weights_shape=None):
        channels = x_shape[-1]
        # autocast=False: the statistics stay float32 under a mixed-precision policy.
        self.mean = self.add_weight(shape=(channels,), initializer="zeros", trainable=False, autocast=False,
                                    name="mean")
        self.variance = self.add_weight(shape=(channels,), initializer="ones", trainable=False, autocast=False,
                                        name="variance")

    def call(self, x, style_weights=None):
        values = ops.cast(x, "float32")
        normalized = (values - self.mean) * ops.rsqrt(self.variance + self.epsilon)
        if style_weights is None:
            gamma, beta = ops.cast(self.source.gamma, "float32"), ops.cast(self.source.beta, "float32")
        else:
            gamma, beta = self.source.scale_and_shift(style_weights)
        return ops.cast(normalized * gamma + beta, x.dtype)


def _is_instance_norm(layer: layers.Layer) -> bool:
    return isinstance(layer, ConditionalInstanceNorm) or (  # groups=-1 becomes the channel count when built
        isinstance(layer, layers.GroupNormalization) and layer.groups in (-1, layer.gamma.shape[-1]))


class ThumbnailNormalized:
    """A transform network whose instance norms use the statistics of a thumbnail of the whole image.

    ``statistics(thumbnail_inputs)`` -> per norm (mean, variance) from one pass of the original
    network over the thumbnail; ``use(stats)`` loads them; ``network`` (same inputs as the original,
    same weights, shared) then runs tiles with those statistics.
    """

    def __init__(self, network: keras.Model):
        self.fixed: list[FixedStatsNorm] = []
        moments = []

        def record(layer, *args, **kwargs):
            if _is_instance_norm(layer):
                values = ops.cast(args[0], "float32")
                moments.extend([ops.mean(values, axis=(1, 2)), ops.var(values, axis=(1, 2))])
            return layer(*args, **kwargs)

        def fixed(layer, *args, **kwargs):
            if not _is_instance_norm(layer):
                return layer(*args, **kwargs)
            self.fixed.append(FixedStatsNorm(layer))
            return self.fixed[-1](*args, **kwargs)

        share = lambda layer: layer  # noqa: E731 - the clones call the original layers (same weights)
        recorder = keras.models.clone_model(network, clone_function=share, call_function=record)
        statistics = keras.Model(recorder.inputs, moments)
        # Compiled: run eagerly, the thumbnail pass held every intermediate (2 GB more at 4 MP).
        self._statistics = tf.function(lambda inputs: statistics(inputs, training=False), reduce_retracing=True)
        self.network = keras.models.clone_model(network, clone_function=share, call_function=fixed)

    def statistics(self, inputs) -> list[tuple[np.ndarray, np.ndarray]]:
        values = [np.asarray(v)[0] for v in self._statistics(inputs)]
        return list(zip(values[0::2], values[1::2]))

    def use(self, stats: list[tuple[np.ndarray, np.ndarray]]) -> None:
        for norm, (mean, variance) in zip(self.fixed, stats, strict=True):
            norm.mean.assign(mean)
            norm.variance.assign(variance)
