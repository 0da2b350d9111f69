"""How well the universal decoders reconstruct photos: their training objective, measured on photos of your choice."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from tf_nst.networks import decoders
from tf_nst.perceptual import metrics
from tf_nst.universal.model import STRIDES, UniversalModel


def reconstruction_quality(model: UniversalModel, photos: Sequence[np.ndarray],
                           untrained: bool = False) -> dict[str, tuple[float, float]]:
    """Mean (PSNR dB, luminance SSIM) per level of decoding each photo's own features (the decoders'
    training objective, on photos of your choice); ``untrained``: a freshly initialised decoder instead."""
    results = {}
    for level in model.levels:
        decoder = decoders.build_decoder(level, model.metadata["width"]) if untrained else model.decoders[level]
        encoder = model.encoders[level]
        reconstruct = tf.function(lambda batch: tf.cast(decoder(encoder(batch)[level]), tf.float32),
                                  reduce_retracing=True)  # compiled: one trace for photos of any size
        scores = []
        for photo in photos:
            stride = STRIDES[level]
            photo = photo[: photo.shape[0] // stride * stride, : photo.shape[1] // stride * stride]
            image = np.clip(reconstruct(tf.constant(photo[None])).numpy()[0], 0, 255)
            mse = float(np.mean((image - photo) ** 2))
            scores.append((10 * np.log10(255.0**2 / max(mse, 1e-10)), metrics.luminance_ssim(image, photo)))
        results[level] = tuple(float(v) for v in np.mean(scores, 0))
    return results
