"""Perceptual losses: pure tf.function math plus small loss classes that compose.

Following pystiche, one encoder pass feeds every loss: :class:`PerceptualLoss`
runs the :class:`~tf_nst.perceptual.backbones.FeatureExtractor` once and hands the feature
dict to each term (content, Gram style, total variation, later MRF...).
Images are float32 [N, H, W, 3] with pixels in [0, 1]; all loss math is float32.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import tensorflow as tf

from tf_nst.perceptual.backbones import FeatureExtractor


@tf.function(reduce_retracing=True)
def gram_matrix(features: tf.Tensor) -> tf.Tensor:
    """Per-position Gram matrix F^T F / (H W): [N, H, W, C] -> [N, C, C], float32."""
    features = tf.cast(features, tf.float32)
    positions = tf.cast(tf.shape(features)[1] * tf.shape(features)[2], tf.float32)
    return tf.einsum("nhwc,nhwd->ncd", features, features) / positions


@tf.function(reduce_retracing=True)
def guided_gram_matrix(features: tf.Tensor, guide: tf.Tensor) -> tf.Tensor:
    """Gram of the features weighted by a guidance channel (Gatys et al. 2017, "Controlling perceptual
    factors"): (gF)^T (gF) / sum(g^2) with ``guide`` [N, H, W, 1] at the features' size; an all-ones
    guide gives :func:`gram_matrix`."""
    guided = tf.cast(features, tf.float32) * tf.cast(guide, tf.float32)
    energy = tf.maximum(tf.reduce_sum(tf.square(tf.cast(guide, tf.float32)), axis=[1, 2, 3]), 1e-8)
    return tf.einsum("nhwc,nhwd->ncd", guided, guided) / energy[:, None, None]


def guide_at(mask: tf.Tensor, features: tf.Tensor) -> tf.Tensor:
    """A [1, H, W, 1] image-size mask area-resized to the spatial size of ``features``."""
    return tf.image.resize(mask, tf.shape(features)[1:3], method="area")


@tf.function(reduce_retracing=True)
def content_loss(features: tf.Tensor, target: tf.Tensor, form: str = "half_sum") -> tf.Tensor:
    """Squared feature error: "half_sum" = 1/2 sum (F-P)^2 (Gatys), "mean" = mean (F-P)^2."""
    squared = tf.square(tf.cast(features, tf.float32) - tf.cast(target, tf.float32))
    return 0.5 * tf.reduce_sum(squared) if form == "half_sum" else tf.reduce_mean(squared)


@tf.function(reduce_retracing=True)
def gram_loss(gram: tf.Tensor, target_gram: tf.Tensor, form: str = "gatys") -> tf.Tensor:
    """Style loss between per-position Grams (see :func:`gram_matrix`) of C channels.

    "gatys": sum (dG)^2 / (4 C^2), equal to Gatys et al.'s sum (G-A)^2 / (4 N^2 M^2) on raw
    Grams of equal size; "mean_hw": mean (dG)^2 (TF tutorial); "mean_chw": mean (dG / C)^2
    (PyTorch tutorial, Gram divided by C H W).
    """
    channels = tf.cast(tf.shape(gram)[-1], tf.float32)
    squared = tf.square(gram - target_gram)
    if form == "gatys":
        return tf.reduce_sum(squared) / (4.0 * channels**2)
    if form == "mean_hw":
        return tf.reduce_mean(squared)
    return tf.reduce_mean(squared) / channels**2


@tf.function(reduce_retracing=True)
def total_variation(images: tf.Tensor) -> tf.Tensor:
    """Anisotropic total variation sum |dx| + |dy| (``tf.image.total_variation``), summed over the batch."""
    return tf.reduce_sum(tf.image.total_variation(tf.cast(images, tf.float32)))


def laplacian(images: tf.Tensor, pool: int) -> tf.Tensor:
    """The 3x3 Laplacian of ``images`` [N, H, W, 3] average-pooled by ``pool`` (per channel, no padding)."""
    images = tf.cast(images, tf.float32)
    if pool > 1:
        images = tf.nn.avg_pool2d(images, pool, pool, "VALID")
    kernel = tf.constant([[0.0, -1.0, 0.0], [-1.0, 4.0, -1.0], [0.0, -1.0, 0.0]])[:, :, None, None]
    return tf.nn.depthwise_conv2d(images, tf.tile(kernel, [1, 1, 3, 1]), [1, 1, 1, 1], "VALID")


def layer_shares(layers: Sequence[str], weights: Sequence[float]) -> dict[str, float]:
    """Each layer's weight: ``weights`` in order, or equal shares summing to 1 where none are given."""
    weights = tuple(weights) or (1.0 / max(1, len(layers)),) * len(layers)
    return dict(zip(layers, (float(w) for w in weights)))


class ContentLoss:
    """Weighted sum over layers of :func:`content_loss` against fixed target features."""

    def __init__(self, layers: Sequence[str], layer_weights: Sequence[float] = (), form: str = "half_sum"):
        self.layer_weights = layer_shares(layers, layer_weights)
        self.form = form
        self.targets: dict[str, tf.Tensor] = {}

    def set_target(self, features: Mapping[str, tf.Tensor]) -> None:
        self.targets = {layer: tf.constant(features[layer]) for layer in self.layer_weights}

    def __call__(self, features: Mapping[str, tf.Tensor],
                 targets: Mapping[str, tf.Tensor] | None = None) -> tf.Tensor:
        """Loss against the fixed targets, or against ``targets`` given per call (a training batch)."""
        targets = self.targets if targets is None else targets
        return tf.add_n([weight * content_loss(features[layer], targets[layer], self.form)
                         for layer, weight in self.layer_weights.items()])


class GramStyleLoss:
    """Weighted sum over layers of :func:`gram_loss`; targets may blend several style images.

    With :meth:`set_region_targets` each style instead owns a region of the image (guided Grams).
    """

    def __init__(self, layers: Sequence[str], layer_weights: Sequence[float] = (), form: str = "gatys"):
        self.layer_weights = layer_shares(layers, layer_weights)
        self.form = form
        self.target_grams: dict[str, tf.Tensor] = {}
        self.regions: list[tuple[tf.Tensor, dict[str, tf.Tensor]]] = []  # (mask [1, H, W, 1], target Grams)
        self.stacked_grams: dict[str, tf.Tensor] = {}  # [S, C, C] per layer: one target per style
        self.stacked_factors = tf.ones([0])  # [S]: each stacked style's loss is multiplied by its factor

    def set_stacked_targets(self, style_features: Sequence[Mapping[str, tf.Tensor]],
                            factors: Sequence[float] | None = None) -> None:
        """One target per style, chosen per call by ``style_index`` (multi-style network training);
        ``factors`` (one per style, default 1) weight each style's loss."""
        self.stacked_grams = {layer: tf.concat([gram_matrix(f[layer]) for f in style_features], 0)
                              for layer in self.layer_weights}
        self.stacked_factors = tf.constant(list(factors or [1.0] * len(style_features)), tf.float32)

    def set_targets(self, style_features: Sequence[Mapping[str, tf.Tensor]],
                    blend_weights: Sequence[float] | None = None) -> None:
        """Target Gram per layer = sum_i w_i Gram(style_i), with w normalised to sum to 1."""
        blend = list(blend_weights or [1.0] * len(style_features))
        total = sum(blend)
        self.target_grams = {
            layer: tf.add_n([(w / total) * gram_matrix(f[layer]) for w, f in zip(blend, style_features)])
            for layer in self.layer_weights}

    def set_region_targets(self, style_features: Sequence[Mapping[str, tf.Tensor]], masks: Sequence) -> None:
        """Style i is matched only inside ``masks[i]`` ([H, W] in 0..1 at the synthesized image's size):
        the guided Gram of that region against style i's Gram, summed over regions."""
        self.regions = [(tf.constant(mask, tf.float32)[None, :, :, None],
                         {layer: gram_matrix(f[layer]) for layer in self.layer_weights})
                        for f, mask in zip(style_features, masks)]

    def __call__(self, features: Mapping[str, tf.Tensor], style_index: tf.Tensor | None = None) -> tf.Tensor:
        if style_index is not None:
            return tf.gather(self.stacked_factors, style_index) * tf.add_n(
                [weight * gram_loss(gram_matrix(features[layer]), tf.gather(self.stacked_grams[layer], style_index)[None],
                                    self.form) for layer, weight in self.layer_weights.items()])
        if self.regions:
            return tf.add_n([weight * gram_loss(guided_gram_matrix(features[layer], guide_at(mask, features[layer])),
                                                targets[layer], self.form)
                             for mask, targets in self.regions for layer, weight in self.layer_weights.items()])
        return tf.add_n([weight * gram_loss(gram_matrix(features[layer]), self.target_grams[layer], self.form)
                         for layer, weight in self.layer_weights.items()])


class TotalVariationLoss:
    """Smoothness prior on the image itself (needs no features)."""

    needs_image = True

    def __call__(self, images: tf.Tensor) -> tf.Tensor:
        return total_variation(images)


class LaplacianLoss:
    """The squared difference between the image's and the photo's Laplacians after ``pool`` x ``pool``
    average pooling (Li et al. 2017, "Laplacian-steered neural style transfer"), relative to the
    photo's own Laplacian energy: keeps the photo's edges and fine structure, which deep content
    features let the style texture overwrite, and weighs most on smooth photos, where added texture
    destroys the most structure. Relative, so the balance does not change with the image's size."""

    needs_image = True

    def __init__(self, pool: int):
        self.pool = pool
        self.target: tf.Tensor | None = None
        self.energy: tf.Tensor | None = None

    def set_target(self, content: tf.Tensor) -> None:
        """``content``: the photo [1, H, W, 3] in 0..255."""
        self.target = laplacian(content, self.pool)
        self.energy = tf.maximum(tf.reduce_mean(tf.square(self.target)), 1e-6)

    def __call__(self, images: tf.Tensor) -> tf.Tensor:
        return tf.reduce_mean(tf.square(laplacian(images * 255.0, self.pool) - self.target)) / self.energy


class AtHalfSize:
    """A feature term (content or Gram style) taken on the image at half its size, against targets at
    half size. A style term there keeps the style's statistics at the scale of a coarser synthesis
    while a large image is refined (VGG's Grams are not scale-invariant, so matching them at full size
    alone lets coarse ones drift); deep terms there cost a quarter of their full-size work
    (``config.full_size_depth``). :class:`PerceptualLoss` runs one half-size pass for all of them."""

    def __init__(self, term):
        self.term = term

    def __call__(self, half_features: Mapping[str, tf.Tensor]) -> tf.Tensor:
        return self.term(half_features)


def half_size(images: tf.Tensor) -> tf.Tensor:
    """2x2 average pooling: the image at half size, as the half-size terms and their targets see it."""
    return tf.nn.avg_pool2d(tf.cast(images, tf.float32), 2, 2, "VALID")


class PerceptualLoss:
    """Weighted sum of named loss terms sharing one feature-extractor pass.

    ``terms`` maps a name ("content", "style", "tv", ...) to ``(weight, loss)``; a loss
    is called on the feature dict, or on the image if it has ``needs_image = True``.
    Calling returns a dict of the weighted terms plus their sum under "total". When training a
    network, ``content_targets`` (features of the batch's own photos) go to the :class:`ContentLoss`
    terms instead of their fixed targets. :class:`AtHalfSize` terms share one pass of
    ``half_extractor`` (default: ``extractor``) over the image at half size.
    """

    def __init__(self, extractor: FeatureExtractor, terms: Mapping[str, tuple[float, object]],
                 half_extractor: FeatureExtractor | None = None):
        self.extractor = extractor
        self.half_extractor = half_extractor or extractor
        self.terms = {name: (float(weight), loss) for name, (weight, loss) in terms.items() if weight > 0}
        #: True when a term keeps state that follows the image (see :meth:`refresh`).
        self.stateful = any(hasattr(loss, "refresh") for _, loss in self.terms.values())
        #: True when a term needs the half-size pass.
        self.needs_half_size = any(isinstance(loss, AtHalfSize) for _, loss in self.terms.values())

    def refresh(self, images01: tf.Tensor) -> None:
        """Let terms with state that follows the image (MRF patch matches) update it."""
        if self.stateful:
            features = self.extractor(images01 * 255.0)
            for _, loss in self.terms.values():
                if hasattr(loss, "refresh"):
                    loss.refresh(features)

    def __call__(self, images01: tf.Tensor, content_targets: Mapping[str, tf.Tensor] | None = None,
                 style_index: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
        """``style_index`` picks one of the stacked style targets (:meth:`GramStyleLoss.set_stacked_targets`)."""
        features = self.extractor(images01 * 255.0)
        half_features = self.half_extractor(half_size(images01) * 255.0) if self.needs_half_size else None
        values = {}
        for name, (weight, loss) in self.terms.items():
            if isinstance(loss, AtHalfSize):
                values[name] = weight * loss(half_features)
            elif getattr(loss, "needs_image", False):
                values[name] = weight * loss(images01)
            elif content_targets is not None and isinstance(loss, ContentLoss):
                values[name] = weight * loss(features, content_targets)
            elif style_index is not None and isinstance(loss, GramStyleLoss):
                values[name] = weight * loss(features, style_index)
            else:
                values[name] = weight * loss(features)
        values["total"] = tf.add_n(list(values.values())) if values else tf.constant(0.0)
        return values
