"""Mask post-processing and compositing for local style transfer.

A mask is float32 [H, W] in 0..1 (1 = stylized). :func:`make_mask` turns a segmentation
provider's probability into the final mask: edge-aware refinement (a guided filter, He et al.
2010, our stand-in for the paper's DenseCRF step), threshold, feathering and the choice of
foreground or background. :func:`composite` blends a stylized image into the original.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from tf_nst import images as images_lib
from tf_nst import segmentation
from tf_nst.errors import UserError

REGIONS = ("foreground", "background")


@dataclasses.dataclass(frozen=True)
class MaskOptions:
    """How a provider's probability becomes the mask that is stylized.

    region: "foreground" stylizes the selected pixels, "background" the others.
    threshold: probability at which a pixel counts as selected; None keeps the soft probability.
    feather: Gaussian blur of the mask edge, in pixels (sigma = feather / 2); 0 = none.
    refine: guided-filter the probability along the photo's edges before thresholding.
    tiles: DeepLabV3 test-time tiling (N x N overlapping crops; 1 = the raw model).
    """

    region: str = "foreground"
    threshold: float | None = 0.5
    feather: float = 0.0
    refine: bool = True
    tiles: int = 2

    def __post_init__(self):
        if self.region not in REGIONS:
            raise UserError(f"region must be one of {', '.join(REGIONS)}, got {self.region!r}")
        if self.threshold is not None and not 0.0 < self.threshold < 1.0:
            raise UserError(f"mask threshold must be between 0 and 1, got {self.threshold}")
        if self.feather < 0:
            raise UserError(f"feather must be >= 0 pixels, got {self.feather}")
        if self.tiles < 1:
            raise UserError(f"mask tiles must be >= 1, got {self.tiles}")


def _box_mean(array, radius: int):
    """Mean over a (2r+1)^2 window, counting only pixels inside the image (TF's SAME avg-pool)."""
    import tensorflow as tf
    return tf.nn.avg_pool2d(array, 2 * radius + 1, 1, "SAME")


def guided_filter(guide: np.ndarray, mask: np.ndarray, radius: int, epsilon: float = 1e-3) -> np.ndarray:
    """Edge-aware smoothing of ``mask`` [H, W] following the gray ``guide`` image (0..255) (He et al. 2010)."""
    import tensorflow as tf
    gray = tf.constant(images_lib.luminance(guide)[None, ..., None] / 255.0, tf.float32)
    p = tf.constant(mask[None, ..., None], tf.float32)
    mean_i, mean_p = _box_mean(gray, radius), _box_mean(p, radius)
    covariance = _box_mean(gray * p, radius) - mean_i * mean_p
    variance = tf.maximum(_box_mean(gray * gray, radius) - mean_i * mean_i, 0.0)
    a = covariance / (variance + epsilon)
    b = mean_p - a * mean_i
    refined = _box_mean(a, radius) * gray + _box_mean(b, radius)
    return np.clip(refined.numpy()[0, ..., 0], 0.0, 1.0)


def refine_radius(height: int, width: int) -> int:
    """Guided-filter radius for an image: 4 px at 640 px, scaled with the long side."""
    return max(1, round(max(height, width) / 160))


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


def finish_mask(probability: np.ndarray, image: np.ndarray | None, options: MaskOptions) -> np.ndarray:
    """Refine (needs the photo as guide), threshold, feather and pick the region."""
    mask = probability.astype(np.float32)
    if options.refine and image is not None:
        mask = guided_filter(image, mask, refine_radius(*mask.shape))
    if options.threshold is not None:
        mask = (mask >= options.threshold).astype(np.float32)
    mask = feather(mask, options.feather)
    return 1.0 - mask if options.region == "background" else mask


def make_mask(image: np.ndarray, spec: str | segmentation.MaskSpec, options: MaskOptions = MaskOptions(),
              weights_dir: str | None = None) -> np.ndarray:
    """The final mask (1 = stylize) for ``image`` [H, W, 3] in 0..255 from a spec such as ``deeplabv3:person``."""
    if isinstance(spec, str):
        spec = segmentation.parse_mask_spec(spec)
    probability = segmentation.probability(image, spec, weights_dir, options.tiles)
    # A user's mask file is already what they want: it is not refined along the photo's edges.
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
    blended = alpha * stylized + (1.0 - alpha) * original
    return np.where(alpha == 0.0, original, blended).astype(np.float32)


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
