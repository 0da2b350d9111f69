"""Shared by the reproduction tools: flags for inputs/size/steps and a preset runner."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from absl import flags

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tf_nst.core import cpu  # noqa: E402

cpu.enable_onednn()  # as tf-nst stylize/train/serve do (forward-only commands keep TensorFlow's choice)
SHARED_DATA = REPO.parent / "shared" / "data"

flags.DEFINE_string("content", str(SHARED_DATA / "content" / "tubingen.jpg"), "Content photo.")
flags.DEFINE_string("style", str(SHARED_DATA / "styles" / "starry_night.jpg"), "Style image.")
flags.DEFINE_integer("size", 128, "Output long side in pixels (small = CPU friendly).")
flags.DEFINE_string("precision", "auto", "auto | float32 | mixed_bfloat16 (auto: bf16 only where the CPU has it natively).")
flags.DEFINE_string("output", None, "Figure / table path to write.")
FLAGS = flags.FLAGS


def preset(name: str, argument: str | None = None, **overrides):
    from tf_nst import config as config_lib
    return config_lib.validate(config_lib.load_config_file(
        name, argument,
        **{"image_size": FLAGS.size, "precision": FLAGS.precision, **overrides}))


def inputs():
    from tf_nst.media import images
    return images.load_image(FLAGS.content, "content"), images.load_image(FLAGS.style, "style")


def run(config, content, style):
    from tf_nst.optimization.stylize import stylize
    return stylize(content, [style], config, verbose=False)


def figure_path(default: str) -> str:
    path = FLAGS.output or default
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    return path


def evaluated_title(label: str, image, content, style) -> str:
    """``label`` plus the tf-nst evaluate numbers of ``image``; also printed as one line."""
    from tf_nst.perceptual import metrics
    numbers = metrics.evaluate(image, content, style)
    text = f"Gram ratio {numbers['gram_ratio_to_content']:.2f}, SSIM {numbers['ssim_luminance']:.2f}"
    print(f"{label}: gram_ratio={numbers['gram_ratio_to_content']:.3f} ssim={numbers['ssim_luminance']:.3f}",
          flush=True)
    return f"{label}\n{text}"


def save_panels(panels, columns: int, default_path: str, cell_size: tuple[float, float] = (3.0, 2.5)) -> str:
    """Save ``(image_0_255, title)`` panels as one figure, ``columns`` per row; returns the path."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(cell_size[0] * columns, cell_size[1] * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for axis, (image, title) in zip(axes.flat, panels):
        axis.imshow(image.clip(0, 255).astype("uint8"))
        axis.set_title(title, fontsize=8)
    figure.tight_layout()
    path = figure_path(default_path)
    figure.savefig(path, dpi=80)
    return path


def resize_for_panel(image):
    from tf_nst.media import images
    return images.resize_long_side(image, FLAGS.size)


def frames(path: str | Path, max_size: int | None = None) -> list:
    from tf_nst.video.clips import VideoSource
    return list(VideoSource(path, max_size=max_size).frames())


def clips(path: Path) -> list[Path]:
    """``path`` itself (a clip, or a folder of frames: files only, as VideoSource reads it), or each clip
    (video file or frame folder) inside a folder of clips."""
    from tf_nst.video.clips import is_video
    inside = sorted(p for p in path.iterdir() if p.is_dir() or is_video(p)) if path.is_dir() else []
    return inside or [path]
