"""The light universal encoder (Wang et al. 2020): its VGG19 start and its training (real VGG19 weights)."""
from __future__ import annotations

import numpy as np
import pytest

from conftest import DATA, tiny


def test_the_light_encoder_starts_as_vgg19_pruned_to_its_largest_filters(content_image):
    """Seeded, relu1_1 of the light encoder is VGG19's relu1_1 at the kept channels exactly (both see
    the same pixels), and each embedding puts the kept channels back in their places, zero elsewhere."""
    import tensorflow as tf
    from tf_nst.perceptual import backbones as features
    from tf_nst.networks import light_encoder
    from tf_nst.media.images import resize_long_side
    levels = light_encoder.LEVELS
    model = light_encoder.build_light_universal(levels, 0.25, 0.25)
    vgg = features.load_backbone("vgg19", "float32")
    light_encoder.seed_from_vgg19(model, vgg, levels)
    image = tf.constant(resize_long_side(content_image, 96)[None])
    light = model(image)
    teacher = features.FeatureExtractor("vgg19", levels, "float32")(image)
    kernel = vgg.get_layer("block1_conv1").get_weights()[0]
    kept = np.sort(np.argsort(-np.abs(kernel).sum(axis=(0, 1, 2)), kind="stable")[:16])
    np.testing.assert_allclose(np.asarray(light[0]), np.asarray(teacher["relu1_1"])[..., kept], rtol=1e-4, atol=1e-3)
    embedded = np.asarray(light[2 * len(levels)])
    np.testing.assert_allclose(embedded[..., kept], np.asarray(light[0]), rtol=1e-5, atol=1e-4)
    assert np.all(np.delete(embedded, kept, axis=-1) == 0)
    assert [light_encoder.channels(level, 0.25) for level in levels] == [16, 32, 64, 128]


@pytest.mark.slow
def test_training_the_light_encoder_lowers_its_distillation_and_reconstruction_losses(tmp_path):
    from tf_nst.training.trainer import train
    cfg = tiny("wang2020_light_universal", steps=30, log_every=5)
    records = []
    train(cfg, DATA / "train" / "kodak24", tmp_path, verbose=False, callback=lambda step, losses: records.append(losses))
    assert len(records) == 6
    for key in ("relu4_1/distill", "relu2_1/pixel", "total"):
        first, last = np.mean([r[key] for r in records[:2]]), np.mean([r[key] for r in records[-2:]])
        assert last < first, (key, [r[key] for r in records])


def test_a_light_config_is_checked_before_training(tmp_path):
    from tf_nst import config as config_lib
    from tf_nst.core.errors import UserError
    cfg = config_lib.load_config_file("wang2020_light_universal")
    cfg.levels = ("relu1_1", "relu5_1")
    with pytest.raises(UserError, match="ends at relu4_1"):
        config_lib.validate_training(cfg)
    cfg.levels, cfg.encoder = ("relu1_1",), "resnet"
    with pytest.raises(UserError, match="unknown encoder 'resnet'"):
        config_lib.validate_training(cfg)
