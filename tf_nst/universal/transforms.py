"""Feature-statistics transforms for universal style transfer, on one image's features [h, w, C].

* WCT (Li et al. 2017): whiten the content features (zero mean, identity covariance), then colour
  them with the style's covariance and add its mean. Eigendecompositions of the C x C covariances
  in float32; as in the paper's code, eigen-directions with (near-)zero variance (VGG channels that
  never fire) are left out rather than amplified.
* AdaIN (Huang & Belongie 2017): per-channel mean and standard deviation only.

Without a mask both are one affine map of the features, ``f M + b`` (whitening, colouring and
the strength folded into M and b): one pass over the features, which matters at relu1_1 where
they are 64 floats per pixel. Style statistics (:class:`StyleStats`) are computed once per style
(with the covariance's square root, cached) and can be blended by weights.
A mask restricts a transform to a region (Li et al. Sec. 4, spatial control): the region's own
content statistics are whitened, and features outside it are left as they were.
"""
from __future__ import annotations

import dataclasses
from typing import Sequence

import tensorflow as tf

TRANSFORMS = ("wct", "adain")
#: Eigenvalues below this fraction of the largest one count as zero (dropped when whitening).
EIGEN_TOLERANCE = 1e-5


@dataclasses.dataclass
class StyleStats:
    """Mean [C] and covariance [C, C] of a style's features at one level (float32)."""

    mean: tf.Tensor
    covariance: tf.Tensor
    _sqrt: tf.Tensor | None = dataclasses.field(default=None, repr=False)

    @property
    def std(self) -> tf.Tensor:
        return tf.sqrt(tf.maximum(tf.linalg.diag_part(self.covariance), 0.0))

    @property
    def covariance_sqrt(self) -> tf.Tensor:
        """covariance^(1/2), the colouring matrix (computed once)."""
        if self._sqrt is None:
            self._sqrt = _symmetric_power(self.covariance, 0.5)
        return self._sqrt


def _flat(features: tf.Tensor) -> tf.Tensor:
    return tf.reshape(tf.cast(features, tf.float32), [-1, tf.shape(features)[-1]])


def _moments(flat: tf.Tensor, weights: tf.Tensor | None = None) -> tuple[tf.Tensor, tf.Tensor]:
    """Mean [C] and covariance [C, C] of rows of ``flat`` [n, C], optionally weighted by ``weights`` [n]."""
    if weights is None:
        weights = tf.ones([tf.shape(flat)[0]], tf.float32)
    total = tf.maximum(tf.reduce_sum(weights), 1e-6)
    mean = tf.reduce_sum(flat * weights[:, None], 0) / total
    centered = flat - mean
    covariance = tf.matmul(centered * weights[:, None], centered, transpose_a=True) / tf.maximum(total - 1.0, 1.0)
    return mean, covariance


def style_stats(features: tf.Tensor) -> StyleStats:
    """The statistics of style features [h, w, C] (or [n, C])."""
    return StyleStats(*_moments(_flat(features)))


def blend_stats(stats: Sequence[StyleStats], weights: Sequence[float]) -> StyleStats:
    """The weighted mean of several styles' means and covariances (weights are normalized to sum 1)."""
    if len(stats) != len(weights):
        raise ValueError(f"{len(weights)} weights for {len(stats)} styles")
    total = float(sum(weights))
    if total <= 0:
        raise ValueError("style weights must not all be zero")
    if len(stats) == 1 or max(weights) == total:
        return stats[max(range(len(weights)), key=lambda i: weights[i])]
    mean = tf.add_n([s.mean * (w / total) for s, w in zip(stats, weights)])
    covariance = tf.add_n([s.covariance * (w / total) for s, w in zip(stats, weights)])
    return StyleStats(mean, covariance)


def _symmetric_power(covariance: tf.Tensor, power: float) -> tf.Tensor:
    """covariance^power through its eigendecomposition, over the eigenvalues above the tolerance."""
    values, vectors = tf.linalg.eigh(covariance)
    keep = values > EIGEN_TOLERANCE * tf.maximum(tf.reduce_max(values), 1e-12)
    powered = tf.where(keep, tf.pow(tf.where(keep, values, 1.0), power), 0.0)
    return tf.matmul(vectors * powered[None, :], vectors, transpose_b=True)


def whiten(flat: tf.Tensor, weights: tf.Tensor | None = None) -> tf.Tensor:
    """Rows of ``flat`` [n, C] with zero (weighted) mean and identity covariance."""
    mean, covariance = _moments(flat, weights)
    return tf.matmul(flat - mean, _symmetric_power(covariance, -0.5))


def colour(white: tf.Tensor, stats: StyleStats) -> tf.Tensor:
    """Whitened rows [n, C] given the style's covariance and mean."""
    return tf.matmul(white, stats.covariance_sqrt) + stats.mean


def _adain_flat(flat: tf.Tensor, stats: StyleStats, weights: tf.Tensor | None = None) -> tf.Tensor:
    mean, covariance = _moments(flat, weights)
    std = tf.sqrt(tf.maximum(tf.linalg.diag_part(covariance), 0.0) + 1e-5)
    return (flat - mean) / std * stats.std + stats.mean


def affine(flat: tf.Tensor, stats: StyleStats, strength: float, kind: str) -> tuple[tf.Tensor, tf.Tensor]:
    """(M [C, C], b [C]) such that ``flat @ M + b`` is the transform of rows ``flat`` [n, C] mixed with
    the rows themselves by ``strength``; the content moments come from one matmul over ``flat``."""
    count = tf.cast(tf.shape(flat)[0], tf.float32)
    mean = tf.reduce_mean(flat, 0)
    second = tf.matmul(flat, flat, transpose_a=True) / count
    covariance = (second - mean[:, None] * mean[None, :]) * count / tf.maximum(count - 1.0, 1.0)
    if kind == "adain":
        scale = stats.std / tf.sqrt(tf.maximum(tf.linalg.diag_part(covariance), 0.0) + 1e-5)
        matrix = tf.linalg.diag(scale)
    else:
        matrix = tf.matmul(_symmetric_power(covariance, -0.5), stats.covariance_sqrt)
    channels = tf.shape(flat)[1]
    mixed = strength * matrix + (1.0 - strength) * tf.eye(channels)
    bias = strength * (stats.mean - tf.linalg.matvec(matrix, mean, transpose_a=True))
    return mixed, bias


def transform(features: tf.Tensor, stats: StyleStats, strength: float = 1.0, kind: str = "wct",
              mask: tf.Tensor | None = None, outside: StyleStats | None = None) -> tf.Tensor:
    """Content features [h, w, C] re-statisticked by ``stats``, mixed with the originals by ``strength``.

    With ``mask`` ([h, w] in 0..1): inside it the region's own statistics are replaced by ``stats``;
    outside it the features are unchanged, or take ``outside`` (a second style) if given.
    """
    if kind not in TRANSFORMS:
        raise ValueError(f"unknown transform {kind!r}; choose one of {', '.join(TRANSFORMS)}")
    shape = tf.shape(features)
    flat = _flat(features)

    def restyle(target: StyleStats, weights: tf.Tensor | None) -> tf.Tensor:
        if kind == "adain":
            styled = _adain_flat(flat, target, weights)
        else:
            styled = colour(whiten(flat, weights), target)
        return strength * styled + (1.0 - strength) * flat

    if mask is None:
        matrix, bias = affine(flat, stats, strength, kind)
        return tf.reshape(tf.matmul(flat, matrix) + bias, shape)
    inside = tf.reshape(tf.cast(mask, tf.float32), [-1])
    hard = tf.cast(inside > 0.5, tf.float32)  # the region whose statistics are whitened
    result = inside[:, None] * restyle(stats, hard)
    if outside is not None:
        result += (1.0 - inside[:, None]) * restyle(outside, 1.0 - hard)
    else:
        result += (1.0 - inside[:, None]) * flat
    return tf.reshape(result, shape)
