"""Local (MRF) patch style loss of Li & Wand (CNNMRF, CVPR 2016), with optional semantic maps.

For every t x t patch Psi_i of the synthesized image's features, the style patch with the largest
normalized cross-correlation is found by a convolution with the normalized style patches as
filters (in chunks, so memory stays under a budget), and the loss is
sum_i ||Psi_i(F(x)) - Psi_NN(i)(F(x_s))||^2, with gradients through Psi(F(x)) only.

Semantic guidance (neural-doodle style): integer label maps for the synthesized image and the
style restrict each patch to style patches of its own label (label -1 matches anything).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import tensorflow as tf

from tf_nst.core.errors import UserError

_MISMATCH = 1e9  # subtracted from the correlation of style patches of another label


def extract_patches(features: tf.Tensor, size: int, stride: int = 1) -> tf.Tensor:
    """All size x size patches of [1, H, W, C] features, row-major: [P, size * size * C]."""
    patches = tf.image.extract_patches(features, sizes=[1, size, size, 1], strides=[1, stride, stride, 1],
                                       rates=[1, 1, 1, 1], padding="VALID")
    return tf.reshape(patches, [-1, size * size * tf.shape(features)[-1]])


def patch_labels(labels: np.ndarray, size: int, stride: int = 1) -> np.ndarray:
    """The label at the centre of every patch of an [H, W] label grid, in extract_patches order."""
    half = size // 2
    height, width = labels.shape
    return labels[half:height - size + 1 + half:stride, half:width - size + 1 + half:stride].reshape(-1)


@tf.function(reduce_retracing=True)
def nearest_style_patches(features: tf.Tensor, style_patches: tf.Tensor, size: int, chunk: int,
                          labels: tf.Tensor | None = None, style_labels: tf.Tensor | None = None) -> tf.Tensor:
    """Index of the best-matching style patch (normalized cross-correlation) for every stride-1
    patch of ``features`` [1, H, W, C]; the style patches are compared ``chunk`` at a time."""
    channels = tf.shape(features)[-1]
    norms = tf.norm(style_patches, axis=1, keepdims=True)
    filters = style_patches / tf.maximum(norms, 1e-8)
    count = tf.shape(style_patches)[0]
    best_score = tf.fill([tf.shape(features)[1] - size + 1, tf.shape(features)[2] - size + 1], -np.inf)
    best_score = tf.reshape(best_score, [-1])
    best_index = tf.zeros_like(best_score, dtype=tf.int32)
    for start in tf.range(0, count, chunk):
        tf.autograph.experimental.set_loop_options(
            shape_invariants=[(best_score, tf.TensorShape([None])), (best_index, tf.TensorShape([None]))])
        block = filters[start:start + chunk]
        kernel = tf.transpose(tf.reshape(block, [-1, size, size, channels]), [1, 2, 3, 0])
        scores = tf.nn.conv2d(features, tf.cast(kernel, features.dtype), strides=1, padding="VALID")
        scores = tf.reshape(tf.cast(scores, tf.float32), [-1, tf.shape(block)[0]])
        if labels is not None:
            same = tf.equal(labels[:, None], style_labels[None, start:start + chunk]) | (labels[:, None] < 0)
            scores -= _MISMATCH * (1.0 - tf.cast(same, tf.float32))
        block_best = tf.reduce_max(scores, axis=1)
        block_index = tf.cast(tf.argmax(scores, axis=1), tf.int32) + start
        better = block_best > best_score
        best_index = tf.where(better, block_index, best_index)
        best_score = tf.where(better, block_best, best_score)
    return best_index


@tf.function(reduce_retracing=True)
def patch_loss(features: tf.Tensor, style_patches: tf.Tensor, index: tf.Tensor, size: int) -> tf.Tensor:
    """sum_i ||Psi_i(features) - style_patches[index_i]||^2 in float32 (gradients reach ``features`` only)."""
    patches = extract_patches(tf.cast(features, tf.float32), size)
    return tf.reduce_sum(tf.square(patches - tf.gather(style_patches, index)))


class MRFStyleLoss:
    """Weighted sum over layers of :func:`patch_loss` against the nearest patches of one or more style images.

    ``form``: "sum" is Li & Wand's E_s as written; "cnnmrf" divides it by 2 t^2, the scale of the
    CNNMRF code's gradient (each feature moves by the mean over its t^2 overlapping patches of
    Psi_NN - Psi), which is what its weights (and the fused paper's a2 = 1e-4) were tuned for.
    ``memory_mb`` bounds the correlation scores held at once (synthesized patches x style chunk);
    ``search_dtype`` bfloat16 halves the cost of the correlation convolutions.
    """

    def __init__(self, layers: Sequence[str], layer_weights: Sequence[float] = (), patch_size: int = 3,
                 style_stride: int = 1, memory_mb: int = 1024, search_dtype: tf.DType = tf.float32,
                 form: str = "sum"):
        weights = tuple(layer_weights) or (1.0,) * len(layers)
        scale = 1.0 / (2 * patch_size**2) if form == "cnnmrf" else 1.0
        self.layer_weights = dict(zip(layers, (scale * float(w) for w in weights)))
        self.patch_size, self.style_stride, self.memory_mb = patch_size, style_stride, memory_mb
        self.search_dtype = search_dtype
        self.style_patches: dict[str, tf.Tensor] = {}
        self.matches: dict[str, tf.Variable] = {}
        self.style_labels: dict[str, tf.Tensor] = {}
        self.label_map: np.ndarray | None = None  # of the synthesized image, resized to each grid when used

    def set_targets(self, style_features: Sequence[Mapping[str, tf.Tensor]],
                    style_label_maps: Sequence[np.ndarray] | None = None,
                    label_map: np.ndarray | None = None) -> None:
        """Collect the patches of every style feature dict (e.g. rotated/scaled copies of the style).

        With semantic guidance, ``style_label_maps`` (one [H, W] int map per feature dict) and
        ``label_map`` (for the synthesized image) are resized to each layer's grid.
        """
        guided = label_map is not None and style_label_maps is not None
        self.label_map = label_map if guided else None
        for layer in self.layer_weights:
            # Copies too small for one patch at this layer (small rotated / scaled copies) are skipped.
            usable = [(index, extract_patches(f[layer], self.patch_size, self.style_stride))
                      for index, f in enumerate(style_features)]
            usable = [(index, patches) for index, patches in usable if patches.shape[0] > 0]
            if not usable:
                raise UserError(f"the style image is too small for {self.patch_size}x{self.patch_size} patches "
                                f"at {layer}; use a larger style image or image size")
            self.style_patches[layer] = tf.concat([patches for _, patches in usable], 0)
            if guided:
                self.style_labels[layer] = tf.constant(np.concatenate([
                    patch_labels(resize_labels(style_label_maps[i], style_features[i][layer].shape[1:3]),
                                 self.patch_size, self.style_stride) for i, _ in usable]))

    def _chunk(self, features: tf.Tensor) -> int:
        positions = max(1, (features.shape[1] - self.patch_size + 1) * (features.shape[2] - self.patch_size + 1))
        return max(1, self.memory_mb * 2**20 // (4 * positions))

    def _labels(self, layer: str, grid: tf.Tensor) -> tuple[tf.Tensor | None, tf.Tensor | None]:
        if self.label_map is None:
            return None, None
        labels = patch_labels(resize_labels(self.label_map, grid.shape[1:3]), self.patch_size)
        return tf.constant(labels), self.style_labels[layer]

    def _search(self, layer: str, grid: tf.Tensor) -> tf.Tensor:
        return nearest_style_patches(tf.cast(tf.stop_gradient(grid), self.search_dtype), self.style_patches[layer],
                                     self.patch_size, self._chunk(grid), *self._labels(layer, grid))

    def refresh(self, features: Mapping[str, tf.Tensor]) -> None:
        """Find and keep the nearest style patches for ``features``; calls then use these matches.

        Keeping the matches fixed between refreshes makes the loss a smooth function of the image,
        which L-BFGS's step comparisons need (the optimizer refreshes once per iteration).
        """
        for layer in self.layer_weights:
            matches = self._search(layer, features[layer])
            if layer in self.matches:  # the grid size is fixed for the life of this loss
                self.matches[layer].assign(matches)
            else:
                self.matches[layer] = tf.Variable(matches, trainable=False, name=f"mrf_matches_{layer}")

    def __call__(self, features: Mapping[str, tf.Tensor]) -> tf.Tensor:
        total = []
        for layer, weight in self.layer_weights.items():
            grid = features[layer]
            # A tensor, not the variable: a nested tf.function can keep a variable argument it traced with.
            index = self.matches[layer].read_value() if layer in self.matches else self._search(layer, grid)
            total.append(weight * patch_loss(grid, self.style_patches[layer], index, self.patch_size))
        return tf.add_n(total)


def resize_labels(labels: np.ndarray, shape: Sequence[int]) -> np.ndarray:
    """Nearest-neighbour resize of an [H, W] int label map to ``shape`` = (height, width)."""
    height, width = int(shape[0]), int(shape[1])
    rows = (np.arange(height) + 0.5) * labels.shape[0] / height
    cols = (np.arange(width) + 0.5) * labels.shape[1] / width
    return labels[rows.astype(int)[:, None], cols.astype(int)[None, :]].astype(np.int32)


def label_maps(style_maps: Sequence[np.ndarray], content_map: np.ndarray, min_fraction: float = 0.005,
               tolerance: float = 60.0, max_colors: int = 32) -> tuple[list[np.ndarray], np.ndarray]:
    """Integer labels from colour-coded annotation maps ([H, W, 3] 0..255, as neural-doodle's *_sem.png).

    The palette is the colours covering at least ``min_fraction`` of the style maps (anti-aliased
    edge pixels are not regions); every pixel takes the nearest palette colour, and content-map
    pixels with none within ``tolerance`` get -1 (match anything).
    """
    pixels = [np.round(m).reshape(-1, 3) for m in style_maps]
    colours, counts = np.unique(np.concatenate(pixels), axis=0, return_counts=True)
    palette = colours[counts >= min_fraction * counts.sum()]
    if not 1 <= len(palette) <= max_colors:
        raise UserError(f"the style map has {len(palette)} colour regions; an annotation map uses a few flat "
                        f"colours (1 to {max_colors})")

    def nearest(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        distances = np.sqrt(((values[:, None, :] - palette[None]) ** 2).sum(-1))
        return distances.argmin(1), distances.min(1)

    style_labels = [nearest(p)[0].reshape(m.shape[:2]).astype(np.int32) for p, m in zip(pixels, style_maps)]
    index, distance = nearest(np.round(content_map).reshape(-1, 3))
    content_labels = np.where(distance <= tolerance, index, -1).reshape(content_map.shape[:2]).astype(np.int32)
    return style_labels, content_labels


def augment_style(image: np.ndarray, labels: np.ndarray | None, degrees: float,
                  scale: float) -> tuple[np.ndarray, np.ndarray | None]:
    """A rotated and scaled copy of a style image (and its label map), cropped to avoid empty corners."""
    from PIL import Image

    def transform(array: np.ndarray, resample) -> np.ndarray:
        picture = Image.fromarray(array)
        if degrees:
            picture = picture.rotate(degrees, resample=resample)
            theta = np.deg2rad(abs(degrees) % 90)
            aspect = max(picture.size) / min(picture.size)
            keep = 1.0 / (np.cos(theta) + aspect * np.sin(theta))
            width, height = picture.size
            w, h = max(1, int(width * keep)), max(1, int(height * keep))
            left, top = (width - w) // 2, (height - h) // 2
            picture = picture.crop((left, top, left + w, top + h))
        if scale != 1.0:
            size = (max(1, round(picture.size[0] * scale)), max(1, round(picture.size[1] * scale)))
            picture = picture.resize(size, resample)
        return np.asarray(picture)

    rotated = transform(np.clip(np.round(image), 0, 255).astype(np.uint8), Image.BICUBIC).astype(np.float32)
    rotated_labels = None if labels is None else \
        transform((labels + 1).astype(np.uint8), Image.NEAREST).astype(np.int32) - 1
    return rotated, rotated_labels
