"""Huang & Yaoqun's content x style weight sweep ({1,5,10} x {5,50,500,5000}) as one figure.

python tools/weight_grid.py --size=128 --steps=60 --output=runs/weight_grid.png
"""
from absl import app, flags

import toolkit

flags.DEFINE_integer("steps", 60, "L-BFGS iterations per cell.")
CONTENT_WEIGHTS, STYLE_WEIGHTS = (1, 5, 10), (5, 50, 500, 5000)


def main(_):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tf_nst import metrics

    content, style = toolkit.inputs()
    figure, axes = plt.subplots(3, 4, figsize=(12, 7.5))
    for row, cw in enumerate(CONTENT_WEIGHTS):
        for col, sw in enumerate(STYLE_WEIGHTS):
            config = toolkit.preset("huang_yaoqun_vgg19", content_weight=float(cw), style_weight=float(sw),
                                    steps=flags.FLAGS.steps)
            image = toolkit.run(config, content, style).image
            numbers = metrics.evaluate(image, content, style)
            axes[row, col].imshow(image.astype("uint8"))
            axes[row, col].set_title(f"content {cw}, style {sw}\nGram ratio {numbers['gram_ratio_to_content']:.2f}, "
                                     f"SSIM {numbers['ssim_luminance']:.2f}", fontsize=8)
            axes[row, col].axis("off")
            print(f"content={cw} style={sw} gram_ratio={numbers['gram_ratio_to_content']:.3f} "
                  f"ssim={numbers['ssim_luminance']:.3f}", flush=True)
    figure.tight_layout()
    figure.savefig(toolkit.figure_path("runs/weight_grid.png"), dpi=80)


if __name__ == "__main__":
    app.run(main)
