"""The web page (``tf-nst serve``): every fast mode and the optimization
presets in the browser, on Gradio, over the library's public API (:mod:`tf_nst.web.backend`).

Works offline: no share link, no analytics, no fonts or scripts from a CDN; uploads and results
live in a temporary folder that is removed when the server stops.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import IO

from tf_nst.web.backend import PageBackend, PageSettings

__all__ = ["PageBackend", "PageSettings", "serve", "start_server"]

_OFFLINE = {"GRADIO_ANALYTICS_ENABLED": "False", "GRADIO_SHARE": "False", "HF_HUB_OFFLINE": "1"}


def serve(settings: PageSettings = PageSettings(), host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve the page on ``host:port`` (127.0.0.1: this machine only) until Ctrl-C; the temporary
    folder and the environment are restored afterwards."""
    temp = tempfile.mkdtemp(prefix="tf_nst_web_")
    saved = {name: os.environ.get(name) for name in [*_OFFLINE, "GRADIO_TEMP_DIR"]}
    os.environ.update(_OFFLINE, GRADIO_TEMP_DIR=temp)  # read by Gradio when it starts and saves files
    page, backend = None, PageBackend(settings)
    try:
        from tf_nst.web.page import EXAMPLES, build_page
        page = build_page(backend)
        page.queue(max_size=32)
        page.launch(server_name=host, server_port=port, share=False, max_file_size=f"{settings.max_upload_mb}mb",
                    allowed_paths=[str(EXAMPLES)], footer_links=[], ssr_mode=False, inbrowser=False)
    finally:
        if page is not None:
            page.close()
        backend.worker.close()
        shutil.rmtree(temp, ignore_errors=True)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def start_server(log: IO | None = None, timeout: float = 180.0) -> tuple[subprocess.Popen, str]:
    """``tf-nst serve`` in a child process on a free local port, returned with its address once the
    page answers (for notebooks, tests and benchmarks). Stop it with ``process.send_signal(SIGINT)``
    (it then removes its files) and ``process.wait()``. Raises RuntimeError if it does not start."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    package_root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    process = subprocess.Popen([sys.executable, "-m", "tf_nst.cli.main", "serve", f"--port={port}"],
                               stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               env={**os.environ, "PYTHONPATH": path})
    url, deadline = f"http://127.0.0.1:{port}/", time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return process, url
        except OSError:
            code = process.poll()
            if code is not None or time.monotonic() > deadline:
                process.kill()
                process.wait()
                reason = f"exit code {code}" if code is not None else f"no answer within {timeout:g} s"
                raise RuntimeError(f"tf-nst serve did not start on port {port} ({reason})") from None
            time.sleep(0.5)
