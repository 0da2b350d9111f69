"""The conditional (multi-style) transform network: per-style normalization tables, exact blends."""
from __future__ import annotations

import numpy as np
import pytest


def test_blend_weights_one_zero_equal_the_first_style_exactly_and_mixtures_differ():
    from tf_nst.networks import transform_net
    model = transform_net.build_transform_net(0.25, 2, num_styles=3)
    rng = np.random.default_rng(0)
    for layer in model.layers:  # distinct per-style scales and shifts, as after training
        if isinstance(layer, transform_net.ConditionalInstanceNorm):
            layer.gamma.assign(rng.uniform(0.5, 1.5, layer.gamma.shape).astype(np.float32))
            layer.beta.assign(rng.normal(0, 0.5, layer.beta.shape).astype(np.float32))
    images = rng.uniform(0, 255, (2, 37, 53, 3)).astype(np.float32)
    one_hot = [np.tile(np.eye(3, dtype=np.float32)[i], (2, 1)) for i in range(3)]
    outputs = [model([images, weights]).numpy() for weights in one_hot]
    assert outputs[0].shape == images.shape
    blend = model([images, np.tile(np.array([1.0, 0.0, 0.0], np.float32), (2, 1))]).numpy()
    np.testing.assert_array_equal(blend, outputs[0])
    half = model([images, np.tile(np.array([0.5, 0.5, 0.0], np.float32), (2, 1))]).numpy()
    assert np.abs(outputs[0] - outputs[1]).mean() > 1.0
    assert min(np.abs(half - outputs[0]).mean(), np.abs(half - outputs[1]).mean()) > 0.1


def test_a_multistyle_network_round_trips_through_its_weight_file(tmp_path):
    from tf_nst.networks import store as model_files
    from tf_nst.networks import transform_net
    model = transform_net.build_transform_net(0.25, 1, num_styles=2)
    model_files.save_weights(tmp_path / "m.npz", model, {"width": 0.25, "residual_blocks": 1, "styles": ["a", "b"]},
                             dtype="float32")
    loaded, metadata = transform_net.load_weights(tmp_path / "m.npz")
    images = np.random.default_rng(1).uniform(0, 255, (1, 32, 32, 3)).astype(np.float32)
    weights = np.array([[0.3, 0.7]], np.float32)
    np.testing.assert_array_equal(loaded([images, weights]).numpy(), model([images, weights]).numpy())
    assert metadata["styles"] == ["a", "b"]


@pytest.mark.slow
def test_training_three_styles_lowers_each_styles_loss(tmp_path):
    from conftest import DATA
    from conftest import tiny
    from tf_nst.media import images
    from tf_nst.training.trainer import train
    names = ("wave", "the_scream", "udnie")
    styles = [images.load_image(DATA / "styles" / f"{name}.jpg") for name in names]
    cfg = tiny("johnson2016", steps=60, learning_rate=3e-3, log_every=6)
    records = []
    result = train(cfg, DATA / "train" / "bsds500_val", tmp_path, styles, names, verbose=False,
                   callback=lambda step, losses: records.append(losses))
    assert result.step == 60 and len(records) == 10
    for name in names:  # each logged value is that style's mean over the interval (round robin)
        first, last = records[0][f"style/{name}"], records[-1][f"style/{name}"]
        assert last < 0.7 * first, (name, first, last)


@pytest.mark.slow
def test_a_trained_multistyle_network_selects_blends_and_serves_its_styles(tmp_path):
    import subprocess
    import sys
    from conftest import DATA, run_cli, run_cli_in_process
    from conftest import tiny
    from tf_nst.serving import export
    from tf_nst.media import images
    from tf_nst.training.trainer import train
    from tf_nst.models.loading import load_model
    names = ("wave", "the_scream")
    cfg = tiny("johnson2016", log_every=2)
    train(cfg, DATA / "train" / "bsds500_val", tmp_path / "m", [images.load_image(DATA / "styles" / f"{n}.jpg")
                                                                 for n in names], names, verbose=False)
    model = load_model(tmp_path / "m", "float32")
    photo = images.resize_long_side(images.load_image(DATA / "content" / "chicago.jpg"), 64)
    first = model.select("wave").transfer(photo)
    np.testing.assert_array_equal(model.select({"wave": 1.0, "the_scream": 0.0}).transfer(photo), first)
    second = model.select(1).transfer(photo)
    assert model.name == "the_scream" and np.abs(first - second).mean() > 0.5
    out = tmp_path / "o.png"
    result = run_cli("transfer", f"--model={tmp_path / 'm'}", f"--input={DATA / 'content' / 'chicago.jpg'}",
                     f"--output={out}", "--blend=wave:0.5,the_scream:0.5", "--max_size=64", "--precision=float32")
    assert result.returncode == 0, result.stderr
    expected = model.select({"wave": 0.5, "the_scream": 0.5}).transfer(images.resize_long_side(
        images.load_image(DATA / "content" / "chicago.jpg"), 64))
    assert np.abs(images.load_image(out) - expected).max() <= 1.0
    bad = run_cli_in_process("transfer", f"--model={tmp_path / 'm'}", f"--input={DATA / 'content' / 'chicago.jpg'}",
                             f"--output={tmp_path / 'x.png'}", "--blend=monet:1")
    assert bad.returncode == 2 and "no style 'monet'" in bad.stderr and not (tmp_path / "x.png").exists()
    export.export_saved_model(model.select(0), tmp_path / "sm")
    np.save(tmp_path / "photo.npy", photo.round().astype(np.uint8))
    script = (f"import numpy as np, tensorflow as tf; m = tf.saved_model.load({str(tmp_path / 'sm')!r}); "
              f"out = m.signatures['serving_default'](images=tf.constant(np.load({str(tmp_path / 'photo.npy')!r})[None]), "
              f"style_weights=tf.constant([0.0, 1.0])); np.save({str(tmp_path / 'served.npy')!r}, out['stylized'].numpy()[0])")
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, timeout=300)
    served = np.load(tmp_path / "served.npy").astype(np.float32)
    keras_path = model.select(1).transfer(photo.round())
    assert np.abs(served - np.clip(np.round(keras_path), 0, 255)).max() <= 1.0


@pytest.mark.slow
def test_init_from_adds_a_style_and_leaves_the_trained_styles_outputs_unchanged(tmp_path):
    from conftest import DATA, run_cli_in_process
    from conftest import tiny
    from tf_nst.media import images
    from tf_nst.training.trainer import train
    from tf_nst.models.loading import load_model
    cfg = tiny("dumoulin2017_multistyle", residual_blocks=2, log_every=2)
    style = {name: images.load_image(DATA / "styles" / f"{name}.jpg") for name in ("wave", "the_scream", "udnie")}
    train(cfg, DATA / "train" / "bsds500_val", tmp_path / "two", [style["wave"], style["the_scream"]],
          ["wave", "the_scream"], verbose=False)
    cfg.steps, cfg.learning_rate = 20, 1e-2
    records = []
    train(cfg, DATA / "train" / "bsds500_val", tmp_path / "three", [style["udnie"]], ["udnie"], verbose=False,
          init_from=tmp_path / "two", callback=lambda step, losses: records.append(losses))
    before, after = load_model(tmp_path / "two", "float32"), load_model(tmp_path / "three", "float32")
    assert after.metadata["styles"] == ["wave", "the_scream", "udnie"]
    photo = images.resize_long_side(images.load_image(DATA / "content" / "chicago.jpg"), 64)
    for name in ("wave", "the_scream"):
        np.testing.assert_array_equal(after.select(name).transfer(photo), before.select(name).transfer(photo))
    new = after.select("udnie").transfer(photo)
    assert min(np.abs(new - before.select(n).transfer(photo)).mean() for n in ("wave", "the_scream")) > 0.5
    losses = [record["style/udnie"] for record in records]  # 10 logs of 2 steps each
    assert np.mean(losses[-3:]) < np.mean(losses[:3]), losses  # only its scales and shifts learn
    clash = run_cli_in_process("train", "--config=dumoulin2017_multistyle",
                    f"--init_from={tmp_path / 'two'}", f"--style={DATA / 'styles' / 'wave.jpg'}",
                    f"--data={DATA / 'train' / 'bsds500_val'}", f"--output={tmp_path / 'x'}")
    assert clash.returncode == 2 and "already has the style(s) wave" in clash.stderr, clash.stderr
    assert not (tmp_path / "x" / "model.npz").exists()


@pytest.mark.slow
def test_finetune_from_starts_every_weight_from_a_trained_network(tmp_path):
    from conftest import DATA, run_cli_in_process
    from conftest import tiny
    from tf_nst.media import images
    from tf_nst.networks import store as model_files
    from tf_nst.networks import transform_net
    from tf_nst.training.trainer import train
    source = transform_net.build_transform_net(0.25, 1, num_styles=2, reflect_border=True)
    rng = np.random.default_rng(0)  # far from any fresh initialization
    source.set_weights([w + rng.normal(0, 0.3, w.shape).astype(np.float32) for w in source.get_weights()])
    model_files.save_weights(tmp_path / "two.npz", source, {"width": 0.25, "residual_blocks": 1, "styles": ["a", "b"],
                                                            "reflect_border": True, "steps": 40}, dtype="float32")
    cfg = tiny("dumoulin2017_multistyle", width=0.5, residual_blocks=3, steps=1, learning_rate=1e-3)
    styles = [images.load_image(DATA / "styles" / f"{name}.jpg") for name in ("wave", "udnie")]
    train(cfg, DATA / "train" / "bsds500_val", tmp_path / "tuned", styles, ["wave", "udnie"], verbose=False,
          finetune_from=tmp_path / "two.npz")
    before = source.get_weights()
    after, metadata = model_files.read_weights(tmp_path / "tuned" / "model.npz")
    assert (metadata["width"], metadata["residual_blocks"], metadata["styles"]) == (0.25, 1, ["wave", "udnie"])
    assert metadata["steps"] == 41  # the source's steps and this run's
    steps = [np.abs(a - b).max() for a, b in zip(after, before)]  # one Adam step moves a weight by <= lr
    assert max(steps) <= 1e-3 * 1.01 + 2e-3 and np.mean([s > 1e-4 for s in steps]) > 0.5, steps
    wrong = run_cli_in_process("train", "--config=dumoulin2017_multistyle",
                    f"--finetune_from={tmp_path / 'two.npz'}", f"--style={DATA / 'styles' / 'wave.jpg'}",
                    f"--data={DATA / 'train' / 'bsds500_val'}", f"--output={tmp_path / 'x'}")
    assert wrong.returncode == 2 and "has 2 style(s) (a, b)" in wrong.stderr, wrong.stderr
    both = run_cli_in_process("train", "--config=dumoulin2017_multistyle",
                   f"--finetune_from={tmp_path / 'two.npz'}", f"--init_from={tmp_path / 'two.npz'}",
                   f"--style={DATA / 'styles' / 'wave.jpg'}", f"--data={DATA / 'train' / 'bsds500_val'}",
                   f"--output={tmp_path / 'x'}")
    assert both.returncode == 2 and "give one of them" in both.stderr, both.stderr
    assert not (tmp_path / "x" / "model.npz").exists()


def test_per_style_factors_weight_and_scale_each_style_and_must_match_the_styles():
    import tensorflow as tf
    from conftest import DATA
    from tf_nst import config
    from tf_nst.media import images
    from tf_nst.perceptual import losses
    from tf_nst.core.errors import UserError
    from tf_nst.training.tasks import make_task
    rng = np.random.default_rng(0)
    styles = [{"a": tf.constant(rng.normal(size=(1, 6, 6, 4)), tf.float32)} for _ in range(2)]
    output = {"a": tf.constant(rng.normal(size=(1, 6, 6, 4)), tf.float32)}
    plain, weighted = losses.GramStyleLoss(["a"]), losses.GramStyleLoss(["a"])
    plain.set_stacked_targets(styles)
    weighted.set_stacked_targets(styles, [1.0, 0.25])
    assert float(weighted(output, tf.constant(0))) == float(plain(output, tf.constant(0)))
    np.testing.assert_allclose(float(weighted(output, tf.constant(1))), 0.25 * float(plain(output, tf.constant(1))),
                               rtol=1e-6)
    paintings = [images.load_image(DATA / "styles" / f"{name}.jpg") for name in ("wave", "udnie")]
    cfg = config.load_config_file("dumoulin2017_multistyle", style_weight_per_style=(1.0,))
    with pytest.raises(UserError, match="1 factors for 2 --style"):
        make_task(cfg, paintings, ["wave", "udnie"], None)
    with pytest.raises(UserError, match="multi-style"):
        make_task(cfg, paintings[:1], ["wave"], None)
    cfg = config.load_config_file("dumoulin2017_multistyle", style_scale_per_style=(1.0, 0.5))
    sizes = [max(style.shape[:2]) for style in make_task(cfg, paintings, ["wave", "udnie"], None).styles]
    assert sizes == [cfg.image_size, cfg.image_size // 2]
    with pytest.raises(UserError, match="style_scale_per_style has 2 factors for 3 --style"):
        make_task(cfg, paintings + paintings[:1], ["wave", "udnie", "again"], None)
    with pytest.raises(UserError, match="multi-style"):
        make_task(cfg, paintings[:1], ["wave"], None)


@pytest.fixture(scope="module")
def bundled_scores():
    """Every bundled style on every photo of ../shared/data/content (none is in the training folder)
    at 512 px long side, measured as `tf-nst evaluate` does: {(style, photo): (report, border step)}.
    Each photo's and painting's VGG features are computed once (metrics.compare)."""
    from conftest import DATA
    import tf_nst
    from tf_nst.media import images
    from tf_nst.perceptual import metrics
    from tf_nst.networks.store import bundled_networks
    photos = {path.stem: images.resize_long_side(images.load_image(path), 512)
              for path in sorted((DATA / "content").iterdir())}
    features = metrics.QualityFeatures()  # one VGG19, compiled, for all 210 images
    photo_features = {name: features(photo) for name, photo in photos.items()}
    scores = {}
    for style in bundled_networks():
        model = tf_nst.load_model(style)
        painting = images.resize_long_side(images.load_image(next((DATA / "styles").glob(f"{style}.*"))), 512)
        painting_features = features(painting)
        for name, photo in photos.items():
            output = model.transfer(photo)
            report = metrics.compare(output, photo, features(output), photo_features[name],
                                     painting_features)
            scores[style, name] = report, metrics.border_step(output)
    return scores


def test_there_are_at_least_ten_bundled_styles_named_after_their_paintings():
    from conftest import DATA
    from tf_nst.networks.store import bundled_networks
    assert len(bundled_networks()) >= 10
    assert all(list((DATA / "styles").glob(f"{name}.*")) for name in bundled_networks())


@pytest.mark.slow
def test_the_bundled_styles_draw_no_frame_on_the_content_photos(bundled_scores):
    """Mean luminance of the outer 4 px and of the next 4 px differ by <= 3 (of 255) on every
    style x content photo (five of the ten photos are not multiples of 4 px high at 512 px)."""
    over = {key: round(step, 1) for key, (_, step) in bundled_scores.items() if step > 3.0}
    assert not over, over


@pytest.mark.slow
def test_every_bundled_style_meets_the_quality_bars_over_the_content_photos(bundled_scores):
    """Per style, over every content photo: mean Gram ratio to the photo's own <= 0.6 and mean
    luminance SSIM >= 0.3; over all styles x photos, at least 90 % of the pairs meet both bars
    (the README lists every pair that does not)."""
    pairs = {}
    for (style, _), (report, _) in bundled_scores.items():
        pairs.setdefault(style, []).append((report["gram_ratio_to_content"], report["ssim_luminance"]))
    for style, values in pairs.items():
        ratio, ssim = np.mean(values, axis=0)
        assert ratio <= 0.6 and ssim >= 0.3, (style, ratio, ssim)
    meeting = sum(ratio <= 0.6 and ssim >= 0.3 for values in pairs.values() for ratio, ssim in values)
    assert meeting >= 0.9 * len(bundled_scores), (meeting, len(bundled_scores))


def test_the_cli_lists_models_and_picks_a_bundled_style_by_name_or_index(tmp_path):
    from conftest import DATA, run_cli
    import tf_nst
    from tf_nst.media import images
    from tf_nst.networks import store as model_files
    from tf_nst.networks import transform_net
    model_files.save_weights(tmp_path / "mine.npz", transform_net.build_transform_net(0.25, 1),
                             {"width": 0.25, "residual_blocks": 1, "style": "mine"})
    listed = run_cli("transfer", "--list_models", f"--models_dir={tmp_path}")
    assert listed.returncode == 0, listed.stderr
    expected = set(model_files.bundled_models()) | set(model_files.bundled_networks()) | {"mine"}
    assert sorted(listed.stdout.split()) == sorted(expected)
    holder = model_files.bundled_styles()[model_files.bundled_networks()[0]]
    styles = tf_nst.load_model(holder).styles
    photo_path = DATA / "content" / "chicago.jpg"
    photo = images.resize_long_side(images.load_image(photo_path), 96)
    runs = {"index": [f"--model={holder}", "--style_index=3"], "name": [f"--model={styles[3]}"]}
    for label, flags in runs.items():
        result = run_cli("transfer", *flags, f"--input={photo_path}", f"--output={tmp_path / label}.png",
                         "--max_size=96", "--precision=float32")
        assert result.returncode == 0, result.stderr
    expected_image = tf_nst.load_model(holder, "float32").select(3).transfer(photo)
    for label in runs:
        assert np.abs(images.load_image(tmp_path / f"{label}.png") - expected_image).max() <= 1.0, label


def test_shift_consistency_is_zero_for_a_pointwise_network_and_counts_strokes_that_do_not_move():
    import tensorflow as tf
    from tf_nst import config
    from tf_nst.core.errors import UserError
    from tf_nst.training.tasks import ShiftConsistency
    photos = tf.constant(np.random.default_rng(2).uniform(0, 255, (3, 40, 48, 3)), tf.float32)
    pattern = tf.constant(np.random.default_rng(3).normal(0, 20, (1, 40, 48, 3)), tf.float32)
    cfg = config.training_config()
    assert "temporal" not in ShiftConsistency(cfg).add({"total": tf.constant(1.0)}, tf.identity, photos, photos)
    cfg.temporal_weight, cfg.temporal_shift = 10.0, 2.0
    pointwise = lambda images: 0.5 * images + 10.0  # moves with its input: no inconsistency
    values = ShiftConsistency(cfg).add({"total": tf.constant(1.0)}, pointwise, photos, pointwise(photos))
    assert float(values["temporal"]) < 1e-6 and float(values["total"]) == pytest.approx(1.0)
    fixed = lambda images: images + pattern  # strokes fixed to the frame, as a non-equivariant network's
    values = ShiftConsistency(cfg).add({"total": tf.constant(1.0)}, fixed, photos, fixed(photos))
    assert float(values["temporal"]) > 50.0
    assert float(values["total"]) == pytest.approx(1.0 + 10.0 * float(values["temporal"]), rel=1e-5)
    cfg.temporal_weight = -1.0
    with pytest.raises(UserError, match="temporal_weight must be a non-negative number"):
        config.validate_training(cfg)


def test_compound_motion_moves_input_and_output_alike_and_noise_counts():
    """Rotation and zoom (Wang et al. 2020's compound regularization): a pointwise network stays
    consistent under any motion, noise of sigma s on the input costs a pointwise 0.5 x network about
    (0.5 s)^2, and strokes fixed to the frame are caught."""
    import tensorflow as tf
    from tf_nst import config
    from tf_nst.training.tasks import ShiftConsistency
    photos = tf.constant(np.random.default_rng(4).uniform(40, 215, (4, 96, 96, 3)), tf.float32)
    pattern = tf.constant(np.random.default_rng(5).normal(0, 20, (1, 96, 96, 3)), tf.float32)
    cfg = config.training_config()
    cfg.image_size, cfg.temporal_weight, cfg.temporal_rotation, cfg.temporal_zoom = 96, 1.0, 3.0, 0.05
    config.validate_training(cfg)
    term = ShiftConsistency(cfg)
    motion = term._motion(photos).numpy()
    assert np.abs(motion[:, 1]).max() > 0.01 and np.abs(motion[:, 0] - 1).max() > 0.005  # it rotates and zooms
    pointwise = lambda images: 0.5 * images + 10.0
    values = term.add({"total": tf.constant(0.0)}, pointwise, photos, pointwise(photos))
    assert float(values["temporal"]) < 1e-6
    fixed = lambda images: images + pattern
    assert float(ShiftConsistency(cfg).add({"total": tf.constant(0.0)}, fixed, photos, fixed(photos))["temporal"]) > 50
    cfg.temporal_noise = 4.0
    values = ShiftConsistency(cfg).add({"total": tf.constant(0.0)}, pointwise, photos, pointwise(photos))
    assert float(values["temporal"]) == pytest.approx(0.25 * 16.0, rel=0.1)


def test_border_consistency_counts_a_frame_on_any_side():
    import tensorflow as tf
    from tf_nst import config
    from tf_nst.media import images
    from tf_nst.perceptual import metrics
    from tf_nst.core.errors import UserError
    from tf_nst.training.tasks import BorderConsistency
    photos = np.random.default_rng(4).uniform(0, 255, (2, 40, 48, 3)).astype(np.float32)
    cfg = config.training_config()
    assert "border" not in BorderConsistency(cfg).add({"total": tf.constant(1.0)}, None, photos, photos)
    cfg.border_weight = 2.0
    term = BorderConsistency(cfg)
    for image, steps in zip(photos, term.side_steps(tf.constant(photos)).numpy()):
        luma = images.luminance(image)
        assert steps[1] == pytest.approx(luma[-4:].mean() - luma[-8:-4].mean(), abs=1e-3)
        assert steps[2] == pytest.approx(luma[:, :4].mean() - luma[:, 4:8].mean(), abs=1e-3)
    flat = np.full_like(photos, 90.0)
    flat[:, 10:30, 12:36] = 200.0  # a bright middle: no frame
    values = term.add({"total": tf.constant(1.0)}, None, photos, flat)
    assert float(values["border"]) < 1e-6 and float(values["total"]) == pytest.approx(1.0)
    flat[:, -4:] -= 20.0  # a dark bottom edge: one side steps down by 20, the others stay flat
    values = term.add({"total": tf.constant(1.0)}, None, photos, flat)
    assert metrics.border_step(flat[0]) > 3.0
    assert float(values["border"]) == pytest.approx(20.0**2 / 4, rel=1e-4)
    assert float(values["total"]) == pytest.approx(1.0 + 2.0 * 100.0, rel=1e-5)
    cfg.border_weight = -1.0
    with pytest.raises(UserError, match="border_weight must be a non-negative number"):
        config.validate_training(cfg)


def test_sides_off_a_multiple_of_4_are_resized_to_one_and_back_not_padded():
    """The network's edge is the output's edge: a 341-px side runs at 344 px and is resized back
    (bottom padding put the output's edge inside the network's, where the frame came back); sides
    that are multiples of 4 pass through bit for bit."""
    from tf_nst.networks.transform_net import ResizePixelsLike, ResizeToMultiple
    image = np.random.default_rng(0).uniform(0, 255, (1, 341, 512, 3)).astype(np.float32)
    resized = ResizeToMultiple()(image)
    assert tuple(resized.shape) == (1, 344, 512, 3)
    assert tuple(ResizePixelsLike()(resized, image).shape) == image.shape
    # the last row of the input is the last row of what the network sees, not a row inside it
    assert np.abs(np.asarray(resized)[0, -1] - image[0, -1]).mean() < np.abs(image[0, -1] - image[0, -3]).mean() / 2
    even = image[:, :340]
    np.testing.assert_array_equal(np.asarray(ResizeToMultiple()(even)), even)
    np.testing.assert_array_equal(np.asarray(ResizePixelsLike()(even, even)), even)


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_padding_layers_give_numpys_reflection_and_nearest_upsampling_exactly(dtype):
    """The networks' pads (tf_nst.networks.padding) against numpy: ReflectionPad is np.pad(mode="reflect");
    NearestUpsampling(f, p) is every row and column repeated f times, then reflect-padded by p."""
    import tensorflow as tf
    from tf_nst.networks.padding import NearestUpsampling, ReflectionPad
    for shape in [(1, 5, 7, 3), (2, 6, 4, 2), (1, 9, 9, 1)]:
        values = np.random.default_rng(sum(shape)).normal(0, 50, shape).astype(np.float32)
        image = tf.cast(values, dtype)
        values = np.asarray(tf.cast(image, "float32"))
        for pad in (p for p in (1, 2, 4) if p < min(shape[1:3])):  # a pad smaller than the sides
            expected = np.pad(values, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
            np.testing.assert_array_equal(np.asarray(tf.cast(ReflectionPad(pad)(image), "float32")), expected)
        for factor in (1, 2, 3):
            upsampled = values.repeat(factor, axis=1).repeat(factor, axis=2)
            for pad in (0, 1, 2):
                expected = np.pad(upsampled, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="reflect")
                layer = NearestUpsampling(factor, pad)
                output = tf.function(layer, input_signature=[tf.TensorSpec((None, None, None, shape[3]), dtype)])
                np.testing.assert_array_equal(np.asarray(tf.cast(output(image), "float32")), expected)
                assert layer.compute_output_shape(shape)[1:3] == expected.shape[1:3]


def test_the_tflite_export_of_the_bundled_network_matches_it_and_refuses_sizes_off_multiples_of_4(tmp_path):
    from ai_edge_litert.interpreter import Interpreter
    from conftest import DATA, run_cli, run_cli_in_process
    from tf_nst.media import images
    from tf_nst.models.loading import load_model
    result = run_cli("export", "--model=multistyle", f"--tflite={tmp_path / 'm.tflite'}", "--tflite_size=344,512")
    assert result.returncode == 0, result.stderr
    photo = images.resize_long_side(images.load_image(DATA / "content" / "golden_gate.jpg"), 512)[:344]
    interpreter = Interpreter(model_path=str(tmp_path / "m.tflite"))
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():
        weights = np.eye(10, dtype=np.float32)[8:9]  # the ninth style in the network's order
        interpreter.set_tensor(detail["index"], photo[None] if len(detail["shape"]) == 4 else weights)
    interpreter.invoke()
    lite = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0]
    model = load_model("multistyle", "float32")
    assert np.abs(lite - model.select(model.styles[8]).transfer(photo)).mean() <= 1.0
    bad = run_cli_in_process("export", "--model=multistyle", f"--tflite={tmp_path / 'b.tflite'}", "--tflite_size=341,512")
    assert bad.returncode == 2 and "multiples of 4" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "b.tflite").exists()
