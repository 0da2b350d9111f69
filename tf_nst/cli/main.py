"""``tf-nst``: dispatch to a subcommand module, each defining its own absl flags."""
from __future__ import annotations

import importlib
import sys

from tf_nst.core import cpu

SUBCOMMANDS = {
    "stylize": "optimization-based style transfer (Gatys et al.) from a config preset",
    "evaluate": "print Gram distance to a style, content distance and SSIM as JSON",
    "train": "train a transform network for one style, or the universal decoders, on a folder of photos",
    "transfer": "stylize an image or a folder in milliseconds with a bundled or trained network, or any painting",
    "batch": "stylize every file a pattern matches on Apache Beam (RunInference), locally or on Dataflow/Flink/Spark",
    "sheet": "one photo through every bundled and found model, on one labelled contact sheet",
    "segment": "write a DeepLabV3 / selfie / file mask (foreground or background) for local style transfer",
    "serve": "the web page: fast transfer and optimization in the browser (Gradio, this machine only by default)",
    "export": "write a trained network as a TF Serving SavedModel (uint8 and PNG-bytes signatures) / TFLite",
}
#: Subcommands that run backward passes (image optimization, training; the web page's optimization
#: modes), where oneDNN is 1.4x faster than Eigen on an AVX2 CPU and does not fault every step's memory
#: in again. Forward-only ones keep TensorFlow's own choice: on AVX2 the universal path measured 15 %
#: faster per image with Eigen, a bundled network the same (docs/measurements/optimization.md).
ONEDNN_SUBCOMMANDS = ("stylize", "train", "serve")
USAGE = "usage: tf-nst <subcommand> [--flags]   (tf-nst <subcommand> --helpfull for its flags)\n" + "\n".join(
    f"  {name:<10} {text}" for name, text in SUBCOMMANDS.items())


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
        print(USAGE)
        sys.exit(0 if len(argv) >= 2 else 2)
    command = argv[1]
    if command not in SUBCOMMANDS:
        print(f"tf-nst: error: unknown subcommand {command!r}; choose one of {', '.join(SUBCOMMANDS)}",
              file=sys.stderr)
        sys.exit(2)
    if command in ONEDNN_SUBCOMMANDS:
        cpu.enable_onednn()  # before the subcommand imports TensorFlow
    module = importlib.import_module(f"tf_nst.cli.{command}")
    sys.modules["__main__"].__doc__ = module.__doc__  # absl prints it as the --help text
    module.run([f"tf-nst {command}"] + argv[2:])


if __name__ == "__main__":
    main()
