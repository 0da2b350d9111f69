"""VGG19 (TF tutorial, Adam) vs ResNet50 (Basheer & Jose, NAdam): time for 10 and 100 steps and losses
per step, like that paper's Tables 2-3. Prints Markdown.

python tools/backbone_table.py --size=256
"""
from absl import app, flags

import toolkit

flags.DEFINE_integer("steps", 100, "Steps to run (times reported at 10 and at this count).")
flags.DEFINE_integer("every", 10, "Print losses every this many steps.")


def main(_):
    content, style = toolkit.inputs()
    steps = flags.FLAGS.steps
    rows = {}
    for name in ("tf_tutorial_vgg19", "basheer_resnet50"):
        config = toolkit.preset(name, steps=steps)
        history = toolkit.run(config, content, style).history
        rows[name] = history
    print(f"\n{flags.FLAGS.size} px, {flags.FLAGS.precision}, 2-core CPU\n")
    print("| setup | optimizer | time 10 steps (s) | time %d steps (s) |" % steps)
    print("|---|---|---|---|")
    for name, history in rows.items():
        config = toolkit.preset(name)
        print(f"| {name} | {config.optimizer} {config.learning_rate} | {history[9]['seconds']:.1f} | "
              f"{history[-1]['seconds']:.1f} |")
    for name, history in rows.items():
        print(f"\n{name}\n\n| step | content | style | total |\n|---|---|---|---|")
        for record in history[::flags.FLAGS.every] + [history[-1]]:
            print(f"| {record['step']} | {record['content']:.6g} | {record['style']:.6g} | {record['total']:.6g} |")


if __name__ == "__main__":
    app.run(main)
