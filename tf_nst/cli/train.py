"""``tf-nst train``: train a network on a folder of photos — a transform network for one style, one
for several styles (conditional instance normalization), or the universal-style decoders
(``tf_nst/config/presets/li2017_universal.py``, no style).

Examples:
  tf-nst train --style=painting.jpg --data=photos/ --output=models/painting
  tf-nst train --config=johnson2016 --style=wave.jpg --data=coco/ --output=wave \\
      --config.precision=mixed_bfloat16 --config.steps=20000
  tf-nst train --config=li2017_universal --data=photos/ --output=models/universal
  tf-nst train --config=dumoulin2017_multistyle --style=a.jpg --style=b.jpg --style=c.jpg \\
      --data=photos/ --output=models/abc
  tf-nst train --config=dumoulin2017_multistyle --init_from=models/abc --style=d.jpg \\
      --data=photos/ --output=models/abcd                # trains only d's scales and shifts
  tf-nst train --config=dumoulin2017_multistyle --finetune_from=models/abc --style=a.jpg \
      --style=b.jpg --style=c.jpg --config.steps=800 --config.lr_schedule=cosine \
      --data=photos/ --output=models/abc_tuned            # every weight continues, new loss settings
Running the same command again resumes from the newest checkpoint in --output.
Watch it with: tensorboard --logdir=MODEL_DIR/logs
"""
from __future__ import annotations

from pathlib import Path

from absl import flags
from ml_collections import config_flags

from tf_nst import config as config_lib
from tf_nst.config.presets import preset_path
from tf_nst.media import images
from tf_nst.cli import common
from tf_nst.core.errors import UserError

_DEFAULT_CONFIG = str(preset_path("default_training"))
CONFIG = config_flags.DEFINE_config_file(
    "config", _DEFAULT_CONFIG, "Training config (tf_nst/config/presets/johnson2016.py, tf_nst/config/presets/dumoulin2017_multistyle.py, "
    "tf_nst/config/presets/huang2021_local_residual.py, tf_nst/config/presets/li2017_universal.py); override fields as --config.FIELD=VALUE.", lock_config=True)
flags.DEFINE_multi_string("style", [], "Style image: one for a transform network, several for a multi-style "
                          "one (each named after its file stem); decoders take none.")
flags.DEFINE_string("init_from", None, "A trained multi-style network (name, folder or .npz) to add the "
                    "--style images to; only their scales and shifts are trained.")
flags.DEFINE_string("finetune_from", None, "A trained transform network (name, folder or .npz) with as many "
                    "styles as --style: every weight starts from it (a new run, step 0; say --config.steps).")
flags.DEFINE_string("data", None, "Folder of training photos (searched recursively).", required=True)
flags.DEFINE_string("output", None, "Model folder: model.npz, run.json, checkpoints/, logs/.", required=True)
flags.DEFINE_integer("logical_cpus", 0, "Split the CPU into this many logical devices (to run "
                     "--config.strategy=mirrored without GPUs); 0 = leave as is.", lower_bound=0)
common.define_weights_flag()
FLAGS = flags.FLAGS


def main(argv: list[str]) -> int:
    config = config_lib.validate_training(common.load_config(CONFIG))
    styles = [images.load_image(path, "style") for path in FLAGS.style]
    output = Path(FLAGS.output)
    if output.exists() and not output.is_dir():
        raise UserError(f"--output must be a folder, {output} is a file")
    common.start_tensorflow(logical_cpus=FLAGS.logical_cpus)
    from tf_nst.training.trainer import train

    what = f"for {', '.join(FLAGS.style)}" if FLAGS.style else "(photos only)"
    print(f"training a {config.kind.split('_')[0]} network, width {config.width}, on {FLAGS.data} {what} "
          f"({config.steps} steps, batch {config.batch_size}, {config.precision}, {config.strategy})", flush=True)
    result = train(config, FLAGS.data, output, styles, [Path(p).stem for p in FLAGS.style], FLAGS.weights_dir,
                   init_from=FLAGS.init_from, finetune_from=FLAGS.finetune_from)
    losses = ", ".join(f"{k} {v:.4g}" for k, v in result.losses.items())
    print(f"wrote {output / 'model.npz'} at step {result.step} ({result.seconds:.0f}s this run); {losses}", flush=True)
    return 0


def run(argv: list[str]) -> None:
    common.run("train", main, argv)
