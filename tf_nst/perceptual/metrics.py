"""Config-independent quality numbers for a stylized image (what ``tf-nst evaluate`` prints).

* Gram distance: VGG19 relu1_1..relu5_1, per-position Gram F^T F/(H W), relative
  Frobenius error ||G(x) - G(s)|| / ||G(s)|| per layer, and their mean.
* Content distance: relative L2 error of VGG19 relu4_2 features to the content.
* SSIM of BT.601 luminance to the content.

The image is measured at its own size (long side capped at ``max_size``); the content is
resized to the image's size and the style to the image's long side.
"""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from tf_nst.media import images as images_lib
from tf_nst.core.errors import UserError
from tf_nst.perceptual.backbones import FeatureExtractor
from tf_nst.perceptual.losses import gram_matrix

STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")
CONTENT_LAYER = "relu4_2"
#: Width in px of the outer frame and of the band inside it that :func:`border_step` compares.
BORDER_WIDTH = 4
#: The smallest side :func:`evaluate` measures: relu5_1 (16x pooled) then spans 2 features, and
#: SSIM's 11 px window fits.
MIN_EVALUATE_SIDE = 32


def _extractor(weights_dir: str | None) -> FeatureExtractor:
    return FeatureExtractor("vgg19", STYLE_LAYERS + (CONTENT_LAYER,), "float32", weights_dir)


def _distances(measured: dict, style_measured: dict) -> dict[str, float]:
    """Relative Frobenius error of the Gram matrices, per layer of :data:`STYLE_LAYERS`."""
    distances = {}
    for layer in STYLE_LAYERS:
        target = style_measured[layer]
        distances[layer] = float(tf.norm(measured[layer] - target) / tf.norm(target))
    return distances


def _grams(features: dict[str, tf.Tensor]) -> dict[str, tf.Tensor]:
    """The Gram matrix [C, C] per layer of :data:`STYLE_LAYERS`, of one image's features."""
    return {layer: gram_matrix(features[layer])[0] for layer in STYLE_LAYERS}


def _measured(extractor: FeatureExtractor, batch: tf.Tensor) -> dict[str, tf.Tensor]:
    """What :func:`compare` reads of an image: the Gram matrix per style layer and the content
    layer's features (not the large early feature maps, which nothing reads once their Gram is made)."""
    features = extractor(batch)
    return {**_grams(features), CONTENT_LAYER: features[CONTENT_LAYER][0]}


def gram_distances(extractor: FeatureExtractor, image: np.ndarray, style: np.ndarray) -> dict[str, float]:
    """Relative Gram error of ``image`` to ``style`` per layer of :data:`STYLE_LAYERS`."""
    return _distances(_grams(extractor(tf.constant(image[None]))), _grams(extractor(tf.constant(style[None]))))


def luminance_ssim(image: np.ndarray, reference: np.ndarray) -> float:
    """SSIM of the two images' luminance (0..255 RGB in): structure kept, colours aside."""
    y_image = images_lib.luminance(image)[None, ..., None]
    y_reference = images_lib.luminance(reference)[None, ..., None]
    return float(tf.image.ssim(tf.constant(y_image), tf.constant(y_reference), max_val=255.0)[0])


class QualityFeatures:
    """What :func:`compare` reads of float32 0..255 images [H, W, 3] (Gram matrices of the style layers,
    content features): VGG19 built once and the whole measurement compiled, for many images in one
    process; the Grams of a photo or painting shared by many comparisons are made once."""

    def __init__(self, weights_dir: str | None = None):
        extractor = _extractor(weights_dir)
        self._measure = tf.function(lambda batch: _measured(extractor, batch), reduce_retracing=True)

    def __call__(self, image: np.ndarray) -> dict[str, tf.Tensor]:
        return self._measure(tf.constant(np.asarray(image, np.float32)[None]))


def compare(image: np.ndarray, content: np.ndarray, features: dict, content_features: dict,
            style_features: dict) -> dict:
    """All numbers for ``image`` from its features and those of its ``content`` (same size) and style
    (resized to the image's long side): what :func:`evaluate` prints, without recomputing features
    that many images share."""
    height, width = image.shape[:2]
    if content.shape[:2] != (height, width):
        raise ValueError(f"content is {content.shape[:2]}, the image {(height, width)}")
    per_layer = _distances(features, style_features)
    content_per_layer = _distances(content_features, style_features)
    image_content, content_content = features[CONTENT_LAYER], content_features[CONTENT_LAYER]  # same size
    gram_mean = float(np.mean(list(per_layer.values())))
    content_gram_mean = float(np.mean(list(content_per_layer.values())))
    return {
        "size": [width, height],
        "gram_distance": gram_mean,
        "gram_distance_per_layer": per_layer,
        "content_gram_distance": content_gram_mean,
        "gram_ratio_to_content": gram_mean / content_gram_mean,
        "content_distance": float(tf.norm(image_content - content_content) / tf.norm(content_content)),
        "ssim_luminance": luminance_ssim(image, content),
    }


def evaluate(image: np.ndarray, content: np.ndarray, style: np.ndarray, max_size: int = 512,
             weights_dir: str | None = None, features: QualityFeatures | None = None) -> dict:
    """All numbers for ``image`` against its ``content`` and ``style`` (float32 0..255 arrays);
    ``features``: a :class:`QualityFeatures` to reuse when measuring many images."""
    if max(image.shape[:2]) > max_size:
        image = images_lib.resize_long_side(image, max_size)
    height, width = image.shape[:2]
    content = images_lib.resize(content, (width, height))
    style = images_lib.resize_long_side(style, max(height, width))
    for name, array in (("image", image), ("style", style)):
        if min(array.shape[:2]) < MIN_EVALUATE_SIDE:
            raise UserError(f"the {name} is {array.shape[1]}x{array.shape[0]} px as measured; evaluating needs "
                            f"at least {MIN_EVALUATE_SIDE} px on each side")
    features_of = features or QualityFeatures(weights_dir)  # VGG19 built once, compiled
    features, content_features, style_features = (features_of(x) for x in (image, content, style))
    return compare(image, content, features, content_features, style_features)


def border_step(image: np.ndarray, width: int = BORDER_WIDTH) -> float:
    """|mean luminance of the outer ``width`` px frame - that of the next ``width`` px| (0..255):
    the dark (or light) frame that zero padding inside a network draws along the border."""
    luma = images_lib.luminance(np.asarray(image, np.float32))
    rows, columns = np.arange(luma.shape[0]), np.arange(luma.shape[1])
    inset = np.minimum(np.minimum(rows, rows[::-1])[:, None], np.minimum(columns, columns[::-1])[None, :])
    return float(abs(luma[inset < width].mean() - luma[(inset >= width) & (inset < 2 * width)].mean()))
