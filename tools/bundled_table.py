"""Quality of every bundled style on photos outside the training folder (README table).

python tools/bundled_table.py [--photos=tubingen.jpg,/any/photo.jpg] [--size=512] [--models=wave,models/abc]
  Each photo (default: every photo in ../shared/data/content; a bare name is looked up there) is
  resized to --size long side, stylized by each bundled style and measured as `tf-nst evaluate`
  does (tf_nst.perceptual.metrics, each photo's and painting's features computed once) against the photo and
  the style's painting (../shared/data/styles/STYLE.*): Gram ratio to the photo's own / luminance
  SSIM per photo; then per style the mean, the worst of each, the photos that miss a bar (Gram
  ratio <= 0.6, SSIM >= 0.3) and the largest border step (tf_nst.perceptual.metrics.border_step: outer 4 px
  vs the next 4 px, of 255); after the table, the style x photo pairs whose border step is over 3
  and the median and mean step over all pairs.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from absl import app, flags

import toolkit

flags.DEFINE_list("photos", sorted(p.name for p in (toolkit.SHARED_DATA / "content").iterdir()),
                  "Content photos: names in ../shared/data/content (none is in the training folder) or paths.")
flags.DEFINE_list("models", None, "Model names, folders or files (default: every bundled style).")
FLAGS = flags.FLAGS
FLAGS.set_default("size", 512)


def _photo_path(name: str) -> Path:
    return Path(name) if Path(name).is_file() else toolkit.SHARED_DATA / "content" / name


def _row(model, photos: dict, photo_features: dict, features) -> tuple[str, dict[str, float]]:
    """One table row: ``model`` (its current style) on every photo; and the border step per photo."""
    from tf_nst.media import images
    from tf_nst.perceptual import metrics
    painting = images.load_image(next((toolkit.SHARED_DATA / "styles").glob(f"{model.name}.*")))
    painting_features = features(images.resize_long_side(painting, FLAGS.size))
    pairs, borders, misses = [], [], []
    for photo_name, photo in photos.items():
        output = model.transfer(photo)
        report = metrics.compare(output, photo, features(output), photo_features[photo_name],
                                 painting_features)
        pairs.append((report["gram_ratio_to_content"], report["ssim_luminance"]))
        borders.append(metrics.border_step(output))
        if pairs[-1][0] > 0.6 or pairs[-1][1] < 0.3:
            misses.append(photo_name)
    ratio, ssim = np.mean(pairs, axis=0)
    worst = f"{max(r for r, _ in pairs):.2f} / {min(s for _, s in pairs):.2f}"
    return (f"| `{model.name}` | {model.metadata.get('steps', '?')} | " + " | ".join(f"{r:.2f} / {s:.2f}" for r, s in pairs)
            + f" | **{ratio:.2f} / {ssim:.2f}** | {worst} | {', '.join(misses) or '—'} | {max(borders):.1f} |",
            dict(zip(photos, borders)))


def main(_):
    from tf_nst.media import images
    from tf_nst.perceptual import metrics
    from tf_nst.networks.store import bundled_networks
    from tf_nst.models.loading import load_model

    photos = {Path(name).stem: images.resize_long_side(images.load_image(_photo_path(name)), FLAGS.size)
              for name in FLAGS.photos}
    features = metrics.QualityFeatures()
    photo_features = {name: features(photo) for name, photo in photos.items()}
    print("| style | training steps | " + " | ".join(photos) + " | mean | worst | misses | border max |")
    print("|---|---|" + "---|" * (len(photos) + 4))
    borders = {}
    for name in FLAGS.models or bundled_networks():
        model = load_model(name)
        # A multi-style file given by --models: each of its styles (a bundled style name selects one).
        for style in model.styles if FLAGS.models and model.styles and name not in model.styles else [None]:
            styled = model if style is None else model.select(style)
            row, steps = _row(styled, photos, photo_features, features)
            print(row, flush=True)
            borders.update({f"{styled.name} x {photo}": step for photo, step in steps.items()})
    over = [f"{pair} {step:.1f}" for pair, step in borders.items() if step > 3.0]
    print(f"\nborder step over 3: {len(over)} of {len(borders)} pairs ({', '.join(over) or 'none'}); "
          f"median {np.median(list(borders.values())):.2f}, mean {np.mean(list(borders.values())):.2f}")


if __name__ == "__main__":
    app.run(main)
