"""Shared by the reproduction tools: flags for inputs/size/steps and a preset runner."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from absl import flags

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
SHARED_DATA = REPO.parent / "shared" / "data"

flags.DEFINE_string("content", str(SHARED_DATA / "content" / "tubingen.jpg"), "Content photo.")
flags.DEFINE_string("style", str(SHARED_DATA / "styles" / "starry_night.jpg"), "Style image.")
flags.DEFINE_integer("size", 128, "Output long side in pixels (small = CPU friendly).")
flags.DEFINE_string("precision", "mixed_bfloat16", "float32 | mixed_bfloat16.")
flags.DEFINE_string("output", None, "Figure / table path to write.")
FLAGS = flags.FLAGS


def preset(name: str, argument: str | None = None, **overrides):
    from tf_nst import config as config_lib
    return config_lib.validate(config_lib.load_config_file(
        str(REPO / "configs" / f"{name}.py"), argument,
        **{"image_size": FLAGS.size, "precision": FLAGS.precision, **overrides}))


def inputs():
    from tf_nst import images
    return images.load_image(FLAGS.content, "content"), images.load_image(FLAGS.style, "style")


def run(config, content, style):
    from tf_nst.stylize import stylize
    return stylize(content, [style], config, verbose=False)


def figure_path(default: str) -> str:
    path = FLAGS.output or default
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return path
