"""``tf-nst serve``: the web page (Fast and Optimize tabs) for people who do not use a terminal.

Examples:
  tf-nst serve                                   # http://127.0.0.1:7860, this machine only
  tf-nst serve --port=8080 --models_dir=models/  # networks trained with tf-nst train appear in the list
  tf-nst serve --host=0.0.0.0                    # reachable from the network: your choice, not the default
"""
from __future__ import annotations

import importlib.util

from absl import flags

from tf_nst.cli import common
from tf_nst.core.errors import UserError
from tf_nst.web.backend import PageSettings

_DEFAULTS = PageSettings()
flags.DEFINE_string("host", "127.0.0.1", "Address to listen on (0.0.0.0: every interface).")
flags.DEFINE_integer("port", 7860, "Port to listen on.")
flags.DEFINE_string("models_dir", None, "Folder of trained models (tf-nst train folders, .npz files) to list.")
flags.DEFINE_string("configs_dir", None, "Folder of optimization presets (default: the presets in the package).")
flags.DEFINE_integer("max_pixels", _DEFAULTS.max_pixels, "Uploads with more pixels are refused (decompression bombs).")
flags.DEFINE_integer("max_upload_mb", _DEFAULTS.max_upload_mb, "Uploads larger than this are refused.")
flags.DEFINE_integer("max_size", _DEFAULTS.max_size, "Longest output side of the fast modes, px.")
flags.DEFINE_integer("max_optimize_size", _DEFAULTS.max_optimize_size, "Longest output side of optimization, px.")
common.define_weights_flag()
FLAGS = flags.FLAGS


def main(argv: list[str]) -> int:
    if not 0 < FLAGS.port < 65536:
        raise UserError(f"--port must be 1..65535, got {FLAGS.port}")
    for name in ("max_pixels", "max_upload_mb", "max_size", "max_optimize_size"):
        if getattr(FLAGS, name) < 1:
            raise UserError(f"--{name} must be positive")
    settings = PageSettings(models_dir=FLAGS.models_dir, weights_dir=FLAGS.weights_dir,
                            configs_dir=FLAGS.configs_dir, max_pixels=FLAGS.max_pixels,
                            max_upload_mb=FLAGS.max_upload_mb, max_size=FLAGS.max_size,
                            max_optimize_size=FLAGS.max_optimize_size)
    from tf_nst.networks import store as model_files
    model_files.find_models(settings.models_dir)  # a missing folder is a one-line error before start-up
    if importlib.util.find_spec("gradio") is None:
        raise UserError("the web page needs Gradio: pip install 'tf_nst[web]'")
    common.start_tensorflow()
    from tf_nst.web import serve
    print(f"tf_nst page on http://{FLAGS.host}:{FLAGS.port} (Ctrl-C stops it)", flush=True)
    serve(settings, FLAGS.host, FLAGS.port)
    return 0


def run(argv: list[str]) -> None:
    common.run("serve", main, argv)
