"""The perceptual loss of a config: content, Gram style, MRF patch and TV terms on one shared
encoder pass, with targets computed once. Used by image optimization (:mod:`tf_nst.optimization.stylize`)
and by network training (:mod:`tf_nst.training.tasks`) alike."""
from __future__ import annotations

from typing import Sequence

import ml_collections
import numpy as np
import tensorflow as tf

from tf_nst.perceptual import losses

from tf_nst.perceptual import mrf
from tf_nst.core.errors import UserError
from tf_nst.perceptual.backbones import FeatureExtractor, layer_depth, resolve_precision


#: The half-size style term needs VGG's deepest pooling to see at least a few positions.
MIN_HALF_SIZE_TERM = 64


def build_perceptual_loss(config: ml_collections.ConfigDict, content: np.ndarray | None, styles: Sequence[np.ndarray],
                          style_blend: Sequence[float] | None = None, weights_dir: str | None = None,
                          style_labels: Sequence[np.ndarray] | None = None,
                          content_labels: np.ndarray | None = None,
                          style_regions: Sequence[np.ndarray] | None = None,
                          per_style_factors: Sequence[float] | None = None) -> losses.PerceptualLoss:
    """Content, Gram style, MRF patch and TV terms with targets computed once from the images (0..255).

    ``content=None`` leaves the content target unset, for training where every batch brings its own.
    ``style_labels`` / ``content_labels`` (integer maps, see :func:`tf_nst.perceptual.mrf.label_maps`) restrict
    the MRF patch matching to equal labels. ``style_regions`` (one [H, W] mask in 0..1 per style, at
    the content's size) give each style its own region through guided Gram matrices.
    ``per_style_factors`` (one per style) keeps one target per style, chosen per call, its loss times
    its factor (multi-style network training).
    """
    use_mrf = config.kind == "optimization" and config.mrf_weight > 0
    layers = list(config.content_layers) + list(config.style_layers) + (list(config.mrf_layers) if use_mrf else [])
    half_extractor = extractor = FeatureExtractor(config.backbone, layers, config.precision, weights_dir)
    half_size_terms = (config.kind == "optimization" and config.half_size_style_weight > 0 and config.style_layers
                       and content is not None and min(content.shape[:2]) >= MIN_HALF_SIZE_TERM)
    style_weights = losses.layer_shares(config.style_layers, config.style_layer_weights)
    content_at_half = False
    if half_size_terms and config.get("full_size_depth", ""):
        depth = layer_depth(config.backbone, config.full_size_depth)
        style_weights = {layer: w for layer, w in style_weights.items() if layer_depth(config.backbone, layer) <= depth}
        content_at_half = any(layer_depth(config.backbone, layer) > depth for layer in config.content_layers)
        full_layers = [layer for layer in config.content_layers if not content_at_half] + list(style_weights)
        extractor = FeatureExtractor(config.backbone, full_layers, config.precision, weights_dir)
    content_term = losses.ContentLoss(config.content_layers, config.content_layer_weights, config.content_loss)
    style_term = losses.GramStyleLoss(list(style_weights), list(style_weights.values()), config.style_loss)
    if config.content_layers and content is not None:
        content_term.set_target(half_extractor(tf.constant(_half(content)[None])) if content_at_half
                                else extractor(tf.constant(content[None])))
    if style_weights:
        style_features = [extractor(tf.constant(style[None])) for style in styles]
        if per_style_factors is not None:
            style_term.set_stacked_targets(style_features, per_style_factors)
        elif style_regions is not None:
            style_term.set_region_targets(style_features, style_regions)
        else:
            style_term.set_targets(style_features, style_blend)
    terms = {
        "content": (config.content_weight if config.content_layers else 0.0,
                    losses.AtHalfSize(content_term) if content_at_half else content_term),
        "style": (config.style_weight if style_weights else 0.0, style_term),
        "tv": (config.tv_weight, losses.TotalVariationLoss()),
    }
    if half_size_terms:
        if style_regions is not None:
            raise UserError("config.half_size_style_weight takes no style regions, masks with a background "
                            "style or style maps; set it to 0")
        half_term = losses.GramStyleLoss(config.style_layers, config.style_layer_weights, config.style_loss)
        half_term.set_targets([half_extractor(tf.constant(_half(style)[None])) for style in styles], style_blend)
        terms["style_half"] = (config.half_size_style_weight, losses.AtHalfSize(half_term))
    if config.kind == "optimization" and config.laplacian_weight > 0 and content is not None:
        laplacian_term = losses.LaplacianLoss(config.laplacian_pool)
        laplacian_term.set_target(tf.constant(content[None], tf.float32))
        terms["laplacian"] = (config.laplacian_weight, laplacian_term)
    if use_mrf:
        terms["mrf"] = (config.mrf_weight, _mrf_term(config, extractor, styles, style_labels, content_labels))
    return losses.PerceptualLoss(extractor, terms, half_extractor)


def _half(image: np.ndarray) -> np.ndarray:
    return losses.half_size(tf.constant(image[None], tf.float32))[0].numpy()


def _mrf_term(config: ml_collections.ConfigDict, extractor: FeatureExtractor, styles: Sequence[np.ndarray],
              style_labels: Sequence[np.ndarray] | None, content_labels: np.ndarray | None) -> mrf.MRFStyleLoss:
    """The patch loss over every style image and its rotated / scaled copies."""
    search_dtype = tf.bfloat16 if resolve_precision(config.precision) == "mixed_bfloat16" else tf.float32
    term = mrf.MRFStyleLoss(config.mrf_layers, config.mrf_layer_weights, config.mrf_patch_size,
                            config.mrf_stride, config.mrf_memory_mb, search_dtype, config.mrf_loss)
    features, labels = [], []
    for index, style in enumerate(styles):
        for degrees in config.mrf_rotations:
            for scale in config.mrf_scales:
                image, label_map = mrf.augment_style(style, style_labels[index] if style_labels else None,
                                                     degrees, scale)
                features.append(extractor(tf.constant(image[None])))
                labels.append(label_map)
    term.set_targets(features, labels if style_labels else None, content_labels)
    return term
