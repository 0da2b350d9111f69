"""Fast transfer of photos, folders and large images through any :class:`~tf_nst.transfer.fast_model.FastModel`.

``load_model`` (:mod:`tf_nst.models`) gives the model; :func:`transfer_image` sends one photo
through it (tile by tile when it is large), :func:`transfer_files` a set of files (batched by size,
unreadable ones skipped with a warning, outputs written atomically).
"""
from __future__ import annotations

import concurrent.futures
import sys
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from tf_nst.core.errors import UserError
from tf_nst.media import images as images_lib
from tf_nst.media import tiling
from tf_nst.transfer.fast_model import FastModel
from tf_nst.transfer.options import OutputOptions, TransferOptions, fit_max_size


def transfer_image(model: FastModel, image: np.ndarray, options: TransferOptions = TransferOptions(),
                   mask: np.ndarray | None = None, out_dtype=np.float32,
                   progress: Callable[[tiling.TileProgress], None] | None = None) -> np.ndarray:
    """One photo [H, W, 3] (0..255, float or uint8) through a fast model -> [H, W, 3] of ``out_dtype``
    (float32 0..255, uint8, or uint16 0..65535); ``mask`` ([H, W] in 0..1, the photo's size after
    ``max_size``) restricts the style to the selected region. Large images go tile by tile
    (``options.tile_size``), reporting each tile to ``progress``."""
    image = fit_max_size(image, options.max_size)
    tiles = options.tiling_for(model, *image.shape[:2])
    if tiles is not None:
        return model.transfer_photo_tiled(image, options, mask, tiles, out_dtype, progress)
    return images_lib.convert(model.transfer_photo(image, options, mask), out_dtype)


def transfer_batch(model: FastModel, batch: np.ndarray, options: TransferOptions = TransferOptions(),
                   mask_fn: Callable[[np.ndarray], np.ndarray] | None = None,
                   executor: concurrent.futures.Executor | None = None) -> np.ndarray:
    """[N, H, W, 3] photos of one size through a fast model; ``mask_fn(image) -> [H, W] mask`` runs
    on ``executor`` (a worker thread) while the network runs."""
    return model.transfer_photos(batch, options, mask_fn, executor)


def transfer_files(model: FastModel, pairs: Iterable[tuple[Path, Path]], options: TransferOptions = TransferOptions(),
                   batch_size: int = 4, mask_fn: Callable[[np.ndarray], np.ndarray] | None = None,
                   warn=lambda message: print(f"warning: {message}", file=sys.stderr, flush=True),
                   progress: Callable[[int], None] | None = None, output: OutputOptions = OutputOptions(),
                   tile_progress: Callable[[tiling.TileProgress], None] | None = None,
                   max_pixels: int = images_lib.MAX_PIXELS, strict: bool = False) -> tuple[list[Path], list[Path]]:
    """Transfer each (input, output) pair; returns (written, skipped).

    An input that cannot be read is skipped with a warning (``strict``: raises the error); the
    others are still written. Inputs are decoded to 8 bits per channel; a transform network takes
    images of equal size in batches, and a large image goes alone, tile by tile (``tile_progress``);
    the universal model encodes each style once for the whole set. ``mask_fn(image) -> [H, W]
    mask`` makes it local.
    """
    options.check(model)
    written, skipped = [], []
    options = options.encoded_for(model)
    pending: dict[tuple[int, ...], list[tuple[np.ndarray, Path]]] = {}

    def save(path: Path, image: np.ndarray) -> None:
        images_lib.save_image(path, image, output.bit_depth, output.jpeg_quality)
        written.append(path)
        if progress is not None:
            progress(len(written))

    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="tf_nst_masks") as executor:
        def flush(shape: tuple[int, ...]) -> None:
            group = pending.pop(shape)
            batch = np.stack([image for image, _ in group])
            outputs = model.transfer_photos(batch, options, mask_fn, executor)
            for output_image, (_, output_path) in zip(outputs, group):
                save(output_path, output_image)

        for source, target in pairs:
            try:
                image = fit_max_size(images_lib.load_image(source, "input", max_pixels, np.uint8), options.max_size)
            except UserError as error:
                if strict:
                    raise
                warn(f"skipped {error}")
                skipped.append(source)
                continue
            if options.tiling_for(model, *image.shape[:2]) is not None:
                save(target, transfer_image(model, image, options, mask_fn(image) if mask_fn else None,
                                            output.dtype, tile_progress))
                continue
            pending.setdefault(image.shape, []).append((image, target))
            if len(pending[image.shape]) >= batch_size:
                flush(image.shape)
            elif sum(len(group) for group in pending.values()) >= 2 * batch_size:
                flush(max(pending, key=lambda shape: len(pending[shape])))
        for shape in list(pending):
            flush(shape)
    return written, skipped
