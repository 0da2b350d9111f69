"""What the web page does, without the page: the fast and the optimize modes as plain functions
over the library's public API (:func:`tf_nst.load_model`, :func:`tf_nst.transfer.pipeline.transfer_image`,
:func:`tf_nst.optimization.stylize.stylize`, :func:`tf_nst.segmentation.masks.make_mask`). Gradio-free, so it is tested and
benchmarked directly; :mod:`tf_nst.web.page` wires it to widgets.
"""
from __future__ import annotations

import collections
import dataclasses
import hashlib
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from tf_nst.media import images

from tf_nst.segmentation import masks

from tf_nst.networks import store as model_files
from tf_nst.config.presets import PRESETS_DIR
from tf_nst.core.errors import UserError
from tf_nst.web.worker import OptimizationWorker

#: The region choices of the fast tab: label -> (mask region, or None for the whole photo).
REGIONS = {"whole photo": None, "people only": "foreground", "background only (keep people)": "background"}
COLORS = {"painting's colours": "none", "photo's colours": "luminance"}
PAINTINGS_KEPT = 8  # encoded paintings kept in memory


@dataclasses.dataclass
class PageSettings:
    """Limits and folders of one page; each field is the ``tf-nst serve`` flag of that name."""

    models_dir: str | None = None  # trained models (tf-nst train folders, .npz files) listed beside the bundled
    weights_dir: str | None = None  # VGG / segmentation weights (default $TF_NST_WEIGHTS_DIR)
    configs_dir: str | None = None  # optimization presets (*.py); default: the package's presets
    max_pixels: int = 40_000_000  # larger uploads are refused before decoding (decompression bombs)
    max_upload_mb: int = 50  # larger uploads are refused by the server
    max_size: int = 2048  # longest output side, fast modes
    max_optimize_size: int = 1024  # longest output side, optimization
    max_steps: int = 1000  # iterations at full size, optimization


@dataclasses.dataclass
class OptimizationUpdate:
    """One step of a running optimization, as the page shows it."""

    image: np.ndarray  # uint8 [H, W, 3]
    steps: list[int]
    losses: list[float]
    status: str


def _readable(error: UserError, path: str | None) -> str:
    """The error's message with an upload's temporary folder left out."""
    message = str(error)
    return message.replace(str(path), Path(path).name) if path else message


def load_upload(path: str | None, what: str, max_pixels: int) -> np.ndarray:
    """An uploaded image file as uint8 [H, W, 3]; UserError (without the temp path) if missing or bad."""
    if not path:
        raise UserError(f"upload a {what} first")
    try:
        return images.load_image(path, what, max_pixels, np.uint8)
    except UserError as error:
        raise UserError(_readable(error, path)) from None


class PageBackend:
    """Loaded models, presets and the optimizations of one server."""

    def __init__(self, settings: PageSettings = PageSettings()):
        self.settings = settings
        self._models: dict[str, object] = {}
        self._models_lock = threading.Lock()
        self._stops: dict[str, threading.Event] = {}
        self._paintings: collections.OrderedDict = collections.OrderedDict()
        self.worker = OptimizationWorker()

    # -- fast -------------------------------------------------------------------------------
    def model_names(self) -> list[str]:
        """Bundled models (``universal`` first: any painting; a bundled multi-style network by its
        styles), then those in ``models_dir``."""
        names = model_files.style_models(self.settings.models_dir)
        return sorted(names, key=lambda name: (name != model_files.UNIVERSAL, not self.takes_painting(name), name))

    def takes_painting(self, name: str) -> bool:
        """True for a universal model (the page then asks for a painting)."""
        return model_files.takes_style(name, self.settings.models_dir)

    def model(self, name: str):
        """The loaded model of that name (loaded once)."""
        found = model_files.find_models(self.settings.models_dir)
        if name not in found:
            raise UserError(f"unknown model {name!r}")
        with self._models_lock:
            if name not in self._models:
                from tf_nst.models.loading import load_model
                self._models[name] = load_model(name, weights_dir=self.settings.weights_dir,
                                                models_dir=self.settings.models_dir)
            return self._models[name]

    def mask(self, photo: np.ndarray, region: str) -> np.ndarray | None:
        """The people mask (DeepLabV3) for a region choice of :data:`REGIONS`; None for the whole photo."""
        if region not in REGIONS:
            raise UserError(f"unknown region {region!r}")
        if REGIONS[region] is None:
            return None
        return masks.make_mask(photo, "deeplabv3:person", masks.MaskOptions(region=REGIONS[region]),
                               self.settings.weights_dir)

    def transfer(self, photo_path: str | None, model_name: str, painting_path: str | None = None,
                 strength: float = 1.0, colours: str = "painting's colours", region: str = "whole photo",
                 size: int = 512) -> tuple[np.ndarray, np.ndarray | None]:
        """Fast mode: (result uint8, mask preview uint8 or None) for an uploaded photo (and painting,
        for the universal model); the result's long side is at most ``size``."""
        from tf_nst.transfer.options import TransferOptions
        from tf_nst.transfer.pipeline import transfer_image
        if not 16 <= size <= self.settings.max_size:
            raise UserError(f"output size must be 16..{self.settings.max_size} px, got {size}")
        photo = load_upload(photo_path, "photo", self.settings.max_pixels)
        if max(photo.shape[:2]) > size:
            photo = np.clip(np.rint(images.resize_long_side(photo.astype(np.float32), size)), 0, 255).astype(np.uint8)
        model = self.model(model_name)
        options = TransferOptions(strength=strength, preserve_color=COLORS.get(colours, colours))
        if model.needs_style:
            options.styles = [self._encoded_painting(model, painting_path, options.style_size)]
        mask = self.mask(photo, region)
        result = transfer_image(model, photo, options.check(model), mask, out_dtype=np.uint8)
        preview = None if mask is None else np.clip(masks.overlay(photo.astype(np.float32), mask), 0, 255).astype(
            np.uint8)
        return result, preview

    def _encoded_painting(self, model, path: str | None, style_size: int):
        """The painting's encoded statistics, kept for the last few paintings (Stylize again with another
        strength, colours or photo does not encode it again)."""
        key = (hashlib.sha256(Path(path).read_bytes()).hexdigest() if path and Path(path).is_file() else None,
               style_size)
        with self._models_lock:
            if key[0] is not None and key in self._paintings:
                self._paintings.move_to_end(key)
                return self._paintings[key]
        encoded = model.encode_style(load_upload(path, "painting", self.settings.max_pixels).astype(np.float32),
                                     style_size)
        with self._models_lock:
            self._paintings[key] = encoded
            while len(self._paintings) > PAINTINGS_KEPT:
                self._paintings.popitem(last=False)
        return encoded

    # -- optimize ---------------------------------------------------------------------------
    def presets(self) -> dict[str, Path]:
        """Optimization presets by name: "default" (`tf-nst stylize`'s own), then the
        ``kind="optimization"`` presets (or files of ``configs_dir``)."""
        folder = Path(self.settings.configs_dir) if self.settings.configs_dir else PRESETS_DIR
        from tf_nst import config as config_lib
        from tf_nst.config.presets import default as default_config
        found = {"default": Path(default_config.__file__)}
        for path in sorted(folder.glob("[!_]*.py")) if folder.is_dir() else []:
            try:
                if config_lib.load_config_file(str(path)).kind == "optimization":
                    found[path.stem] = path
            except Exception:  # noqa: BLE001  (not a preset: left off the list)
                continue
        return found

    def config(self, preset: str, size: int, steps: int, style_weight_scale: float, colours: str):
        """The preset's config with the page's knobs applied (size, iterations, style weight ×, colours)."""
        from tf_nst import config as config_lib
        presets = self.presets()
        if preset not in presets:
            raise UserError(f"unknown preset {preset!r}")
        if not 16 <= size <= self.settings.max_optimize_size:
            raise UserError(f"size must be 16..{self.settings.max_optimize_size} px, got {size}")
        if not 1 <= steps <= self.settings.max_steps:
            raise UserError(f"iterations must be 1..{self.settings.max_steps}, got {steps}")
        if not 0 < style_weight_scale <= 1000:
            raise UserError(f"style weight factor must be in (0, 1000], got {style_weight_scale}")
        config = config_lib.load_config_file(str(presets[preset]))
        config.image_size = int(size)
        config.steps = int(steps)
        config.style_weight = config.style_weight * style_weight_scale
        config.preserve_color = COLORS.get(colours, colours)
        return config_lib.validate(config)

    def optimize(self, session: str, photo_path: str | None, painting_path: str | None, preset: str,
                 size: int = 256, steps: int = 100, style_weight_scale: float = 1.0,
                 colours: str = "painting's colours", min_interval: float = 0.3) -> Iterator[OptimizationUpdate]:
        """Optimize mode: run the preset in the optimization process (:mod:`tf_nst.web.worker`) and yield
        its current image and loss curve after steps (at most every ``min_interval`` seconds, and
        always the last one). :meth:`stop` with the same ``session`` (or closing the generator) ends
        it after the current step, keeping the current image."""
        config = self.config(preset, size, steps, style_weight_scale, colours)
        photo = load_upload(photo_path, "photo", self.settings.max_pixels).astype(np.float32)
        painting = load_upload(painting_path, "painting", self.settings.max_pixels).astype(np.float32)
        stop = self._stops[session] = threading.Event()
        from tf_nst.optimization.stylize import scales_to_run
        total = sum(steps for _, _, steps in scales_to_run(config, photo.shape, [painting.shape]))
        steps_seen, losses, shown = [], [], 0.0
        try:
            for step, image, value in self.worker.run(photo, painting, config, self.settings.weights_dir, stop):
                if step == "done":
                    reason = f" ({value})" if value else ""
                    yield OptimizationUpdate(image, steps_seen, losses,
                                             f"finished: {len(steps_seen)}/{total} steps{reason}")
                    return
                steps_seen, losses = steps_seen + [step], losses + [value]
                if time.monotonic() - shown >= min_interval:
                    shown = time.monotonic()
                    yield OptimizationUpdate(image, steps_seen, losses, f"step {step}/{total}")
        finally:
            if self._stops.get(session) is stop:
                del self._stops[session]

    def stop(self, session: str) -> bool:
        """Ask the session's optimization to stop after its current step; False if none runs."""
        stop = self._stops.get(session)
        if stop is None:
            return False
        stop.set()
        return True

