"""What every subcommand shares: one-line errors, quiet TensorFlow start-up, flag parsing."""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import warnings
from typing import Callable

from absl import app, flags, logging

from tf_nst.errors import UserError

FLAGS = flags.FLAGS
EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130


def define_weights_flag() -> None:
    flags.DEFINE_string("weights_dir", None,
                        "Folder holding vgg16_notop.h5 / vgg19_notop.h5 / resnet50_notop.h5 "
                        "(default: $TF_NST_WEIGHTS_DIR, else download from Keras).")


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


@contextlib.contextmanager
def quiet_stderr():
    """Hide TensorFlow's C++ start-up chatter (it ignores TF_CPP_MIN_LOG_LEVEL) on fd 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


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

    # Ctrl-C (and a polite kill) must save the current image even when a parent shell started
    # us with SIGINT ignored, as background jobs are.
    logging.set_verbosity(logging.WARNING)  # no INFO lines from checkpoint saving
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    app.run(guarded, argv=argv, flags_parser=parse)
