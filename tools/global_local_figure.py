"""Global (Gram, gatys2016) / local (MRF, li_wand_mrf) / fused (zhao_global_local) side by side on
the same inputs, with the tf-nst evaluate numbers under each panel.

python tools/global_local_figure.py --content=../shared/data/content/golden_gate.jpg \
    --style=../shared/data/styles/composition_vii.jpg --size=192 --output=runs/global_local.png
"""
from absl import app, flags

import toolkit

flags.DEFINE_integer("steps", 100, "L-BFGS iterations (per resolution for the multi-resolution presets).")
PANELS = (("global (Gram)", "gatys2016"), ("local (MRF)", "li_wand_mrf"), ("fused", "zhao_global_local"))


def main(_):
    content, style = toolkit.inputs()
    panels = [(toolkit.resize_for_panel(content), "content"), (toolkit.resize_for_panel(style), "style")]
    for label, name in PANELS:
        image = toolkit.run(toolkit.preset(name, steps=flags.FLAGS.steps), content, style).image
        panels.append((image, toolkit.evaluated_title(f"{label}: {name}", image, content, style)))
    print("wrote", toolkit.save_panels(panels, 5, "runs/global_local.png"))


if __name__ == "__main__":
    app.run(main)
