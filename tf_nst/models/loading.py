"""Models by name: the bundled ones, a style of the bundled multi-style network, a ``tf-nst train``
folder or an ``.npz`` file, loaded as the fast model its file's kind says."""
from __future__ import annotations

from pathlib import Path

from tf_nst.core.errors import UserError
from tf_nst.networks import store, transform_net
from tf_nst.perceptual.backbones import resolve_precision
from tf_nst.transfer.fast_model import FastModel, StyleModel
from tf_nst.universal.model import load_universal


def load_model(name_or_dir: str | Path, precision: str = "auto", weights_dir: str | None = None,
               models_dir: str | Path | None = None) -> FastModel:
    """Load a model by name (bundled, a style of the bundled multi-style network — selected — or
    one in ``models_dir``), a ``tf-nst train`` folder or an .npz file: a
    :class:`~tf_nst.transfer.fast_model.StyleModel` for a transform network, a
    :class:`~tf_nst.universal.model.UniversalModel` for universal decoders (which also need the
    VGG19 weights: ``weights_dir`` or ``$TF_NST_WEIGHTS_DIR``)."""
    precision = resolve_precision(precision)
    path, style = store.locate_model(name_or_dir, models_dir)
    try:
        kind = store.read_metadata(path).get("kind", "transform_net")
        if kind == "universal_decoders":
            return load_universal(path, precision, weights_dir)
        network, metadata = transform_net.load_weights(path, precision)
    except (OSError, ValueError, KeyError) as error:
        raise UserError(f"{path} is not a tf_nst model file ({type(error).__name__})") from None
    model = StyleModel(network, metadata, precision)
    if style is not None:  # one style of a multi-style network, by its name: the model stands for it alone
        model.select(style).style_fixed = True
    return model
