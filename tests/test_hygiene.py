"""What a new maintainer's review found: wrong-kind configs, hidden global state, the weights folder."""
from __future__ import annotations

import os
import random
import threading

import numpy as np
import pytest

from conftest import DATA, bf16_can_run, run_cli, run_cli_in_process


@pytest.mark.parametrize("command, config, kind", [
    ("train", "gatys2016", "'optimization' config, for tf-nst stylize"),
    ("stylize", "johnson2016", "'transform_training' config, for tf-nst train"),
    ("stylize", "li2017_universal", "'decoder_training' config, for tf-nst train"),
])
def test_a_config_of_the_wrong_kind_is_one_line_naming_its_command(tmp_path, command, config, kind):
    args = [f"--config={config}", f"--style={DATA / 'styles' / 'wave.jpg'}"]
    args += ([f"--data={DATA / 'train'}", f"--output={tmp_path / 'model'}"] if command == "train" else
             [f"--content={DATA / 'content' / 'chicago.jpg'}", f"--output={tmp_path / 'out.png'}"])
    result = run_cli_in_process(command, *args)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith(f"tf-nst {command}: error: this is a {kind}")
    assert "Traceback" not in result.stderr and not any(tmp_path.iterdir())


def global_state() -> dict:
    import keras
    import tensorflow as tf
    from PIL import Image
    from tensorflow.python.eager import context
    return {"python random": random.getstate(), "numpy random": str(np.random.get_state()),
            "tf global seed": context.global_seed(), "keras policy": keras.config.dtype_policy().name,
            "pil limit": Image.MAX_IMAGE_PIXELS, "threads": threading.active_count(),
            "umask": os.umask(os.umask(0o22)), "tf generator": tf.random.get_global_generator().state.numpy().tolist()}


def test_library_calls_leave_the_process_as_they_found_it(tmp_path):
    import tf_nst
    from tf_nst import config
    from tf_nst.media import images
    from tf_nst.optimization.stylize import stylize
    from tf_nst.training.trainer import train
    from tf_nst.transfer.options import TransferOptions
    from tf_nst.transfer.pipeline import transfer_files
    before = global_state()
    photo = images.load_image(DATA / "content" / "chicago.jpg")
    style = images.load_image(DATA / "styles" / "wave.jpg")
    cfg = config.base_config()
    # a policy other than the default, to see it restored (bf16 is emulated where the CPU lacks it)
    cfg.image_size, cfg.steps, cfg.init = 48, 2, "noise"
    cfg.precision = "mixed_bfloat16" if bf16_can_run() else "float32"
    stylize(photo, [style], cfg, verbose=False)
    training = config.training_config()
    training.update({"image_size": 32, "batch_size": 2, "width": 0.25, "steps": 2, "log_every": 1,
                     "checkpoint_every": 2, "sample_every": 2})
    train(training, DATA / "train" / "bsds500_val", tmp_path / "model", [style], verbose=False)
    model = tf_nst.load_model("wave")
    transfer_files(model, [(DATA / "content" / "stata.jpg", tmp_path / "out.png")], TransferOptions(max_size=64),
                   mask_fn=lambda image: np.ones(image.shape[:2], np.float32))
    assert global_state() == before


@pytest.mark.slow
def test_training_is_reproducible_from_its_seed_without_global_seeds(tmp_path):
    from tf_nst import config
    from tf_nst.media import images
    from tf_nst.networks import store as model_files
    from tf_nst.training.trainer import train
    style = images.load_image(DATA / "styles" / "wave.jpg")
    cfg = config.training_config()
    cfg.update({"image_size": 32, "batch_size": 2, "width": 0.25, "steps": 2, "log_every": 1, "checkpoint_every": 2,
                "sample_every": 2})
    weights = []
    for run in ("a", "b"):
        random.seed(len(run) * 1000 + ord(run))  # whatever the caller's global state
        train(cfg, DATA / "train" / "bsds500_val", tmp_path / run, [style], verbose=False)
        weights.append(model_files.read_weights(tmp_path / run / "model.npz")[0])
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_weights_folder_is_read_on_every_call_and_resolved_to_an_absolute_path(tmp_path, monkeypatch):
    from tf_nst.perceptual import backbones as features
    from tf_nst.core import weights
    from tf_nst.core.errors import UserError
    real = os.environ["TF_NST_WEIGHTS_DIR"]
    assert os.path.isabs(real)  # the test session resolved the README's relative ../shared/models
    features.load_backbone("vgg16", "float32")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TF_NST_WEIGHTS_DIR", "elsewhere")
    assert weights.weights_directory() == tmp_path / "elsewhere"
    with pytest.raises(UserError, match="vgg16_notop.h5 not found in"):
        features.load_backbone("vgg16", "float32")  # not the cached model of the other folder


def test_auto_precision_follows_the_cpus_bf16_units_and_the_cli_says_which(tmp_path):
    from pathlib import Path
    from tf_nst.perceptual.backbones import resolve_precision
    flags = Path("/proc/cpuinfo").read_text()
    native = ("avx512_bf16" in flags or "amx_bf16" in flags) and bf16_can_run()  # not capped below bf16
    expected = "mixed_bfloat16" if native else "float32"
    assert resolve_precision("auto") == expected and resolve_precision("float32") == "float32"
    result = run_cli("stylize", f"--content={DATA / 'content' / 'chicago.jpg'}", f"--style={DATA / 'styles' / 'wave.jpg'}",
                     f"--output={tmp_path / 'o.png'}", "--config.steps=1", "--config.image_size=32")
    assert result.returncode == 0, result.stderr
    assert f"{expected})" in result.stdout.splitlines()[0]


def test_bf16_without_native_units_is_said_once_and_auto_picks_float32(monkeypatch, capsys):
    """Capped to AVX2 (as on most laptops), auto is float32 and an explicit bf16 request is honoured
    with one line on stderr saying it is emulated."""
    from tf_nst.perceptual import backbones as features
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    monkeypatch.setattr(features, "_warned_emulated_bf16", False)
    assert features.resolve_precision("auto") == "float32"
    assert capsys.readouterr().err == ""
    assert features.resolve_precision("mixed_bfloat16") == "mixed_bfloat16"
    assert features.resolve_precision("mixed_bfloat16") == "mixed_bfloat16"
    warning = capsys.readouterr().err.strip().splitlines()
    assert len(warning) == 1 and "emulated" in warning[0], warning
