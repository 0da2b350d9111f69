"""The command line as a user meets it: fresh processes, real weights, bad input of every kind."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import DATA, REPO, run_cli, run_cli_in_process, tiny_flags

CONTENT = str(DATA / "content" / "skimage_chelsea.png")
STYLE = str(DATA / "styles" / "wave.jpg")
PRESETS = ["gatys2016", "tf_tutorial_vgg19", "basheer_resnet50", "yu_chang_vgg16", "huang_yaoqun_vgg19"]


def digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()}


def assert_one_line_error(result, *fragments):
    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0, result.stdout
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture
def workdir(tmp_path):
    Image.open(CONTENT).save(tmp_path / "content.png")
    Image.open(STYLE).save(tmp_path / "style.jpg")
    return tmp_path


def bad_inputs(d: Path):
    """(name, extra flags, expected message fragment) for every bad input the issue lists."""
    (d / "empty.jpg").write_bytes(b"")
    (d / "text.jpg").write_text("not an image")
    (d / "cut.jpg").write_bytes((d / "style.jpg").read_bytes()[:2000])
    from test_images import _bomb_png
    _bomb_png(d / "bomb.png")
    (d / "folder").mkdir()
    return [
        ("missing", ["--content", str(d / "nope.jpg")], "not found"),
        ("directory", ["--style", str(d / "folder")], "directory"),
        ("zero-byte", ["--content", str(d / "empty.jpg")], "empty"),
        ("non-image", ["--style", str(d / "text.jpg")], "not a readable image"),
        ("truncated", ["--content", str(d / "cut.jpg")], "could not be decoded"),
        ("bomb", ["--style", str(d / "bomb.png")], "too large"),
        ("output=input", ["--output", str(d / "content.png")], "same file as an input"),
        ("backbone", ["--config.backbone=vgg11"], "unknown backbone"),
        ("layer", ["--config.style_layers=('relu9_9',)"], "unknown vgg19 layer"),
        ("optimizer", ["--config.optimizer=rmsprop"], "unknown optimizer"),
        ("negative weight", ["--config.style_weight=-1"], "non-negative"),
        ("nan weight", ["--config.content_weight=nan"], "non-negative"),
        ("blend weight", ["--style_weights=nan"], "style_weights"),
        ("steps 0", ["--config.steps=0"], "positive integer"),
        ("steps -3", ["--config.steps=-3"], "positive integer"),
        ("config file", ["--config", str(d / "none.py")], "could not load --config"),
        ("more memory than the machine has", ["--config=gatys2016", "--config.image_size=4096"],
         "try --config.image_size="),
    ]


def test_every_bad_input_is_one_line_nonzero_and_changes_nothing(workdir):
    cases = bad_inputs(workdir)
    before = digest(workdir)
    for name, flags, fragment in cases:
        base = {"--content": str(workdir / "content.png"), "--style": str(workdir / "style.jpg"),
                "--output": str(workdir / "out.png")}
        args = ["stylize", *flags, *[x for k, v in base.items() if k not in flags for x in (k, v)]]
        for field, value in (("steps", 2), ("image_size", 32)):
            if not any(flag.startswith(f"--config.{field}") for flag in flags):
                args.append(f"--config.{field}={value}")
        # in this process (the CLI refuses them before TensorFlow starts); one case as a user meets it
        result = (run_cli if name == "missing" else run_cli_in_process)(*args)
        assert_one_line_error(result, fragment)
        assert digest(workdir) == before, name
        assert not (workdir / "out.png").exists(), name


def test_evaluate_bad_input_is_one_line(workdir, tmp_path):
    result = run_cli_in_process("evaluate", "--content", str(workdir / "content.png"),
                                "--style", str(workdir / "nope.jpg"), "--image", str(workdir / "content.png"))
    assert_one_line_error(result, "not found")
    tiny = tmp_path / "tiny.png"  # VGG19's pooling raised a traceback on it
    Image.new("RGB", (7, 5), "red").save(tiny)
    result = run_cli("evaluate", f"--content={tiny}", f"--style={STYLE}", f"--image={tiny}")
    assert_one_line_error(result, "at least 32 px on each side")


@pytest.mark.parametrize("preset", PRESETS)
def test_every_preset_runs_3_steps_at_64px(preset, tmp_path):
    out = tmp_path / "sub" / "out.png"  # missing output folder is created
    result = run_cli("stylize", *tiny_flags(preset), "--content", CONTENT, "--style", STYLE, "--output", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    assert Image.open(out).size[0] == 64 or Image.open(out).size[1] == 64
    history = json.loads(out.with_suffix(".json").read_text())["history"]
    assert [r["step"] for r in history] == [1, 2, 3] and all(np.isfinite(r["total"]) for r in history)
    assert (tmp_path / "sub" / "out_loss.png").stat().st_size > 1000


def test_odd_image_formats_just_work(tmp_path):
    rgb = np.asarray(Image.open(CONTENT).convert("RGB").resize((80, 60)))
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / "cmyk.jpg")
    Image.fromarray(rgb).convert("P").save(tmp_path / "palette.png")
    Image.fromarray((rgb[..., 0].astype(np.uint16) * 257)).save(tmp_path / "deep.png")
    rgba = Image.fromarray(rgb).convert("RGBA")
    rgba.putalpha(128)
    rgba.save(tmp_path / "alpha.png")
    for content, style in [("cmyk.jpg", "palette.png"), ("deep.png", "alpha.png")]:
        result = run_cli("stylize", "--content", str(tmp_path / content), "--style", str(tmp_path / style),
                         "--output", str(tmp_path / f"{content}.out.png"), "--config.steps=2",
                         "--config.image_size=48", "--config.optimizer=adam")
        assert result.returncode == 0, result.stderr[-2000:]
        out = np.asarray(Image.open(tmp_path / f"{content}.out.png").convert("RGB"), np.float32)
        source = rgb if content == "cmyk.jpg" else np.repeat(rgb[..., :1], 3, axis=-1)  # what was written
        source = np.asarray(Image.fromarray(source).resize((48, 36)), np.float32)
        assert out.shape == (36, 48, 3)  # decoded at the file's own size and orientation
        assert np.abs(out - source).mean() < 40  # two Adam steps from the decoded photo, not from garbage


@pytest.mark.slow
def test_the_main_job_writes_a_512px_result_that_meets_the_quality_bar(tmp_path):
    """`tf-nst stylize` with no arguments: the bundled example at the default's 512 px, both scales
    shown with their iterations and losses, and a result with Gram ratio <= 0.45 and luminance SSIM
    >= 0.38 (the time-to-quality bar; its time is measured by tools/time_to_quality.py)."""
    from tf_nst.media import images
    from tf_nst.perceptual import metrics
    result = run_cli("stylize", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "scale 1/2" in result.stdout and "scale 2/2" in result.stdout and "content" in result.stdout
    assert {p.name for p in tmp_path.iterdir()} == {"stylized.png", "stylized.json", "stylized_loss.png"}
    image = images.load_image(tmp_path / "stylized.png")
    assert max(image.shape[:2]) == 512
    numbers = metrics.evaluate(image, images.load_image(images.EXAMPLE_CONTENT), images.load_image(images.EXAMPLE_STYLE))
    assert numbers["gram_ratio_to_content"] <= 0.45 and numbers["ssim_luminance"] >= 0.38, numbers


def test_ctrl_c_saves_the_current_image(tmp_path):
    out = tmp_path / "out.png"
    process = subprocess.Popen(
        [sys.executable, "-m", "tf_nst.cli.main", "stylize", "--output", str(out), "--config.steps=1000000",
         "--config.image_size=48", "--config.optimizer=adam"], cwd=tmp_path, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    deadline = time.time() + 120
    while time.time() < deadline and "step" not in (process.stdout.readline() or ""):
        pass
    time.sleep(5)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert Image.open(out).size == (48, 32)
    assert 0 < len(json.loads(out.with_suffix(".json").read_text())["history"]) < 1000000


def test_evaluate_prints_one_json_object(tmp_path):
    result = run_cli("evaluate", "--content", CONTENT, "--style", STYLE, "--image", CONTENT, "--max_size=128")
    assert result.returncode == 0, result.stderr[-2000:]
    numbers = json.loads(result.stdout.strip().splitlines()[-1])
    assert numbers["ssim_luminance"] == pytest.approx(1.0) and numbers["content_distance"] == 0.0
    assert numbers["gram_ratio_to_content"] == pytest.approx(1.0)
    assert set(numbers["gram_distance_per_layer"]) == {"relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"}


@pytest.mark.slow
def test_gatys2016_reaches_the_quality_bar_at_256px(tmp_path):
    """The issue's acceptance run (precision auto: float32 without native bf16): Gram ratio <= 0.45, luminance SSIM >= 0.25."""
    content, style, out = str(DATA / "content" / "tubingen.jpg"), str(DATA / "styles" / "starry_night.jpg"), tmp_path / "o.png"
    result = run_cli("stylize", "--config=gatys2016", f"--content={content}", f"--style={style}",
                     f"--output={out}", "--config.image_size=256", "--config.steps=150",
                     timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    evaluation = run_cli("evaluate", f"--content={content}", f"--style={style}", f"--image={out}")
    numbers = json.loads(evaluation.stdout.strip().splitlines()[-1])
    assert numbers["gram_ratio_to_content"] <= 0.45, numbers
    assert numbers["ssim_luminance"] >= 0.25, numbers


def test_a_listing_read_by_a_reader_that_leaves_early_ends_quietly():
    """`tf-nst transfer --list_models | head -1`: the reader closes the pipe before the listing is
    written; the command exits 141 (as a shell reports SIGPIPE) with no traceback."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written
    try:
        result = subprocess.run([sys.executable, "-m", "tf_nst.cli.main", "transfer", "--list_models"], cwd=REPO,
                                stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
    finally:
        os.close(write)
    assert result.returncode == 141 and "Traceback" not in result.stderr, result.stderr[-500:]
