"""Huang & Yaoqun's content x style weight sweep ({1,5,10} x {5,50,500,5000}) as one figure.

python tools/weight_grid.py --size=128 --steps=60 --output=runs/weight_grid.png
"""
from absl import app, flags

import toolkit

flags.DEFINE_integer("steps", 60, "L-BFGS iterations per cell.")
CONTENT_WEIGHTS, STYLE_WEIGHTS = (1, 5, 10), (5, 50, 500, 5000)


def main(_):
    content, style = toolkit.inputs()
    panels = []
    for cw in CONTENT_WEIGHTS:
        for sw in STYLE_WEIGHTS:
            config = toolkit.preset("huang_yaoqun_vgg19", content_weight=float(cw), style_weight=float(sw),
                                    steps=flags.FLAGS.steps)
            image = toolkit.run(config, content, style).image
            panels.append((image, toolkit.evaluated_title(f"content {cw}, style {sw}", image, content, style)))
    toolkit.save_panels(panels, len(STYLE_WEIGHTS), "runs/weight_grid.png")


if __name__ == "__main__":
    app.run(main)
