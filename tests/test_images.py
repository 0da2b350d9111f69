"""Image decoding of every common format, bad files, atomic writes, colour utilities."""
import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from tf_nst.media import images
from tf_nst.core.errors import UserError

RNG = np.random.default_rng(1)
RGB = RNG.integers(0, 256, size=(20, 30, 3), dtype=np.uint8)


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "CMYK", "LA", "1"])
def test_modes_decode_to_rgb(tmp_path, mode):
    path = tmp_path / ("x.jpg" if mode == "CMYK" else "x.png")
    Image.fromarray(RGB).convert(mode).save(path)
    array = images.load_image(path)
    assert array.shape == (20, 30, 3) and array.dtype == np.float32
    if mode == "L":
        np.testing.assert_allclose(array[..., 0], np.asarray(Image.fromarray(RGB).convert("L")), atol=0)


def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path):
    values = np.linspace(0, 65535, 20 * 30).reshape(20, 30).astype(np.uint16)
    path = tmp_path / "deep.png"
    Image.fromarray(values).save(path)
    array = images.load_image(path)
    assert array.max() == pytest.approx(255, abs=0.5) and array.min() == 0
    assert array[10, 15, 0] == pytest.approx(values[10, 15] / 257, abs=0.5)


def test_exif_rotation_is_applied(tmp_path):
    image = Image.fromarray(RGB)
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise when displayed
    path = tmp_path / "rotated.jpg"
    image.save(path, exif=exif)
    assert images.load_image(path).shape == (30, 20, 3)


def _bomb_png(path, side=40000):
    """A valid-header PNG claiming side x side pixels: tiny on disk, huge when decoded."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 100))
                     + chunk(b"IEND", b""))


@pytest.mark.parametrize("make,message", [
    (lambda p: None, "not found"),
    (lambda p: p.mkdir(), "directory"),
    (lambda p: p.write_bytes(b""), "empty"),
    (lambda p: p.write_text("hello, not an image"), "not a readable image"),
    (lambda p: p.write_bytes(_jpeg_bytes()[:600]), "could not be decoded"),
    (lambda p: _bomb_png(p), "too large"),
])
def test_bad_files_raise_one_line_user_errors(tmp_path, make, message):
    path = tmp_path / "input.jpg"
    make(path)
    with pytest.raises(UserError, match=message) as info:
        images.load_image(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)


def _jpeg_bytes():
    buffer = io.BytesIO()
    Image.fromarray(RGB).resize((200, 150)).save(buffer, format="JPEG")
    return buffer.getvalue()


def test_save_is_atomic_and_creates_folders(tmp_path):
    target = tmp_path / "new" / "folder" / "out.png"
    images.save_image(target, RGB.astype(np.float32))
    np.testing.assert_array_equal(np.asarray(Image.open(target)), RGB)
    assert [p.name for p in target.parent.iterdir()] == ["out.png"]  # no temp files left behind


def test_failed_save_leaves_existing_file_untouched(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"precious")
    with pytest.raises(Exception):
        images.write_atomically(target, lambda handle: (handle.write(b"partial"), 1 / 0))
    assert target.read_bytes() == b"precious" and len(list(tmp_path.iterdir())) == 1


def test_output_equal_to_input_is_refused(tmp_path):
    source = tmp_path / "photo.png"
    Image.fromarray(RGB).save(source)
    with pytest.raises(UserError, match="same file as an input"):
        images.check_output_path(tmp_path / "." / "photo.png", [source])
    with pytest.raises(UserError, match="image extension"):
        images.check_output_path(tmp_path / "out.txt", [source])


def test_resize_long_side_keeps_aspect():
    assert images.resize_long_side(RGB.astype(np.float32), 60).shape == (40, 60, 3)


def test_luminance_combination_keeps_content_chroma_and_output_luma():
    content = RNG.uniform(100, 160, (8, 8, 3)).astype(np.float32)  # in gamut after the luma swap
    styled = RNG.uniform(90, 170, (8, 8, 3)).astype(np.float32)
    mixed = images.combine_luminance(styled, content)
    np.testing.assert_allclose(images.luminance(mixed), images.luminance(styled), atol=1.0)
    yiq = lambda x: x @ images._RGB_TO_YIQ.T
    np.testing.assert_allclose(yiq(mixed)[..., 1:], yiq(content)[..., 1:], atol=1.0)


def test_colour_histogram_matching_moves_mean_and_covariance():
    source = RNG.normal(100, 10, (64, 64, 3)).astype(np.float32)
    target = RNG.normal([150, 90, 60], [30, 5, 12], (64, 64, 3)).astype(np.float32)
    matched = images.match_color_histogram(source, target)
    np.testing.assert_allclose(matched.reshape(-1, 3).mean(0), target.reshape(-1, 3).mean(0), atol=1.0)
    np.testing.assert_allclose(np.cov(matched.reshape(-1, 3), rowvar=False),
                               np.cov(target.reshape(-1, 3), rowvar=False), rtol=0.1, atol=5)
