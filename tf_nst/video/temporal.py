"""Temporal stabilization of stylized video and its measure (optical flow with OpenCV).

Stylizing frames one by one flickers: small changes in the input move the strokes. With
``method="flow"`` each new stylized frame S_t is blended with the previous output O_{t-1} carried
along the motion:

1. dense optical flow between consecutive *input* frames, both ways (OpenCV DIS), on grayscale;
2. ``W = warp(O_{t-1})``: the previous output moved to frame t by the backward flow (t -> t-1);
3. occlusions by forward-backward consistency (Sundaram et al. 2010, as Ruder et al. 2016 use it):
   a pixel is visible in both frames when following the backward flow and then the forward flow
   returns close to where it started, ``|b + f(x + b)|^2 <= 0.01 (|b|^2 + |f(x + b)|^2) + 0.5``;
4. ``M_t = S_t + blend * visible * (W - S_t)``: where the pixel was visible, the output keeps
   ``blend`` of what it showed there before; where it was occluded (or the flow is unreliable) the
   fresh stylization shows alone;
5. variance-preserving blend: averaging two textures whose strokes do not line up (the networks'
   strokes swim as the camera moves) lowers their contrast and washes the style out (Gram ratio
   0.47 -> 0.55 on bigbuckbunny at blend 0.75). So the detail of M_t (M_t minus a Gaussian blur of
   ``detail_sigma`` px) is scaled, per pixel, back to the local variance (a ``detail_window`` px
   box) interpolated between S_t's and W's, never down and at most 2x: where S_t and W agree the
   scale is 1, where their textures are uncorrelated it restores the contrast.
   Warps are bicubic (bilinear resampling, repeated frame after frame, blurs too).
6. scene cuts reset the blend: where the new input frame's gray-level histogram is far from the
   previous one's (Bhattacharyya distance above ``cut_threshold``), nothing of the previous shot is
   carried over, even where the flow happens to look consistent (flat sky on both sides of a cut).

:func:`warping_error` is Lai et al. 2018's temporal warping error (mean over frames of the
non-occluded |O_t - warp(O_{t-1})|, 0..1 scale) with the flow computed on the input frames.
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Iterable

import numpy as np

from tf_nst.perceptual import metrics

METHODS = ("none", "flow")
#: Forward-backward consistency: relative and absolute (px^2) tolerance.
CONSISTENCY_RELATIVE, CONSISTENCY_ABSOLUTE = 0.01, 0.5


@dataclasses.dataclass(frozen=True)
class TemporalOptions:
    """method: "flow" (stabilize) or "none" (frame by frame); blend: 0..1, how much of the warped
    previous output a visible pixel keeps; flow_preset: OpenCV DIS preset ("ultrafast", "fast",
    "medium"); detail_sigma, detail_window: the variance-preserving blend's detail scale and
    variance window in pixels; cut_threshold: the histogram distance (0..1) at which a frame starts
    a new shot (module docstring)."""

    method: str = "flow"
    blend: float = 0.8
    flow_preset: str = "fast"
    detail_sigma: float = 2.0
    detail_window: int = 9
    cut_threshold: float = 0.15

    def check(self) -> "TemporalOptions":
        from tf_nst.core.errors import UserError
        if self.method not in METHODS:
            raise UserError(f"unknown temporal method {self.method!r}; choose one of {', '.join(METHODS)}")
        if not 0.0 <= self.blend < 1.0:
            raise UserError(f"temporal blend must be from 0 to below 1, got {self.blend}")
        if self.flow_preset not in _PRESETS:
            raise UserError(f"unknown flow preset {self.flow_preset!r}; choose one of {', '.join(_PRESETS)}")
        if not 0.0 < self.cut_threshold <= 1.0:
            raise UserError(f"cut threshold must be above 0 and at most 1, got {self.cut_threshold}")
        return self


_PRESETS = {"ultrafast": 0, "fast": 1, "medium": 2}  # cv2.DISOPTICAL_FLOW_PRESET_*
#: Flows the measure can use: DIS "medium" (its default, finer than the stabilizer's DIS) and
#: Farneback's polynomial-expansion flow, a second view that shares nothing with DIS (Farneback
#: 2003; pyramid of 4 levels at scale 0.5, 15 px window, 3 iterations, 5 px polynomials, sigma 1.2).
MEASURE_FLOWS = ("medium", "farneback")
_FARNEBACK = (0.5, 4, 15, 3, 5, 1.2, 0)


class FlowEstimator:
    """Dense flow between RGB uint8 frames (DIS on grayscale, or Farneback for measuring:
    ``preset="farneback"``); ``flow(a, b)[y, x]`` is where the pixel (x, y) of ``a`` is found in
    ``b``, minus (x, y)."""

    def __init__(self, preset: str = "fast"):
        import cv2
        self._cv2 = cv2
        self._dis = None if preset == "farneback" else cv2.DISOpticalFlow_create(_PRESETS[preset])

    def gray(self, frame: np.ndarray) -> np.ndarray:
        return self._cv2.cvtColor(np.ascontiguousarray(frame, np.uint8), self._cv2.COLOR_RGB2GRAY)

    def flow(self, a_gray: np.ndarray, b_gray: np.ndarray) -> np.ndarray:
        if self._dis is None:
            return self._cv2.calcOpticalFlowFarneback(a_gray, b_gray, None, *_FARNEBACK)
        return self._dis.calc(a_gray, b_gray, None)

    def histogram(self, gray: np.ndarray) -> np.ndarray:
        """The normalised 64-bin gray-level histogram that :func:`is_cut` compares."""
        counts = self._cv2.calcHist([gray], [0], None, [64], [0, 256])
        return counts / max(float(counts.sum()), 1.0)

    def is_cut(self, previous_histogram: np.ndarray, histogram: np.ndarray, threshold: float) -> bool:
        """True where two consecutive frames belong to different shots: their gray-level histograms
        are further apart than ``threshold`` (Bhattacharyya distance, 0 = same, 1 = disjoint)."""
        return self._cv2.compareHist(previous_histogram, histogram, self._cv2.HISTCMP_BHATTACHARYYA) > threshold


def warp(image: np.ndarray, flow: np.ndarray, cubic: bool = False) -> np.ndarray:
    """``image`` sampled at (x, y) + flow[y, x] (bilinear or bicubic, edges replicated)."""
    import cv2
    coordinates = _grid(*flow.shape[:2]) + flow
    return cv2.remap(np.asarray(image, np.float32), coordinates[..., 0], coordinates[..., 1],
                     cv2.INTER_CUBIC if cubic else cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


@functools.lru_cache(maxsize=4)
def _grid(height: int, width: int) -> np.ndarray:
    """[H, W, 2] float32 pixel coordinates (x, y)."""
    return np.stack(np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32)), -1)


def visible(backward: np.ndarray, forward: np.ndarray) -> np.ndarray:
    """[H, W] bool: pixels of frame t whose backward flow (t -> t-1) and the forward flow
    (t-1 -> t) at its end agree, and whose end lies inside frame t-1."""
    returned = warp(forward, backward)
    error = np.sum((backward + returned) ** 2, -1)
    scale = np.sum(backward ** 2, -1) + np.sum(returned ** 2, -1)
    return (error <= CONSISTENCY_RELATIVE * scale + CONSISTENCY_ABSOLUTE) & _inside(backward)


class Stabilizer:
    """Feeds on (input frame, stylized frame) pairs in order; returns the stabilized frames."""

    def __init__(self, options: TemporalOptions = TemporalOptions()):
        self.options = options.check()
        self._flow = FlowEstimator(options.flow_preset) if options.method == "flow" else None
        self._previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # (gray, histogram, output)
        self.cuts: list[int] = []  # indices of the frames that started a new shot
        self._index = -1

    def __call__(self, frame: np.ndarray, stylized: np.ndarray) -> np.ndarray:
        if self._flow is None:
            return stylized
        self._index += 1
        gray = self._flow.gray(frame)
        histogram = self._flow.histogram(gray)
        output = np.asarray(stylized, np.float32)
        if self._previous is not None and self._flow.is_cut(self._previous[1], histogram, self.options.cut_threshold):
            self.cuts.append(self._index)
        elif self._previous is not None and self.options.blend > 0:
            previous_gray, _, previous_output = self._previous
            backward = self._flow.flow(gray, previous_gray)
            forward = self._flow.flow(previous_gray, gray)
            keep = (self.options.blend * visible(backward, forward)[..., None]).astype(np.float32)
            output = self._blend(output, warp(previous_output, backward, cubic=True), keep)
        self._previous = (gray, histogram, output)
        return output

    def _blend(self, fresh: np.ndarray, warped: np.ndarray, keep: np.ndarray) -> np.ndarray:
        """fresh + keep (warped - fresh), its detail scaled back to the interpolated local variance."""
        import cv2
        mixed = fresh + keep * (warped - fresh)

        def detail(image):
            return image - cv2.GaussianBlur(image, (0, 0), self.options.detail_sigma)

        def variance(image):
            return cv2.blur(image * image, (self.options.detail_window,) * 2)
        mixed_detail = detail(mixed)
        target = variance(detail(fresh)) + keep * (variance(detail(warped)) - variance(detail(fresh)))
        scale = np.clip(np.sqrt(target / np.maximum(variance(mixed_detail), 1e-3)), 1.0, 2.0)
        return mixed + (scale - 1.0) * mixed_detail


def warping_error(inputs: Iterable[np.ndarray], outputs: Iterable[np.ndarray], flow_preset: str = "medium",
                  flows: Iterable[np.ndarray] | None = None) -> float:
    """Lai et al.'s temporal warping error: the mean over frames t >= 1 of the mean |O_t -
    warp(O_{t-1})| (0..1 scale) over pixels visible in both frames, the flow computed on the input
    frames (or given: ``flows`` yields the backward flow of each frame t >= 1, e.g. the known
    motion of a synthetic clip, with every pixel whose flow stays inside the frame visible)."""
    errors = frame_warping_errors(inputs, outputs, flow_preset, flows)
    return float(np.mean(errors)) if errors else 0.0


def frame_warping_errors(inputs: Iterable[np.ndarray], outputs: Iterable[np.ndarray], flow_preset: str = "medium",
                         flows: Iterable[np.ndarray] | None = None) -> list[float]:
    """The warping error of each frame t >= 1 (:func:`warping_error` is their mean): where in a clip
    the flicker is, for a per-frame error curve."""
    estimator = FlowEstimator(flow_preset)
    flows = iter(flows) if flows is not None else None
    errors, previous = [], None
    for frame, output in zip(inputs, outputs):
        output = np.asarray(output, np.float32) / 255.0
        gray = estimator.gray(frame)
        if previous is not None:
            previous_gray, previous_output = previous
            if flows is None:
                backward = estimator.flow(gray, previous_gray)
                mask = visible(backward, estimator.flow(previous_gray, gray))
            else:
                backward = np.asarray(next(flows), np.float32)
                mask = _inside(backward)
            difference = np.abs(output - warp(previous_output, backward)).mean(-1)
            errors.append(float(difference[mask].mean()) if mask.any() else 0.0)
        previous = (gray, output)
    return errors


def shot_starts(inputs: Iterable[np.ndarray], threshold: float = TemporalOptions.cut_threshold) -> list[int]:
    """Frames t >= 1 that begin a new shot by the stabilizer's test (:meth:`FlowEstimator.is_cut`): the
    warping error across a cut compares unrelated pictures, which no stabilizer should carry over."""
    estimator, starts, previous = FlowEstimator(), [], None
    for index, frame in enumerate(inputs):
        histogram = estimator.histogram(estimator.gray(frame))
        if previous is not None and estimator.is_cut(previous, histogram, threshold):
            starts.append(index)
        previous = histogram
    return starts


def _inside(backward: np.ndarray) -> np.ndarray:
    """Pixels whose flow ends inside the frame."""
    height, width = backward.shape[:2]
    end = _grid(height, width) + backward
    return (end[..., 0] >= 0) & (end[..., 0] <= width - 1) & (end[..., 1] >= 0) & (end[..., 1] <= height - 1)


def synthetic_clip(photo: np.ndarray, frames: int, size: tuple[int, int], motion: str = "pan",
                   speed: float = 4.0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A clip of ``frames`` frames of ``size`` (width, height) filmed from ``photo`` by a known
    camera motion ("pan": ``speed`` px per frame to the right; "zoom": ``speed`` % per frame;
    "rotate": ``speed`` / 4 degrees per frame), and the exact backward flow of each frame t >= 1."""
    import cv2
    width, height = size
    centre = np.array([photo.shape[1] / 2, photo.shape[0] / 2])

    def camera(t: int) -> np.ndarray:  # 3x3: photo coordinates -> frame coordinates
        if motion == "pan":
            linear, shift = np.eye(2), np.array([width / 2 - centre[0] + speed * (frames / 2 - t), height / 2 - centre[1]])
        elif motion == "zoom":
            linear = np.eye(2) * (1 + speed / 100) ** t
            shift = np.array([width / 2, height / 2]) - linear @ centre
        elif motion == "rotate":
            angle = np.deg2rad(speed / 4 * t)
            linear = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
            shift = np.array([width / 2, height / 2]) - linear @ centre
        else:
            raise ValueError(f"unknown motion {motion!r}")
        return np.vstack([np.hstack([linear, shift[:, None]]), [0, 0, 1]])

    clip, flows = [], []
    grid = np.stack(np.meshgrid(np.arange(width), np.arange(height)), -1).reshape(-1, 2).astype(np.float64)
    for t in range(frames):
        matrix = camera(t)
        clip.append(cv2.warpAffine(np.asarray(photo, np.uint8), matrix[:2], (width, height), flags=cv2.INTER_CUBIC,
                                   borderMode=cv2.BORDER_REFLECT))
        if t:
            to_previous = camera(t - 1) @ np.linalg.inv(matrix)
            moved = grid @ to_previous[:2, :2].T + to_previous[:2, 2]
            flows.append((moved - grid).reshape(height, width, 2).astype(np.float32))
    return clip, flows


def measure(inputs: list[np.ndarray], outputs: list[np.ndarray], style: np.ndarray, samples: int = 6,
            flows: list[np.ndarray] | None = None, weights_dir: str | None = None,
            features: metrics.QualityFeatures | None = None, second_view: bool = False) -> dict[str, float]:
    """Warping error (:func:`warping_error`) and the mean Gram ratio to the photo's own
    (:func:`tf_nst.perceptual.metrics.evaluate`) over ``samples`` evenly spaced frames; ``features``: a
    :class:`~tf_nst.perceptual.metrics.QualityFeatures` to reuse when measuring many clips; also the
    warping error of each frame t >= 1 ("frame_errors"), the frames that start a shot ("cuts",
    :func:`shot_starts`) and the warping error without them ("warping_error_within_shots").

    ``second_view``: also the warping error within shots with Farneback's flow instead of DIS
    ("warping_error_farneback"): the stabilizer's own flow is DIS, so a DIS-measured error partly
    measures the stabilizer's agreement with itself (with DIS "medium" in the stabilizer the DIS
    error fell by 26 % on the tuning clips, the Farneback one by 6 %: docs/guides/video.md)."""
    picks = np.linspace(0, len(outputs) - 1, min(samples, len(outputs))).round().astype(int)
    features = features or metrics.QualityFeatures(weights_dir)
    ratios = [metrics.evaluate(np.asarray(outputs[i], np.float32), np.asarray(inputs[i], np.float32), style,
                               features=features)["gram_ratio_to_content"] for i in picks]
    errors = frame_warping_errors(inputs, outputs, flows=flows)
    cuts = shot_starts(inputs)

    def within_shots(frame_errors: list[float]) -> float:
        kept = [error for t, error in enumerate(frame_errors, 1) if t not in cuts]
        return float(np.mean(kept)) if kept else 0.0
    result = {"warping_error": float(np.mean(errors)) if errors else 0.0,
              "warping_error_within_shots": within_shots(errors), "cuts": cuts,
              "gram_ratio": float(np.mean(ratios)), "frame_errors": errors}
    if second_view:
        result["warping_error_farneback"] = within_shots(frame_warping_errors(inputs, outputs, "farneback"))
    return result
