"""``tf-nst export``: a trained network as a TF Serving SavedModel (and a transform network as TFLite).

Examples:
  tf-nst export --model=starry_night --saved_model=serving/starry_night/1   # one style: images in, images out
  tf-nst export --model=multistyle --saved_model=serving/multistyle/1   # the bundled styles, a style_weights input
  tf-nst export --model=models/my_style --saved_model=serving/my_style/1 --tflite=my_style.tflite
  tf-nst export --model=universal --saved_model=serving/universal/1     # content + style + strength
Serve it: tensorflow_model_server --rest_api_port=8501 --model_name=multistyle \\
    --model_base_path=$PWD/serving/multistyle    (then tools/serving_client.py --style_weights=...)
"""
from __future__ import annotations

from pathlib import Path

from absl import flags

from tf_nst.cli import common
from tf_nst.core.errors import UserError

flags.DEFINE_string("model", "multistyle", "Bundled model or style name, tf-nst train folder or .npz file (a style\n"
                    "of the multi-style network by name is baked in: images only; 'multistyle' keeps a style_weights input).")
flags.DEFINE_string("saved_model", None, "New (or empty) SavedModel folder, e.g. serving/NAME/1.")
flags.DEFINE_string("tflite", None, "Also write a TFLite file (float16 weights, fixed input size).")
flags.DEFINE_list("tflite_size", ["512", "512"], "Height,width of the TFLite model's input (multiples of 4).")
common.define_weights_flag()
FLAGS = flags.FLAGS


def main(argv: list[str]) -> int:
    if not FLAGS.saved_model and not FLAGS.tflite:
        raise UserError("give --saved_model=DIR and/or --tflite=FILE")
    try:
        size = tuple(int(v) for v in FLAGS.tflite_size)
    except ValueError:
        size = ()
    if len(size) != 2 or min(size) < 16:
        raise UserError(f"--tflite_size must be two integers >= 16 (height,width), got {','.join(FLAGS.tflite_size)}")
    if FLAGS.tflite and Path(FLAGS.tflite).is_dir():
        raise UserError(f"--tflite must be a file name, {FLAGS.tflite} is a folder")
    common.start_tensorflow()
    from tf_nst.serving import export
    from tf_nst.models.loading import load_model

    model = load_model(FLAGS.model, "float32", FLAGS.weights_dir)  # serving machines may lack bf16 units
    universal = model.needs_style
    if FLAGS.tflite and universal:
        raise UserError("--tflite exports transform networks; serve the universal model as a SavedModel")
    if FLAGS.saved_model:
        path = export.export_saved_model(model, FLAGS.saved_model)
        print(f"wrote SavedModel {path} (signatures: {export.describe_signatures(model)}; "
              f"warm-up requests in {export.warmup.WARMUP_FILE})", flush=True)
    if FLAGS.tflite:
        with common.quiet_stderr():  # the converter logs C++ notices on fd 2
            path = export.export_tflite(model, FLAGS.tflite, size)
        print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB, input [1,{size[0]},{size[1]},3] float32 0..255)",
              flush=True)
    return 0


def run(argv: list[str]) -> None:
    common.run("export", main, argv)
