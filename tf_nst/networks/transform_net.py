"""The feed-forward residual transform network (Johnson et al. 2016; Huang et al. 2021).

9x9 conv -> two stride-2 convs -> residual blocks -> two upsampling blocks (nearest resize +
conv, no checkerboard) -> 9x9 conv to RGB. Every conv is followed by instance normalization
(``GroupNormalization(groups=-1)``) and ReLU, except the last one. ``width`` scales every
channel count (1.0 = Johnson's 32/64/128), for lighter, faster models.

Convolutions zero-pad ("same") by default, as in Johnson et al.'s network. Zero padding leaves a
frame a few pixels wide that training cannot remove (the earlier single-style networks show it):
a quarter-resolution zero pad alone spans 4 px of the output. ``reflect_border=True`` reflect-pads
every convolution (pytorch/examples) with the layers of :mod:`tf_nst.networks.padding` (the upsampling
blocks gather their pad with the upsampling); the weights keep their shapes, and files record the
choice (absent = zero padding). README, "No dark frame", has its cost.

The model takes float32 RGB [N, H, W, 3] in 0..255 of any size and returns the same shape:
inputs are resized (bicubic) up to multiples of 4 and the output back to the input's size, so the
output's edge is the network's edge (README, "No dark frame").

With ``num_styles`` > 0 it is Dumoulin et al.'s multi-style network ("A Learned Representation for
Artistic Style", ICLR 2017): every normalization is a :class:`ConditionalInstanceNorm` with one
scale and shift per style, and the model takes a second input, ``style_weights`` [N, num_styles]
(one-hot for one style, any convex combination for a blend).
"""
from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf
from keras import layers, ops

from tf_nst.perceptual.backbones import dtype_policy
from tf_nst.networks.store import read_weights
from tf_nst.networks.padding import NearestUpsampling, ReflectionPad

#: Side lengths must be multiples of this (two stride-2 convolutions).
SIZE_MULTIPLE = 4


#: Receptive field of the network (9x9, 2 stride-2 3x3, 10 residual 3x3 at 1/4, 2 3x3, 9x9), for tiling.
RECEPTIVE_FIELD = 109


def fitted_size(height: int, width: int) -> tuple[int, int]:
    """The size the network runs an image of ``height`` x ``width`` at: each side up to a multiple of 4."""
    return tuple(-(-side // SIZE_MULTIPLE) * SIZE_MULTIPLE for side in (height, width))


def _resize_unless_equal(x, size, value_range: tuple[float, float] | None = None):
    """``x`` resized (bicubic) to ``size`` [2], clipped to ``value_range`` if given (bicubic overshoots
    a little at sharp edges); ``x`` itself, at no cost, when it has that size. Bicubic keeps the
    strokes' finest texture, which bilinear interpolation between neighbouring rows blurs, at a
    third of Lanczos-3's time (README, "No dark frame")."""
    def resized():
        values = tf.image.resize(x, size, "bicubic")
        return tf.cast(values if value_range is None else tf.clip_by_value(values, *value_range), x.dtype)
    return tf.cond(tf.reduce_all(tf.shape(x)[1:3] == size), lambda: x, resized)


@keras.saving.register_keras_serializable(package="tf_nst")
class ResizeToMultiple(layers.Layer):
    """Resize height and width up to the next multiples of ``multiple``; exact identity when they
    already are. Resizing, not padding: padding would put the output's edge a few rows
    inside the network's own edge, where training never asked for a clean border."""

    def __init__(self, multiple: int = SIZE_MULTIPLE, **kwargs):
        super().__init__(**kwargs)
        self.multiple = multiple

    def call(self, x):
        size, m = tf.shape(x)[1:3], self.multiple
        return _resize_unless_equal(x, (size + m - 1) // m * m)

    def compute_output_shape(self, x_shape):
        return (x_shape[0], None, None, x_shape[3])

    def get_config(self):
        return {**super().get_config(), "multiple": self.multiple}


@keras.saving.register_keras_serializable(package="tf_nst")
class ResizePixelsLike(layers.Layer):
    """Resize the first input, pixels in 0..255, to the height and width of the second (identity
    when equal), clipped to 0..255."""

    def call(self, x, like):
        return ops.cast(_resize_unless_equal(x, tf.shape(like)[1:3], (0.0, 255.0)), self.compute_dtype)

    def compute_output_shape(self, x_shape, like_shape):
        return (x_shape[0], like_shape[1], like_shape[2], x_shape[3])


@keras.saving.register_keras_serializable(package="tf_nst")
class ConditionalInstanceNorm(layers.Layer):
    """Instance normalization whose scale and shift are ``style_weights @ table`` (one row per style).

    Statistics in float32 whatever the compute dtype; a one-hot weight row selects its style's
    parameters exactly.
    """

    def __init__(self, num_styles: int, epsilon: float = 1e-5, **kwargs):
        super().__init__(**kwargs)
        self.num_styles, self.epsilon = num_styles, epsilon

    def build(self, x_shape, style_weights_shape=None):
        channels = x_shape[-1]
        self.gamma = self.add_weight(shape=(self.num_styles, channels), initializer="ones", name="gamma")
        self.beta = self.add_weight(shape=(self.num_styles, channels), initializer="zeros", name="beta")

    def call(self, x, style_weights):
        values = ops.cast(x, "float32")
        mean = ops.mean(values, axis=(1, 2), keepdims=True)
        variance = ops.var(values, axis=(1, 2), keepdims=True)
        normalized = (values - mean) * ops.rsqrt(variance + self.epsilon)
        gamma, beta = self.scale_and_shift(style_weights)
        return ops.cast(normalized * gamma + beta, x.dtype)

    def scale_and_shift(self, style_weights):
        """The blended scale and shift, float32 [N, 1, 1, C] each."""
        weights = ops.cast(style_weights, "float32")
        gamma = ops.matmul(weights, ops.cast(self.gamma, "float32"))[:, None, None, :]
        beta = ops.matmul(weights, ops.cast(self.beta, "float32"))[:, None, None, :]
        return gamma, beta

    def get_config(self):
        return {**super().get_config(), "num_styles": self.num_styles, "epsilon": self.epsilon}


def _conv(x, filters: int, kernel: int, stride: int = 1, name: str = "", norm: bool = True, relu: bool = True,
          style_weights=None, padding: str = "same"):
    """Convolution (+ normalization, ReLU). ``padding``: "same" zero-pads, "reflect" reflect-pads,
    "valid" takes an input its caller has already padded."""
    if padding == "reflect":
        x = ReflectionPad(kernel // 2, name=f"{name}_pad")(x)
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same" if padding == "same" else "valid",
                      name=f"{name}_conv")(x)
    if norm and style_weights is not None:
        x = ConditionalInstanceNorm(style_weights.shape[-1], name=f"{name}_norm")(x, style_weights)
    elif norm:
        x = layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"{name}_norm")(x)
    if relu:
        x = layers.ReLU(name=f"{name}_relu")(x)
    return x


def _upsample_conv(x, filters: int, name: str, style_weights=None, padding: str = "same"):
    """Nearest 2x upsampling, then a 3x3 convolution; reflection padding is gathered with the
    upsampling (one copy per axis instead of four)."""
    reflect = padding == "reflect"
    x = NearestUpsampling(2, pad=1 if reflect else 0, name=f"{name}_resize")(x)
    return _conv(x, filters, 3, name=name, style_weights=style_weights, padding="valid" if reflect else padding)


def _residual(x, filters: int, name: str, style_weights=None, padding: str = "same"):
    y = _conv(x, filters, 3, name=f"{name}a", style_weights=style_weights, padding=padding)
    y = _conv(y, filters, 3, name=f"{name}b", relu=False, style_weights=style_weights, padding=padding)
    return layers.Add(name=f"{name}_add")([x, y])


def build_transform_net(width: float = 1.0, residual_blocks: int = 5, name: str = "transform_net",
                        num_styles: int = 0, reflect_border: bool = False) -> keras.Model:
    """The transform network; ``width`` multiplies the 32/64/128 channel counts; ``num_styles`` > 0
    makes it the conditional multi-style network (inputs: images, style_weights); ``reflect_border``
    reflect-pads every convolution instead of zero-padding it."""
    if not 0 < width <= 4:
        raise ValueError(f"width must be in (0, 4], got {width}")
    c1, c2, c3 = (max(4, int(round(base * width))) for base in (32, 64, 128))
    images = keras.Input((None, None, 3), name="images")
    style_weights = keras.Input((num_styles,), name="style_weights") if num_styles else None
    padding = "reflect" if reflect_border else "same"
    conv = functools.partial(_conv, style_weights=style_weights, padding=padding)
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="to_unit_range")(images)
    x = ResizeToMultiple(SIZE_MULTIPLE, name="resize_to_multiple")(x)
    x = conv(x, c1, 9, name="in")
    x = conv(x, c2, 3, 2, name="down1")
    x = conv(x, c3, 3, 2, name="down2")
    for index in range(1, residual_blocks + 1):
        x = _residual(x, c3, name=f"res{index}", style_weights=style_weights, padding=padding)
    x = _upsample_conv(x, c2, "up1", style_weights, padding)
    x = _upsample_conv(x, c1, "up2", style_weights, padding)
    x = conv(x, 3, 9, name="out", norm=False, relu=False)
    x = layers.Activation("sigmoid", dtype="float32", name="sigmoid")(x)
    x = layers.Rescaling(255.0, dtype="float32", name="to_pixels")(x)
    outputs = ResizePixelsLike(dtype="float32", name="resize_to_input")(x, images)
    return keras.Model([images, style_weights] if num_styles else images, outputs, name=name)


def load_weights(path, precision: str = "float32") -> tuple[keras.Model, dict]:
    """Rebuild a network saved by :func:`tf_nst.networks.store.save_weights`; returns ``(model, metadata)``."""
    weights, metadata = read_weights(path)
    with dtype_policy(precision):
        model = build_transform_net(metadata["width"], metadata["residual_blocks"],
                                    num_styles=len(metadata.get("styles", ())),
                                    reflect_border=metadata.get("reflect_border", False))
    model.set_weights(weights)
    return model, metadata


def extend_styles(model: keras.Model, path) -> None:
    """Copy a trained multi-style network (``path``) into ``model``, which has the same shape and
    more styles: the first styles keep their scales and shifts, the new ones start from their mean."""
    trained, _ = load_weights(path)
    for layer in model.layers:
        source = trained.get_layer(layer.name)
        if isinstance(layer, ConditionalInstanceNorm):
            for table, old in ((layer.gamma, source.gamma), (layer.beta, source.beta)):
                old = ops.convert_to_numpy(old)
                extra = np.repeat(old.mean(0, keepdims=True), table.shape[0] - old.shape[0], axis=0)
                table.assign(np.concatenate([old, extra]).astype(table.dtype))
        else:
            layer.set_weights(source.get_weights())
