"""Reconstruction quality of universal-style decoders: PSNR / SSIM per level on photos outside the
training folder (``../shared/data/content``), beside an untrained decoder of the same shape.

    python tools/decoder_quality.py [--model=universal] --size=512
"""
from __future__ import annotations

import numpy as np
from absl import app, flags

import toolkit

flags.DEFINE_string("model", "universal", "Bundled name, tf-nst train folder or .npz of universal decoders.")
FLAGS = flags.FLAGS


def reconstruction_quality(model, photos: list[np.ndarray], untrained: bool = False) -> dict[str, tuple[float, float]]:
    """Mean (PSNR dB, luminance SSIM) per level of decoding each photo's own features."""
    import tensorflow as tf
    from tf_nst import decoders, metrics
    from tf_nst.universal import STRIDES
    results = {}
    for level in model.levels:
        decoder = decoders.build_decoder(level, model.metadata["width"]) if untrained else model.decoders[level]
        scores = []
        for photo in photos:
            stride = STRIDES[level]
            photo = photo[: photo.shape[0] // stride * stride, : photo.shape[1] // stride * stride]
            features = model.encoders[level](tf.constant(photo[None]))[level]
            image = np.clip(tf.cast(decoder(features), tf.float32).numpy()[0], 0, 255)
            mse = float(np.mean((image - photo) ** 2))
            scores.append((10 * np.log10(255.0**2 / max(mse, 1e-10)), metrics.luminance_ssim(image, photo)))
        results[level] = tuple(float(v) for v in np.mean(scores, 0))
    return results


def main(argv) -> None:
    import tf_nst
    from tf_nst import images
    model = tf_nst.load_model(FLAGS.model, "float32")
    photos = [images.resize_long_side(images.load_image(p), FLAGS.size)
              for p in sorted((toolkit.SHARED_DATA / "content").iterdir())]
    trained, untrained = reconstruction_quality(model, photos), reconstruction_quality(model, photos, True)
    print(f"| level | PSNR dB | SSIM | untrained PSNR dB | untrained SSIM |  ({len(photos)} photos, {FLAGS.size} px, "
          f"{model.metadata.get('steps')} steps)")
    for level in model.levels:
        print(f"| {level} | {trained[level][0]:.2f} | {trained[level][1]:.3f} | {untrained[level][0]:.2f} | "
              f"{untrained[level][1]:.3f} |")


if __name__ == "__main__":
    app.run(main)
