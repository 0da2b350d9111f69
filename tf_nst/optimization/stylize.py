"""Optimization-based style transfer (Gatys et al.): config -> perceptual loss -> optimized image.

Adds what users of neural-style expect on top of the paper: several styles with blend
weights, style scale, colour preservation and coarse-to-fine multi-scale synthesis.
Images in and out are float32 [H, W, 3] in 0..255.
"""
from __future__ import annotations

import dataclasses
import functools
import time
from typing import Callable, Sequence

import keras
import ml_collections
import numpy as np

from tf_nst import config as config_lib
from tf_nst.media import images as images_lib
from tf_nst.segmentation import masks
from tf_nst.optimization import memory
from tf_nst.perceptual import mrf
from tf_nst.core.console import RelativeTerms
from tf_nst.core.errors import UserError
from tf_nst.optimization.loop import OptimizerSettings, optimize_image
from tf_nst.perceptual.combined import build_perceptual_loss


@dataclasses.dataclass
class StylizeResult:
    """The stylized image, its loss history and why the optimization stopped."""

    image: np.ndarray  # [H, W, 3] float32 in 0..255
    history: list[dict]  # per step: the loss terms, "step" and "scale" (counted across scales), "seconds" since
    # stylize() began (the start image and every scale's set-up included)
    stop_reason: str | None = None


#: The universal cascade of the start image: without relu4_1 it keeps more of the photo's structure
#: (luminance SSIM 0.51 vs 0.30 on tools/universal_quality.py's tune split) for the optimization to keep.
UNIVERSAL_START_LEVELS = ("relu3_1", "relu2_1", "relu1_1")


@functools.lru_cache(maxsize=2)
def _universal_model(precision: str, weights_dir: str | None):
    from tf_nst.models.loading import load_model
    return load_model("universal", precision, weights_dir)


def universal_start(content: np.ndarray, styles: Sequence[np.ndarray], style_blend: Sequence[float] | None,
                    precision: str, weights_dir: str | None = None) -> np.ndarray:
    """The bundled universal network's one-pass stylization of ``content`` ([H, W, 3] 0..255) with the
    (blended) ``styles`` as given (their size is the stroke scale), in [0, 1]: a start image that is
    already close to the style, so the optimization only refines it."""
    smallest = images_lib.MIN_STYLE_SIZE  # the universal encoder's smallest style
    styles = [images_lib.resize_long_side(s, round(max(s.shape[:2]) * smallest / min(s.shape[:2])))
              if min(s.shape[:2]) < smallest else s for s in styles]
    model = _universal_model(precision, weights_dir)
    image = model.transfer(content, styles, style_blend, style_size=None, levels=UNIVERSAL_START_LEVELS,
                           photo_mix=0.0, deep_half_size=False)  # the optimization keeps the photo's structure
    return np.clip(image / 255.0, 0.0, 1.0)


#: Coarse scales whose short side is below this are skipped (VGG pools four times before relu5_1).
MIN_COARSE_SIDE = 16


def style_side(config: ml_collections.ConfigDict, size: int) -> int:
    """The paintings' long side at a scale whose photo has long side ``size``."""
    return max(16, round(size * config.style_scale))


def scales_to_run(config: ml_collections.ConfigDict, content_shape: Sequence[int],
                  style_shapes: Sequence[Sequence[int]]) -> list[tuple[int, int, int]]:
    """``(scale index, long side, steps)`` of each scale the optimization runs: coarse scales where the
    photo or a painting would be under ``MIN_COARSE_SIDE`` px on its short side are skipped."""
    planned = []
    for index, (scale, steps) in enumerate(zip(config.scales, config_lib.steps_per_scale(config))):
        size = max(16, round(config.image_size * scale))
        sides = [images_lib.long_side_size(*content_shape[:2], size)] + [
            images_lib.long_side_size(*shape[:2], style_side(config, size)) for shape in style_shapes]
        if min(min(side) for side in sides) >= MIN_COARSE_SIDE or index == len(config.scales) - 1:
            planned.append((index, size, steps))
    return planned


def initial_image(kind: str, content: np.ndarray, style: np.ndarray, seed: int) -> np.ndarray:
    """Start image in [0, 1]: the content, the first style resized to the content, or seeded noise
    (``init="universal"`` needs every style and their blend: :func:`universal_start`)."""
    if kind == "content":
        return content / 255.0
    if kind == "style":
        return images_lib.resize(style, (content.shape[1], content.shape[0])) / 255.0
    return np.random.default_rng(seed).uniform(0.0, 1.0, content.shape).astype(np.float32)


def _progress_callback(progbar: keras.utils.Progbar | None, callback: Callable | None, offset: int):
    relative = RelativeTerms()

    def on_step(step: int, image01: np.ndarray, record: dict) -> None:
        if progbar is not None:
            progbar.update(step, relative({k: v for k, v in record.items() if k not in ("step", "seconds")}))
        if callback is not None:
            callback(offset + step, image01 * 255.0, record)
    return on_step


def stylize(content: np.ndarray, styles: Sequence[np.ndarray], config: ml_collections.ConfigDict,
            style_blend: Sequence[float] | None = None, weights_dir: str | None = None,
            callback: Callable[[int, np.ndarray, dict], None] | None = None,
            verbose: bool = True, content_map: np.ndarray | None = None,
            style_maps: Sequence[np.ndarray] | None = None,
            style_regions: Sequence[np.ndarray] | None = None, mask: np.ndarray | None = None,
            background_style: np.ndarray | None = None,
            should_stop: Callable[[], bool] | None = None) -> StylizeResult:
    """Stylize ``content`` with ``styles`` (blended by ``style_blend``) following ``config``.

    Local transfer: with ``mask`` ([H, W] in 0..1, the content's size) only the selected region
    changes (the result is composited over the photo); with ``mask`` and ``background_style``,
    ``styles[0]`` is matched inside the mask and ``background_style`` outside, in one optimization.

    ``content_map`` and ``style_maps`` (one per style): colour-coded annotation images that
    restrict the MRF patch matching to regions of the same colour (neural-doodle).
    ``style_regions``: one mask ([H, W] in 0..1, the content's size) per style; style i is matched only
    inside region i (guided Gram matrices, Gatys et al. 2017), in one optimization.
    ``callback(step, image_0_255, record)`` runs after every step (steps count across scales);
    ``should_stop()`` is asked after every step and True ends the run with the current image.
    """
    config_lib.validate(config)
    if style_blend is not None and len(style_blend) != len(styles):
        raise ValueError(f"{len(style_blend)} style weights for {len(styles)} styles")
    if background_style is not None:
        if mask is None or len(styles) != 1 or style_regions is not None:
            raise UserError("a background style needs a mask and exactly one style for the selected region")
        styles, style_regions = [styles[0], background_style], [mask, 1.0 - mask]
    elif mask is not None:
        if mask.shape != content.shape[:2]:
            raise UserError("the mask must have the content image's size")
        result = stylize(content, styles, config, style_blend, weights_dir, callback, verbose, content_map,
                         style_maps, style_regions, should_stop=should_stop)
        result.image = masks.composite_resized(result.image, content, mask)
        return result
    out_width, out_height = images_lib.long_side_size(*content.shape[:2], config.image_size)
    memory.check_optimization_fits(config, out_height, out_width)
    original_content = content
    if config.preserve_color == "luminance":
        styles = [images_lib.match_luminance(style, content) for style in styles]
        content = images_lib.gray_as_rgb(images_lib.luminance(content))
    elif config.preserve_color == "histogram":
        styles = [images_lib.match_color_histogram(style, content) for style in styles]

    style_labels = content_labels = None
    if (content_map is None) != (style_maps is None):
        raise UserError("semantic guidance needs both a content map and a style map")
    if content_map is not None:
        if len(style_maps) != len(styles):
            raise UserError(f"{len(style_maps)} style maps for {len(styles)} styles")
        style_labels, content_labels = mrf.label_maps(style_maps, content_map)
    if style_regions is not None:
        if len(style_regions) != len(styles):
            raise UserError(f"{len(style_regions)} style regions for {len(styles)} styles")
        if any(region.shape != content.shape[:2] for region in style_regions):
            raise UserError("style region masks must have the content image's size")
    settings = OptimizerSettings(config.optimizer, config.learning_rate, config.beta_1, config.epsilon,
                                 config.clip_pixels, config.line_search)
    history: list[dict] = []
    image01, stop_reason, offset, started = None, None, 0, time.perf_counter()
    for scale_index, size, steps in scales_to_run(config, content.shape, [s.shape for s in styles]):
        content_s = images_lib.resize_long_side(content, size)
        styles_s = [images_lib.resize_long_side(s, style_side(config, size)) for s in styles]
        if image01 is None and config.init == "universal":
            if style_regions is not None:
                raise UserError("init='universal' takes no style regions or background style; use init='content'")
            init = universal_start(content_s, styles_s, style_blend, config.precision, weights_dir)
        elif image01 is None:
            init = initial_image(config.init, content_s, styles_s[0], config.seed)
        else:
            init = images_lib.resize(image01 * 255.0, (content_s.shape[1], content_s.shape[0])) / 255.0
            if config.scale_detail:
                coarse = images_lib.resize(images_lib.resize(content_s, image01.shape[1::-1]), content_s.shape[1::-1])
                init = np.clip(init + (content_s - coarse) / 255.0, 0.0, 1.0)
        regions_s = None if style_regions is None else [
            masks.resize_mask(region, *content_s.shape[:2]) for region in style_regions]
        loss_fn = build_perceptual_loss(config, content_s, styles_s, style_blend, weights_dir,
                                        style_labels, content_labels, regions_s)
        if verbose:
            print(f"scale {scale_index + 1}/{len(config.scales)}: {content_s.shape[1]}x{content_s.shape[0]} px, "
                  f"{steps} {config.optimizer} steps", flush=True)
        progbar = keras.utils.Progbar(steps, stateful_metrics=RelativeTerms.possible_labels(
            [*loss_fn.terms, "total"])) if verbose else None
        scale_started = time.perf_counter() - started  # records count seconds from the start of stylize()
        result = optimize_image(loss_fn, init, steps, settings,
                                _progress_callback(progbar, callback, offset), should_stop)
        history += [{**record, "step": offset + record["step"], "seconds": scale_started + record["seconds"],
                     "scale": size} for record in result.history]
        image01, stop_reason = result.image, result.stop_reason
        offset += steps
        if stop_reason:
            break

    image = image01 * 255.0
    if config.preserve_color == "luminance":
        image = images_lib.combine_luminance(image, images_lib.resize(
            original_content, (image.shape[1], image.shape[0])))
    return StylizeResult(image=image.astype(np.float32), history=history, stop_reason=stop_reason)
