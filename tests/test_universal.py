"""Universal (arbitrary-style) transfer: feature transforms, the bundled decoders, CLI and serving."""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

from conftest import DATA, REPO, run_cli_in_process

STYLES = DATA / "styles"
CONTENT = DATA / "content"


def random_features(seed: int, n: int = 4000, channels: int = 16) -> tf.Tensor:
    """Correlated, non-zero-mean features (a random linear mix of Gaussian noise, plus an offset)."""
    rng = np.random.default_rng(seed)
    mix = rng.normal(size=(channels, channels)).astype(np.float32)
    offset = rng.uniform(-3, 5, channels).astype(np.float32)
    return tf.constant(rng.normal(size=(n, channels)).astype(np.float32) @ mix + offset)


def moments(flat):
    flat = np.asarray(flat, np.float64)
    return flat.mean(0), np.cov(flat, rowvar=False)


def relative_error(a, b) -> float:
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b)))


def test_whitening_gives_identity_covariance_and_colouring_the_styles_moments():
    from tf_nst.universal import transforms as ft
    content, style = random_features(0), random_features(1)
    white = ft.whiten(content)
    mean, covariance = moments(white)
    assert np.abs(mean).max() < 1e-3
    assert relative_error(covariance, np.eye(16)) <= 1e-3
    coloured = ft.colour(white, ft.style_stats(style))
    mean, covariance = moments(coloured)
    style_mean, style_covariance = moments(style)
    assert relative_error(mean, style_mean) <= 1e-3
    assert relative_error(covariance, style_covariance) <= 1e-3


def test_one_pass_affine_transform_equals_whiten_then_colour_and_strength_mixes_linearly():
    from tf_nst.universal import transforms as ft
    content, stats = random_features(2), ft.style_stats(random_features(3))
    features = tf.reshape(content, [40, 100, 16])
    full = ft.transform(features, stats, 1.0, "wct")
    expected = ft.colour(ft.whiten(content), stats)
    assert relative_error(tf.reshape(full, [-1, 16]), expected) <= 1e-3
    half = ft.transform(features, stats, 0.5, "wct")
    assert relative_error(half, 0.5 * full + 0.5 * features) <= 1e-3
    np.testing.assert_allclose(ft.transform(features, stats, 0.0, "wct"), features, atol=1e-3)
    adain = tf.reshape(ft.transform(features, stats, 1.0, "adain"), [-1, 16]).numpy()
    assert relative_error(adain.mean(0), stats.mean) <= 1e-3
    assert relative_error(adain.std(0), stats.std) <= 1e-3


def test_blending_with_weights_one_zero_equals_the_single_style():
    from tf_nst.universal import transforms as ft
    a, b = ft.style_stats(random_features(4)), ft.style_stats(random_features(5))
    features = tf.reshape(random_features(6), [40, 100, 16])
    blended = ft.transform(features, ft.blend_stats([a, b], [1.0, 0.0]), 0.8, "wct")
    np.testing.assert_array_equal(blended, ft.transform(features, a, 0.8, "wct"))
    half = ft.blend_stats([a, b], [0.5, 0.5])
    np.testing.assert_allclose(half.mean, (a.mean + b.mean) / 2, rtol=1e-5)


def test_region_transform_leaves_features_outside_the_region_unchanged():
    from tf_nst.universal import transforms as ft
    features = tf.reshape(random_features(7), [40, 100, 16])
    mask = np.zeros((40, 100), np.float32)
    mask[10:30, 20:70] = 1.0
    stats = ft.style_stats(random_features(8))
    out = ft.transform(features, stats, 1.0, "wct", tf.constant(mask)).numpy()
    np.testing.assert_array_equal(out[mask == 0], features.numpy()[mask == 0])
    inside = out[mask == 1]
    assert relative_error(inside.mean(0), stats.mean) <= 1e-3  # the region took the style's statistics
    other = ft.style_stats(random_features(9))
    two = ft.transform(features, stats, 1.0, "wct", tf.constant(mask), other).numpy()
    np.testing.assert_array_equal(two[mask == 1], inside)
    assert relative_error(two[mask == 0].mean(0), other.mean) <= 1e-3


@pytest.fixture(scope="module")
def model():
    import tf_nst
    return tf_nst.load_model("universal", "float32")


def test_strength_zero_returns_the_decoders_reconstruction_of_the_content(model):
    from tf_nst.media import images
    content = images.resize_long_side(images.load_image(CONTENT / "chicago.jpg"), 96)
    style = images.load_image(STYLES / "wave.jpg")
    from tf_nst.universal.model import DEFAULT_PHOTO_MIX
    out = model.transfer(content, [style], strength=0.0, style_size=128)

    def reconstruct(level, image):
        features = model.encoders[level](tf.constant(image[None]))[level]
        return np.clip(model.decoders[level](features).numpy()[0], 0, 255)
    photo = np.pad(content, ((0, -content.shape[0] % 16), (0, -content.shape[1] % 16), (0, 0)), mode="reflect")
    half = tf.image.resize(photo, (photo.shape[0] // 2, photo.shape[1] // 2), antialias=True).numpy()
    deep = tf.image.resize(reconstruct("relu4_1", half), photo.shape[:2]).numpy()  # the deepest level at half size
    image = (1 - DEFAULT_PHOTO_MIX) * deep + DEFAULT_PHOTO_MIX * photo  # mixed with the photo
    for level in ("relu3_1", "relu2_1", "relu1_1"):  # the rest of the default cascade, by hand
        image = reconstruct(level, image)
    image = image[:content.shape[0], :content.shape[1]]
    np.testing.assert_allclose(out, image, atol=0.5)


def test_photos_a_few_pixels_wide_are_stylized_at_their_own_size(model):
    """Sides are padded to a multiple of 16 (and to 32 at least) by reflection; sides too short to
    reflect that far (it raised MirrorPad's error) repeat their last row or column for the rest."""
    from tf_nst.media import images
    from tf_nst.universal.model import _pad_bottom_right
    style = images.load_image(STYLES / "wave.jpg")
    for shape in [(5, 7), (1, 40), (8, 8), (17, 3), (16, 16), (33, 31)]:
        photo = np.random.default_rng(sum(shape)).uniform(0, 255, (*shape, 3)).astype(np.float32)
        out = model.transfer(photo, [style], style_size=128)
        assert out.shape == photo.shape and np.isfinite(out).all() and out.min() >= 0 and out.max() <= 255
    image = np.random.default_rng(0).uniform(0, 255, (3, 20, 3)).astype(np.float32)
    padded = _pad_bottom_right(tf.constant(image), 7, 12).numpy()
    np.testing.assert_array_equal(padded[:5, :32], np.pad(image, ((0, 2), (0, 12), (0, 0)), mode="reflect"))
    np.testing.assert_array_equal(padded[5:], np.repeat(padded[4:5], 5, axis=0))


def test_saved_model_matches_the_keras_path_in_a_fresh_process(model, tmp_path):
    import json
    import subprocess
    import sys
    from tf_nst.serving import export
    from tf_nst.media import images
    content = images.resize(images.load_image(CONTENT / "stata.jpg"), (150, 97)).round()
    style = images.resize_long_side(images.load_image(STYLES / "udnie.jpg"), 200).round()
    expected = model(content[None], style[None], strength=0.7).numpy()[0]
    export.export_saved_model(model, tmp_path / "sm")
    np.save(tmp_path / "content.npy", content.astype(np.uint8))
    np.save(tmp_path / "style.npy", style.astype(np.uint8))
    script = f"""
import numpy as np, tensorflow as tf
loaded = tf.saved_model.load({str(tmp_path / 'sm')!r})
out = loaded.signatures["serving_default"](images=tf.constant(np.load({str(tmp_path / 'content.npy')!r})[None]),
    style=tf.constant(np.load({str(tmp_path / 'style.npy')!r})[None]), strength=tf.constant(0.7))
np.save({str(tmp_path / 'served.npy')!r}, out["stylized"].numpy()[0])
"""
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=300)
    served = np.load(tmp_path / "served.npy").astype(np.float32)
    assert served.shape == content.shape
    assert np.abs(served - expected).max() <= 1.0 + 1e-3, json.dumps(float(np.abs(served - expected).max()))
    images.save_image(tmp_path / "content.png", content)  # the two-image request of the serving client
    images.save_image(tmp_path / "style.png", style)
    client = subprocess.run([sys.executable, "tools/serving_client.py", f"--image={tmp_path / 'content.png'}",
                             f"--style={tmp_path / 'style.png'}", "--strength=0.7", f"--output={tmp_path / 'o.png'}",
                             f"--saved_model={tmp_path / 'sm'}"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert client.returncode == 0, client.stderr
    assert np.abs(images.load_image(tmp_path / "o.png") - expected).max() <= 1.0 + 1e-3


@pytest.mark.parametrize("args, message", [
    (["--style=README.md"], "not a readable image"),
    (["--style={tiny}"], "at least 64 px"),
    (["--style={style}", "--strength=1.5"], "strength must be a number from 0 to 1"),
    (["--style={style}", "--style={style}", "--style_weights=1"], "--style_weights has 1 values for 2"),
])
def test_bad_universal_input_is_one_line_and_writes_nothing(tmp_path, args, message):
    from PIL import Image
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (50, 80), "red").save(tiny)
    output = tmp_path / "out.png"
    args = [a.format(tiny=tiny, style=STYLES / "wave.jpg") for a in args]
    result = run_cli_in_process("transfer", *args, f"--input={CONTENT / 'chicago.jpg'}", f"--output={output}")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("tf-nst transfer: error:") and message in lines[-1], result.stderr[-500:]
    assert "Traceback" not in result.stderr and not output.exists()


def test_style_goes_with_any_universal_model_by_its_kind_and_a_network_refuses_it(tmp_path):
    """A universal model found by name in --models_dir takes --style (it is told by its file's kind,
    not by the name "universal") and is named after its file; a transform network refuses --style
    in one line, naming the universal models, and writes nothing."""
    import shutil
    from tf_nst.networks.store import BUNDLED_DIR
    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(BUNDLED_DIR / "universal.npz", models / "my_decoders.npz")
    common = [f"--input={CONTENT / 'chicago.jpg'}", f"--style={STYLES / 'wave.jpg'}", "--max_size=64"]
    output = tmp_path / "out.png"
    result = run_cli_in_process("transfer", "--model=my_decoders", f"--models_dir={models}", *common, f"--output={output}")
    assert result.returncode == 0 and output.exists(), result.stderr[-500:]
    assert "with my_decoders" in result.stdout + result.stderr, result.stdout[-300:]
    refused = tmp_path / "refused.png"
    result = run_cli_in_process("transfer", "--model=starry_night", *common, f"--output={refused}")
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0 and not refused.exists()
    assert lines[-1].startswith("tf-nst transfer: error: --style needs a universal model (universal)"), lines[-1]


def test_a_mask_restyles_only_its_region_or_gives_each_region_its_own_style(model):
    from tf_nst.media import images
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.transfer.pipeline import transfer_image
    photo = images.resize_long_side(images.load_image(CONTENT / "golden_gate.jpg"), 128)
    mask = np.zeros(photo.shape[:2], np.float32)
    mask[:, : photo.shape[1] // 2] = 1.0
    scream, lilies = (images.load_image(STYLES / name) for name in ("the_scream.jpg", "monet_water_lilies_1919.jpg"))
    left = transfer_image(model, photo, TransferOptions(styles=[scream], style_size=128), mask=mask)
    np.testing.assert_array_equal(left[mask == 0], photo[mask == 0])
    assert np.abs(left - photo)[mask == 1].mean() > 10
    both = transfer_image(model, photo, TransferOptions(styles=[scream], background_style=lilies, style_size=128),
                          mask=mask)
    assert np.abs(both - photo)[mask == 0].mean() > 10 and np.abs(both - left)[mask == 0].mean() > 10


@pytest.mark.slow
def test_each_bundled_decoder_reconstructs_photos_outside_the_training_folder(model):
    """All ten shared content photos (none is in the training folder) at 512 px: PSNR >= 24 dB for the
    relu1_1 and relu2_1 decoders, >= 18 dB for relu3_1; every level (relu4_1 included) >= 8 dB above
    an untrained decoder of the same shape (on the first three photos)."""
    from tf_nst.media import images
    from tf_nst.universal.quality import reconstruction_quality
    photos = [images.resize_long_side(images.load_image(path), 512) for path in sorted(CONTENT.iterdir())]
    trained, untrained = reconstruction_quality(model, photos), reconstruction_quality(model, photos[:3], untrained=True)
    bars = {"relu1_1": 24.0, "relu2_1": 24.0, "relu3_1": 18.0}
    for level, (psnr, _) in trained.items():
        assert psnr >= bars.get(level, 0.0) and psnr >= untrained[level][0] + 8.0, (level, trained, untrained)
