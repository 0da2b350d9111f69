"""Mask post-processing and compositing for local style transfer.

A mask is float32 [H, W] in 0..1 (1 = stylized). :func:`make_mask` turns a segmentation
provider's probability into the final mask: edge-aware refinement (a guided filter, He et al.
2010, our stand-in for the paper's DenseCRF step), threshold, feathering and the choice of
foreground or background. :func:`composite` blends a stylized image into the original.
"""
from __future__ import annotations

import dataclasses
import functools

import numpy as np

from tf_nst.media import images as images_lib
from tf_nst.segmentation import providers as segmentation
from tf_nst.core.errors import UserError

REGIONS = ("foreground", "background")


@dataclasses.dataclass(frozen=True)
class MaskOptions:
    """How a provider's probability becomes the mask that is stylized.

    region: "foreground" stylizes the selected pixels, "background" the others.
    threshold: probability at which a pixel counts as selected; None keeps the soft probability.
    feather: Gaussian blur of the mask edge, in pixels (sigma = feather / 2); 0 = none.
    refine: guided-filter the probability along the photo's edges before thresholding (changes pooled
        person IoU by < 0.001 on the COCO people photos, costs ~10 ms at 512 px, so off by default;
        it mainly softens a --soft_mask along the photo's edges).
    tiles: DeepLabV3 test-time tiling (N x N overlapping crops averaged with the whole view; 1 = whole view only).
    flip: also segment the mirror image and average (DeepLabV3). ``tiles=1, flip=False`` is the raw model.
    fill_holes: select the areas that the selection encloses completely (a person's patterned shirt
        the model missed); +0.007 pooled person IoU on the COCO people photos.
    """

    region: str = "foreground"
    threshold: float | None = 0.5
    feather: float = 0.0
    refine: bool = False
    tiles: int = 2
    flip: bool = True
    fill_holes: bool = True

    def __post_init__(self):
        if self.region not in REGIONS:
            raise UserError(f"region must be one of {', '.join(REGIONS)}, got {self.region!r}")
        if self.threshold is not None and not 0.0 < self.threshold < 1.0:
            raise UserError(f"mask threshold must be between 0 and 1, got {self.threshold}")
        if self.feather < 0:
            raise UserError(f"feather must be >= 0 pixels, got {self.feather}")
        if self.tiles < 1:
            raise UserError(f"mask tiles must be >= 1, got {self.tiles}")


@functools.lru_cache(maxsize=1)
def _guided_filter_graph():
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def guided(gray, p, radius, epsilon):
        size = 2 * radius + 1

        def box(x):  # separable window mean; TF's SAME average pool counts only pixels inside the image
            return tf.nn.avg_pool2d(tf.nn.avg_pool2d(x, [1, size], 1, "SAME"), [size, 1], 1, "SAME")
        mean_i, mean_p, mean_ip, mean_ii = tf.split(box(tf.concat([gray, p, gray * p, gray * gray], -1)), 4, -1)
        a = (mean_ip - mean_i * mean_p) / (tf.maximum(mean_ii - mean_i * mean_i, 0.0) + epsilon)
        mean_a, mean_b = tf.split(box(tf.concat([a, mean_p - a * mean_i], -1)), 2, -1)
        return tf.clip_by_value(mean_a * gray + mean_b, 0.0, 1.0)[0, ..., 0]
    return guided


def guided_filter(guide: np.ndarray, mask: np.ndarray, radius: int, epsilon: float = 1e-3) -> np.ndarray:
    """Edge-aware smoothing of ``mask`` [H, W] following the gray ``guide`` image (0..255) (He et al. 2010)."""
    gray = (images_lib.luminance(guide) / 255.0).astype(np.float32)[None, ..., None]
    return _guided_filter_graph()(gray, mask.astype(np.float32)[None, ..., None], radius, epsilon).numpy()


def refine_radius(height: int, width: int) -> int:
    """Guided-filter radius for an image: 2 px at 640 px, scaled with the long side."""
    return max(1, round(max(height, width) / 320))


def feather(mask: np.ndarray, pixels: float) -> np.ndarray:
    """Blur the mask with a Gaussian of sigma = pixels / 2 (edges padded by reflection)."""
    if pixels <= 0:
        return mask
    import tensorflow as tf
    sigma = pixels / 2.0
    radius = max(1, int(np.ceil(3 * sigma)))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps = tf.constant(taps / taps.sum(), tf.float32)
    padded = np.pad(mask, radius, mode="reflect" if min(mask.shape) > radius else "edge")
    x = tf.constant(padded[None, ..., None], tf.float32)
    x = tf.nn.conv2d(x, tf.reshape(taps, [-1, 1, 1, 1]), 1, "VALID")
    x = tf.nn.conv2d(x, tf.reshape(taps, [1, -1, 1, 1]), 1, "VALID")
    return np.clip(x.numpy()[0, ..., 0], 0.0, 1.0)


def fill_holes(mask: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Set to 1 the unselected areas (below ``threshold``) that selected pixels enclose completely."""
    from scipy import ndimage
    selected = mask >= threshold
    return np.where(ndimage.binary_fill_holes(selected) & ~selected, 1.0, mask).astype(np.float32)


def finish_mask(probability: np.ndarray, image: np.ndarray | None, options: MaskOptions) -> np.ndarray:
    """Fill holes and refine (model output: ``image`` given), threshold, feather and pick the region.

    ``image=None`` marks a user's mask, used as it is: not refined along the photo's edges nor filled.
    """
    mask = probability.astype(np.float32)
    if image is not None and options.fill_holes:
        mask = fill_holes(mask, options.threshold or 0.5)
    if image is not None and options.refine:
        mask = guided_filter(image, mask, refine_radius(*mask.shape))
    if options.threshold is not None:
        mask = (mask >= options.threshold).astype(np.float32)
    mask = feather(mask, options.feather)
    return 1.0 - mask if options.region == "background" else mask


def make_mask(image: np.ndarray, spec: str | segmentation.MaskSpec, options: MaskOptions = MaskOptions(),
              weights_dir: str | None = None) -> np.ndarray:
    """The final mask (1 = stylize) for ``image`` [H, W, 3] in 0..255 from a spec such as ``deeplabv3:person``."""
    image = np.asarray(image, np.float32)  # uint8 frames and photos too
    if isinstance(spec, str):
        spec = segmentation.parse_mask_spec(spec)
    probability = segmentation.probability(image, spec, weights_dir, options.tiles, options.flip)
    return finish_mask(probability, image if spec.provider != "file" else None, options)


def resize_mask(mask: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear resize of a [H, W] mask (area-averaged when shrinking)."""
    if mask.shape == (height, width):
        return mask
    import tensorflow as tf
    shrinking = height < mask.shape[0] or width < mask.shape[1]
    resized = tf.image.resize(mask[..., None], (height, width), method="bilinear", antialias=shrinking)
    return np.clip(resized.numpy()[..., 0], 0.0, 1.0)


def composite(stylized: np.ndarray, original: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """mask * stylized + (1 - mask) * original; pixels with mask 0 are the original's exactly."""
    if stylized.shape != original.shape or mask.shape != original.shape[:2]:
        raise UserError(f"cannot composite: stylized {stylized.shape}, original {original.shape}, "
                        f"mask {mask.shape} differ in size")
    alpha = mask[..., None].astype(np.float32)
    return (alpha * stylized + (1.0 - alpha) * original).astype(np.float32)  # 0 * s + 1 * o == o exactly


def composite_resized(stylized: np.ndarray, original: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """:func:`composite` at the stylized image's size (the original and its mask are resized to it)."""
    height, width = stylized.shape[:2]
    return composite(stylized, images_lib.resize(original, (width, height)), resize_mask(mask, height, width))


def overlay(image: np.ndarray, mask: np.ndarray, colour=(255, 0, 80), opacity: float = 0.5) -> np.ndarray:
    """A preview: the selected region tinted with ``colour``."""
    alpha = opacity * mask[..., None]
    return (1.0 - alpha) * image + alpha * np.asarray(colour, np.float32)



def intersection_union(mask: np.ndarray, truth: np.ndarray) -> tuple[int, int]:
    """Pixel counts of mask AND truth and mask OR truth (boolean [H, W]) for IoU; pool them over a dataset."""
    return int(np.count_nonzero(mask & truth)), int(np.count_nonzero(mask | truth))
