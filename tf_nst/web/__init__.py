"""The web page (``tf-nst serve``, ``python -m tf_nst.web``): every fast mode and the optimization
presets in the browser, on Gradio, over the library's public API (:mod:`tf_nst.web.backend`).

Works offline: no share link, no analytics, no fonts or scripts from a CDN; uploads and results
live in a temporary folder that is removed when the server stops.
"""
from __future__ import annotations

import os
import shutil
import tempfile

from tf_nst.web.backend import PageBackend, PageSettings

__all__ = ["PageBackend", "PageSettings", "serve"]

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
