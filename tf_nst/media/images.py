"""Image I/O: robust decoding of user files, resizing, atomic writes, colour utilities.

Images travel through tf_nst as float32 NumPy arrays of shape [H, W, 3] in 0..255.
"""
from __future__ import annotations

import io
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from tf_nst.core.errors import UserError

#: Smallest style image (pixels per side) the universal model accepts.
MIN_STYLE_SIZE = 64
#: Largest image we agree to decode (pixels). Larger files are treated as decompression bombs.
MAX_PIXELS = 64_000_000
UMASK = os.umask(0)  #: the process's umask, read once at import (files we write get 0o666 & ~UMASK)
os.umask(UMASK)
_SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I"}


def load_image(path: str | os.PathLike, what: str = "image", max_pixels: int = MAX_PIXELS,
               dtype=np.float32) -> np.ndarray:
    """Decode any common image file to RGB [H, W, 3] in 0..255, float32 (or ``dtype=np.uint8``,
    a quarter of the memory, for large images).

    Grayscale, palette, RGBA, 16-bit and CMYK files are converted; EXIF rotation is applied.
    Files of more than ``max_pixels`` pixels are refused before they are decoded (decompression
    bombs). Every failure raises :class:`UserError` with a one-line message naming the file.
    """
    path = Path(path)
    if not path.exists():
        raise UserError(f"{what} file not found: {path}")
    if path.is_dir():
        raise UserError(f"{what} path is a directory, expected an image file: {path}")
    if path.stat().st_size == 0:
        raise UserError(f"{what} file is empty (0 bytes): {path}")
    return _decode(path, str(path), what, max_pixels, dtype)


def decode_image(data: bytes, name: str, what: str = "image", max_pixels: int = MAX_PIXELS,
                 dtype=np.float32) -> np.ndarray:
    """:func:`load_image` for a file's bytes already read (from any filesystem); ``name`` names it
    in the one-line errors."""
    if not data:
        raise UserError(f"{what} file is empty (0 bytes): {name}")
    return _decode(io.BytesIO(data), name, what, max_pixels, dtype)


def _decode(source, path: str, what: str, max_pixels: int, dtype) -> np.ndarray:
    """Decode ``source`` (a path or a file object) with Pillow; every failure one UserError naming ``path``."""
    too_large = UserError(f"{what} is too large to decode safely (limit {max_pixels:,} pixels): {path}")
    pillow_limit = Image.MAX_IMAGE_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # our own limit decides
            if pillow_limit is not None and max_pixels >= pillow_limit:  # raised explicitly: Pillow's too
                Image.MAX_IMAGE_PIXELS = max_pixels
            with Image.open(source) as image:
                if image.size[0] * image.size[1] > max_pixels:
                    raise too_large
                image.load()
                image = ImageOps.exif_transpose(image)
                return _to_rgb_array(image, dtype)
    except Image.DecompressionBombError:  # beyond twice Pillow's own limit
        raise too_large from None
    except Image.UnidentifiedImageError:
        raise UserError(f"{what} is not a readable image: {path}") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise UserError(f"{what} could not be decoded ({error}): {path}") from None
    finally:
        Image.MAX_IMAGE_PIXELS = pillow_limit


def _to_rgb_array(image: Image.Image, dtype=np.float32) -> np.ndarray:
    if image.mode in _SIXTEEN_BIT_MODES:
        values = np.asarray(image, dtype=np.float32)
        scale = 257.0 if values.max(initial=0) > 255 or image.mode.startswith("I;16") else 1.0
        gray = np.clip(values / scale, 0, 255)
        gray = np.rint(gray) if np.dtype(dtype) == np.uint8 else gray
        return np.repeat(gray[..., None], 3, axis=-1).astype(dtype)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return np.asarray(image.convert("RGB"), dtype=dtype)


#: Formats that hold 16 bits per channel (written with OpenCV; Pillow writes 8-bit RGB only).
SIXTEEN_BIT_SUFFIXES = (".png", ".tif", ".tiff")


def convert(values: np.ndarray, dtype) -> np.ndarray:
    """Float 0..255 to ``dtype``: uint8, uint16 (x257) or a float type (clipped)."""
    if np.dtype(dtype) == np.uint8:
        return np.clip(np.rint(values), 0, 255).astype(np.uint8)
    if np.dtype(dtype) == np.uint16:
        return np.clip(np.rint(values * 257.0), 0, 65535).astype(np.uint16)
    return np.clip(values, 0, 255).astype(dtype)


def output_name(input_name: str) -> str:
    """The file name a stylized copy of ``input_name`` gets: the same, or ``.png`` for a format
    that cannot be written."""
    stem, dot, suffix = input_name.rpartition(".")
    return input_name if dot and f".{suffix.lower()}" in Image.registered_extensions() else f"{stem or input_name}.png"


def encode_image(image: np.ndarray, suffix: str, bit_depth: int = 8, jpeg_quality: int = 95) -> bytes:
    """An RGB image as the bytes of a ``suffix`` file (``.png``, ``.jpg``, ``.tiff``, ...).

    ``image``: float 0..255, uint8, or uint16 (0..65535). ``bit_depth=16`` writes 16 bits per
    channel (PNG or TIFF); ``jpeg_quality`` (1..100) applies to JPEG files.
    """
    suffix = suffix.lower()
    if bit_depth == 16:
        if suffix not in SIXTEEN_BIT_SUFFIXES:
            raise UserError(f"16-bit output needs a .png or .tiff file, not {suffix or 'no extension'}")
        import cv2
        array = image if image.dtype == np.uint16 else (
            np.asarray(image, np.uint16) * 257 if image.dtype == np.uint8 else convert(image, np.uint16))
        ok, encoded = cv2.imencode(suffix, np.ascontiguousarray(array[..., ::-1]))
        if not ok:
            raise UserError(f"could not encode a 16-bit {suffix} image")
        return encoded.tobytes()
    if bit_depth != 8:
        raise UserError(f"bit depth must be 8 or 16, got {bit_depth}")
    if not 1 <= jpeg_quality <= 100:
        raise UserError(f"JPEG quality must be from 1 to 100, got {jpeg_quality}")
    image_format = Image.registered_extensions().get(suffix)
    if image_format is None:
        raise UserError(f"no image format for {suffix or 'a name without extension'}")
    array = image if image.dtype == np.uint8 else (
        (image // 257).astype(np.uint8) if image.dtype == np.uint16 else convert(image, np.uint8))
    extra = {"quality": jpeg_quality} if suffix in (".jpg", ".jpeg") else {}
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=image_format, **extra)
    return buffer.getvalue()


def save_image(path: str | os.PathLike, image: np.ndarray, bit_depth: int = 8, jpeg_quality: int = 95) -> Path:
    """Write an RGB image atomically (temp file in the same folder + rename); creates the folder.
    The encoding is :func:`encode_image`'s."""
    try:
        payload = encode_image(image, Path(path).suffix, bit_depth, jpeg_quality)
    except UserError as error:
        raise UserError(f"{error}: {path}") from None
    return write_atomically(path, lambda handle: handle.write(payload))


def write_atomically(path: str | os.PathLike, write, binary: bool = True) -> Path:
    """Call ``write(handle)`` on a temp file in ``path``'s folder, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(
        mode="wb" if binary else "w", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            write(handle)
        os.chmod(handle.name, 0o666 & ~UMASK)  # temp files are private; the result should not be
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    return path


def check_output_path(output: str | os.PathLike, inputs: list[str | os.PathLike | None]) -> Path:
    """Refuse an output path that would overwrite one of the inputs or has no image format."""
    output = Path(output)
    if output.is_dir():
        raise UserError(f"output path is a directory, expected a file name: {output}")
    if output.suffix.lower() not in Image.registered_extensions():
        raise UserError(f"output file needs an image extension such as .png or .jpg: {output}")
    refuse_overwriting_inputs(output, inputs)
    return output


def refuse_overwriting_inputs(output: str | os.PathLike, inputs: list[str | os.PathLike | None]) -> None:
    """Raise UserError if writing ``output`` would replace one of the ``inputs``."""
    for source in inputs:
        if source is not None and Path(source).exists() and os.path.realpath(source) == os.path.realpath(output):
            raise UserError(f"output path is the same file as an input, refusing to overwrite it: {output}")


def long_side_size(height: int, width: int, long_side: int) -> tuple[int, int]:
    """(width, height) of an image of ``height`` x ``width`` resized to ``long_side``, keeping the aspect ratio."""
    scale = long_side / max(height, width)
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize_long_side(image: np.ndarray, long_side: int) -> np.ndarray:
    """Resize so that max(H, W) == long_side, keeping the aspect ratio (Lanczos)."""
    return resize(image, long_side_size(*image.shape[:2], long_side))


def resize(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize to (width, height) with Lanczos filtering, in float precision."""
    if (image.shape[1], image.shape[0]) == tuple(size):
        return image.astype(np.float32)
    channels = [Image.fromarray(image[..., c].astype(np.float32), mode="F").resize(size, Image.LANCZOS)
                for c in range(image.shape[-1])]
    return np.clip(np.stack([np.asarray(c) for c in channels], axis=-1), 0, 255).astype(np.float32)


# --- colour ---------------------------------------------------------------------------------
_RGB_TO_YIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]], np.float32)
_YIQ_TO_RGB = np.linalg.inv(_RGB_TO_YIQ).astype(np.float32)
#: BT.601 luma of R, G, B.
LUMA_WEIGHTS = _RGB_TO_YIQ[0]


def luminance(image: np.ndarray) -> np.ndarray:
    """BT.601 luma Y of an RGB image, [H, W] in 0..255."""
    return image @ LUMA_WEIGHTS


def gray_as_rgb(gray: np.ndarray) -> np.ndarray:
    """A gray image [H, W] as three equal channels [H, W, 3], float32."""
    return np.repeat(gray[..., None], 3, axis=-1).astype(np.float32)


def match_luminance(style: np.ndarray, content: np.ndarray) -> np.ndarray:
    """Gatys et al. 2017 luminance-only transfer input: the style's luma, shifted to the content's mean/std."""
    style_y, content_y = luminance(style), luminance(content)
    matched = (style_y - style_y.mean()) / (style_y.std() + 1e-6) * content_y.std() + content_y.mean()
    return gray_as_rgb(np.clip(matched, 0, 255))


def combine_luminance(luma_source: np.ndarray, color_source: np.ndarray) -> np.ndarray:
    """Luma of ``luma_source`` with the chroma (YIQ I/Q) of ``color_source``."""
    yiq = color_source @ _RGB_TO_YIQ.T
    yiq[..., 0] = luminance(luma_source)
    return np.clip(yiq @ _YIQ_TO_RGB.T, 0, 255).astype(np.float32)


def match_color_histogram(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Linearly recolor ``source`` so its RGB mean and covariance equal ``target``'s (Gatys et al. 2017)."""
    return color_matching(source, target)(source)


def color_matching(source: np.ndarray, target: np.ndarray):
    """The affine RGB map that gives ``source``'s colours ``target``'s mean and covariance, as a
    function of an image (to apply one image's map to the tiles of a larger one)."""
    src = source.reshape(-1, 3).astype(np.float64)
    tgt = target.reshape(-1, 3).astype(np.float64)
    src_mean, tgt_mean = src.mean(0), tgt.mean(0)
    src_cov = np.cov(src, rowvar=False) + 1e-3 * np.eye(3)
    tgt_cov = np.cov(tgt, rowvar=False) + 1e-3 * np.eye(3)
    transform = _matrix_sqrt(tgt_cov) @ np.linalg.inv(_matrix_sqrt(src_cov))

    def apply(image: np.ndarray) -> np.ndarray:
        out = (image.reshape(-1, 3).astype(np.float64) - src_mean) @ transform.T + tgt_mean
        return np.clip(out, 0, 255).reshape(image.shape).astype(np.float32)
    return apply


def _matrix_sqrt(matrix: np.ndarray) -> np.ndarray:
    values, vectors = np.linalg.eigh(matrix)
    return vectors @ np.diag(np.sqrt(np.clip(values, 0, None))) @ vectors.T


# --- bundled public-domain examples ---------------------------------------------------------
ASSETS = Path(__file__).resolve().parents[1] / "assets"
EXAMPLE_CONTENT = ASSETS / "chelsea.jpg"  # scikit-image "chelsea" cat, CC0 (Stefan van der Walt)
EXAMPLE_STYLE = ASSETS / "starry_night.jpg"  # Vincent van Gogh, The Starry Night (1889), public domain
#: Small copies of public-domain paintings shipped for examples (contact sheet, web page).
BUNDLED_PAINTINGS = {
    "starry_night": EXAMPLE_STYLE,
    "the_scream": ASSETS / "the_scream.jpg",  # Edvard Munch, The Scream (1893)
    "water_lilies": ASSETS / "water_lilies.jpg",  # Claude Monet, Water Lilies (1919)
    "shipwreck_minotaur": ASSETS / "shipwreck_minotaur.jpg",  # J. M. W. Turner, The Shipwreck of the Minotaur (c. 1810)
}
