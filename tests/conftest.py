"""Shared fixtures. The suite needs the real pretrained weights: no random stand-ins."""
from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from tf_nst.core import cpu

cpu.enable_onednn()  # as tf-nst does, before any test imports TensorFlow (inherited by subprocesses)

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
REQUIRED_WEIGHTS = ("vgg16_notop.h5", "vgg19_notop.h5", "resnet50_notop.h5")


def bf16_can_run() -> bool:
    """False where ONEDNN_MAX_CPU_ISA caps oneDNN below bf16 (how an AVX2 machine is approximated on a
    larger one): oneDNN then refuses bf16 convolutions outright, where a real AVX2 CPU emulates them."""
    from tf_nst.core.cpu import ISAS_WITHOUT_BF16, isa_cap
    return isa_cap() not in ISAS_WITHOUT_BF16


needs_bf16 = pytest.mark.skipif(not bf16_can_run(), reason="ONEDNN_MAX_CPU_ISA caps oneDNN below bf16")


@pytest.fixture(scope="session")
def weights_dir() -> Path:
    """The real ImageNet weights (``TF_NST_WEIGHTS_DIR``); the session stops with one line if they are missing."""
    folder = os.environ.get("TF_NST_WEIGHTS_DIR")
    missing = [name for name in REQUIRED_WEIGHTS if not folder or not (Path(folder) / name).is_file()]
    if missing:
        pytest.exit(f"TF_NST_WEIGHTS_DIR={folder!r} lacks {', '.join(missing)}: the tests need the real "
                    "weights (e.g. TF_NST_WEIGHTS_DIR=../shared/models)", returncode=3)
    # Given relative to where pytest was started (as the README does); the subprocesses and notebooks
    # the tests start in other folders must see the same folder.
    os.environ["TF_NST_WEIGHTS_DIR"] = str(Path(folder).resolve())
    return Path(folder).resolve()


@pytest.fixture(autouse=True)
def _real_weights(request):
    """Every test gets the real weights, except those marked ``no_weights`` (pure numpy, source reading)."""
    if request.node.get_closest_marker("no_weights") is None:
        request.getfixturevalue("weights_dir")


@pytest.fixture(scope="session")
def content_image() -> np.ndarray:
    from tf_nst.media import images
    return images.load_image(DATA / "content" / "tubingen.jpg")


@pytest.fixture(scope="session")
def style_image() -> np.ndarray:
    from tf_nst.media import images
    return images.load_image(DATA / "styles" / "starry_night.jpg")


#: What "small" means in a test, per kind of config: the fields a test does not set itself.
TINY_SETTINGS = {
    "optimization": {"image_size": 64, "steps": 3},
    "transform_training": {"image_size": 64, "batch_size": 2, "width": 0.25, "steps": 4},
    "decoder_training": {"image_size": 64, "batch_size": 2, "steps": 4},
}


def tiny(preset: str, **overrides):
    """``preset`` at test size (:data:`TINY_SETTINGS` for its kind; a training run logs, checkpoints and
    draws samples once, at its last step, unless told otherwise); ``overrides`` win."""
    from tf_nst import config
    kind = config.load_config_file(preset).kind
    settings = {**TINY_SETTINGS[kind], **overrides}
    if kind != "optimization":
        for field in ("log_every", "checkpoint_every", "sample_every"):
            settings.setdefault(field, settings["steps"])
    return config.load_config_file(preset, **settings)


def tiny_flags(preset: str, **overrides) -> list[str]:
    """:func:`tiny` as ``tf-nst`` flags: ``--config=PRESET --config.FIELD=VALUE ...``."""
    from tf_nst import config
    defaults = config.load_config_file(preset)
    settings = tiny(preset, **overrides)
    return [f"--config={preset}"] + [f"--config.{field}={settings[field]}" for field in sorted(settings.keys())
                                     if settings[field] != defaults[field]]


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``tf-nst ARGS`` in a fresh process, as a user would."""
    return subprocess.run([sys.executable, "-m", "tf_nst.cli.main", *args], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def run_cli_in_process(*args: str) -> subprocess.CompletedProcess:
    """Run ``tf-nst ARGS`` in this process, for bad flags and bad input that the CLI refuses before it
    starts TensorFlow: the same exit code and one-line message without a Python start-up per case.

    absl's FLAGS is one global registry and each subcommand defines its flags when its module is
    imported, so the module is imported afresh and every flag it defined is removed afterwards (two
    subcommands define ``--content``); signal handlers, absl's verbosity, ``__main__``'s docstring, the
    environment, the warning filters and ``sys.argv``, which the CLI may set or read, are put back.
    """
    from absl import app, flags, logging as absl_logging  # noqa: F401  (app defines flags: keep them)
    from tf_nst.cli import common, main as cli_main  # noqa: F401  (common: shared, defines none)
    registry = flags.FLAGS
    flags_before, modules_before = set(registry), set(sys.modules)
    handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    main_doc, verbosity = sys.modules["__main__"].__doc__, absl_logging.get_verbosity()
    environment, warning_filters, argv = dict(os.environ), list(warnings.filters), sys.argv
    sys.argv = ["tf-nst", *args]  # ml_collections' --config reads it to define the --config.FIELD flags
    stdout, stderr, code = io.StringIO(), io.StringIO(), 0
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            cli_main.main(["tf-nst", *args])
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    finally:
        for name in set(registry) - flags_before:
            delattr(registry, name)
        registry.unparse_flags()
        for name in set(sys.modules) - modules_before:
            if name.startswith("tf_nst.cli.") and name != "tf_nst.cli.common":
                del sys.modules[name]
        for number, handler in handlers.items():
            signal.signal(number, handler)
        sys.modules["__main__"].__doc__ = main_doc
        absl_logging.set_verbosity(verbosity)
        os.environ.clear()
        os.environ.update(environment)
        warnings.filters[:] = warning_filters
        sys.argv = argv
    return subprocess.CompletedProcess(["tf-nst", *args], code, stdout.getvalue(), stderr.getvalue())
