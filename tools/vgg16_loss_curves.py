"""Yu & Chang's reduced VGG16 (conv1_2, conv3_3, conv5_3): loss curves for 30/100/200 iterations, a:b 1:10 vs 1:1000.

One run per ratio to the longest iteration count; the images at 30, 100 and 200 iterations
are snapshots of that run (the optimizer is deterministic).
python tools/vgg16_loss_curves.py --size=128 --output=runs/vgg16_curves.png
"""
from absl import app, flags

import toolkit

flags.DEFINE_list("iterations", ["30", "100", "200"], "Snapshot iteration counts.")


def main(_):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tf_nst.optimization.stylize import stylize

    content, style = toolkit.inputs()
    marks = sorted(int(i) for i in flags.FLAGS.iterations)
    figure, axes = plt.subplots(2, 1 + len(marks), figsize=(4 * (1 + len(marks)), 7))
    for row, ratio in enumerate(("10", "1000")):
        snapshots = {}
        config = toolkit.preset("yu_chang_vgg16", ratio, steps=marks[-1])
        result = stylize(content, [style], config, verbose=False,
                         callback=lambda step, image, record: snapshots.__setitem__(step, image.copy())
                         if step in marks else None)
        for term in ("total", "content", "style"):
            axes[row, 0].plot([r["step"] for r in result.history], [r[term] for r in result.history], label=term)
        axes[row, 0].set_yscale("log")
        axes[row, 0].set_title(f"a:b = 1:{ratio}")
        axes[row, 0].legend()
        for col, mark in enumerate(marks, start=1):
            axes[row, col].imshow(snapshots[mark].clip(0, 255).astype("uint8"))
            axes[row, col].set_title(f"1:{ratio}, {mark} iterations")
            axes[row, col].axis("off")
        print(f"1:{ratio} " + " ".join(f"step{m}: total={result.history[m - 1]['total']:.4g}" for m in marks))
    figure.tight_layout()
    figure.savefig(toolkit.figure_path("runs/vgg16_curves.png"), dpi=80)


if __name__ == "__main__":
    app.run(main)
