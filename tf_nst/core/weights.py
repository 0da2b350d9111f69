"""Where pretrained backbone weights come from.

Order: an explicit ``weights_dir`` (the ``--weights_dir`` flag), then the
``TF_NST_WEIGHTS_DIR`` environment variable, both holding the legacy Keras HDF5
files below; otherwise Keras's own ImageNet download (``weights="imagenet"``).
"""
from __future__ import annotations

import os
from pathlib import Path

from tf_nst.core.errors import UserError

ENV_VAR = "TF_NST_WEIGHTS_DIR"
WEIGHT_FILES = {
    "vgg16": "vgg16_notop.h5",
    "vgg19": "vgg19_notop.h5",
    "resnet50": "resnet50_notop.h5",
}


def weights_directory(weights_dir: str | None = None) -> Path | None:
    """The folder to take weight files from (absolute: a relative one is taken from the current
    directory), or None to use Keras downloads."""
    folder = weights_dir or os.environ.get(ENV_VAR) or None
    return Path(folder).expanduser().absolute() if folder else None


def resolve_file(file_name: str, weights_dir: str | None = None) -> Path | None:
    """Path of ``file_name`` in the weights folder; None if no folder is configured.

    A configured folder without the file is an error: silently downloading
    instead would hide a broken offline setup.
    """
    folder = weights_directory(weights_dir)
    if folder is None:
        return None
    path = folder / file_name
    if not path.is_file() or path.stat().st_size == 0:
        raise UserError(f"weights file {file_name} not found in {folder} (set by --weights_dir or {ENV_VAR})")
    return path


def backbone_weights(backbone: str, weights_dir: str | None = None) -> str:
    """The ``weights=`` argument for ``keras.applications``: a file path or ``"imagenet"``."""
    path = resolve_file(WEIGHT_FILES[backbone], weights_dir)
    return str(path.resolve()) if path is not None else "imagenet"


def describe_load_failure(backbone: str, weights: str, error: Exception) -> UserError:
    """A one-line error for a weights file that exists but cannot be loaded (corrupt, wrong model)."""
    if weights == "imagenet":
        return UserError(f"could not download ImageNet weights for {backbone} ({type(error).__name__}); "
                         f"offline, set {ENV_VAR} to a folder holding {WEIGHT_FILES[backbone]}")
    return UserError(f"weights file {weights} could not be loaded as {backbone} weights "
                     f"({type(error).__name__}); check the file or {ENV_VAR}")
