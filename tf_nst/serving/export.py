"""Export a fast model as a TF Serving SavedModel (and a transform network also as TFLite).

The serving contract (``saved_model_cli show --dir DIR --all`` lists it):

* one style — a single-style network, or one style of the multi-style network loaded by its name
  (``tf-nst export --model=starry_night``) — is baked in:
  ``serving_default``: ``images`` uint8 [N, H, W, 3] of any size -> ``stylized`` uint8, same shape;
  ``stylize_encoded``: ``image_bytes`` string [N] (JPEG/PNG/GIF/BMP files) -> ``png_bytes`` string [N].
* the whole multi-style network (``--model=multistyle``): both signatures also take
  ``style_weights`` float32 [number of styles] (one-hot, or a blend); the style names, in order,
  are in ``assets/style_names.txt``.
* the universal model (any painting): ``serving_default`` takes ``images``, ``style`` uint8
  [1 or N, h, w, 3] and ``strength`` float32 scalar (0..1); ``stylize_encoded`` takes
  ``image_bytes``, ``style_bytes`` string [N] and ``strength``.

Every export also writes TF Serving's warm-up requests, one per signature
(``assets.extra/tf_serving_warmup_requests``, :mod:`tf_nst.serving.warmup`), so the first real
request does not pay for tracing. The REST ``:predict`` bodies are in the serving guide
(``docs/guides/feedforward.md``); ``tools/serving_client.py`` sends them.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from tf_nst.core.errors import UserError
from tf_nst.media.images import write_atomically
from tf_nst.networks.transform_net import SIZE_MULTIPLE, fitted_size
from tf_nst.serving import warmup


def _to_uint8(images: tf.Tensor) -> tf.Tensor:
    return tf.cast(tf.clip_by_value(tf.round(images), 0.0, 255.0), tf.uint8)


def _check_new_folder(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise UserError(f"{path} already exists; export to a new folder (TF Serving reads numbered "
                        "versions: MODEL/1, MODEL/2, ...)")


def _write_archive(archive: keras.export.ExportArchive, directory: Path, examples: dict[str, dict[str, np.ndarray]],
                   assets: dict[str, str]) -> Path:
    """Write ``archive`` with its ``assets`` (file name -> text) and the warm-up requests of
    ``examples`` (signature -> inputs) to ``directory`` via a temporary folder + rename."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    try:
        archive.write_out(str(staging), verbose=False)
        for name, text in assets.items():
            (staging / "assets").mkdir(exist_ok=True)
            (staging / "assets" / name).write_text(text)
        warmup.write_warmup_requests(staging, examples)
        if directory.exists():
            directory.rmdir()  # empty, checked above
        os.replace(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return directory


def export_saved_model(model, directory: str | Path) -> Path:
    """Write the SavedModel of ``model`` (a fast model: a transform network or the universal model)
    to ``directory``, a new or empty folder (TF Serving reads numbered versions: MODEL/1, MODEL/2)."""
    directory = Path(directory)
    _check_new_folder(directory)
    archive, examples, assets = ARCHIVES[model.kind](model)
    return _write_archive(archive, directory, examples, assets)


def describe_signatures(model) -> str:
    """The inputs of each signature an export of ``model`` has, in one line (what the CLI prints)."""
    if model.needs_style:
        return ("serving_default uint8 images, style, strength -> stylized; "
                "stylize_encoded image_bytes, style_bytes, strength -> png_bytes")
    weights = ", style_weights" if model.takes_style_weights else ""
    return (f"serving_default uint8 images{weights} -> stylized; stylize_encoded image_bytes{weights} -> png_bytes"
            + ("; style names in assets/style_names.txt" if weights else ""))


def _network_archive(model) -> tuple[keras.export.ExportArchive, dict, dict]:
    """A transform network's two signatures: uint8 images, or encoded files; a multi-style network
    not fixed to one style also takes ``style_weights``. With their warm-up inputs and assets."""
    network, names, takes_weights = model.network, model.styles, model.takes_style_weights
    fixed = None
    if names and not takes_weights:
        fixed = tf.constant(model.style_weights, tf.float32)  # baked in: the export serves this style alone

    def apply(images: tf.Tensor, weights: tf.Tensor | None) -> tf.Tensor:
        images = tf.cast(images, tf.float32)
        weights = fixed if fixed is not None else weights
        if weights is None:
            return network(images, training=False)
        weights = tf.cast(weights, tf.float32) / tf.reduce_sum(weights)
        return network([images, tf.tile(weights[None], [tf.shape(images)[0], 1])], training=False)

    def stylize_uint8(images: tf.Tensor, style_weights: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
        return {"stylized": _to_uint8(apply(images, style_weights))}

    def stylize_encoded(image_bytes: tf.Tensor, style_weights: tf.Tensor | None = None) -> dict[str, tf.Tensor]:
        def one(encoded: tf.Tensor) -> tf.Tensor:
            image = tf.io.decode_image(encoded, channels=3, expand_animations=False)
            return tf.io.encode_png(_to_uint8(apply(image[None], style_weights)[0]))
        return {"png_bytes": tf.map_fn(one, image_bytes, fn_output_signature=tf.string)}

    weights_spec = [tf.TensorSpec([len(names)], tf.float32, name="style_weights")] if takes_weights else []
    archive = keras.export.ExportArchive()
    archive.track(network)
    archive.add_endpoint("serving_default", stylize_uint8,
                         [tf.TensorSpec([None, None, None, 3], tf.uint8, name="images")] + weights_spec)
    archive.add_endpoint("stylize_encoded", stylize_encoded,
                         [tf.TensorSpec([None], tf.string, name="image_bytes")] + weights_spec)
    extra = {"style_weights": np.eye(len(names), dtype=np.float32)[0]} if takes_weights else {}
    examples = {"serving_default": {"images": warmup.example_image()[None], **extra},
                "stylize_encoded": {"image_bytes": np.array([warmup.example_png()]), **extra}}
    assets = {"style_names.txt": "\n".join(names) + "\n"} if takes_weights else {}
    return archive, examples, assets


def _universal_archive(model) -> tuple[keras.export.ExportArchive, dict, dict]:
    """The universal model's two signatures: content + style + strength, as tensors or as encoded files."""
    def check_strength(strength: tf.Tensor) -> tf.Tensor:
        tf.debugging.assert_greater_equal(strength, 0.0, "strength must be in [0, 1]")
        tf.debugging.assert_less_equal(strength, 1.0, "strength must be in [0, 1]")
        return tf.cast(strength, tf.float32)

    def pairs(contents: tf.Tensor, styles: tf.Tensor, strength: tf.Tensor, one) -> tf.Tensor:
        styles = tf.cond(tf.shape(styles)[0] == 1, lambda: tf.repeat(styles, tf.shape(contents)[0], 0),
                         lambda: styles)
        return tf.map_fn(lambda pair: one(pair[0], pair[1], strength), (contents, styles),
                         fn_output_signature=tf.uint8 if contents.dtype == tf.uint8 else tf.string)

    def stylize_uint8(images: tf.Tensor, style: tf.Tensor, strength: tf.Tensor) -> dict[str, tf.Tensor]:
        def one(content, style_image, alpha):
            return _to_uint8(model.transfer_tensor(tf.cast(content, tf.float32), tf.cast(style_image, tf.float32),
                                                  alpha))
        return {"stylized": pairs(images, style, check_strength(strength), one)}

    def stylize_encoded(image_bytes: tf.Tensor, style_bytes: tf.Tensor, strength: tf.Tensor) -> dict[str, tf.Tensor]:
        def decode(encoded):
            return tf.cast(tf.io.decode_image(encoded, channels=3, expand_animations=False), tf.float32)

        def one(content, style_image, alpha):
            return tf.io.encode_png(_to_uint8(model.transfer_tensor(decode(content), decode(style_image), alpha)))
        return {"png_bytes": pairs(image_bytes, style_bytes, check_strength(strength), one)}

    archive = keras.export.ExportArchive()
    for tracked in [model.style_encoder.model, *(e.model for e in model.encoders.values()),
                    *model.decoders.values()]:
        archive.track(tracked)
    images = tf.TensorSpec([None, None, None, 3], tf.uint8, name="images")
    style = tf.TensorSpec([None, None, None, 3], tf.uint8, name="style")
    strength = tf.TensorSpec([], tf.float32, name="strength")
    archive.add_endpoint("serving_default", stylize_uint8, [images, style, strength])
    archive.add_endpoint("stylize_encoded", stylize_encoded, [tf.TensorSpec([None], tf.string, name="image_bytes"),
                                                              tf.TensorSpec([None], tf.string, name="style_bytes"),
                                                              strength])
    photo, png = warmup.example_image(), warmup.example_png()
    examples = {"serving_default": {"images": photo[None], "style": photo[None], "strength": np.float32(1.0)},
                "stylize_encoded": {"image_bytes": np.array([png]), "style_bytes": np.array([png]),
                                    "strength": np.float32(1.0)}}
    return archive, examples, {}


#: The SavedModel archive of each kind of fast model (``FastModel.kind``).
ARCHIVES = {"transform_net": _network_archive, "universal_decoders": _universal_archive}


def export_tflite(model, path: str | Path, size: tuple[int, int] = (512, 512)) -> Path:
    """A float16-weight TFLite model on float32 [1, H, W, 3] images in 0..255, H x W fixed to ``size``
    (the whole multi-style network also takes ``style_weights`` [1, styles]; one style by name is
    baked in); both sides multiples of 4 (TFLite
    has no bicubic resize, which the network needs for other sizes; the SavedModel takes any size)."""
    fitted = fitted_size(*size)
    if fitted != tuple(size):
        raise UserError(f"the TFLite input size must be multiples of {SIZE_MULTIPLE}, got {size[0]}x{size[1]}; "
                        f"resize photos to it (e.g. {fitted[0]}x{fitted[1]})")
    network, styles = model.network, len(model.styles)
    archive = keras.export.ExportArchive()
    archive.track(network)
    images = tf.TensorSpec([1, *size, 3], tf.float32, name="images")
    if styles and not model.takes_style_weights:  # one style by name: baked in, images only
        fixed = tf.constant(np.asarray(model.style_weights, np.float32)[None])
        archive.add_endpoint("serving_default", lambda images: {
            "stylized": network([images, fixed], training=False)}, [images])
    elif styles:
        archive.add_endpoint("serving_default", lambda images, style_weights: {
            "stylized": network([images, style_weights], training=False)},
            [images, tf.TensorSpec([1, styles], tf.float32, name="style_weights")])
    else:
        archive.add_endpoint("serving_default", lambda images: {"stylized": network(images, training=False)}, [images])
    with tempfile.TemporaryDirectory() as staging:
        archive.write_out(staging, verbose=False)  # the converter needs frozen variables, as a SavedModel
        converter = tf.lite.TFLiteConverter.from_saved_model(staging)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
        payload = converter.convert()
    return write_atomically(path, lambda handle: handle.write(payload))
