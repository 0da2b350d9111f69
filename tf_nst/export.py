"""Export a trained transform network as a TF Serving SavedModel (and optionally TFLite).

Signatures (``saved_model_cli show --dir DIR --all`` lists them):

* ``serving_default``: ``images`` uint8 [N, H, W, 3] of any size -> ``stylized`` uint8, same shape.
* ``stylize_encoded``: ``image_bytes`` string [N] (JPEG/PNG/GIF/BMP files) -> ``png_bytes`` string [N].
  Over TF Serving's REST API the names ending in ``_bytes`` travel base64-encoded::

      POST /v1/models/starry_night:predict
      {"signature_name": "stylize_encoded", "instances": [{"b64": "<base64 of photo.jpg>"}]}
      -> {"predictions": [{"b64": "<base64 of a PNG>"}]}
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import keras
import tensorflow as tf

from tf_nst.errors import UserError
from tf_nst.transfer import StyleModel


def _to_uint8(images: tf.Tensor) -> tf.Tensor:
    return tf.cast(tf.clip_by_value(tf.round(images), 0.0, 255.0), tf.uint8)


def _check_new_folder(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UserError(f"{path} already exists; export to a new folder (TF Serving reads numbered "
                        "versions: MODEL/1, MODEL/2, ...)")


def export_saved_model(model: StyleModel, directory: str | Path) -> Path:
    """Write the SavedModel to ``directory`` (a new or empty folder) via a temporary folder + rename."""
    directory = Path(directory)
    _check_new_folder(directory)
    network = model.network

    def stylize_uint8(images: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"stylized": _to_uint8(network(tf.cast(images, tf.float32), training=False))}

    def stylize_encoded(image_bytes: tf.Tensor) -> dict[str, tf.Tensor]:
        def one(encoded: tf.Tensor) -> tf.Tensor:
            image = tf.io.decode_image(encoded, channels=3, expand_animations=False)
            stylized = network(tf.cast(image, tf.float32)[None], training=False)[0]
            return tf.io.encode_png(_to_uint8(stylized))
        return {"png_bytes": tf.map_fn(one, image_bytes, fn_output_signature=tf.string)}

    archive = keras.export.ExportArchive()
    archive.track(network)
    archive.add_endpoint("serving_default", stylize_uint8,
                         [tf.TensorSpec([None, None, None, 3], tf.uint8, name="images")])
    archive.add_endpoint("stylize_encoded", stylize_encoded, [tf.TensorSpec([None], tf.string, name="image_bytes")])
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        archive.write_out(str(staging), verbose=False)
        if directory.exists():
            directory.rmdir()  # empty, checked above
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def export_tflite(model: StyleModel, path: str | Path, size: tuple[int, int] = (512, 512)) -> Path:
    """A float16-weight TFLite model on float32 [1, H, W, 3] images in 0..255, H x W fixed to ``size``."""
    from tf_nst.images import write_atomically

    network = model.network
    archive = keras.export.ExportArchive()
    archive.track(network)
    archive.add_endpoint("serving_default", lambda images: {"stylized": network(images, training=False)},
                         [tf.TensorSpec([1, *size, 3], tf.float32, name="images")])
    with tempfile.TemporaryDirectory() as staging:
        archive.write_out(staging, verbose=False)  # the converter needs frozen variables, as a SavedModel
        converter = tf.lite.TFLiteConverter.from_saved_model(staging)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
        payload = converter.convert()
    return write_atomically(path, lambda handle, _: handle.write(payload))
