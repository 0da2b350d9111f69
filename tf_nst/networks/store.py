"""One ``.npz`` file per trained network: its weights (float16 by default) and the metadata needed
to rebuild it (``metadata["kind"]`` says which network; files without it are transform networks),
and where models are found by name. TensorFlow-free, so that the CLI can resolve and list models
before it starts TensorFlow."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

from tf_nst.core.errors import UserError
from tf_nst.media.images import write_atomically

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "models"
#: The bundled any-painting model (VGG19 decoders); trained ones are told by their kind.
UNIVERSAL = "universal"
UNIVERSAL_KIND = "universal_decoders"


def bundled_models() -> list[str]:
    """Names of the model files shipped inside the package (transform networks, ``universal``)."""
    return sorted(path.stem for path in BUNDLED_DIR.glob("*.npz"))


@functools.lru_cache(maxsize=1)
def bundled_styles() -> dict[str, str]:
    """Each style of a bundled multi-style network, by name -> the bundled network that holds it."""
    styles = {}
    for name in bundled_models():
        for style in read_metadata(BUNDLED_DIR / f"{name}.npz").get("styles", ()):
            styles.setdefault(style, name)
    return styles


@functools.lru_cache(maxsize=1)
def universal_models() -> list[str]:
    """The bundled any-painting models (kind ``universal_decoders``: they take a style image)."""
    return [name for name in bundled_models()
            if read_metadata(BUNDLED_DIR / f"{name}.npz").get("kind") == UNIVERSAL_KIND]


def takes_style(name_or_dir: str | Path, models_dir: str | Path | None = None) -> bool:
    """True for a model that takes any painting as its style (universal decoders, by their file's kind)."""
    return read_metadata(locate_model(name_or_dir, models_dir)[0]).get("kind") == UNIVERSAL_KIND


def _multistyle_files() -> set[str]:
    """The bundled model files that are multi-style networks (their styles stand for them)."""
    return set(bundled_styles().values())


def bundled_networks() -> list[str]:
    """Every bundled style, as ``--model`` takes it: the styles of the multi-style networks and the
    single-style networks (all bundled models but the universal ones, each named after its style)."""
    skipped = _multistyle_files() | set(universal_models())
    return sorted(set(bundled_styles()) | {name for name in bundled_models() if name not in skipped})


def one_style_per_bundled_network() -> list[str]:
    """One bundled style name for each bundled transform network file (the styles of a multi-style
    network share its weights), for measurements that need each network once."""
    found = find_models()
    return sorted({found[name]: name for name in bundled_networks()}.values())


def find_models(models_dir: str | Path | None = None) -> dict[str, Path]:
    """Every model by name: the bundled files, the styles of bundled multi-style networks (each
    naming its network's file), then the models in ``models_dir`` (``tf-nst train`` folders holding
    model.npz, and .npz files); a found model never hides a bundled one of the same name."""
    found = {name: BUNDLED_DIR / f"{name}.npz" for name in bundled_models()}
    found.update({style: found[holder] for style, holder in bundled_styles().items() if style not in found})
    if models_dir is not None:
        folder = Path(models_dir)
        if not folder.is_dir():
            raise UserError(f"models folder not found: {folder}")
        for path in sorted(folder.iterdir()):
            candidate = path / "model.npz" if path.is_dir() else path
            name = path.name if path.is_dir() else path.stem
            if candidate.is_file() and candidate.suffix == ".npz" and name not in found:
                found[name] = candidate
    return found


def style_models(models_dir: str | Path | None = None) -> list[str]:
    """Every model by the name of what it does: :func:`find_models` without the bundled multi-style
    networks' own names (their styles stand for them), for pickers and contact sheets."""
    holders = _multistyle_files()
    return [name for name in find_models(models_dir) if name not in holders]


def locate_model(name_or_dir: str | Path, models_dir: str | Path | None = None) -> tuple[Path, str | None]:
    """(the .npz file, the style to select in it or None) for a model name (bundled, a bundled
    network's style, or found in ``models_dir``), a training folder or a file; UserError if none."""
    path = Path(name_or_dir)
    if path.is_dir():
        if not (path / "model.npz").is_file():
            raise UserError(f"no model.npz in {path} (a folder written by tf-nst train)")
        return path / "model.npz", None
    if path.is_file():
        return path, None
    name = str(name_or_dir)
    found = find_models(models_dir)
    if name in found:
        return found[name], name if name in bundled_styles() and name not in bundled_models() else None
    raise UserError(f"unknown model {name!r}: not a model folder or .npz file, and not a bundled "
                    f"model ({', '.join(bundled_models() + bundled_networks()) or 'none installed'})")


def resolve_model_path(name_or_dir: str | Path) -> Path:
    """The .npz file for a bundled name, a training folder or a file; UserError if none."""
    return locate_model(name_or_dir)[0]


def save_weights(path: str | Path, model, metadata: dict, dtype: str = "float16") -> None:
    """Write ``model``'s weights (as ``dtype``) and ``metadata`` to one .npz, atomically."""
    arrays = {f"w{index:03d}": np.asarray(w, dtype=dtype) for index, w in enumerate(model.get_weights())}
    arrays["metadata"] = np.array(json.dumps(metadata))
    write_atomically(path, lambda handle: np.savez(handle, **arrays))


def read_weights(path: str | Path) -> tuple[list[np.ndarray], dict]:
    """The float32 weight list and metadata written by :func:`save_weights`."""
    with np.load(path, allow_pickle=False) as data:
        metadata = json.loads(str(data["metadata"]))
        weights = [data[key].astype("float32") for key in sorted(k for k in data.files if k.startswith("w"))]
    return weights, metadata


def read_metadata(path: str | Path) -> dict:
    with np.load(path, allow_pickle=False) as data:
        return json.loads(str(data["metadata"]))
