"""Segmentation providers: a photo in, a soft mask (probability of the selected region) out.

Huang et al. (2021) segment the photo with DeepLab and stylize only the foreground or the
background. Providers, chosen by a mask spec (see :func:`parse_mask_spec`):

- ``deeplabv3[:class,class]`` — DeepLabV3 / MobileNetV2, 21 PASCAL VOC classes (default ``person``).
  The 257x257 logits are upsampled bilinearly to full size before classes are chosen. Test-time
  augmentation: with ``tiles=N`` > 1 the model also sees N x N overlapping crops at higher
  resolution (small people are found far more often), and the tiles' average counts as much as
  the whole-image view (large people keep their context); with ``flip`` the mirror image is
  segmented too and the two averaged.
- ``selfie`` — MediaPipe selfie segmentation (person probability, 256x256).
- ``file:PATH`` — a mask image of the photo's size (255 = selected).

Model files come from ``TF_NST_WEIGHTS_DIR`` (or ``weights_dir``) when set; otherwise DeepLabV3
is downloaded through ``tensorflow_hub`` and the selfie model from MediaPipe's storage, both cached.
TFLite models run with ``ai-edge-litert``. Masks are float32 [H, W] in 0..1.
"""
from __future__ import annotations

import dataclasses
import functools
import os
from pathlib import Path

import numpy as np

from tf_nst.media import images as images_lib
from tf_nst.core import weights
from tf_nst.core.console import quiet_stderr
from tf_nst.core.errors import UserError

VOC_CLASSES = ("background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
               "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train",
               "tvmonitor")
PROVIDERS = ("deeplabv3", "selfie", "file")
DEEPLAB_FILE = "deeplabv3_257_mv_gpu.tflite"
DEEPLAB_HUB = "https://tfhub.dev/tensorflow/lite-model/deeplabv3/1/default/1"
SELFIE_FILE = "selfie_segmentation.tflite"
SELFIE_URL = "https://storage.googleapis.com/mediapipe-assets/selfie_segmentation.tflite"


@dataclasses.dataclass(frozen=True)
class MaskSpec:
    """What to segment: a provider plus its classes (deeplabv3) or file path (file)."""

    provider: str
    classes: tuple[str, ...] = ()
    path: str | None = None


def parse_mask_spec(text: str) -> MaskSpec:
    """``deeplabv3:person,dog`` | ``deeplabv3`` (= person) | ``selfie`` | ``file:mask.png``."""
    provider, _, argument = (text or "").strip().partition(":")
    if provider not in PROVIDERS:
        raise UserError(f"bad mask spec {text!r}: provider must be one of {', '.join(PROVIDERS)} "
                        "(e.g. deeplabv3:person,dog, selfie or file:mask.png)")
    if provider == "file":
        if not argument:
            raise UserError(f"bad mask spec {text!r}: give the mask image as file:PATH")
        return MaskSpec("file", path=argument)
    if provider == "selfie":
        if argument not in ("", "person"):
            raise UserError(f"bad mask spec {text!r}: the selfie model only segments people (use 'selfie')")
        return MaskSpec("selfie", ("person",))
    classes = tuple(name.strip() for name in argument.split(",") if name.strip()) or ("person",)
    unknown = [name for name in classes if name not in VOC_CLASSES]
    if unknown:
        raise UserError(f"bad mask spec {text!r}: unknown class {unknown[0]!r}; "
                        f"PASCAL VOC classes are {', '.join(VOC_CLASSES)}")
    return MaskSpec("deeplabv3", classes)


def model_file(file_name: str, weights_dir: str | None = None) -> Path:
    """The model file from the weights folder, or downloaded (and cached) when none is configured."""
    path = weights.resolve_file(file_name, weights_dir)
    if path is not None:
        return path
    try:
        if file_name == DEEPLAB_FILE:
            import tensorflow_hub as hub
            found = sorted(Path(hub.resolve(DEEPLAB_HUB)).rglob("*.tflite"))
            if not found:
                raise FileNotFoundError(f"no .tflite file in the TF Hub download of {DEEPLAB_HUB}")
            return found[0]
        import keras
        return Path(keras.utils.get_file(file_name, SELFIE_URL, cache_subdir="tf_nst"))
    except Exception as error:  # no network, proxy, bad archive...
        raise UserError(f"could not download {file_name} ({type(error).__name__}); offline, set "
                        f"{weights.ENV_VAR} to a folder holding it") from None


class _TFLiteModel:
    """One-input, one-output TFLite model on float32 [1, S, S, 3] batches."""

    def __init__(self, path: Path):
        from ai_edge_litert.interpreter import Interpreter
        try:
            with quiet_stderr():  # "Created TensorFlow Lite XNNPACK delegate for CPU."
                self.interpreter = Interpreter(model_path=str(path), num_threads=os.cpu_count() or 1)
                self.interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as error:
            raise UserError(f"{path} is not a usable TFLite model ({type(error).__name__})") from None
        self.input = self.interpreter.get_input_details()[0]
        self.output = self.interpreter.get_output_details()[0]
        self.size = int(self.input["shape"][1])

    def __call__(self, batch: np.ndarray, copy: bool = True) -> np.ndarray:
        """The output for one [1, S, S, 3] batch; ``copy=False`` returns a view that the next call overwrites."""
        self.interpreter.set_tensor(self.input["index"], batch.astype(np.float32))
        self.interpreter.invoke()
        if copy:
            return self.interpreter.get_tensor(self.output["index"])[0]
        return self.interpreter.tensor(self.output["index"])()[0]


@functools.lru_cache(maxsize=4)
def _load(file_name: str, weights_dir: str | None) -> _TFLiteModel:
    return _TFLiteModel(model_file(file_name, weights_dir))


def _resize_float(array: np.ndarray, height: int, width: int, antialias: bool = False) -> np.ndarray:
    import tensorflow as tf
    return tf.image.resize(array, (height, width), method="bilinear", antialias=antialias).numpy()


@functools.lru_cache(maxsize=1)
def _model_inputs_graph():
    """tf.function: [T, h, w, 3] crops in 0..255 -> model inputs."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def model_inputs(crops, size, offset, scale):
        """[T, h, w, 3] crops in 0..255 -> [T, size, size, 3] (stretched, antialiased) as (x - offset) / scale."""
        return (tf.image.resize(crops, tf.stack([size, size]), antialias=True) - offset) / scale

    return model_inputs


def _tile_boxes(length: int, tiles: int, overlap: float, min_side: int = 0) -> tuple[int, list[int]]:
    """Tile side and start offsets covering ``length`` with at most ``tiles`` tiles overlapping by ``overlap``.

    Fewer tiles are used where they would be shorter than ``min_side`` (the model's input size):
    a crop the model has to enlarge adds no detail.
    """
    while tiles > 1 and length / (tiles - (tiles - 1) * overlap) < min_side:
        tiles -= 1
    side = min(length, int(np.ceil(length / (tiles - (tiles - 1) * overlap))))
    return side, sorted({int(round(start)) for start in np.linspace(0, length - side, tiles)})


class DeepLabV3:
    """PASCAL VOC segmentation at full resolution, optionally averaged over N x N overlapping tiles."""

    def __init__(self, weights_dir: str | None = None, tiles: int = 2, overlap: float = 0.25, flip: bool = True):
        if tiles < 1:
            raise UserError(f"tiles must be >= 1, got {tiles}")
        self.model = _load(DEEPLAB_FILE, weights_dir)
        self.tiles, self.overlap, self.flip = tiles, overlap, flip

    def _views(self, image: np.ndarray, upsample) -> np.ndarray:
        """The augmented average: (whole view + mean of the tiles) / 2, for the image and its mirror."""
        results = []
        for mirrored in (False, True) if self.flip else (False,):
            view = image[:, ::-1] if mirrored else image
            whole = self._tiled(view, upsample, 1)
            tiled = self._tiled(view, upsample, self.tiles) if self.tiles > 1 else None
            result = whole if tiled is None else (whole + tiled) / 2
            results.append(result[:, ::-1] if mirrored else result)
        return results[0] if len(results) == 1 else (results[0] + results[1]) / 2

    def _tiled(self, image: np.ndarray, upsample, tiles: int) -> np.ndarray | None:
        """Run the model on each tile (one tile = the raw model: the whole image stretched to 257x257,
        scaled to [-1, 1]); ``upsample([257, 257, 21] logits, h, w) -> [h, w, C]``; average over tiles.
        None when ``tiles`` > 1 but the image is too small for more than one (the whole view covers it)."""
        model_inputs = _model_inputs_graph()
        height, width = image.shape[:2]
        tile_h, tops = _tile_boxes(height, tiles, self.overlap, self.model.size)
        tile_w, lefts = _tile_boxes(width, tiles, self.overlap, self.model.size)
        boxes = [(top, left) for top in tops for left in lefts]
        if tiles > 1 and len(boxes) == 1:  # the image is too small for tiles: the whole view only
            return None
        crops = np.stack([image[top:top + tile_h, left:left + tile_w] for top, left in boxes]).astype(np.float32)
        batch = model_inputs(crops, self.model.size, 127.5, 127.5).numpy()
        total = count = None
        for index, (top, left) in enumerate(boxes):
            values = upsample(self.model(batch[index:index + 1], copy=False), tile_h, tile_w)
            if len(boxes) == 1:
                return values
            if total is None:
                total = np.zeros((height, width, values.shape[-1]), np.float32)
                count = np.zeros((height, width, 1), np.float32)
            total[top:top + tile_h, left:left + tile_w] += values
            count[top:top + tile_h, left:left + tile_w] += 1
        return total / count

    def logits(self, image: np.ndarray) -> np.ndarray:
        """[H, W, 21] logits (upsampled bilinearly to each crop's size) for an RGB image in 0..255."""
        return self._views(image, lambda logits, height, width: _resize_float(logits, height, width))

    def probability(self, image: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
        """Soft mask of ``classes``, [H, W]: above 0.5 exactly where the (tile-averaged) argmax is one of them.

        Per crop the logits become one channel, the margin of the best selected class over the best
        other class; it is upsampled bilinearly, averaged over tiles and squashed with a sigmoid. One
        channel instead of 21 to upsample and average (:meth:`logits` keeps the exact 21-class path).
        """
        chosen = [VOC_CLASSES.index(name) for name in classes]
        others = [index for index in range(len(VOC_CLASSES)) if index not in chosen]

        def margin(logits: np.ndarray, height: int, width: int) -> np.ndarray:
            best = logits[..., chosen].max(axis=-1) - logits[..., others].max(axis=-1)  # NumPy: TF is slow on
            return _resize_float(best[..., None], height, width)  # reductions over a short inner axis
        margins = self._views(image, margin)
        return (1.0 / (1.0 + np.exp(-margins[..., 0]))).astype(np.float32)


class SelfieSegmenter:
    """MediaPipe selfie segmentation: person probability, upsampled to full size."""

    def __init__(self, weights_dir: str | None = None):
        self.model = _load(SELFIE_FILE, weights_dir)

    def probability(self, image: np.ndarray, classes: tuple[str, ...] = ("person",)) -> np.ndarray:
        model_inputs = _model_inputs_graph()
        probability = self.model(model_inputs(image[None].astype(np.float32), self.model.size, 0.0, 255.0).numpy())
        return np.clip(_resize_float(probability, *image.shape[:2])[..., 0], 0.0, 1.0)


def load_mask_file(path: str | os.PathLike, height: int, width: int) -> np.ndarray:
    """A mask image (any mode; 255 = selected) as [H, W] in 0..1; must be the photo's size."""
    mask = images_lib.load_image(path, "mask")
    if mask.shape[:2] != (height, width):
        raise UserError(f"mask {path} is {mask.shape[1]}x{mask.shape[0]} but the image is {width}x{height}; "
                        "masks must have the image's size")
    return (mask.mean(axis=-1) / 255.0).astype(np.float32)


def probability(image: np.ndarray, spec: MaskSpec, weights_dir: str | None = None, tiles: int = 2,
                flip: bool = True) -> np.ndarray:
    """The provider's soft mask for ``image`` ([H, W, 3] in 0..255), [H, W] in 0..1."""
    if spec.provider == "file":
        return load_mask_file(spec.path, *image.shape[:2])
    if spec.provider == "selfie":
        return SelfieSegmenter(weights_dir).probability(image)
    return DeepLabV3(weights_dir, tiles, flip=flip).probability(image, spec.classes)
