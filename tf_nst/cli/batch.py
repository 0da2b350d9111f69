"""``tf-nst batch``: stylize every file a pattern matches on Apache Beam (RunInference), locally or at scale.

Examples:
  tf-nst batch --input='photos/*.jpg' --output=stylized/ --model=starry_night
  tf-nst batch --input='gs://bucket/in/*.jpg' --output=gs://bucket/out --style=painting.jpg \\
      --runner=DataflowRunner -- --project=P --region=europe-west1 --temp_location=gs://bucket/tmp
  tf-nst batch --input='frames/*.png' --output=out/ --saved_model=serving/starry_night/1   # an export
Outputs keep their names (``.png`` for formats that cannot be written); ``OUTPUT/manifest.jsonl``
gets a line per output, ``OUTPUT/dead_letter.jsonl`` one per unusable input. A rerun skips outputs
that exist, so a killed job resumes. Arguments after ``--`` go to Beam as pipeline options.
Needs the ``beam`` extra: pip install "tf_nst[beam]".
"""
from __future__ import annotations

import importlib.util

from absl import flags

from tf_nst.cli import common
from tf_nst.core.errors import UserError
from tf_nst.media import images

RUNNERS = ["DirectRunner", "PrismRunner", "DataflowRunner", "FlinkRunner", "SparkRunner", "FnApiRunner"]
flags.DEFINE_string("input", None, "File pattern of the photos (local, gs://, s3://, ...).", required=True)
flags.DEFINE_string("output", None, "Output folder (any filesystem Beam knows).", required=True)
flags.DEFINE_string("model", "starry_night", "Bundled model or style name, tf-nst train folder or .npz file "
                    "(with --style the default is the bundled universal model).")
flags.DEFINE_string("saved_model", None, "Use this tf-nst export (serving_default on images) instead of --model.")
flags.DEFINE_string("style", None, "Any painting as the style (universal model).")
flags.DEFINE_float("strength", 1.0, "0 = the photo, 1 = fully stylized.")
flags.DEFINE_enum("preserve_color", "none", ["none", "luminance", "histogram"], "Keep the photo's colours.")
flags.DEFINE_integer("max_size", None, "Shrink inputs whose long side is larger than this (pixels).", lower_bound=16)
flags.DEFINE_integer("style_size", 512, "Long side of the style image in pixels (stroke scale, universal).")
flags.DEFINE_enum("precision", "auto", ["auto", "float32", "mixed_bfloat16"],
                  "auto = bf16 on CPUs with AMX/AVX512-BF16, else float32.")
flags.DEFINE_integer("min_batch_size", 1, "Fewest photos Beam groups into one model call.", lower_bound=1)
flags.DEFINE_integer("max_batch_size", 4, "Most photos Beam groups into one model call.", lower_bound=1)
flags.DEFINE_integer("max_pixels", images.MAX_PIXELS, "Dead-letter inputs with more pixels than this.", lower_bound=1)
flags.DEFINE_integer("jpeg_quality", 95, "Quality of JPEG output, 1..100.", lower_bound=1, upper_bound=100)
flags.DEFINE_enum("runner", "DirectRunner", RUNNERS, "Beam runner (FnApiRunner: in-process, no download).")
common.define_weights_flag()
FLAGS = flags.FLAGS
_PIPELINE_ARGS: list[str] = []  # what followed "--"


def main(argv: list[str]) -> int:
    if importlib.util.find_spec("apache_beam") is None:
        raise UserError("tf-nst batch needs Apache Beam: pip install 'tf_nst[beam]'")
    if FLAGS.min_batch_size > FLAGS.max_batch_size:
        raise UserError("--min_batch_size must not exceed --max_batch_size")
    if FLAGS.saved_model and (FLAGS.style or FLAGS["model"].present):
        raise UserError("give --saved_model or --model/--style, not both")
    style = images.load_image(FLAGS.style, "style") if FLAGS.style else None
    model_name = "universal" if style is not None and not FLAGS["model"].present else FLAGS.model
    if not FLAGS.saved_model:
        from tf_nst.networks.store import locate_model
        locate_model(model_name)  # an unknown name is a one-line error before TensorFlow starts
    common.start_tensorflow()
    from tf_nst.pipelines.batch import BatchJob, run_batch
    from tf_nst.pipelines.handlers import FastModelHandler, SavedModelHandler
    from tf_nst.transfer.options import TransferOptions
    batching = dict(min_batch_size=FLAGS.min_batch_size, max_batch_size=FLAGS.max_batch_size)
    if FLAGS.saved_model:
        handler = SavedModelHandler(FLAGS.saved_model, **batching)
    else:
        options = TransferOptions(strength=FLAGS.strength, preserve_color=FLAGS.preserve_color, max_size=FLAGS.max_size,
                                  styles=[style] if style is not None else [], style_size=FLAGS.style_size)
        handler = FastModelHandler(model_name, options, FLAGS.precision, FLAGS.weights_dir, **batching)
    job = BatchJob(FLAGS.input, FLAGS.output.rstrip("/"), FLAGS.saved_model or model_name,
                   FLAGS.max_pixels, jpeg_quality=FLAGS.jpeg_quality)
    runner = ["--runner=apache_beam.runners.portability.fn_api_runner.FnApiRunner"] \
        if FLAGS.runner == "FnApiRunner" else [f"--runner={FLAGS.runner}"]
    report = run_batch(job, handler, runner + _PIPELINE_ARGS)
    print(f"tf-nst batch: {report} (manifest: {job.output}/manifest.jsonl)", flush=True)
    return 0


def run(argv: list[str]) -> None:
    if "--" in argv:
        cut = argv.index("--")
        argv, _PIPELINE_ARGS[:] = argv[:cut], argv[cut + 1:]
    common.run("batch", main, argv)
