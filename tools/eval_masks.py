"""Person IoU of each segmentation provider against ground-truth masks, at full resolution.

python tools/eval_masks.py [--people=../shared/data/people]
  For every photo in PEOPLE/images with a mask in PEOPLE/masks (255 = person): mean IoU over
  photos and pooled IoU (all intersections / all unions), plus pooled IoU on the first and the
  second half of the photos (sorted by name) to show whether a gain holds on both.
  "raw" is DeepLabV3 as published: the image stretched to 257x257, logits upsampled bilinearly
  to full size, argmax == person. The other rows are what `tf-nst segment --mask=SPEC` writes.
"""
from __future__ import annotations

import time

import numpy as np
from absl import app, flags

import toolkit

flags.DEFINE_string("people", str(toolkit.SHARED_DATA / "people"), "Folder with images/ and masks/.")
FLAGS = flags.FLAGS


def rows():
    """(label, function image -> boolean person mask) for each provider setting."""
    from tf_nst.segmentation import masks
    from tf_nst.segmentation import providers as segmentation
    raw = segmentation.DeepLabV3(tiles=1, flip=False)
    person = segmentation.VOC_CLASSES.index("person")

    def spec(text: str, **options):
        return lambda image: masks.make_mask(image, text, masks.MaskOptions(**options)) > 0.5
    return [
        ("deeplabv3 raw (257x257 logits upsampled, argmax)", lambda image: raw.logits(image).argmax(-1) == person),
        ("deeplabv3:person --mask_tiles=1 --nomask_flip", spec("deeplabv3:person", tiles=1, flip=False)),
        ("deeplabv3:person --nomask_flip (2x2 tiles + whole view)", spec("deeplabv3:person", flip=False)),
        ("deeplabv3:person --mask_tiles=1 (whole view + mirror)", spec("deeplabv3:person", tiles=1)),
        ("**deeplabv3:person** (default: tiles + whole view, and mirror)", spec("deeplabv3:person")),
        ("deeplabv3:person --refine", spec("deeplabv3:person", refine=True)),
        ("selfie", spec("selfie")),
        ("selfie --refine", spec("selfie", refine=True)),
    ]


def main(_):
    from pathlib import Path
    from tf_nst.media import images
    from tf_nst.segmentation import masks

    folder = Path(FLAGS.people)
    photos = sorted(p for p in (folder / "images").iterdir() if (folder / "masks" / f"{p.stem}.png").is_file())
    truths = [images.load_image(folder / "masks" / f"{p.stem}.png")[..., 0] > 127 for p in photos]
    pictures = [images.load_image(p) for p in photos]
    half = len(photos) // 2
    print(f"{len(photos)} photos in {folder}\n")
    print("| mask | mean IoU | pooled IoU | pooled, first half | pooled, second half | ms / photo |")
    print("|---|---|---|---|---|---|")
    for label, segment in rows():
        start = time.perf_counter()
        counts = np.array([masks.intersection_union(segment(picture), truth)
                           for picture, truth in zip(pictures, truths)], np.float64)
        milliseconds = 1000 * (time.perf_counter() - start) / len(photos)

        def pooled(part):
            return part[:, 0].sum() / part[:, 1].sum()
        mean = np.mean(counts[:, 0] / np.maximum(counts[:, 1], 1))
        print(f"| {label} | {mean:.3f} | {pooled(counts):.3f} | {pooled(counts[:half]):.3f} | "
              f"{pooled(counts[half:]):.3f} | {milliseconds:.0f} |", flush=True)


if __name__ == "__main__":
    app.run(main)
