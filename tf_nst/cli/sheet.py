"""``tf-nst sheet``: one photo through every bundled and found model, on one labelled contact sheet.

Examples:
  tf-nst sheet --input=photo.jpg --output=sheet.png
  tf-nst sheet --input=photo.jpg --output=sheet.jpg --models_dir=models/ --tile=320 --columns=5
"""
from __future__ import annotations

from absl import flags

from tf_nst.media import images
from tf_nst.cli import common

flags.DEFINE_string("input", None, "The photo.", required=True)
flags.DEFINE_string("output", None, "The contact sheet image.", required=True)
flags.DEFINE_string("models_dir", None, "Also every model in this folder (tf-nst train folders, .npz files).")
flags.DEFINE_integer("tile", 256, "Long side of each tile in pixels.", lower_bound=32, upper_bound=2048)
flags.DEFINE_integer("columns", 4, "Tiles per row.", lower_bound=1, upper_bound=32)
flags.DEFINE_enum("precision", "auto", ["auto", "float32", "mixed_bfloat16"],
                  "auto = bf16 on CPUs with AMX/AVX512-BF16, else float32.")
common.define_weights_flag()
FLAGS = flags.FLAGS


def main(argv: list[str]) -> int:
    photo = images.load_image(FLAGS.input, "input")
    output = images.check_output_path(FLAGS.output, [FLAGS.input])
    common.start_tensorflow()
    from tf_nst.models.sheet import model_sheet
    sheet = model_sheet(photo, FLAGS.models_dir, FLAGS.tile, FLAGS.columns, FLAGS.precision, FLAGS.weights_dir)
    images.save_image(output, sheet)
    print(f"wrote {output} ({sheet.shape[1]}x{sheet.shape[0]})", flush=True)
    return 0


def run(argv: list[str]) -> None:
    common.run("sheet", main, argv)
