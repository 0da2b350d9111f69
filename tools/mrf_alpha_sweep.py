"""Zhao et al.'s Figure 8: the local (MRF) weight a2 from 1e-1 to 1e-6 with a1 = a3 = 20, as one figure.

python tools/mrf_alpha_sweep.py --size=128 --output=runs/mrf_alpha_sweep.png
"""
from absl import app, flags

import toolkit

flags.DEFINE_integer("steps", 60, "L-BFGS iterations per resolution.")
flags.DEFINE_list("alphas", ["1e-1", "1e-2", "1e-3", "1e-4", "1e-5", "1e-6"], "a2 values.")


def main(_):
    content, style = toolkit.inputs()
    panels = []
    for alpha in flags.FLAGS.alphas:
        config = toolkit.preset("zhao_global_local", mrf_weight=float(alpha), steps=flags.FLAGS.steps)
        image = toolkit.run(config, content, style).image
        panels.append((image, toolkit.evaluated_title(f"a2 = {alpha}", image, content, style)))
    print("wrote", toolkit.save_panels(panels, 3, "runs/mrf_alpha_sweep.png"))


if __name__ == "__main__":
    app.run(main)
