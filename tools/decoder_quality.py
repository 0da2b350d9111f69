"""Reconstruction quality of universal-style decoders: PSNR / SSIM per level on photos outside the
training folder (``../shared/data/content``), beside an untrained decoder of the same shape.

    python tools/decoder_quality.py [--model=universal] --size=512
"""
from __future__ import annotations

from absl import app, flags

import toolkit

flags.DEFINE_string("model", "universal", "Bundled name, tf-nst train folder or .npz of universal decoders.")
FLAGS = flags.FLAGS


def main(argv) -> None:
    import tf_nst
    from tf_nst.media import images
    from tf_nst.universal.quality import reconstruction_quality
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
