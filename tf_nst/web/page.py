"""The Gradio page: a Fast tab and an Optimize tab wired to :class:`tf_nst.web.backend.PageBackend`.

Handlers are plain (synchronous) functions, so Gradio runs them on its worker threads, never on
the server's event loop. One optimization runs at a time (Gradio's queue shows the others their
position); the fast tab has its own queue and stays usable meanwhile.
"""
from __future__ import annotations

import functools
import inspect
import sys
import traceback

import gradio as gr
import numpy as np
import pandas as pd

from tf_nst.config.presets import default as default_config

from tf_nst.media import images

from tf_nst.networks import store as model_files
from tf_nst.core.errors import UserError
from tf_nst.web.backend import COLORS, REGIONS, PageBackend, load_upload

EXAMPLES = model_files.BUNDLED_DIR.parent / "assets"
PREVIEW_SIZE = 1024  # long side of the upload previews sent back to the browser


def _on_page(handler):
    """Show a handler's errors on the page as a one-line message (the full trace goes to the server log)."""
    def message(error: Exception) -> gr.Error:
        if isinstance(error, UserError):
            return gr.Error(str(error))
        traceback.print_exc(file=sys.stderr)
        return gr.Error(f"something went wrong ({type(error).__name__}: {str(error).splitlines()[0][:200]})")

    if inspect.isgeneratorfunction(handler):
        @functools.wraps(handler)
        def generator(*args, **kwargs):
            try:
                yield from handler(*args, **kwargs)
            except Exception as error:  # noqa: BLE001
                raise message(error) from None
        return generator

    @functools.wraps(handler)
    def function(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except Exception as error:  # noqa: BLE001
            raise message(error) from None
    return function


def _preview_of(backend: PageBackend):
    @_on_page
    def preview(path: str | None, what: str = "image") -> np.ndarray | None:
        if not path:
            return None
        image = load_upload(path, what, backend.settings.max_pixels)
        if max(image.shape[:2]) > PREVIEW_SIZE:
            image = np.clip(images.resize_long_side(image.astype(np.float32), PREVIEW_SIZE), 0, 255).astype(np.uint8)
        return image
    return preview


def _upload(label: str, elem_id: str, preview, visible: bool = True) -> tuple[gr.File, gr.Row]:
    """An image upload and its preview (an unreadable file shows its error at once)."""
    with gr.Row(visible=visible) as row:
        file = gr.File(label=label, file_types=["image"], type="filepath", height=160, elem_id=elem_id)
        shown = gr.Image(label=f"{label} preview", interactive=False, height=160, buttons=["fullscreen"],
                         elem_id=f"{elem_id}_preview")
    file.change(lambda path: preview(path, label.lower()), file, shown, concurrency_id="fast", api_name=False)
    return file, row


def _result(label: str, elem_id: str, **kwargs) -> gr.Image:
    return gr.Image(label=label, format="png", interactive=False, buttons=["download", "fullscreen"], height=480,
                    elem_id=elem_id, **kwargs)


def _fast_tab(backend: PageBackend, preview) -> None:
    names = backend.model_names()
    default = next((name for name in names if not backend.takes_painting(name)), names[0])
    with gr.Row():
        with gr.Column():
            photo, _ = _upload("Photo", "fast_photo", preview)
            model = gr.Dropdown(names, value=default, label="Model", elem_id="fast_model",
                                info="a bundled or trained network, or universal: any painting")
            painting, painting_row = _upload("Painting", "fast_painting", preview, backend.takes_painting(default))
            strength = gr.Slider(0.0, 1.0, 1.0, step=0.05, label="Strength", elem_id="fast_strength")
            colours = gr.Radio(list(COLORS), value=next(iter(COLORS)), label="Colours")
            region = gr.Radio(list(REGIONS), value=next(iter(REGIONS)), label="Stylize",
                              info="people are found with DeepLabV3")
            size = gr.Slider(64, backend.settings.max_size, 512, step=16, label="Output long side (px)",
                             elem_id="fast_size")
            run = gr.Button("Stylize", variant="primary", elem_id="fast_run")
        with gr.Column():
            result = _result("Result", "fast_result")
            mask = _result("Mask (tinted: stylized)", "fast_mask", visible=False)
            gr.Examples([[str(EXAMPLES / "chelsea.jpg")]], inputs=[photo], label="Example photo")
    model.change(lambda name: gr.update(visible=backend.takes_painting(name)), model, painting_row, queue=False,
                 api_name=False)
    region.change(lambda choice: gr.update(visible=REGIONS[choice] is not None), region, mask, queue=False, api_name=False)
    run.click(_on_page(backend.transfer), [photo, model, painting, strength, colours, region, size], [result, mask],
              concurrency_id="fast", concurrency_limit=1, api_name="transfer")


def _optimize_tab(backend: PageBackend, preview) -> None:
    presets = list(backend.presets())
    default = default_config.get_config()
    with gr.Row():
        with gr.Column():
            photo, _ = _upload("Photo", "opt_photo", preview)
            painting, _ = _upload("Painting", "opt_painting", preview)
            preset = gr.Dropdown(presets, value="default", label="Preset (the default, then one per paper)",
                                 elem_id="opt_preset")
            size = gr.Slider(16, backend.settings.max_optimize_size, min(default.image_size,
                             backend.settings.max_optimize_size), step=16, label="Long side (px)", elem_id="opt_size")
            steps = gr.Slider(1, backend.settings.max_steps, default.steps, step=1, label="Iterations (at full size)",
                              elem_id="opt_steps")
            style_weight = gr.Slider(0.1, 10.0, 1.0, step=0.1, label="Style weight × (the preset's)")
            colours = gr.Radio(list(COLORS), value=next(iter(COLORS)), label="Colours")
            with gr.Row():
                start = gr.Button("Optimize", variant="primary", elem_id="opt_run")
                stop = gr.Button("Stop (keep the current image)", variant="stop", elem_id="opt_stop")
        with gr.Column():
            image = _result("Current image", "opt_result")
            status = gr.Textbox(label="Status", interactive=False, elem_id="opt_status")
            curve = gr.LinePlot(x="step", y="log10 loss", label="Loss", elem_id="opt_curve")

    @_on_page
    def optimize(photo_path, painting_path, preset_name, size_px, iterations, weight, color_choice,
                 request: gr.Request):
        for update in backend.optimize(request.session_hash, photo_path, painting_path, preset_name, int(size_px),
                                       int(iterations), float(weight), color_choice):
            losses = pd.DataFrame({"step": update.steps, "log10 loss": np.log10(np.maximum(update.losses, 1e-30))})
            yield update.image, update.status, losses

    def stop_optimization(request: gr.Request) -> None:
        if not backend.stop(request.session_hash):
            gr.Info("no optimization of yours is running")

    start.click(optimize, [photo, painting, preset, size, steps, style_weight, colours], [image, status, curve],
                concurrency_id="optimize", concurrency_limit=1, api_name="optimize")
    stop.click(stop_optimization, None, None, queue=False, api_name="stop")


def build_page(backend: PageBackend) -> gr.Blocks:
    """The whole page (not launched)."""
    preview = _preview_of(backend)
    with gr.Blocks(title="tf_nst: neural style transfer", analytics_enabled=False,
                   delete_cache=(600, 3600)) as page:
        gr.Markdown("## tf_nst: neural style transfer\nFast: a trained network, or any painting with the universal "
                    "model, in about a second. Optimize: the papers' methods (Gatys et al. and successors), "
                    "minutes. Train networks with `tf-nst train`; pass their folder as `--models_dir`.")
        with gr.Tab("Fast", id="fast", elem_id="tab_fast"):
            _fast_tab(backend, preview)
        with gr.Tab("Optimize", id="optimize", elem_id="tab_optimize"):
            _optimize_tab(backend, preview)
    return page
