"""Feed-forward transform network: training, resume, transfer, export (real VGG16 weights)."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import DATA, REPO, run_cli, run_cli_in_process, tiny, tiny_flags

STYLE = str(DATA / "styles" / "wave.jpg")
EVERY_5 = {"log_every": 5, "checkpoint_every": 5, "sample_every": 5}  # kill -9 and resume need several saves


def tiny_config(**overrides):
    return tiny("johnson2016", **{**EVERY_5, **overrides})


def cli_overrides(**overrides) -> list[str]:
    return tiny_flags("johnson2016", **{**EVERY_5, **overrides})


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """Eight training photos and one broken file."""
    folder = tmp_path_factory.mktemp("photos")
    for path in sorted((DATA / "train").rglob("*.jpg"))[:8]:
        shutil.copy(path, folder / path.name)
    (folder / "broken.jpg").write_bytes(b"not a jpeg")
    return folder


@pytest.fixture(scope="module")
def trained(tmp_path_factory, photos) -> Path:
    """A model folder after 10 training steps (for transfer and export checks)."""
    from tf_nst.media import images
    from tf_nst.training.trainer import train
    output = tmp_path_factory.mktemp("model")
    train(tiny_config(steps=10), photos, output, [images.load_image(STYLE)], verbose=False)
    return output


@pytest.mark.slow
def test_training_steps_lower_the_loss_and_skip_broken_files(tmp_path, photos):
    from tf_nst.media import images
    from tf_nst.training.trainer import train
    records = []
    result = train(tiny_config(steps=40, learning_rate=3e-3), photos, tmp_path, [images.load_image(STYLE)],
                   verbose=False, callback=lambda step, losses: records.append(losses["total"]))
    assert len(records) == 8 and result.step == 40
    assert result.skipped_files == [str(photos / "broken.jpg")]
    assert np.mean(records[-2:]) < 0.7 * np.mean(records[:2]), records
    assert (tmp_path / "model.npz").is_file() and json.loads((tmp_path / "run.json").read_text())["steps"] == 40
    assert any((tmp_path / "logs").iterdir())


@pytest.mark.slow
def test_rerunning_a_finished_run_restores_the_same_weights(tmp_path, photos):
    from tf_nst.media import images
    from tf_nst.networks import transform_net
    from tf_nst.training.trainer import train
    style = images.load_image(STYLE)
    train(tiny_config(steps=5), photos, tmp_path, [style], verbose=False)
    before, _ = transform_net.load_weights(tmp_path / "model.npz")
    result = train(tiny_config(steps=5), photos, tmp_path, [style], verbose=False)
    after, _ = transform_net.load_weights(tmp_path / "model.npz")
    assert result.resumed_from == 5 and result.step == 5
    for a, b in zip(before.get_weights(), after.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_kill_9_during_training_then_rerun_resumes(tmp_path, photos):
    output = tmp_path / "run"
    command = [sys.executable, "-m", "tf_nst.cli.main", "train", f"--style={STYLE}", f"--data={photos}",
               f"--output={output}", *cli_overrides(steps=10_000)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.time() + 300
        while not list((output / "checkpoints").glob("ckpt-10.index")) and time.time() < deadline:
            time.sleep(0.5)
        assert process.poll() is None, "training exited before it was killed"
        second = run_cli("train", f"--style={STYLE}", f"--data={photos}", f"--output={output}",
                         *cli_overrides(steps=20))
        assert second.returncode == 2 and "another tf-nst train is writing to" in second.stderr, second.stderr
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    # The newest checkpoint is what a rerun resumes from (run.json is written just after it, so a
    # kill between the two leaves run.json one checkpoint behind).
    saved = max(int(path.stem.split("-")[1]) for path in (output / "checkpoints").glob("ckpt-*.index"))
    assert saved >= 10
    result = run_cli("train", f"--style={STYLE}", f"--data={photos}", f"--output={output}",
                     *cli_overrides(steps=saved + 5))
    assert result.returncode == 0, result.stderr
    assert f"resuming from step {saved}" in result.stdout
    assert json.loads((output / "run.json").read_text())["steps"] == saved + 5


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus(tmp_path, photos):
    result = run_cli("train", f"--style={STYLE}", f"--data={photos}", f"--output={tmp_path}",
                     "--logical_cpus=2",
                     *cli_overrides(steps=5, strategy="mirrored"))
    assert result.returncode == 0, result.stderr
    assert "MirroredStrategy with 2 replica(s)" in result.stdout
    assert json.loads((tmp_path / "run.json").read_text())["steps"] == 5


def test_saved_model_gives_the_keras_pixels_in_a_fresh_process(tmp_path, trained):
    from tf_nst.serving.export import export_saved_model
    from tf_nst.models.loading import load_model
    model = load_model(trained, "float32")
    image = np.asarray(Image.open(DATA / "content" / "golden_gate.jpg").convert("RGB").resize((150, 97)))
    expected = np.clip(np.round(model(image[None].astype(np.float32)).numpy()), 0, 255)
    export_saved_model(model, tmp_path / "serving" / "1")
    np.save(tmp_path / "image.npy", image[None])
    script = ("import sys, numpy as np, tensorflow as tf\n"
              "m = tf.saved_model.load(sys.argv[1])\n"
              "out = m.signatures['serving_default'](images=tf.constant(np.load(sys.argv[2])))['stylized']\n"
              "np.save(sys.argv[3], out.numpy())\n")
    subprocess.run([sys.executable, "-c", script, str(tmp_path / "serving" / "1"), str(tmp_path / "image.npy"),
                    str(tmp_path / "served.npy")], check=True, capture_output=True)
    served = np.load(tmp_path / "served.npy")
    assert served.dtype == np.uint8 and served.shape == (1, 97, 150, 3)
    assert np.abs(served.astype(float) - expected).max() <= 1


def test_encoded_bytes_signature_returns_png_of_the_same_size(tmp_path, trained):
    result = run_cli("export", f"--model={trained}", f"--saved_model={tmp_path / 'm' / '1'}")
    assert result.returncode == 0, result.stderr
    client = subprocess.run([sys.executable, "tools/serving_client.py", f"--image={DATA / 'content' / 'chicago.jpg'}",
                             f"--output={tmp_path / 'out.png'}", f"--saved_model={tmp_path / 'm' / '1'}"],
                            cwd=REPO, capture_output=True, text=True)
    assert client.returncode == 0, client.stderr
    assert Image.open(tmp_path / "out.png").size == Image.open(DATA / "content" / "chicago.jpg").size
    again = run_cli("export", f"--model={trained}", f"--saved_model={tmp_path / 'm' / '1'}")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_folder_transfer_skips_an_unreadable_file(tmp_path, trained):
    source = tmp_path / "in"
    source.mkdir()
    for name in ("chicago.jpg", "golden_gate.jpg"):
        shutil.copy(DATA / "content" / name, source / name)
    (source / "broken.png").write_bytes(b"\x89PNG not really")
    result = run_cli("transfer", f"--model={trained}", f"--input={source}", f"--output={tmp_path / 'out'}")
    assert result.returncode == 0, result.stderr
    assert "broken.png" in result.stderr and "skipped 1" in result.stdout
    for name in ("chicago.jpg", "golden_gate.jpg"):
        assert Image.open(tmp_path / "out" / name).size == Image.open(source / name).size
    assert not (tmp_path / "out" / "broken.png").exists()


def test_transfer_refuses_bad_models_and_output_over_input(tmp_path, trained):
    photo = str(DATA / "content" / "chicago.jpg")
    unknown = run_cli_in_process("transfer", "--model=no_such_style", f"--input={photo}", f"--output={tmp_path / 'o.png'}")
    assert unknown.returncode == 2 and "unknown model" in unknown.stderr and "Traceback" not in unknown.stderr
    (tmp_path / "in").mkdir()
    same = run_cli_in_process("transfer", f"--model={trained}", f"--input={tmp_path / 'in'}", f"--output={tmp_path / 'in'}")
    assert same.returncode == 2 and "refusing to overwrite" in same.stderr


def test_the_bundled_models_are_shipped_small_and_float16():
    """The whole bundled set (style networks and universal decoders) is at most 5 MB, float16."""
    from tf_nst.networks.store import BUNDLED_DIR, bundled_models
    paths = [BUNDLED_DIR / f"{name}.npz" for name in bundled_models()]
    assert sum(path.stat().st_size for path in paths) <= 5_000_000
    for path in paths:
        with np.load(path) as data:
            assert all(data[key].dtype == np.float16 for key in data.files if key.startswith("w")), path
