"""Feature extractors on the real ImageNet weights: names, preprocessing, truncation, precision, errors."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import needs_bf16
from tf_nst.perceptual import backbones as features
from tf_nst.core import weights
from tf_nst.core.errors import UserError
from tf_nst.media.images import resize_long_side


def test_vgg19_aliases_resolve_to_keras_layers():
    assert features.resolve_layer("vgg19", "relu4_2") == "block4_conv2"
    assert features.resolve_layer("vgg19", "conv5_1") == "block5_conv1"
    assert features.resolve_layer("vgg19", "conv_4") == "block2_conv2"  # PyTorch tutorial numbering
    assert features.resolve_layer("vgg19", "conv_16") == "block5_conv4"
    assert features.resolve_layer("vgg16", "conv_13") == "block5_conv3"
    assert features.resolve_layer("vgg16", "pool_3") == "block3_pool"
    assert features.resolve_layer("resnet50", "conv4_block5_1_relu") == "conv4_block5_1_relu"


@pytest.mark.parametrize("backbone,name", [("vgg16", "conv_14"), ("vgg19", "relu6_1"), ("resnet50", "relu4_2")])
def test_unknown_layer_lists_valid_names(backbone, name):
    with pytest.raises(UserError, match="valid layers: .*block1_conv1|valid layers: .*conv1_relu") as info:
        features.resolve_layer(backbone, name)
    assert name in str(info.value) and "\n" not in str(info.value)


def test_extractor_matches_keras_application_with_its_preprocessing(content_image):
    image = resize_long_side(content_image, 96)[None]
    extractor = features.FeatureExtractor("vgg19", ["relu3_1", "conv_1"])
    full = keras.applications.VGG19(include_top=False, weights=weights.backbone_weights("vgg19"))
    reference = keras.Model(full.input, full.get_layer("block3_conv1").output)(
        keras.applications.vgg19.preprocess_input(image.copy()))
    out = extractor(tf.constant(image))
    np.testing.assert_allclose(out["relu3_1"].numpy(), reference.numpy(), rtol=1e-4, atol=1e-2)
    assert out["conv_1"].shape[-1] == 64
    # truncated at the deepest requested layer: nothing past block3_conv1 is built
    assert extractor.model.layers[-1].name == "block3_conv1"


def test_real_weights_recognise_image_content(content_image):
    """Genuine ImageNet weights respond differently to a photo and to flat grey (random weights barely do)."""
    extractor = features.FeatureExtractor("vgg16", ["relu5_3"])
    photo = extractor(tf.constant(resize_long_side(content_image, 128)[None]))["relu5_3"]
    grey = extractor(tf.constant(np.full((1, 96, 128, 3), 128.0, np.float32)))["relu5_3"]
    assert float(tf.reduce_mean(photo)) > 5 * float(tf.reduce_mean(grey)) + 1e-3


@needs_bf16
@pytest.mark.parametrize("backbone,layer", [("vgg19", "relu4_1"), ("resnet50", "conv4_block4_2_relu")])
def test_bfloat16_features_stay_close_to_float32(content_image, backbone, layer):
    image = tf.constant(resize_long_side(content_image, 128)[None])
    f32 = features.FeatureExtractor(backbone, [layer], "float32")(image)[layer]
    bf16 = features.FeatureExtractor(backbone, [layer], "mixed_bfloat16")(image)[layer]
    assert bf16.dtype == tf.float32
    assert float(tf.norm(bf16 - f32) / tf.norm(f32)) < 0.05


def test_missing_weights_file_names_file_and_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_NST_WEIGHTS_DIR", str(tmp_path))
    with pytest.raises(UserError, match="vgg16_notop.h5.*TF_NST_WEIGHTS_DIR"):
        weights.backbone_weights("vgg16")


def test_corrupt_weights_file_is_a_one_line_error(tmp_path):
    (tmp_path / "vgg16_notop.h5").write_bytes(b"not an hdf5 file at all" * 10)
    with pytest.raises(UserError, match="could not be loaded.*TF_NST_WEIGHTS_DIR") as info:
        features.load_backbone("vgg16", "float32", str(tmp_path))
    assert "\n" not in str(info.value)


def test_without_weights_dir_keras_download_is_used(monkeypatch):
    monkeypatch.delenv("TF_NST_WEIGHTS_DIR")
    assert weights.backbone_weights("vgg19") == "imagenet"
