"""Applying trained transform networks: ``load_model(name_or_dir)`` and image / folder transfer.

A model is a bundled style name (``starry_night``, see :func:`bundled_models`), a folder
written by ``tf-nst train`` (holding ``model.npz``) or an ``.npz`` file.
"""
from __future__ import annotations

import concurrent.futures
import sys
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import tensorflow as tf

from tf_nst import images as images_lib
from tf_nst import masks, transform_net
from tf_nst.errors import UserError

BUNDLED_DIR = Path(__file__).resolve().parent / "models"
PRECISIONS = ("auto", "float32", "mixed_bfloat16")


def bundled_models() -> list[str]:
    """Names of the style models shipped inside the package."""
    return sorted(path.stem for path in BUNDLED_DIR.glob("*.npz"))


def resolve_model_path(name_or_dir: str | Path) -> Path:
    """The .npz file for a bundled name, a training folder or a file; UserError if none."""
    path = Path(name_or_dir)
    if path.is_dir():
        if not (path / "model.npz").is_file():
            raise UserError(f"no model.npz in {path} (a folder written by tf-nst train)")
        return path / "model.npz"
    if path.is_file():
        return path
    if str(name_or_dir) in bundled_models():
        return BUNDLED_DIR / f"{name_or_dir}.npz"
    raise UserError(f"unknown model {str(name_or_dir)!r}: not a model folder or .npz file, and not a bundled "
                    f"style ({', '.join(bundled_models()) or 'none installed'})")


def auto_precision() -> str:
    """mixed_bfloat16 on CPUs with native bf16 matrix units (AMX, AVX512-BF16) and no GPU, else float32."""
    if tf.config.list_physical_devices("GPU"):
        return "float32"
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "float32"
    return "mixed_bfloat16" if ("amx_bf16" in flags or "avx512_bf16" in flags) else "float32"


class StyleModel:
    """A trained transform network as a callable on float32 [N, H, W, 3] images in 0..255."""

    def __init__(self, network, metadata: dict, precision: str):
        self.network, self.metadata, self.precision = network, metadata, precision
        self.name = metadata.get("style", "style")
        self._apply = tf.function(lambda batch: self.network(batch, training=False),
                                  input_signature=[tf.TensorSpec([None, None, None, 3], tf.float32)])

    def __call__(self, images: tf.Tensor | np.ndarray) -> tf.Tensor:
        return self._apply(tf.convert_to_tensor(images, tf.float32))

    def stylize(self, image: np.ndarray) -> np.ndarray:
        """One [H, W, 3] image in 0..255 -> its stylized version, same size."""
        return self(image[None])[0].numpy()

    def __repr__(self) -> str:
        return f"StyleModel({self.name!r}, width={self.metadata.get('width')}, precision={self.precision!r})"


def load_model(name_or_dir: str | Path, precision: str = "auto") -> StyleModel:
    """Load a bundled style, a ``tf-nst train`` folder or an .npz file as a :class:`StyleModel`."""
    if precision not in PRECISIONS:
        raise UserError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    path = resolve_model_path(name_or_dir)
    precision = auto_precision() if precision == "auto" else precision
    try:
        network, metadata = transform_net.load_weights(path, precision)
    except (OSError, ValueError, KeyError) as error:
        raise UserError(f"{path} is not a tf_nst model file ({type(error).__name__})") from None
    return StyleModel(network, metadata, precision)


_MASK_WORKER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="tf_nst_masks")


def stylize_batch(model: StyleModel, batch: np.ndarray,
                  mask_fn: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """Stylize [N, H, W, 3] images (0..255); with ``mask_fn(image) -> [H, W] mask`` only inside the masks.

    The masks are computed on a worker thread while the network runs (both release the GIL).
    """
    pending = [_MASK_WORKER.submit(mask_fn, image) for image in batch] if mask_fn is not None else None
    outputs = model(batch).numpy()
    if pending is None:
        return outputs
    return np.stack([masks.composite(output, image, mask.result())
                     for output, image, mask in zip(outputs, batch, pending)])


def transfer_files(model: StyleModel, pairs: Iterable[tuple[Path, Path]], batch_size: int = 4,
                   warn=lambda message: print(f"warning: {message}", file=sys.stderr, flush=True),
                   mask_fn: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[list[Path], list[Path]]:
    """Stylize each (input, output) pair, batching images of equal size; returns (written, skipped).

    An input that cannot be read is skipped with a warning; the others are still written.
    ``mask_fn(image) -> [H, W] mask`` makes it local: only the masked part is stylized
    (:func:`tf_nst.masks.composite`), the rest keeps the input's pixels.
    """
    written, skipped = [], []
    pending: dict[tuple[int, ...], list[tuple[np.ndarray, Path]]] = {}

    def flush(shape: tuple[int, ...]) -> None:
        group = pending.pop(shape)
        outputs = stylize_batch(model, np.stack([image for image, _ in group]), mask_fn)
        for output_image, (_, output_path) in zip(outputs, group):
            images_lib.save_image(output_path, output_image)
            written.append(output_path)

    for source, target in pairs:
        try:
            image = images_lib.load_image(source, "input")
        except UserError as error:
            warn(f"skipped {error}")
            skipped.append(source)
            continue
        pending.setdefault(image.shape, []).append((image, target))
        if len(pending[image.shape]) >= batch_size:
            flush(image.shape)
        elif sum(len(group) for group in pending.values()) >= 2 * batch_size:
            flush(max(pending, key=lambda shape: len(pending[shape])))
    for shape in list(pending):
        flush(shape)
    return written, skipped
