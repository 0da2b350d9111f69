"""How often the bundled styles draw a border step over 3 on many photos, by the photo's own step.

python tools/border_table.py --folders=../shared/data/train/bsds500_val,../shared/data/train/coco128 [--models=...]
  Every photo in each folder (recursively) is resized to --size long side and stylized by every
  style of each model; tf_nst.perceptual.metrics.border_step (outer 4 px vs the next 4 px, of 255) of the
  output is grouped by the photo's own step (<= 2, 2-3, > 3): per model, the pairs over 3 and the
  mean step in each group, and the worst pairs. A photo whose own edge is a line brighter or
  darker than the rows inside it keeps some of it when stylized; the first group shows the frame
  a network adds by itself. Complements tools/bundled_table.py (10 content photos) with thousands
  of pairs, for choosing between networks without fitting the content photos.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from absl import app, flags

import toolkit

flags.DEFINE_list("folders", [str(toolkit.SHARED_DATA / "train" / "bsds500_val")], "Folders of photos.")
flags.DEFINE_list("models", None, "Model names, folders or files (default: the bundled multi-style network).")
FLAGS = flags.FLAGS
FLAGS.set_default("size", 512)
GROUPS = ("photo's own step <= 2", "2-3", "> 3")


def _group(own_step: float) -> int:
    """Index into GROUPS of a photo whose own border step is ``own_step``."""
    return 0 if own_step <= 2.0 else 1 if own_step <= 3.0 else 2


def _photos() -> dict[str, np.ndarray]:
    from tf_nst.media import images
    from tf_nst.training.trainer import scan_image_folder
    photos = {}
    for folder in FLAGS.folders:
        for path in scan_image_folder(folder)[0]:
            photos[f"{Path(folder).name}/{Path(path).stem}"] = images.resize_long_side(images.load_image(path), FLAGS.size)
    return photos


def main(_):
    from tf_nst.perceptual import metrics
    from tf_nst.models.loading import load_model

    photos = _photos()
    own = {name: metrics.border_step(photo) for name, photo in photos.items()}
    groups = {name: _group(step) for name, step in own.items()}
    print(f"{len(photos)} photos at {FLAGS.size} px; " + ", ".join(
        f"{list(groups.values()).count(index)} with {label}" for index, label in enumerate(GROUPS)))
    print("| model | " + " | ".join(f"{label}: over 3 / pairs (mean)" for label in GROUPS) + " | worst |")
    print("|---|" + "---|" * (len(GROUPS) + 1))
    for name in FLAGS.models or ["multistyle"]:
        model = load_model(name)
        steps = {}
        for style in model.styles or [None]:
            styled = model if style is None else model.select(style)
            steps.update({(styled.name, photo): metrics.border_step(styled.transfer(image))
                          for photo, image in photos.items()})
        cells = []
        for index in range(len(GROUPS)):
            values = np.array([step for (_, photo), step in steps.items() if groups[photo] == index])
            cells.append(f"{int((values > 3).sum())} / {len(values)} ({values.mean():.2f})" if len(values) else "—")
        worst = sorted(steps.items(), key=lambda item: -item[1])[:3]
        print(f"| `{name}` | " + " | ".join(cells) + " | "
              + ", ".join(f"{style} x {photo} {step:.1f} (own {own[photo]:.1f})" for (style, photo), step in worst)
              + " |", flush=True)


if __name__ == "__main__":
    app.run(main)
