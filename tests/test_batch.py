"""tf-nst batch on Apache Beam (in-process FnApiRunner), with real photos and the real bundled network:
the same pixels as tf-nst transfer, dead letters for what cannot be read, resumable, nothing partial."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import DATA, REPO, run_cli, run_cli_in_process

pytest.importorskip("apache_beam")
RUNNER = "--runner=FnApiRunner"  # offline: the DirectRunner would first try to download Prism


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """The ten content photos at 160 px, a truncated JPEG and a text file named .jpg. The photos are
    PNG: outputs keep their input's format, and a lossy JPEG re-encoding would turn a one-level
    difference (the network batched otherwise by Beam than by tf-nst transfer, float32) into
    several, so only lossless outputs can show the 1/255 bar."""
    from tf_nst.media import images
    folder = tmp_path_factory.mktemp("photos")
    for path in sorted((DATA / "content").iterdir())[:10]:
        images.save_image(folder / f"{path.stem}.png", images.resize_long_side(images.load_image(path), 160))
    whole = (DATA / "content" / "chicago.jpg").read_bytes()
    (folder / "truncated.jpg").write_bytes(whole[: len(whole) // 3])
    (folder / "notes.jpg").write_text("this is not a photo\n")
    return folder


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_batch_gives_transfers_pixels_dead_letters_and_skips_on_rerun(photos, tmp_path):
    from tf_nst.media import images
    output = tmp_path / "out"
    result = run_cli("batch", f"--input={photos}/*", f"--output={output}", "--model=starry_night", RUNNER)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "processed 10, skipped 0, failed 2" in result.stdout
    manifest, dead = _lines(output / "manifest.jsonl"), _lines(output / "dead_letter.jsonl")
    assert len(manifest) == 10 and all(line["model"] == "starry_night" and line["seconds"] > 0 for line in manifest)
    assert sorted(Path(line["input"]).name for line in dead) == ["notes.jpg", "truncated.jpg"]
    assert all("not a readable image" in line["reason"] or "could not be decoded" in line["reason"] for line in dead)
    written = sorted(p.name for p in output.iterdir() if not p.name.endswith(".jsonl"))
    assert len(written) == 10 and not any(name.startswith(".") for name in written)
    reference = tmp_path / "reference"
    transfer = run_cli("transfer", "--model=starry_night", f"--input={photos}", f"--output={reference}")
    assert transfer.returncode == 0, transfer.stderr[-2000:]
    for name in written:
        assert np.abs(images.load_image(output / name) - images.load_image(reference / name)).max() <= 1.0, name
        size = images.load_image(output / name).shape
        assert [line["size"] for line in manifest if Path(line["output"]).name == name] == [[size[1], size[0]]]
    before = {p.name: p.stat().st_mtime_ns for p in output.iterdir()}
    again = run_cli("batch", f"--input={photos}/*", f"--output={output}", "--model=starry_night", RUNNER)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "processed 0, skipped 10, failed 2" in again.stdout
    after = {p.name: p.stat().st_mtime_ns for p in output.iterdir()}
    assert {k: v for k, v in after.items() if not k.endswith(".jsonl")} == \
        {k: v for k, v in before.items() if not k.endswith(".jsonl")}
    assert _lines(output / "manifest.jsonl") == manifest and len(_lines(output / "dead_letter.jsonl")) == 2


def test_a_killed_batch_resumes_and_leaves_nothing_partial(photos, tmp_path):
    from tf_nst.media import images
    output = tmp_path / "out"
    command = [sys.executable, "-m", "tf_nst.cli.main", "batch", f"--input={photos}/*", f"--output={output}",
               "--model=starry_night", "--max_batch_size=1", RUNNER]
    process = subprocess.Popen(command, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        done = [p for p in output.glob("*") if not p.name.startswith(".") and not p.name.endswith(".jsonl")]
        if len(done) >= 2:
            break
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    first = [p.name for p in output.glob("*") if not p.name.startswith(".") and not p.name.endswith(".jsonl")]
    assert 2 <= len(first) < 10, f"the run was not cut halfway ({len(first)} outputs)"
    for name in first:  # what a killed run left under a real name is whole
        images.load_image(output / name)
    resumed = run_cli("batch", f"--input={photos}/*", f"--output={output}", "--model=starry_night", RUNNER)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"skipped {len(first)}," in resumed.stdout and f"processed {10 - len(first)}," in resumed.stdout
    names = sorted(p.name for p in output.iterdir())
    assert not any(name.startswith(".") for name in names), names  # no partial or run files left
    assert len([n for n in names if not n.endswith(".jsonl")]) == 10
    assert len(_lines(output / "manifest.jsonl")) == 10


def test_batch_refuses_bad_arguments_in_one_line(tmp_path, photos):
    nothing = run_cli_in_process("batch", f"--input={tmp_path}/none/*.jpg", f"--output={tmp_path / 'o'}", RUNNER)
    assert nothing.returncode == 2 and "no files match" in nothing.stderr and "Traceback" not in nothing.stderr
    unknown = run_cli_in_process("batch", f"--input={photos}/*", f"--output={tmp_path / 'o'}", "--model=nope", RUNNER)
    assert unknown.returncode == 2 and "unknown model" in unknown.stderr
    same = run_cli_in_process("batch", f"--input={photos}/*", f"--output={photos}", RUNNER)
    assert same.returncode == 2 and "refusing to overwrite" in same.stderr
    assert not list(photos.glob("*.jsonl"))
