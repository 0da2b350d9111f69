"""Milliseconds per optimization iteration (forward + backward + update) for each backbone.

python tools/benchmark.py --sizes=256,512 --iterations=5
Prints a Markdown table; run it on an otherwise idle machine.
"""
import platform
import time

from absl import app, flags

import toolkit  # noqa: F401  (puts the repo on sys.path)

flags.DEFINE_list("sizes", ["256", "512"], "Square image sizes.")
flags.DEFINE_list("backbones", ["vgg16", "vgg19", "resnet50"], "Backbones.")
flags.DEFINE_list("precisions", ["float32", "mixed_bfloat16"], "Precisions.")
flags.DEFINE_integer("iterations", 5, "Timed Adam iterations (after 2 warm-up ones).")
PRESET = {"vgg16": "yu_chang_vgg16", "vgg19": "gatys2016", "resnet50": "basheer_resnet50"}


def time_iteration(backbone: str, size: int, precision: str, iterations: int) -> float:
    import numpy as np
    from tf_nst import config as config_lib
    from tf_nst.optimize import OptimizerSettings, optimize_image
    from tf_nst.stylize import build_perceptual_loss

    config = config_lib.load_config_file(str(toolkit.REPO / "configs" / f"{PRESET[backbone]}.py"),
                                         precision=precision)
    rng = np.random.default_rng(0)
    content = rng.uniform(0, 255, (size, size, 3)).astype(np.float32)
    loss_fn = build_perceptual_loss(config, content, [content[::-1]])
    history = optimize_image(loss_fn, content / 255.0, iterations + 2, OptimizerSettings("adam")).history
    return 1000 * (history[-1]["seconds"] - history[1]["seconds"]) / iterations


def main(_):
    f = flags.FLAGS
    print(f"machine: {platform.processor() or platform.machine()}, {__import__('os').cpu_count()} cores\n")
    print("| backbone (preset layers) | size | " + " | ".join(f"{p} ms/iter" for p in f.precisions) + " |")
    print("|---|---|" + "---|" * len(f.precisions))
    for backbone in f.backbones:
        for size in map(int, f.sizes):
            times = [time_iteration(backbone, size, p, f.iterations) for p in f.precisions]
            print(f"| {backbone} ({PRESET[backbone]}) | {size} | " + " | ".join(f"{t:.0f}" for t in times) + " |",
                  flush=True)


if __name__ == "__main__":
    app.run(main)
