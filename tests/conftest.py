"""Shared fixtures. The suite needs the real pretrained weights: no random stand-ins."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

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


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``tf-nst ARGS`` in a fresh process, as a user would."""
    return subprocess.run([sys.executable, "-m", "tf_nst.cli.main", *args], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
