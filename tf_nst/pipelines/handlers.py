"""Beam model handlers: what RunInference loads once per worker and calls on batches of photos.

Beam's stock TensorFlow handlers import ``tensorflow_hub`` and load through Keras' loader, which
refuses a SavedModel folder under Keras 3; these two are small and load what tf_nst writes:
:class:`FastModelHandler` a model by name, training folder or ``.npz`` (:func:`tf_nst.load_model`),
:class:`SavedModelHandler` an export of ``tf-nst export`` through its ``serving_default``
signature. Elements are ``(key, uint8 photo [H, W, 3])``; predictions ``(key, uint8 [H, W, 3],
seconds)``.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Sequence

import numpy as np
from apache_beam.ml.inference.base import ModelHandler

Photo = tuple[str, np.ndarray]
Stylized = tuple[str, np.ndarray, float]


def _by_size(batch: Sequence[Photo], stylize: Callable[[np.ndarray], Sequence[np.ndarray]]) -> list[Stylized]:
    """``stylize`` (photos of one size [N, H, W, 3] -> N uint8 outputs) once per group of equal size,
    the outputs back in the batch's order, each with its share of the group's seconds."""
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, (_, photo) in enumerate(batch):
        groups.setdefault(photo.shape, []).append(index)
    outputs: list[Stylized | None] = [None] * len(batch)
    for group in groups.values():
        start = time.perf_counter()
        stylized = stylize(np.stack([batch[index][1] for index in group]))
        seconds = (time.perf_counter() - start) / len(group)
        for index, image in zip(group, stylized):
            outputs[index] = (batch[index][0], image, seconds)
    return outputs


class LoadedModel:
    """A fast model with the options prepared for it (Beam shares loaded models by weak reference)."""

    def __init__(self, model, options):
        self.model, self.options = model, options


class FastModelHandler(ModelHandler[Photo, Stylized, Any]):
    """Any tf_nst fast model (a bundled style, a trained network, the universal model with a
    painting), loaded once per worker; photos of one size go through in one pass, large ones in
    tiles, exactly as ``tf-nst transfer`` sends them (same options, same code)."""

    def __init__(self, model: str, options=None, precision: str = "auto", weights_dir: str | None = None,
                 min_batch_size: int = 1, max_batch_size: int = 4):
        self.model_name, self.options, self.precision, self.weights_dir = model, options, precision, weights_dir
        self._batching = {"min_batch_size": min_batch_size, "max_batch_size": max_batch_size}

    def load_model(self):
        """The model and the options prepared for it once (a painting encoded once per worker)."""
        from tf_nst.models.loading import load_model
        from tf_nst.transfer.options import TransferOptions
        model = load_model(self.model_name, self.precision, self.weights_dir)
        options = (self.options or TransferOptions()).check(model)
        return LoadedModel(model, options.encoded_for(model))

    def run_inference(self, batch: Sequence[Photo], model, inference_args: dict | None = None) -> Iterable[Stylized]:
        """Stylize a batch: one pass per group of equal size, a large photo alone in tiles."""
        from tf_nst.media.images import convert
        from tf_nst.transfer.pipeline import transfer_image
        model, options = model.model, model.options

        def stylize(photos: np.ndarray) -> Sequence[np.ndarray]:
            if options.tiling_for(model, *photos.shape[1:3]) is not None:
                return [transfer_image(model, photo, options, out_dtype=np.uint8) for photo in photos]
            return convert(model.transfer_photos(photos, options), np.uint8)
        return _by_size(batch, stylize)

    def get_num_bytes(self, batch: Sequence[Photo]) -> int:
        """The batch's pixel bytes (Beam's throughput metrics)."""
        return sum(photo.nbytes for _, photo in batch)

    def get_metrics_namespace(self) -> str:
        """Beam's RunInference metrics are reported under this name."""
        return "tf_nst"

    def batch_elements_kwargs(self) -> dict:
        """How many photos Beam groups into one call (``--min_batch_size`` / ``--max_batch_size``)."""
        return dict(self._batching)


class SavedModelHandler(FastModelHandler):
    """An export of ``tf-nst export`` (a folder on any filesystem TensorFlow reads, e.g. ``gs://``),
    called through its ``serving_default`` signature on uint8 photos. A SavedModel that needs more
    than ``images`` (a multi-style network's ``style_weights``, the universal model's style) takes
    them from ``extra_inputs`` (name -> array)."""

    def __init__(self, directory: str, extra_inputs: dict[str, np.ndarray] | None = None, **batching):
        super().__init__(directory, **batching)
        self.extra_inputs = extra_inputs or {}

    def load_model(self):
        """The loaded signature, checked against the inputs it will be given."""
        import tensorflow as tf
        from tf_nst.core.errors import UserError
        signature = tf.saved_model.load(self.model_name).signatures["serving_default"]
        wanted = set(signature.structured_input_signature[1])
        if wanted != {"images", *self.extra_inputs}:
            raise UserError(f"{self.model_name} serving_default takes {', '.join(sorted(wanted))}; give the "
                            "other inputs as extra_inputs (a named-style export takes images alone)")
        return signature

    def run_inference(self, batch: Sequence[Photo], model, inference_args: dict | None = None) -> Iterable[Stylized]:
        """One signature call per group of equal size."""
        import tensorflow as tf
        extra = {name: tf.constant(value) for name, value in self.extra_inputs.items()}
        return _by_size(batch, lambda photos: model(images=tf.constant(photos, tf.uint8), **extra)["stylized"].numpy())
