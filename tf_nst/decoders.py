"""VGG19 feature decoders for universal style transfer (Li et al. 2017, "Universal Style
Transfer via Feature Transforms").

One decoder per encoder level (``relu1_1`` ... ``relu4_1``), each the mirror image of VGG19 up
to that layer: 3x3 convolutions with reflection padding and ReLU, nearest-neighbour 2x
upsampling where VGG pools, and a last 3x3 convolution to RGB. They are trained only to
reconstruct photos from their features (pixel loss + feature loss, no style images), so they
learn from a folder of photos alone. ``width`` scales every inner channel count.

A decoder takes float32 features [N, h, w, C] and returns RGB [N, 2^k h, 2^k w, 3] in 0..255
(not clipped: training sees the raw values, inference clips).
"""
from __future__ import annotations

import keras
from keras import layers, ops

from tf_nst.config import DECODER_LEVELS

#: The encoder levels a decoder can start from, shallow to deep, with their channel counts.
LEVEL_CHANNELS = {"relu1_1": 64, "relu2_1": 128, "relu3_1": 256, "relu4_1": 512, "relu5_1": 512}
LEVELS = DECODER_LEVELS

# VGG19 read backwards from each level: channel counts of the 3x3 convolutions, "up" where VGG pools.
_MIRROR = {
    "relu5_1": (512, "up", 512, 512, 512, 256, "up", 256, 256, 256, 128, "up", 128, 64, "up", 64),
    "relu4_1": (256, "up", 256, 256, 256, 128, "up", 128, 64, "up", 64),
    "relu3_1": (128, "up", 128, 64, "up", 64),
    "relu2_1": (64, "up", 64),
    "relu1_1": (),
}


@keras.saving.register_keras_serializable(package="tf_nst")
class ReflectionPad(layers.Layer):
    """Reflect-pad height and width by ``pad`` pixels on every side."""

    def __init__(self, pad: int = 1, **kwargs):
        super().__init__(**kwargs)
        self.pad = pad

    def call(self, x):
        # Mirrored slices, concatenated: the same values as ops.pad(..., mode="reflect"), at half
        # its time on the 2-core CPU (TensorFlow's MirrorPad is not a oneDNN op).
        p = self.pad
        flip = ops.flip if p > 1 else (lambda rows, axis: rows)  # one row mirrors to itself
        x = ops.concatenate([flip(x[:, 1:p + 1], 1), x, flip(x[:, -p - 1:-1], 1)], axis=1)
        return ops.concatenate([flip(x[:, :, 1:p + 1], 2), x, flip(x[:, :, -p - 1:-1], 2)], axis=2)

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


def _conv(x, filters: int, name: str, relu: bool = True):
    x = ReflectionPad(1, name=f"{name}_pad")(x)
    return layers.Conv2D(filters, 3, activation="relu" if relu else None, name=name)(x)


def check_level(level: str) -> None:
    if level not in LEVEL_CHANNELS:
        raise ValueError(f"unknown decoder level {level!r}; choose from {', '.join(LEVELS)}")


def build_decoder(level: str, width: float = 1.0) -> keras.Model:
    """The decoder from VGG19 ``level`` features back to an RGB image (0..255 scale)."""
    check_level(level)
    features = keras.Input((None, None, LEVEL_CHANNELS[level]), name=f"{level}_features")
    # VGG sees 0..255 pixels; its features / 255 are those of a [0, 1] image, a well-scaled input.
    x, index = layers.Rescaling(1.0 / 255.0, name=f"{level}_from_pixel_scale")(features), 0
    for item in _MIRROR[level]:
        if item == "up":
            x = layers.UpSampling2D(2, interpolation="nearest", name=f"{level}_up{index}")(x)
        else:
            index += 1
            x = _conv(x, max(8, int(round(item * width))), f"{level}_conv{index}")
    x = _conv(x, 3, f"{level}_to_rgb", relu=False)
    image = layers.Rescaling(255.0, dtype="float32", name=f"{level}_to_pixels")(x)
    return keras.Model(features, image, name=f"decoder_{level}")


def build_decoder_set(levels: tuple[str, ...], width: float = 1.0) -> keras.Model:
    """All decoders in one model (inputs and outputs in the order of ``levels``) so that one
    checkpoint and one weight file hold them; ``model.get_layer("decoder_relu3_1")`` is one."""
    decoders = [build_decoder(level, width) for level in levels]
    inputs = [keras.Input((None, None, LEVEL_CHANNELS[level]), name=f"in_{level}") for level in levels]
    outputs = [decoder(x) for decoder, x in zip(decoders, inputs)]
    return keras.Model(inputs, outputs, name="decoders")
