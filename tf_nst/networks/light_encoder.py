"""A light VGG19-shaped encoder for universal style transfer, distilled from VGG19 on photos alone.

Wang et al. (CVPR 2020), "Collaborative Distillation for Ultra-Resolution Universal Style Transfer":
VGG19 up to relu4_1 costs ~63 GMAC at 512x512 and the universal cascade encodes four times, which no
2-core CPU runs in well under a second. The light encoder keeps VGG19's layout (3x3 convolutions,
max pooling, the same levels) with ``width`` times the filters (0.25: ~16x fewer multiply-adds). It is
trained together with its decoders (``tf_nst/config/presets/wang2020_light_universal.py``): each level's features,
mapped by a learned 1x1 linear embedding, must match VGG19's (so WCT on them moves the same kind of
statistics), while the decoders reconstruct the photo from them.

Its weights start from VGG19's own: each layer keeps the filters with the largest L1 norms (the
pruning start of the paper), and the embeddings start as the map back to those channels.
"""
from __future__ import annotations

import keras
import numpy as np
from keras import layers

from tf_nst.networks.decoders import build_decoder

#: VGG19 up to relu4_1: (layer name, output channels, whether a max pool comes first).
VGG19_LAYOUT = (("block1_conv1", 64, False), ("block1_conv2", 64, False),
                ("block2_conv1", 128, True), ("block2_conv2", 128, False),
                ("block3_conv1", 256, True), ("block3_conv2", 256, False), ("block3_conv3", 256, False),
                ("block3_conv4", 256, False),
                ("block4_conv1", 512, True))
#: The level each layer's output is (relu B_1 of each block).
LEVEL_LAYERS = {"relu1_1": "block1_conv1", "relu2_1": "block2_conv1", "relu3_1": "block3_conv1",
                "relu4_1": "block4_conv1"}
LEVELS = tuple(LEVEL_LAYERS)
#: VGG's Caffe preprocessing: BGR channel means subtracted from 0..255 pixels.
_BGR_MEAN = (103.939, 116.779, 123.68)


def channels(level_or_layer: str, width: float) -> int:
    """The light encoder's channel count for a level (``relu3_1``) or VGG19 layer name."""
    layer = LEVEL_LAYERS.get(level_or_layer, level_or_layer)
    full = dict((name, count) for name, count, _ in VGG19_LAYOUT)[layer]
    return max(8, int(round(full * width)))


def check_levels(levels) -> None:
    unknown = [level for level in levels if level not in LEVEL_LAYERS]
    if unknown:
        raise ValueError(f"the light encoder has levels {', '.join(LEVELS)}, not {', '.join(unknown)}")


def build_light_encoder(levels: tuple[str, ...], width: float) -> keras.Model:
    """RGB 0..255 [N, H, W, 3] -> the features at ``levels`` (a list, in that order), float32."""
    check_levels(levels)
    deepest = max(LEVELS.index(level) for level in levels)
    last_layer = LEVEL_LAYERS[LEVELS[deepest]]
    pixels = keras.Input((None, None, 3), name="light_pixels")
    # RGB -> BGR, minus VGG's means: the same input VGG19 sees, so its filters can seed ours.
    x = layers.Lambda(lambda t: keras.ops.flip(t, axis=-1) - np.array(_BGR_MEAN, "float32"),
                      name="light_caffe_preprocess")(pixels)
    outputs = {}
    for name, _, pool_first in VGG19_LAYOUT:
        if pool_first:
            x = layers.MaxPooling2D(2, name=f"light_{name}_pool")(x)
        x = layers.Conv2D(channels(name, width), 3, padding="same", activation="relu", name=f"light_{name}")(x)
        outputs[name] = x
        if name == last_layer:
            break
    features = [layers.Activation("linear", dtype="float32", name=f"light_{level}")(outputs[LEVEL_LAYERS[level]])
                for level in levels]
    return keras.Model(pixels, features, name="light_encoder")


def build_embeddings(levels: tuple[str, ...]) -> list[layers.Layer]:
    """Per level a 1x1 linear map from the light features to VGG19's (for the distillation loss only)."""
    return [layers.Conv2D(channels(level, 1.0), 1, dtype="float32", name=f"embed_{level}") for level in levels]


def build_light_universal(levels: tuple[str, ...], width: float, encoder_width: float) -> keras.Model:
    """Light encoder, its decoders and embeddings in one model (one checkpoint, one weight file):
    pixels -> [features per level] + [reconstruction per level] + [embedded features per level];
    ``get_layer("light_encoder")`` and ``get_layer("decoder_relu3_1")`` are the parts inference uses."""
    encoder = build_light_encoder(levels, encoder_width)
    pixels = keras.Input((None, None, 3), name="pixels")
    features = encoder(pixels)
    features = list(features) if isinstance(features, (list, tuple)) else [features]
    decoded = [build_decoder(level, width, channels(level, encoder_width))(x) for level, x in zip(levels, features)]
    embedded = [embedding(x) for embedding, x in zip(build_embeddings(levels), features)]
    return keras.Model(pixels, features + decoded + embedded, name="light_universal")


def level_extractors(model: keras.Model, levels: tuple[str, ...]) -> dict[str, "LightFeatures"]:
    """One extractor per level, each truncated there, sharing the weights of ``model``'s encoder."""
    encoder = model.get_layer("light_encoder")
    return {level: LightFeatures(encoder, (level,), levels) for level in levels}


def seed_from_vgg19(model: keras.Model, vgg19: keras.Model, levels: tuple[str, ...]) -> None:
    """Start ``model``'s encoder as VGG19 pruned to its largest filters (L1 norm) and each embedding
    as the map of those channels back to their places (zero elsewhere)."""
    encoder = model.get_layer("light_encoder")
    embeddings = [model.get_layer(f"embed_{level}") for level in levels]
    kept_inputs = np.arange(3)
    kept = {}
    for name, _, _ in VGG19_LAYOUT:
        try:
            ours = encoder.get_layer(f"light_{name}")
        except ValueError:
            break
        kernel, bias = vgg19.get_layer(name).get_weights()
        count = ours.filters
        order = np.argsort(-np.abs(kernel).sum(axis=(0, 1, 2)), kind="stable")
        chosen = np.sort(order[:count])
        ours.set_weights([kernel[:, :, kept_inputs][..., chosen], bias[chosen]])
        kept[name], kept_inputs = chosen, chosen
    for level, embedding in zip(levels, embeddings):
        chosen = kept[LEVEL_LAYERS[level]]
        matrix = np.zeros((1, 1, len(chosen), channels(level, 1.0)), np.float32)
        matrix[0, 0, np.arange(len(chosen)), chosen] = 1.0
        embedding.set_weights([matrix, np.zeros(channels(level, 1.0), np.float32)])


class LightFeatures:
    """The light encoder with :class:`tf_nst.perceptual.backbones.FeatureExtractor`'s call: images 0..255 ->
    ``{level: float32 features}``, truncated at the deepest level asked for."""

    def __init__(self, encoder: keras.Model, levels: tuple[str, ...], all_levels: tuple[str, ...]):
        self.layers = tuple(levels)
        outputs = [encoder.outputs[all_levels.index(level)] for level in self.layers]
        self.model = keras.Model(encoder.inputs, outputs, name="light_features")

    def __call__(self, images) -> dict:
        outputs = self.model(keras.ops.cast(images, "float32"), training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return {level: keras.ops.cast(out, "float32") for level, out in zip(self.layers, outputs)}
