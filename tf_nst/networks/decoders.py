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
from keras import layers

from tf_nst.config import DECODER_LEVELS
from tf_nst.networks.padding import NearestUpsampling, ReflectionPad

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


def _conv(x, filters: int, name: str, relu: bool = True, upsample: bool = False):
    """3x3 convolution, reflect-padded; ``upsample``: nearest 2x upsampling first (one gather with the pad)."""
    pad = NearestUpsampling(2, pad=1, name=f"{name}_up_pad") if upsample else ReflectionPad(1, name=f"{name}_pad")
    return layers.Conv2D(filters, 3, activation="relu" if relu else None, name=name)(pad(x))


def check_level(level: str) -> None:
    if level not in LEVEL_CHANNELS:
        raise ValueError(f"unknown decoder level {level!r}; choose from {', '.join(LEVELS)}")


def build_decoder(level: str, width: float = 1.0, in_channels: int | None = None) -> keras.Model:
    """The decoder from VGG19 ``level`` features (or ``in_channels`` of a light encoder's, at the same
    level) back to an RGB image (0..255 scale)."""
    check_level(level)
    features = keras.Input((None, None, in_channels or LEVEL_CHANNELS[level]), name=f"{level}_features")
    # VGG sees 0..255 pixels; its features / 255 are those of a [0, 1] image, a well-scaled input.
    x, index, upsample = layers.Rescaling(1.0 / 255.0, name=f"{level}_from_pixel_scale")(features), 0, False
    for item in _MIRROR[level]:  # every "up" is followed by a convolution
        if item == "up":
            upsample = True
        else:
            index += 1
            x = _conv(x, max(8, int(round(item * width))), f"{level}_conv{index}", upsample=upsample)
            upsample = False
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
