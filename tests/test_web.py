"""The web page in a real browser: `tf-nst serve` on a free port, driven by Debian's headless Chromium
through Selenium and chromedriver (installed by the README's test line; never skipped)."""
from __future__ import annotations

import io
import re
import signal
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from conftest import DATA, REPO

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
pytestmark = pytest.mark.timeout(600)
TEMP_FOLDERS: set[str] = set()  # where the server keeps uploads and results (seen in the result's address)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`tf-nst serve` in its own process; yields (url, process). Stopped with Ctrl-C at the end."""
    from tf_nst.web import start_server
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "w") as out:
        try:
            process, url = start_server(out)
        except RuntimeError as error:
            pytest.fail(f"{error}\n{log.read_text()}")
    yield url, process
    process.send_signal(signal.SIGINT)
    process.wait(60)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--window-size=1400,1400"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _wait(condition, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds}s waiting for {what}")


def _image_src(browser, elem_id: str) -> str | None:
    found = browser.find_elements(By.CSS_SELECTOR, f"#{elem_id} img")
    return found[0].get_attribute("src") if found else None


def _fetch(src: str) -> np.ndarray:
    with urllib.request.urlopen(src, timeout=30) as response:
        return np.asarray(Image.open(io.BytesIO(response.read())).convert("RGB"), np.float32)


def _upload(browser, elem_id: str, path: Path) -> None:
    """Choose ``path`` in an upload box (clearing the file it holds first)."""
    for clear in browser.find_elements(By.CSS_SELECTOR, f"#{elem_id} button[aria-label='Clear']"):
        clear.click()
    field = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, f"#{elem_id} input[type=file]"), 10, "the upload box")
    field[0].send_keys(str(path))


def _set_number(browser, elem_id: str, value: int) -> None:
    field = browser.find_element(By.CSS_SELECTOR, f"#{elem_id} input[type=number]")
    field.clear()
    field.send_keys(str(value), "\t")


def _toasts(browser) -> list[str]:
    return [text for toast in browser.find_elements(By.CSS_SELECTOR, ".toast-body") if (text := toast.text.strip())]


def _stylize(browser, photo: Path) -> np.ndarray:
    """Upload ``photo`` in the Fast tab, press Stylize, return the new result image."""
    before = _image_src(browser, "fast_result")
    _upload(browser, "fast_photo", photo)
    _wait(lambda: _image_src(browser, "fast_photo_preview"), 30, "the photo preview")
    browser.find_element(By.ID, "fast_run").click()
    src = _wait(lambda: (src := _image_src(browser, "fast_result")) and src != before and src, 120, "the result")
    TEMP_FOLDERS.update(re.findall(r"file=(/.*?/tf_nst_web_\w+)/", src))
    return _fetch(src)


@pytest.mark.slow
def test_fast_mode_in_a_real_browser(server, browser, tmp_path):
    url, process = server
    photo = tmp_path / "photo.jpg"  # smaller than the size slider's 512 px, so the output keeps its size
    Image.open(DATA / "content" / "golden_gate.jpg").convert("RGB").resize((384, 256)).save(photo, quality=95)
    browser.get(url)
    _wait(lambda: browser.find_elements(By.ID, "fast_run"), 60, "the page")
    browser.find_element(By.CSS_SELECTOR, "#fast_model input").click()  # pick a bundled model from the list
    browser.find_element(By.XPATH, "//li[@role='option' and @aria-label='wave']").click()
    assert browser.find_element(By.CSS_SELECTOR, "#fast_model input").get_attribute("value") == "wave"

    result = _stylize(browser, photo)
    original = np.asarray(Image.open(photo), np.float32)
    assert result.shape == original.shape
    assert np.abs(result - original).mean() > 20  # restyled, not the photo back

    not_an_image = tmp_path / "notes.jpg"
    not_an_image.write_text("a text file with an image's name\n")
    _upload(browser, "fast_photo", not_an_image)
    messages = _wait(lambda: _toasts(browser), 30, "an error message")
    assert any("notes.jpg" in text and "not a readable image" in text for text in messages), messages
    assert not any("Traceback" in text or str(tmp_path) in text for text in messages)

    other = tmp_path / "other.png"
    Image.open(DATA / "content" / "tubingen.jpg").convert("RGB").resize((320, 240)).save(other)
    again = _stylize(browser, other)  # the server still answers
    assert again.shape == (240, 320, 3) and process.poll() is None
    hosts = {re.sub(r"^\w+://([^/]+)/.*$", r"\1", entry["name"]) for entry in
             browser.execute_script("return performance.getEntriesByType('resource')")}
    assert hosts <= {url.split("/")[2]}, f"the page fetched from other hosts: {hosts}"  # offline


@pytest.mark.slow
def test_optimization_updates_and_stops_in_a_real_browser(server, browser):
    url, _ = server
    browser.get(url)
    _wait(lambda: browser.find_elements(By.ID, "tab_optimize-button") or browser.find_elements(
        By.XPATH, "//button[@role='tab' and contains(., 'Optimize')]"), 60, "the page")
    browser.find_element(By.XPATH, "//button[@role='tab' and contains(., 'Optimize')]").click()
    _upload(browser, "opt_photo", DATA / "content" / "chicago.jpg")
    _upload(browser, "opt_painting", REPO / "tf_nst" / "assets" / "starry_night.jpg")
    _wait(lambda: _image_src(browser, "opt_painting_preview") and _image_src(browser, "opt_photo_preview"), 30,
          "the previews")
    _set_number(browser, "opt_size", 64)
    _set_number(browser, "opt_steps", 200)
    browser.find_element(By.ID, "opt_run").click()

    seen: list[str] = []

    def updated_twice():
        src = _image_src(browser, "opt_result")
        if src and (not seen or seen[-1] != src):
            seen.append(src)
        return len(seen) >= 2
    _wait(updated_twice, 240, "two image updates")
    browser.find_element(By.ID, "opt_stop").click()
    status = _wait(lambda: (text := browser.find_element(By.CSS_SELECTOR, "#opt_status textarea").get_attribute(
        "value")).startswith("finished") and text, 60, "the stopped status")
    stopped_after = int(re.search(r"stopped after step (\d+)", status).group(1))
    assert 2 <= stopped_after < 200, status
    current = _fetch(_wait(lambda: _image_src(browser, "opt_result"), 10, "the current image"))
    assert max(current.shape[:2]) == 64


@pytest.mark.slow  # the folder it checks is the one the browser tests above saw the page use
def test_the_server_stops_on_ctrl_c_and_removes_its_files(server):
    _, process = server
    assert len(TEMP_FOLDERS) == 1 and Path(next(iter(TEMP_FOLDERS))).is_dir(), TEMP_FOLDERS
    process.send_signal(signal.SIGINT)
    assert process.wait(60) in (0, 130)
    assert not Path(next(iter(TEMP_FOLDERS))).exists()


def test_bad_serve_flags_are_one_line_errors(tmp_path):
    from conftest import run_cli_in_process
    for flag, fragment in (("--models_dir=" + str(tmp_path / "missing"), "models folder not found"),
                           ("--port=70000", "--port must be")):
        result = run_cli_in_process("serve", flag)
        lines = result.stderr.strip().splitlines()
        assert result.returncode == 2 and len(lines) == 1 and fragment in lines[0], result.stderr


def test_the_page_restyles_only_the_background_with_any_painting():
    """What the Fast tab does with the universal model and "background only (keep people)"."""
    from tf_nst.media import images
    from tf_nst.web.backend import PageBackend
    backend = PageBackend()
    photo = sorted((DATA / "people" / "images").iterdir())[0]
    result, preview = backend.transfer(str(photo), "universal", str(DATA / "styles" / "starry_night.jpg"),
                                       region="background only (keep people)", size=256)
    small = np.clip(np.rint(images.resize_long_side(images.load_image(photo), 256)), 0, 255)
    assert result.shape == small.shape and preview.shape == small.shape
    people = backend.mask(small.astype(np.uint8), "people only")
    assert people.mean() > 0.05  # there is someone to keep
    difference = np.abs(result.astype(np.float32) - small).mean(-1)
    assert difference[people > 0.99].mean() < 1.0 and difference[people < 0.01].mean() > 20


def test_start_server_says_why_a_server_did_not_start():
    """A server that does not answer in time is stopped, and the error gives the reason."""
    from tf_nst.web import start_server
    with pytest.raises(RuntimeError, match=r"did not start on port \d+ \(no answer within 0.5 s\)"):
        start_server(timeout=0.5)
