"""The config ``tf-nst stylize`` uses when no ``--config`` file is given: a 512 px result of Gatys
quality in seconds, the universal network's stylization refined by a short optimization.

* Start from the bundled universal network's one-pass stylization (``init="universal"``,
  relu3_1..relu1_1 cascade) at half the output size, then refine with Adam at full size: the
  optimization starts close to the style instead of spending most iterations getting there.
* Losses per position (content "mean", normalized Grams), so the same weights give the same
  balance at every size; a second Gram term on the image at half size holds the style's coarse
  statistics, which full-size Grams alone let drift on large images; a Laplacian term relative
  to the photo's own keeps its fine structure (smooth photos, such as the bundled cat, lose it first).
* Eight Adam steps of 0.02 at full size (half the steps of 0.01 before: the same quality by
  ``tf-nst evaluate`` at 512 and at 1024 px, half the full-size work), with relu5_1 matched only on
  the half-size image (``full_size_depth``): its full-size Gram weighs little and costs VGG19's deepest
  convolutions. 1024 px in float32 under ONEDNN_MAX_CPU_ISA=AVX2 on 2 cores: 128 s instead of 237 s
  (docs/measurements/optimization.md).
* ``tools/time_to_quality.py`` measures it against the paper presets and the TF tutorial's recipe.
"""
from tf_nst.config import base_config


def get_config():
    config = base_config()
    config.content_loss = "mean"
    config.content_weight = 3e6
    config.style_loss = "gatys"
    config.style_weight = 1e3
    config.half_size_style_weight = 3e3
    config.full_size_depth = "relu4_2"
    config.laplacian_weight = 5e12
    config.laplacian_pool = 2
    config.optimizer = "adam"
    config.learning_rate = 0.02
    config.init = "universal"
    config.scales = (0.5, 1.0)
    config.coarse_steps = (1,)
    config.steps = 8
    config.scale_detail = True
    config.image_size = 512
    return config
