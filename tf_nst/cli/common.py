"""What every subcommand shares: one-line errors, quiet TensorFlow start-up, flag parsing."""
from __future__ import annotations

import math
import os
import signal
import sys
import warnings
from typing import Callable

from absl import app, flags, logging

from tf_nst.config.presets import resolve_config_args
from tf_nst.core.console import quiet_stderr
from tf_nst.core.errors import UserError

FLAGS = flags.FLAGS
EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130
EXIT_BROKEN_PIPE = 128 + 13  # SIGPIPE, as a shell reports a pipe reader that left


def define_weights_flag() -> None:
    flags.DEFINE_string("weights_dir", None,
                        "Folder holding vgg16_notop.h5 / vgg19_notop.h5 / resnet50_notop.h5 "
                        "(default: $TF_NST_WEIGHTS_DIR, else download from Keras).")


def define_mask_flags() -> None:
    """--mask and the flags that shape it, shared by stylize, transfer and segment."""
    flags.DEFINE_string("mask", None, "Local style transfer: deeplabv3[:class,...] (PASCAL VOC, default person), "
                        "selfie, or file:MASK.png (255 = selected).")
    flags.DEFINE_enum("region", "foreground", ["foreground", "background"],
                      "Stylize the selected pixels (foreground) or the others (background).")
    flags.DEFINE_float("threshold", 0.5, "Probability at which a pixel counts as selected.")
    flags.DEFINE_bool("soft_mask", False, "Keep the model's soft probabilities instead of thresholding.")
    flags.DEFINE_float("feather", 0.0, "Soften the mask edge over about this many pixels.")
    flags.DEFINE_bool("refine", False, "Refine the mask along the photo's edges (guided filter).")
    flags.DEFINE_bool("fill_holes", True, "Also select areas the selection encloses completely.")
    flags.DEFINE_integer("mask_tiles", 2, "DeepLabV3 test-time tiling: N x N overlapping crops averaged with the "
                         "whole view (1 = the whole view only).")
    flags.DEFINE_bool("mask_flip", True, "DeepLabV3: also segment the mirror image and average.")


def mask_request():
    """(spec, options) from the mask flags, checked before TensorFlow starts; (None, None) without --mask."""
    if FLAGS.mask is None:
        return None, None
    from tf_nst.segmentation.masks import MaskOptions
    from tf_nst.segmentation.providers import parse_mask_spec
    spec = parse_mask_spec(FLAGS.mask)
    if spec.path is not None and not os.path.isfile(spec.path):
        raise UserError(f"mask file not found: {spec.path}")
    options = MaskOptions(region=FLAGS.region, threshold=None if FLAGS.soft_mask else FLAGS.threshold,
                          feather=FLAGS.feather, refine=FLAGS.refine, tiles=FLAGS.mask_tiles, flip=FLAGS.mask_flip,
                          fill_holes=FLAGS.fill_holes)
    return spec, options


def parse_blend_weights(text: str | None, count: int) -> list[float] | None:
    if text is None:
        return None
    try:
        weights = [float(part) for part in text.split(",")]
    except ValueError:
        raise UserError(f"--style_weights must be comma-separated numbers, got {text!r}") from None
    if len(weights) != count:
        raise UserError(f"--style_weights has {len(weights)} values for {count} --style images")
    if any(math.isnan(w) or math.isinf(w) or w < 0 for w in weights) or sum(weights) <= 0:
        raise UserError(f"--style_weights must be non-negative finite numbers with a positive sum, got {text!r}")
    return weights


def _last_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return f"{type(error).__name__}: {lines[-1] if lines else ''}"


def load_config(holder):
    """The parsed ``--config`` (ml_collections reports a bad file only on first access)."""
    try:
        config = holder.value
        config.keys()
    except Exception as error:  # missing file, syntax error or exception inside the config file
        raise UserError(f"could not load --config {FLAGS['config'].config_filename}: {_last_line(error)}") from None
    return config


def fail(command: str, message: str, code: int = EXIT_USAGE) -> None:
    print(f"tf-nst {command}: error: {message}", file=sys.stderr, flush=True)
    sys.exit(code)


def start_tensorflow(logical_cpus: int = 0) -> None:
    """Import TensorFlow and initialise its devices without flooding stderr.

    ``logical_cpus`` > 1 splits the CPU into that many logical devices (for tf.distribute tests).
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    warnings.filterwarnings("ignore", module="keras")
    with quiet_stderr():
        import tensorflow as tf
        if logical_cpus > 1:
            cpu = tf.config.list_physical_devices("CPU")[0]
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus)
        tf.config.list_logical_devices()
        tf.get_logger().setLevel("ERROR")
        import tensorflow_probability  # noqa: F401  (its import also prints once)


#: Flags that may stand alone, as in neural-style (``-original_colors 1``): ``--preserve_color`` means luminance.
BARE_FLAG_VALUES = {"--preserve_color": "luminance", "--config.preserve_color": "luminance"}


def with_bare_flag_values(argv: list[str]) -> list[str]:
    """``argv`` with each flag of :data:`BARE_FLAG_VALUES` given alone (last, or before another
    flag) completed with its value; ``--preserve_color histogram`` stays as it is."""
    completed = []
    for index, argument in enumerate(argv):
        following = argv[index + 1] if index + 1 < len(argv) else None
        if argument in BARE_FLAG_VALUES and (following is None or following.startswith("-")):
            argument = f"{argument}={BARE_FLAG_VALUES[argument]}"
        completed.append(argument)
    return completed


def run(command: str, main: Callable[[list[str]], int | None], argv: list[str]) -> None:
    """Parse flags, run ``main``, and turn UserError / Ctrl-C into a one-line message and exit code."""

    def parse(args: list[str]) -> list[str]:
        try:
            return FLAGS(args)
        except flags.Error as error:
            fail(command, " ".join(str(error).split()))
        except Exception as error:  # only a config file runs code while flags are parsed
            fail(command, f"could not load --config: {_last_line(error)}")

    def guarded(args: list[str]) -> None:
        if len(args) > 1:
            fail(command, f"unexpected argument {args[1]!r} (flags look like --name=value)")
        try:
            sys.exit(main(args) or 0)
        except UserError as error:
            fail(command, str(error))
        except KeyboardInterrupt:
            fail(command, "interrupted", EXIT_INTERRUPTED)
        except BrokenPipeError:  # the reader went away (`tf-nst transfer --list_models | head -1`)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
            sys.exit(EXIT_BROKEN_PIPE)

    # Ctrl-C (and a polite kill) must save the current image even when a parent shell started
    # us with SIGINT ignored, as background jobs are.
    logging.set_verbosity(logging.WARNING)  # no INFO lines from checkpoint saving
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    app.run(guarded, argv=resolve_config_args(with_bare_flag_values(argv)), flags_parser=parse)
