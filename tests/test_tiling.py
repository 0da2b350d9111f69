"""Tiled transfer of large images (tf_nst.media.tiling): equal to untiled output where the thumbnail is
the image itself, no seams where it is not, bounded-memory I/O and clear errors."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from conftest import DATA, run_cli, run_cli_in_process

PHOTO = DATA / "content" / "golden_gate.jpg"


def _photo(width: int, height: int) -> np.ndarray:
    with Image.open(PHOTO) as image:
        return np.asarray(image.convert("RGB").resize((width, height), Image.BICUBIC))


def _overlap_bands(length: int, tiling) -> np.ndarray:
    """Which of the length - 1 gradients along an axis cross a tile border (the overlap bands)."""
    from tf_nst.media.tiling import axis_tiles
    tiles = axis_tiles(length, tiling)
    band = np.zeros(length - 1, bool)
    for (start, weights), (next_start, _) in zip(tiles, tiles[1:]):
        band[next_start - 1: start + len(weights) - 1] = True
    return band


def _seam_ratio(image: np.ndarray, rows: np.ndarray, columns: np.ndarray) -> float:
    """Gradient energy across tile borders (``rows``/``columns``: which gradients cross one) over
    that elsewhere, rows and columns together."""
    borders, elsewhere = 0.0, 0.0
    for axis, band in ((0, rows), (1, columns)):
        per_line = (np.diff(image.astype(np.float64), axis=axis) ** 2).mean(axis=(1 - axis, 2))
        borders, elsewhere = borders + per_line[band].mean(), elsewhere + per_line[~band].mean()
    return borders / elsewhere


def test_axis_tiles_cover_the_axis_with_weights_summing_to_one():
    from tf_nst.media.tiling import Tiling, axis_tiles
    from tf_nst.media.tiling import TILE_ALIGNMENT
    for length in range(150, 12000, 61):
        for tile, overlap in [(512, 128), (1024, 128), (1024, 322), (300, 81), (384, 0), (110, 0)]:
            tiles = axis_tiles(length, Tiling(tile, overlap).check(109))
            total = np.zeros(length)
            for start, weights in tiles:
                assert len(weights) < tile + TILE_ALIGNMENT and start % TILE_ALIGNMENT == 0
                total[start: start + len(weights)] += weights
            # whole grid cells but the last, so that each tile runs as it does inside the whole image
            assert all(len(weights) % TILE_ALIGNMENT == 0 and len(weights) <= tile for _, weights in tiles[:-1])
            np.testing.assert_allclose(total, 1.0, atol=1e-6)
            starts = [start for start, _ in tiles]
            assert starts[0] == 0 and starts[-1] + len(tiles[-1][1]) == length
            assert all(a + len(w) - b >= overlap for (a, w), (b, _) in zip(tiles, tiles[1:]))


@pytest.fixture(scope="module")
def bundled_models():
    """One style of each bundled network file (the styles of a multi-style network share it)."""
    from tf_nst.networks.store import one_style_per_bundled_network
    from tf_nst.models.loading import load_model
    return [load_model(name) for name in one_style_per_bundled_network()]


@pytest.mark.slow
@pytest.mark.parametrize("width, height", [(2048, 2048), (2047, 2045)])
def test_tiled_equals_untiled_at_2048_for_every_bundled_model(bundled_models, width, height):
    """Up to a model's auto_tile_pixels the thumbnail is the image: tiles (at most 512 px: 6 x 6 of 456)
    must reproduce the untiled output (bar: mean |diff| <= 1.5 of 255 for each bundled model), also
    where the sides are not multiples of 4 (the network resizes such an image)."""
    from tf_nst.media.tiling import Tiling
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.transfer.pipeline import transfer_image
    photo = _photo(width, height)
    for model in bundled_models:
        whole = transfer_image(model, photo, TransferOptions(tile_size=0), out_dtype=np.uint8)
        tiled = transfer_image(model, photo, TransferOptions(tile_size=512), out_dtype=np.uint8)
        difference = np.abs(whole.astype(np.float64) - tiled).mean()
        assert tiled.shape == whole.shape and difference <= 1.5, (model.name, difference)
        rows, columns = _overlap_bands(height, Tiling(512, 128)), _overlap_bands(width, Tiling(512, 128))
        assert _seam_ratio(tiled, rows, columns) <= 1.10 * _seam_ratio(whole, rows, columns)


@pytest.mark.slow
def test_no_seams_where_the_statistics_come_from_a_thumbnail(bundled_models):
    """At 2400 x 2400 (5.8 MP, above auto_tile_pixels) the 3 x 3 tiles share a 2048 px thumbnail's
    statistics: gradient energy in the overlap bands over that elsewhere is within 10 % of the same
    ratio in the untiled output (the photo's own edges may fall in the bands). Tiles normalized on
    their own and butted together (what the thumbnail and the blending avoid) fail the same bar."""
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.transfer.pipeline import transfer_image
    side, tile = 2400, 800
    photo = _photo(side, side)
    model = bundled_models[0]
    assert side * side > model.auto_tile_pixels
    whole = np.clip(np.rint(model.transfer(photo.astype(np.float32))), 0, 255)
    tiled = transfer_image(model, photo, TransferOptions(tile_size=tile), out_dtype=np.uint8)
    band = _overlap_bands(side, TransferOptions(tile_size=tile).tiling_for(model, side, side))
    assert _seam_ratio(tiled, band, band) <= 1.10 * _seam_ratio(whole, band, band)
    naive = np.concatenate([np.concatenate([model.transfer(photo[y: y + tile, x: x + tile].astype(np.float32))
                                            for x in range(0, side, tile)], axis=1) for y in range(0, side, tile)])
    lines = np.isin(np.arange(side - 1), [tile - 1, 2 * tile - 1])
    assert _seam_ratio(np.clip(np.rint(naive), 0, 255), lines, lines) > 1.10 * _seam_ratio(whole, lines, lines)


def test_tiling_is_exact_for_multi_style_networks_with_their_own_statistics():
    """The fixed-statistics clone of a (random) multi-style network, given the image's own
    statistics, computes what the network computes (float32)."""
    from tf_nst.perceptual.backbones import dtype_policy
    from tf_nst.networks.thumbnail_norms import ThumbnailNormalized
    from tf_nst.networks.transform_net import build_transform_net
    with dtype_policy("float32"):
        network = build_transform_net(0.25, 2, num_styles=3)
    image = _photo(96, 80).astype(np.float32)[None]
    weights = np.array([[0.2, 0.0, 0.8]], np.float32)
    fixed = ThumbnailNormalized(network)
    fixed.use(fixed.statistics([image, weights]))
    np.testing.assert_allclose(fixed.network([image, weights]), network([image, weights]), atol=1e-3)


def test_universal_tiled_equals_untiled_where_the_thumbnail_is_the_image():
    import tf_nst
    from tf_nst.media import images
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.transfer.pipeline import transfer_image
    model = tf_nst.load_model("universal")
    style = images.load_image(images.BUNDLED_PAINTINGS["the_scream"])
    photo = _photo(800, 640)
    whole = transfer_image(model, photo, TransferOptions(styles=[style], tile_size=0), out_dtype=np.uint8)
    tiled = transfer_image(model, photo, TransferOptions(styles=[style], tile_size=512, tile_overlap=128),
                           out_dtype=np.uint8)
    assert np.abs(whole.astype(np.float64) - tiled).mean() <= 1.5


@pytest.mark.slow
def test_cli_tiles_large_images_with_progress_and_writes_16_bit(tmp_path):
    source = tmp_path / "photo.jpg"
    Image.fromarray(_photo(900, 600)).save(source, quality=95)
    result = run_cli("transfer", "--model=starry_night", f"--input={source}", f"--output={tmp_path / 'out.png'}",
                     "--tile_size=256", "--bit_depth=16")
    assert result.returncode == 0, result.stderr
    import re
    done = re.findall(r"tile (\d+)/(\d+), [\d.]+ MP/s, ETA \d+s", result.stderr)
    assert done and done[-1][0] == done[-1][1] and len(done) == int(done[-1][1])
    import cv2
    output = cv2.imread(str(tmp_path / "out.png"), cv2.IMREAD_UNCHANGED)
    assert output.dtype == np.uint16 and output.shape == (600, 900, 3)
    assert np.mean(output % 257 != 0) > 0.5  # more than 8 bits of information


def test_output_keeps_the_upright_size_of_an_exif_rotated_photo(tmp_path):
    source = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored landscape, displayed portrait
    Image.fromarray(_photo(320, 200)).save(source, exif=exif)
    result = run_cli("transfer", "--model=starry_night", f"--input={source}", f"--output={tmp_path / 'out.jpg'}",
                     "--tile_size=160", "--tile_overlap=32", "--jpeg_quality=80")
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "out.jpg") as output:
        assert output.size == (200, 320)


@pytest.mark.parametrize("flags, message", [
    (["--tile_size=64"], "smaller than the network's receptive field (109 px)"),
    (["--tile_size=512", "--tile_overlap=300"], "tile overlap must be from 0 to 152 px for 512 px tiles"),
    (["--max_pixels=100000"], "too large to decode safely (limit 100,000 pixels)"),
    (["--bit_depth=16"], "--bit_depth=16 needs .png or .tiff output"),
])
def test_cli_bad_tiling_and_size_flags_give_one_line(tmp_path, flags, message):
    source = tmp_path / "photo.jpg"
    Image.fromarray(_photo(640, 480)).save(source)
    result = run_cli_in_process("transfer", "--model=starry_night", f"--input={source}",
                                f"--output={tmp_path / 'o.jpg'}", *flags)
    assert result.returncode != 0 and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "o.jpg").exists()


def test_max_pixels_can_be_raised_explicitly(tmp_path):
    from tf_nst.media import images
    from tf_nst.core.errors import UserError
    source = tmp_path / "photo.png"
    Image.fromarray(_photo(500, 400)).save(source)
    with pytest.raises(UserError, match="limit 100,000 pixels"):
        images.load_image(source, max_pixels=100_000)
    assert images.load_image(source, max_pixels=200_000, dtype=np.uint8).dtype == np.uint8
