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


def pytest_sessionstart(session):
    folder = os.environ.get("TF_NST_WEIGHTS_DIR")
    missing = [name for name in REQUIRED_WEIGHTS if not folder or not (Path(folder) / name).is_file()]
    if missing:
        pytest.exit(f"TF_NST_WEIGHTS_DIR={folder!r} lacks {', '.join(missing)}: the tests need the real "
                    "weights (e.g. TF_NST_WEIGHTS_DIR=../shared/models)", returncode=3)
    # Given relative to where pytest was started (as the README does); the subprocesses and notebooks
    # the tests start in other folders must see the same folder.
    os.environ["TF_NST_WEIGHTS_DIR"] = str(Path(folder).resolve())


@pytest.fixture(scope="session")
def content_image() -> np.ndarray:
    from tf_nst import images
    return images.load_image(DATA / "content" / "tubingen.jpg")


@pytest.fixture(scope="session")
def style_image() -> np.ndarray:
    from tf_nst import images
    return images.load_image(DATA / "styles" / "starry_night.jpg")


def run_cli(*args: str, cwd: Path | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run ``tf-nst ARGS`` in a fresh process, as a user would."""
    return subprocess.run([sys.executable, "-m", "tf_nst.apps.main", *args], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
