"""Quality of every bundled style model on photos outside the training folder (README table).

python tools/bundled_table.py [--photos=tubingen.jpg,...] [--size=512]
  Each photo (default: every photo in ../shared/data/content) is resized to --size long side, stylized by each
  bundled style and measured with tf_nst.metrics.evaluate (what `tf-nst evaluate` prints)
  against the photo and the style's painting (../shared/data/styles/STYLE.*):
  Gram ratio to the photo's own / luminance SSIM per photo, their means, the worst of each, the
  photos that miss a bar (Gram ratio <= 0.6, SSIM >= 0.3), and the largest border step
  (tf_nst.metrics.border_step: outer 4 px vs the next 4 px, of 255).
"""
from __future__ import annotations

import numpy as np
from absl import app, flags

import toolkit

flags.DEFINE_list("photos", sorted(p.name for p in (toolkit.SHARED_DATA / "content").iterdir()),
                  "Content photos (none is in the training folder).")
flags.DEFINE_list("models", None, "Model names, folders or files (default: every bundled style).")
FLAGS = flags.FLAGS
FLAGS.set_default("size", 512)


def main(_):
    from tf_nst import images, metrics
    from tf_nst.model_files import bundled_networks
    from tf_nst.transfer import load_model

    photos = {name: images.resize_long_side(images.load_image(toolkit.SHARED_DATA / "content" / name), FLAGS.size)
              for name in FLAGS.photos}
    print("| model | training steps | " + " | ".join(name.split(".")[0] for name in photos) + " | mean |")
    print("|---|---|" + "---|" * (len(photos) + 1))
    for name in FLAGS.models or bundled_networks():
        model = load_model(name)
        style = images.load_image(toolkit.SHARED_DATA / "styles" / f"{model.name}.jpg")
        reports = [metrics.evaluate(model.transfer(photo), photo, style) for photo in photos.values()]
        pairs = [(r["gram_ratio_to_content"], r["ssim_luminance"]) for r in reports]
        ratio, ssim = np.mean(pairs, axis=0)
        print(f"| `{name}` | {model.metadata.get('steps', '?')} | " +
              " | ".join(f"{r:.2f} / {s:.2f}" for r, s in pairs) + f" | **{ratio:.2f} / {ssim:.2f}** |", flush=True)


if __name__ == "__main__":
    app.run(main)
