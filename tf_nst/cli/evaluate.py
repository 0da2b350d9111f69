"""``tf-nst evaluate --content C --style S --image X``: one JSON object of quality numbers.

Gram distance to the style (VGG19 relu1_1..relu5_1, per layer and mean), the content
photo's own Gram distance and the ratio, content feature distance and luminance SSIM.
"""
from __future__ import annotations

import json

from absl import flags

from tf_nst.media import images
from tf_nst.cli import common

flags.DEFINE_string("content", None, "Content photo the image was made from.", required=True)
flags.DEFINE_string("style", None, "Style image.", required=True)
flags.DEFINE_string("image", None, "Stylized image to measure.", required=True)
flags.DEFINE_integer("max_size", 512, "Measure at most at this long side (pixels).", lower_bound=32)
common.define_weights_flag()
FLAGS = flags.FLAGS


def main(argv: list[str]) -> int:
    image = images.load_image(FLAGS.image, "image")
    content = images.load_image(FLAGS.content, "content")
    style = images.load_image(FLAGS.style, "style")
    common.start_tensorflow()
    from tf_nst.perceptual.metrics import evaluate
    print(json.dumps(evaluate(image, content, style, FLAGS.max_size, FLAGS.weights_dir)))
    return 0


def run(argv: list[str]) -> None:
    common.run("evaluate", main, argv)
