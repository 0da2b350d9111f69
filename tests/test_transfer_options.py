"""The small stylizers' conveniences on real bundled models: strength, colour, max size, contact sheet."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import DATA, run_cli

PHOTO = DATA / "content" / "golden_gate.jpg"


@pytest.fixture(scope="module")
def photo():
    from tf_nst.media import images
    return images.resize_long_side(images.load_image(PHOTO), 256)


@pytest.fixture(scope="module")
def wave():
    import tf_nst
    return tf_nst.load_model("wave")


def test_strength_mixes_the_stylized_image_with_the_photo(photo, wave):
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.transfer.pipeline import transfer_image
    full = transfer_image(wave, photo)
    assert np.abs(full - photo).mean() > 20
    np.testing.assert_allclose(transfer_image(wave, photo, TransferOptions(strength=0.0)), photo, atol=1e-3)
    half = transfer_image(wave, photo, TransferOptions(strength=0.5))
    np.testing.assert_allclose(half, 0.5 * full + 0.5 * photo, atol=1e-2)


def test_preserve_color_keeps_the_photos_colours_and_the_stylized_brightness(photo, wave):
    from tf_nst.media import images
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.transfer.pipeline import transfer_image
    full = transfer_image(wave, photo)
    kept = transfer_image(wave, photo, TransferOptions(preserve_color="luminance"))
    chroma = lambda x: (x @ images._RGB_TO_YIQ.T)[..., 1:]
    assert np.abs(chroma(kept) - chroma(photo)).mean() < 2.0 < np.abs(chroma(full) - chroma(photo)).mean()
    assert np.abs(images.luminance(kept) - images.luminance(full)).mean() < 0.5  # (clipping to 0..255 aside)


def test_max_size_and_strength_through_the_cli(tmp_path):
    from tf_nst.media import images
    out = tmp_path / "o.png"
    result = run_cli("transfer", "--model=wave", f"--input={PHOTO}", f"--output={out}", "--max_size=200",
                     "--strength=0.0")
    assert result.returncode == 0, result.stderr
    image, original = images.load_image(out), images.load_image(PHOTO)
    assert max(image.shape[:2]) == 200 and abs(image.shape[1] / image.shape[0] - original.shape[1] / original.shape[0]) < 0.01
    assert np.abs(image - images.resize_long_side(original, 200)).mean() < 1.0  # strength 0: the photo


def test_contact_sheet_shows_every_model_and_painting(tmp_path):
    from tf_nst.media import images
    from tf_nst.networks import store as model_files
    from tf_nst.models import sheet
    out = tmp_path / "sheet.png"
    result = run_cli("sheet", f"--input={PHOTO}", f"--output={out}", "--tile=96", "--columns=4")
    assert result.returncode == 0, result.stderr
    page = images.load_image(out)
    count = 1 + len(model_files.bundled_networks()) + len(model_files.universal_models()) * len(
        images.BUNDLED_PAINTINGS)
    photo = images.resize_long_side(images.load_image(PHOTO), 96)
    h, w = photo.shape[:2]
    rows = -(-count // 4)
    assert page.shape[:2] == (sheet.GAP + rows * (h + sheet.LABEL_HEIGHT + sheet.GAP), sheet.GAP + 4 * (w + sheet.GAP))
    tiles = []
    for index in range(count):
        row, column = divmod(index, 4)
        y = sheet.GAP + row * (h + sheet.LABEL_HEIGHT + sheet.GAP) + sheet.LABEL_HEIGHT
        x = sheet.GAP + column * (w + sheet.GAP)
        tiles.append(page[y:y + h, x:x + w])
    assert np.abs(tiles[0] - photo).mean() < 1.0  # the photo first
    for tile in tiles[1:]:  # each model's tile is a real, distinct stylization
        assert np.abs(tile - photo).mean() > 10
    assert len({tile.tobytes() for tile in tiles}) == count
