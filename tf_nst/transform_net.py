"""The feed-forward residual transform network (Johnson et al. 2016; Huang et al. 2021).

9x9 conv -> two stride-2 convs -> residual blocks -> two upsampling blocks (nearest resize +
conv, no checkerboard) -> 9x9 conv to RGB. Every conv is followed by instance normalization
(``GroupNormalization(groups=-1)``) and ReLU, except the last one. ``width`` scales every
channel count (1.0 = Johnson's 32/64/128), for lighter, faster models.

Convolutions zero-pad ("same"), as in Johnson et al.'s network: reflection padding before each
of the 17 convolutions (pytorch/examples) cost 12-14 % of the time per image on the 2-core CPU
(tools/benchmark.py) for a slightly cleaner border.

The model takes float32 RGB [N, H, W, 3] in 0..255 of any size and returns the same shape:
inputs are reflect-padded to a multiple of 4 and the output cropped back.
"""
from __future__ import annotations

import keras
from keras import layers, ops

from tf_nst.features import dtype_policy
from tf_nst.model_files import read_weights

#: Side lengths must be multiples of this (two stride-2 convolutions).
SIZE_MULTIPLE = 4


@keras.saving.register_keras_serializable(package="tf_nst")
class PadToMultiple(layers.Layer):
    """Reflect-pad the bottom and right so that height and width are multiples of ``multiple``."""

    def __init__(self, multiple: int = SIZE_MULTIPLE, **kwargs):
        super().__init__(**kwargs)
        self.multiple = multiple

    def call(self, x):
        shape = ops.shape(x)
        extra_h = (-shape[1]) % self.multiple
        extra_w = (-shape[2]) % self.multiple
        return ops.pad(x, [[0, 0], [0, extra_h], [0, extra_w], [0, 0]], mode="reflect")

    def get_config(self):
        return {**super().get_config(), "multiple": self.multiple}


@keras.saving.register_keras_serializable(package="tf_nst")
class CropLike(layers.Layer):
    """Crop the first input to the height and width of the second."""

    def call(self, x, like):
        shape = ops.shape(like)
        return x[:, : shape[1], : shape[2], :]



def _conv(x, filters: int, kernel: int, stride: int = 1, name: str = "", norm: bool = True, relu: bool = True):
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same", name=f"{name}_conv")(x)
    if norm:
        x = layers.GroupNormalization(groups=-1, epsilon=1e-5, name=f"{name}_norm")(x)
    if relu:
        x = layers.ReLU(name=f"{name}_relu")(x)
    return x


def _residual(x, filters: int, name: str):
    y = _conv(x, filters, 3, name=f"{name}a")
    y = _conv(y, filters, 3, name=f"{name}b", relu=False)
    return layers.Add(name=f"{name}_add")([x, y])


def build_transform_net(width: float = 1.0, residual_blocks: int = 5, name: str = "transform_net") -> keras.Model:
    """The transform network; ``width`` multiplies the 32/64/128 channel counts."""
    if not 0 < width <= 4:
        raise ValueError(f"width must be in (0, 4], got {width}")
    c1, c2, c3 = (max(4, int(round(base * width))) for base in (32, 64, 128))
    images = keras.Input((None, None, 3), name="images")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0, name="to_unit_range")(images)
    x = PadToMultiple(SIZE_MULTIPLE, name="pad_to_multiple")(x)
    x = _conv(x, c1, 9, name="in")
    x = _conv(x, c2, 3, 2, name="down1")
    x = _conv(x, c3, 3, 2, name="down2")
    for index in range(1, residual_blocks + 1):
        x = _residual(x, c3, name=f"res{index}")
    x = layers.UpSampling2D(2, interpolation="nearest", name="up1_resize")(x)
    x = _conv(x, c2, 3, name="up1")
    x = layers.UpSampling2D(2, interpolation="nearest", name="up2_resize")(x)
    x = _conv(x, c1, 3, name="up2")
    x = _conv(x, 3, 9, name="out", norm=False, relu=False)
    x = layers.Activation("sigmoid", dtype="float32", name="sigmoid")(x)
    x = layers.Rescaling(255.0, dtype="float32", name="to_pixels")(x)
    outputs = CropLike(dtype="float32", name="crop_to_input")(x, images)
    return keras.Model(images, outputs, name=name)


def load_weights(path, precision: str = "float32") -> tuple[keras.Model, dict]:
    """Rebuild a network saved by :func:`tf_nst.model_files.save_weights`; returns ``(model, metadata)``."""
    weights, metadata = read_weights(path)
    with dtype_policy(precision):
        model = build_transform_net(metadata["width"], metadata["residual_blocks"])
    model.set_weights(weights)
    return model, metadata
