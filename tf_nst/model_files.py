"""One ``.npz`` file per trained network: its weights (float16 by default) and the metadata needed
to rebuild it (``metadata["kind"]`` says which network; files without it are transform networks)."""
from __future__ import annotations

import json
from pathlib import Path

import keras
import numpy as np

from tf_nst.images import write_atomically


def save_weights(path: str | Path, model: keras.Model, metadata: dict, dtype: str = "float16") -> None:
    """Write ``model``'s weights (as ``dtype``) and ``metadata`` to one .npz, atomically."""
    arrays = {f"w{index:03d}": np.asarray(w, dtype=dtype) for index, w in enumerate(model.get_weights())}
    arrays["metadata"] = np.array(json.dumps(metadata))
    write_atomically(path, lambda handle, _: np.savez(handle, **arrays))


def read_weights(path: str | Path) -> tuple[list[np.ndarray], dict]:
    """The float32 weight list and metadata written by :func:`save_weights`."""
    with np.load(path, allow_pickle=False) as data:
        metadata = json.loads(str(data["metadata"]))
        weights = [data[key].astype("float32") for key in sorted(k for k in data.files if k.startswith("w"))]
    return weights, metadata


def read_metadata(path: str | Path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return json.loads(str(data["metadata"]))
