"""Reflection padding for the networks' convolutions (transform networks and universal decoders).

:class:`ReflectionPad` concatenates mirrored slices (an earlier measurement had TensorFlow's
MirrorPad op, not a oneDNN op, at twice their time; in the whole network now MirrorPad, the
slices and gathers are within 3 % of each other). Keras' nearest ``UpSampling2D`` repeats the
rows and then the columns (two full copies), so :class:`NearestUpsampling` does the upsampling,
and the reflection padding of the convolution after it if asked, in one gather per axis
(README, "No dark frame", has the cost).
"""
from __future__ import annotations

import keras
import tensorflow as tf
from keras import layers, ops


@keras.saving.register_keras_serializable(package="tf_nst")
class ReflectionPad(layers.Layer):
    """Reflect-pad height and width by ``pad`` pixels on every side."""

    def __init__(self, pad: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.pad = pad

    def call(self, x):
        p = self.pad
        flip = ops.flip if p > 1 else (lambda rows, axis: rows)  # one row mirrors to itself
        x = ops.concatenate([flip(x[:, 1:p + 1], 1), x, flip(x[:, -p - 1:-1], 1)], axis=1)
        return ops.concatenate([flip(x[:, :, 1:p + 1], 2), x, flip(x[:, :, -p - 1:-1], 2)], axis=2)

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


def _source_rows(length, factor: int, pad: int):
    """For each row of (``length`` rows upsampled ``factor`` times, then reflect-padded by ``pad``),
    the row of the input it copies."""
    upsampled = length * factor
    rows = tf.abs(tf.range(-pad, upsampled + pad))
    return tf.where(rows > upsampled - 1, 2 * (upsampled - 1) - rows, rows) // factor


@keras.saving.register_keras_serializable(package="tf_nst")
class NearestUpsampling(layers.Layer):
    """Nearest-neighbour upsampling by ``factor``, then reflection padding by ``pad`` pixels (0:
    none): the same values as ``UpSampling2D(factor, "nearest")`` followed by
    :class:`ReflectionPad` (``pad``), as one gather along the height and one along the width."""

    def __init__(self, factor: int = 2, pad: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.factor, self.pad = factor, pad

    def call(self, x):
        shape = tf.shape(x)
        x = tf.gather(x, _source_rows(shape[1], self.factor, self.pad), axis=1)
        return tf.gather(x, _source_rows(shape[2], self.factor, self.pad), axis=2)

    def compute_output_shape(self, x_shape):
        grown = [None if side is None else side * self.factor + 2 * self.pad for side in x_shape[1:3]]
        return (x_shape[0], *grown, x_shape[3])

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "pad": self.pad}
