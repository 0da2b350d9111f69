"""Frozen multi-layer feature extractors on keras.applications backbones.

Layer names accepted for VGG16/VGG19 (Keras convolutions include their ReLU, so
``convB_K``, ``reluB_K`` and PyTorch-tutorial ``conv_n``/``relu_n`` all name the
post-ReLU output of the same Keras layer):

=====================  ===================  ===========================================
Keras                  classic (Caffe)      PyTorch tutorial numbering
=====================  ===================  ===========================================
``block4_conv2``       ``relu4_2``/``conv4_2``  ``conv_10``/``relu_10`` (n-th conv overall)
``block3_pool``        ``pool3``            ``pool_3``
=====================  ===================  ===========================================

ResNet50 takes Keras layer names (``conv4_block5_1_relu``, ``conv3_block4_3_conv``...).
"""
from __future__ import annotations

import contextlib
import functools
import random
import re

import keras
import tensorflow as tf

from tf_nst.core import weights as weights_lib
from tf_nst.core.cpu import native_bf16
from tf_nst.core.errors import UserError

_APPLICATIONS = {
    "vgg16": (keras.applications.VGG16, keras.applications.vgg16.preprocess_input, (2, 2, 3, 3, 3)),
    "vgg19": (keras.applications.VGG19, keras.applications.vgg19.preprocess_input, (2, 2, 4, 4, 4)),
    "resnet50": (keras.applications.ResNet50, keras.applications.resnet50.preprocess_input, None),
}
BACKBONES = tuple(_APPLICATIONS)
PRECISIONS = ("auto", "float32", "mixed_bfloat16")


def auto_precision() -> str:
    """mixed_bfloat16 on CPUs with native bf16 matrix units (AMX, AVX512-BF16) and no GPU, else float32."""
    if tf.config.list_physical_devices("GPU"):
        return "float32"
    return "mixed_bfloat16" if native_bf16() else "float32"


_warned_emulated_bf16 = False


def resolve_precision(precision: str) -> str:
    """``precision`` with "auto" replaced by this machine's choice (:func:`auto_precision`).

    An explicit "mixed_bfloat16" on a CPU without native bf16 is honoured but said once on stderr,
    since it runs about ten times slower than float32 there.
    """
    global _warned_emulated_bf16
    if precision not in PRECISIONS:
        raise UserError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        return auto_precision()
    if (precision == "mixed_bfloat16" and not _warned_emulated_bf16 and not native_bf16()
            and not tf.config.list_physical_devices("GPU")):
        import sys
        _warned_emulated_bf16 = True
        print("tf_nst: this CPU has no native bf16 (AMX / AVX512-BF16): mixed_bfloat16 is emulated and "
              "about 10x slower than float32; use precision=auto or float32", file=sys.stderr, flush=True)
    return precision


def check_backbone(backbone: str) -> None:
    if backbone not in _APPLICATIONS:
        raise UserError(f"unknown backbone {backbone!r}; choose one of {', '.join(BACKBONES)}")


def layer_aliases(backbone: str) -> dict[str, str]:
    """Map every accepted alias (classic and PyTorch numbering) to the Keras layer name."""
    check_backbone(backbone)
    convs_per_block = _APPLICATIONS[backbone][2]
    if convs_per_block is None:
        return {}
    aliases, index = {}, 0
    for block, count in enumerate(convs_per_block, start=1):
        for conv in range(1, count + 1):
            index += 1
            keras_name = f"block{block}_conv{conv}"
            for alias in (f"conv{block}_{conv}", f"relu{block}_{conv}", f"conv_{index}", f"relu_{index}"):
                aliases[alias] = keras_name
        aliases[f"pool{block}"] = aliases[f"pool_{block}"] = f"block{block}_pool"
    return aliases


@functools.lru_cache(maxsize=None)
def _layer_names(backbone: str) -> tuple[str, ...]:
    with python_random_preserved():
        model = _APPLICATIONS[backbone][0](include_top=False, weights=None, input_shape=(None, None, 3))
    return tuple(layer.name for layer in model.layers[1:])  # no clear_session: it would drop a tf.distribute scope


def resolve_layer(backbone: str, name: str) -> str:
    """The Keras layer name for ``name``; an unknown name lists the valid ones."""
    check_backbone(backbone)
    valid = _layer_names(backbone)
    resolved = layer_aliases(backbone).get(name, name)
    if resolved not in valid:
        shown = [n for n in valid if not re.search(r"_(bn|pad|add)$", n)] if backbone == "resnet50" else list(valid)
        raise UserError(f"unknown {backbone} layer {name!r}; valid layers: {', '.join(shown)}"
                        + (" (VGG aliases like relu4_2 and conv_10 also work)" if backbone != "resnet50" else ""))
    return resolved


def layer_depth(backbone: str, name: str) -> int:
    """How deep ``name`` (any alias) sits in ``backbone``: its index among the model's layers."""
    return _layer_names(backbone).index(resolve_layer(backbone, name))


@contextlib.contextmanager
def python_random_preserved(seed: int | None = None):
    """Keras initializers without a seed draw one from Python's ``random``, so building a model
    moves the caller's generator: give it back as it was (after seeding it for the block, if asked)."""
    state = random.getstate()
    if seed is not None:
        random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


@contextlib.contextmanager
def dtype_policy(precision: str):
    """Build Keras layers under ``precision`` ("float32" | "mixed_bfloat16" | "auto"), then restore the
    policy (and the Python random state the layers' initializers drew from)."""
    precision = resolve_precision(precision)
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(precision)
    try:
        with python_random_preserved():
            yield
    finally:
        keras.config.set_dtype_policy(previous)


def load_backbone(backbone: str, precision: str = "float32", weights_dir: str | None = None) -> keras.Model:
    """The frozen ImageNet backbone (no classifier), built under the given dtype policy.

    Cached per weights file: the folder (``weights_dir`` or ``$TF_NST_WEIGHTS_DIR``) is looked up on
    every call, so a change of the variable between calls loads the other file.
    """
    check_backbone(backbone)
    return _load_backbone(backbone, resolve_precision(precision), weights_lib.backbone_weights(backbone, weights_dir))


@functools.lru_cache(maxsize=None)
def _load_backbone(backbone: str, precision: str, weights: str) -> keras.Model:
    with dtype_policy(precision):
        try:
            model = _APPLICATIONS[backbone][0](include_top=False, weights=weights, input_shape=(None, None, 3))
        except UserError:
            raise
        except Exception as error:  # corrupt HDF5, wrong architecture, failed download
            raise weights_lib.describe_load_failure(backbone, weights, error) from None
    model.trainable = False
    return model


class FeatureExtractor:
    """One forward pass returning float32 features for several named layers.

    Call it on float32 RGB images [N, H, W, 3] in 0..255; it applies the backbone's
    own preprocessing and returns ``{requested_name: features}``. The model is
    truncated at the deepest requested layer.
    """

    def __init__(self, backbone: str, layers: list[str] | tuple[str, ...], precision: str = "float32",
                 weights_dir: str | None = None):
        self.backbone = backbone
        self.layers = tuple(dict.fromkeys(layers))
        keras_names = [resolve_layer(backbone, name) for name in self.layers]
        base = load_backbone(backbone, precision, weights_dir)
        outputs = [base.get_layer(name).output for name in keras_names]
        self.model = keras.Model(base.inputs, outputs, name=f"{backbone}_features")
        self._preprocess = _APPLICATIONS[backbone][1]

    def __call__(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        outputs = self.model(self._preprocess(tf.cast(images, tf.float32)), training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return {name: tf.cast(out, tf.float32) for name, out in zip(self.layers, outputs)}
