"""Seconds until an optimization first reaches the quality bar: Gram ratio <= 0.45 with luminance SSIM
>= 0.38 (the `tf-nst evaluate` numbers), for content x style pairs at several sizes and configs.

    python tools/time_to_quality.py [--sizes=512,1024] [--configs=default,tf_tutorial_vgg19,gatys2016]
        [--pairs=tubingen:starry_night,...] [--check_every=5] [--max_seconds=600] [--output=ttq.png]

Times are wall clock from the call to `stylize` (the VGG weights already loaded: a warm-up run at
32 px first; tracing the compiled steps at each scale is counted), with the evaluations (every
--check_every iterations, at the last scale only) taken out of the clock. A run stops when it
reaches the bar. Prints a Markdown table; --output also draws quality against seconds.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import numpy as np
from absl import app, flags

import toolkit

flags.DEFINE_list("sizes", ["512", "1024"], "Output long sides, px.")
flags.DEFINE_list("configs", ["default", "tf_tutorial_vgg19", "gatys2016"],
                  "default (tf-nst stylize's own), or a preset name[:argument].")
flags.DEFINE_list("pairs", ["tubingen:starry_night", "chicago:the_scream", "golden_gate:wave", "stata:udnie"],
                  "content:style names from ../shared/data/content and styles (any extension), or paths.")
flags.DEFINE_multi_string("set", [], "FIELD=VALUE config overrides for every config (Python literals).")
flags.DEFINE_integer("check_every", 5, "Evaluate every this many iterations of the last scale.")
flags.DEFINE_float("max_seconds", 600, "Give up after this many (timed) seconds.")
flags.DEFINE_float("gram_bar", 0.45, "Gram ratio to reach (at most).")
flags.DEFINE_float("ssim_bar", 0.38, "Luminance SSIM to keep (at least).")
FLAGS = flags.FLAGS


def load_config(name: str, size: int):
    from tf_nst import config as config_lib
    if name == "default":
        from tf_nst.config.presets import default as default_config
        config = default_config.get_config()
    else:
        preset, _, argument = name.partition(":")
        config = config_lib.load_config_file(preset, argument or None)
    import ast
    for assignment in FLAGS.set:
        field, _, value = assignment.partition("=")
        config[field] = ast.literal_eval(value)
    config.image_size = size
    config.coarse_steps = config_lib.steps_per_scale(config)[:-1]
    config.steps = 100_000  # at the last scale, the clock and the bar decide when to stop
    return config_lib.validate(config)


def find(folder: str, stem: str):
    """An image file given by path, or by its stem in ../shared/data/FOLDER."""
    if Path(stem).is_file():
        return Path(stem)
    matches = sorted((toolkit.SHARED_DATA / folder).glob(f"{stem}.*"))
    if not matches:
        raise SystemExit(f"no {folder} image named {stem}")
    return matches[0]


def time_to_quality(config, content: np.ndarray, style: np.ndarray) -> tuple[float | None, list]:
    """(seconds to the bar or None, [(seconds, gram ratio, ssim)] at each check)."""
    from tf_nst.perceptual import metrics
    from tf_nst.optimization.stylize import stylize
    last_scale_start = sum(config.coarse_steps)
    state = {"excluded": 0.0, "reached": None, "curve": []}
    start = time.perf_counter()

    def on_step(step: int, image: np.ndarray, record: dict) -> None:
        elapsed = time.perf_counter() - start - state["excluded"]
        if step <= last_scale_start or (step - last_scale_start) % FLAGS.check_every:
            return
        pause = time.perf_counter()
        numbers = metrics.evaluate(image, content, style)
        gram, ssim = numbers["gram_ratio_to_content"], numbers["ssim_luminance"]
        state["curve"].append((elapsed, gram, ssim))
        if gram <= FLAGS.gram_bar and ssim >= FLAGS.ssim_bar:
            state["reached"] = elapsed
        state["excluded"] += time.perf_counter() - pause

    def done() -> bool:
        return state["reached"] is not None or time.perf_counter() - start - state["excluded"] > FLAGS.max_seconds

    stylize(content, [style], config, callback=on_step, verbose=False, should_stop=done)
    return state["reached"], state["curve"]


def main(_):
    from tf_nst.media import images
    from tf_nst.optimization.stylize import stylize
    warm = np.full((32, 32, 3), 128.0, np.float32)
    rows, curves = [], {}
    for name in FLAGS.configs:
        for size in map(int, FLAGS.sizes):
            config = load_config(name, size)
            warm_config = load_config(name, 32)
            warm_config.coarse_steps, warm_config.steps = (1,) * (len(warm_config.scales) - 1), 1
            stylize(warm, [warm], warm_config, verbose=False)  # loads the backbone outside the clock
            times = []
            for pair in FLAGS.pairs:
                content_name, style_name = pair.split(":")
                content, style = images.load_image(find("content", content_name)), images.load_image(
                    find("styles", style_name))
                content = images.resize_long_side(content, size)
                reached, curve = time_to_quality(config, content, style)
                curves[(name, size, pair)] = curve
                last = f"{curve[-1][1]:.2f} / {curve[-1][2]:.2f}" if curve else "-"
                print(f"{name} {size}px {pair}: {'%.1f s' % reached if reached else 'not reached'} (last {last})",
                      flush=True)
                times.append(reached)
            reached_times = [t for t in times if t is not None]
            median = statistics.median([t if t is not None else float("inf") for t in times])
            rows.append((name, size, f"{len(reached_times)}/{len(times)}",
                         f"{median:.0f}" if median != float("inf") else f"> {FLAGS.max_seconds:.0f}",
                         " / ".join(f"{t:.0f}" if t else "-" for t in times)))
    print(f"\n| config | size | pairs reaching Gram ≤ {FLAGS.gram_bar} & SSIM ≥ {FLAGS.ssim_bar} | median s | "
          f"per pair s ({', '.join(FLAGS.pairs)}) |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(map(str, row)) + " |")
    if FLAGS.output:
        plot(curves)


def plot(curves: dict) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, 2, figsize=(11, 4))
    colours = {}
    for (name, size, pair), curve in curves.items():
        if not curve:
            continue
        colour = colours.setdefault((name, size), f"C{len(colours)}")
        seconds, gram, ssim = zip(*curve)
        axes[0].plot(seconds, gram, color=colour, label=f"{name} {size}px" if pair == FLAGS.pairs[0] else None)
        axes[1].plot(seconds, ssim, color=colour)
    axes[0].axhline(FLAGS.gram_bar, color="k", lw=0.5)
    axes[1].axhline(FLAGS.ssim_bar, color="k", lw=0.5)
    axes[0].set(xlabel="seconds", ylabel="Gram ratio (lower: closer to the style)")
    axes[1].set(xlabel="seconds", ylabel="luminance SSIM (higher: more structure)")
    axes[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(toolkit.figure_path(FLAGS.output), dpi=80)


if __name__ == "__main__":
    app.run(main)
