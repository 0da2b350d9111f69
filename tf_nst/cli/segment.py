"""``tf-nst segment``: write the mask that local style transfer would use, as an 8-bit image.

Examples:
  tf-nst segment --input=photo.jpg --mask=deeplabv3:person --output=mask.png --overlay=preview.jpg
  tf-nst segment --input=photo.jpg --mask=deeplabv3:dog,cat --region=background --feather=8 --output=m.png
  tf-nst segment --input=selfie.jpg --mask=selfie --soft_mask --output=m.png
The mask has the input's size; 255 = stylized (the selected region, or the rest with --region=background).
"""
from __future__ import annotations

import time

from absl import flags

from tf_nst.media import images
from tf_nst.cli import common
from tf_nst.core.errors import UserError

flags.DEFINE_string("input", None, "Photo to segment.", required=True)
flags.DEFINE_string("output", None, "Mask image to write (8-bit gray, 255 = selected).", required=True)
flags.DEFINE_string("overlay", None, "Optional preview: the photo with the selected region tinted.")
common.define_mask_flags()
common.define_weights_flag()
FLAGS = flags.FLAGS


def main(argv: list[str]) -> int:
    if FLAGS.mask is None:
        raise UserError("--mask is required, e.g. --mask=deeplabv3:person")
    spec, options = common.mask_request()
    image = images.load_image(FLAGS.input, "input")
    inputs = [FLAGS.input, spec.path]
    output = images.check_output_path(FLAGS.output, inputs)
    overlay = images.check_output_path(FLAGS.overlay, inputs) if FLAGS.overlay else None
    if overlay is not None and overlay.resolve() == output.resolve():
        raise UserError("--overlay and --output are the same file")
    common.start_tensorflow()
    from tf_nst.segmentation import masks

    start = time.perf_counter()
    mask = masks.make_mask(image, spec, options, FLAGS.weights_dir)
    seconds = time.perf_counter() - start
    images.save_image(output, mask * 255.0)
    if overlay is not None:
        images.save_image(overlay, masks.overlay(image, mask))
    print(f"wrote {output} ({mask.shape[1]}x{mask.shape[0]}, {100 * mask.mean():.1f}% selected) in {seconds:.2f}s"
          + (f" and {overlay}" if overlay else ""), flush=True)
    return 0


def run(argv: list[str]) -> None:
    common.run("segment", main, argv)
