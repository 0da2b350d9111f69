"""Image optimization: minimise a loss over the pixels with GradientTape (Adam/NAdam/SGD) or L-BFGS.

Kept apart from model training (pystiche's split): this module knows nothing about
style; it takes ``loss_fn(images01) -> {"total": ..., name: ...}`` and a start image.
"""
from __future__ import annotations

import dataclasses
import time
from typing import Callable

import keras
import numpy as np
import tensorflow as tf
import tensorflow_probability as tfp

LossFn = Callable[[tf.Tensor], dict]
#: Called after every step with (step, image01 [H, W, 3] ndarray, record dict).
StepCallback = Callable[[int, np.ndarray, dict], None]


@dataclasses.dataclass
class OptimizerSettings:
    name: str = "lbfgs"
    learning_rate: float = 0.02
    beta_1: float = 0.9
    epsilon: float = 1e-7
    clip_pixels: bool = True
    line_search: str = "none"  # L-BFGS: "none" (one loss evaluation per step) | "hager_zhang" (tfp)


@dataclasses.dataclass
class OptimizationResult:
    image: np.ndarray  # [H, W, 3] in [0, 1]
    history: list[dict]
    stop_reason: str | None = None  # None, "interrupted", "non-finite loss at step N"


class _EarlyStop(Exception):
    """Raised by a runner that cannot continue; the message is the stop reason."""


def _first_order_optimizer(settings: OptimizerSettings) -> keras.optimizers.Optimizer:
    if settings.name == "adam":
        return keras.optimizers.Adam(settings.learning_rate, beta_1=settings.beta_1, epsilon=settings.epsilon)
    if settings.name == "nadam":
        return keras.optimizers.Nadam(settings.learning_rate, beta_1=settings.beta_1, epsilon=settings.epsilon)
    return keras.optimizers.SGD(settings.learning_rate)


def _as_floats(losses: dict) -> dict:
    return {name: float(value) for name, value in losses.items()}


def optimize_image(loss_fn: LossFn, init: np.ndarray, steps: int, settings: OptimizerSettings,
                   callback: StepCallback | None = None,
                   should_stop: Callable[[], bool] | None = None) -> OptimizationResult:
    """Run ``steps`` iterations from ``init`` ([H, W, 3] in [0, 1]).

    Stops early, keeping the last image with a finite loss, if the loss becomes NaN/Inf;
    Ctrl-C stops cleanly and returns the current image (``stop_reason="interrupted"``), and so
    does ``should_stop()`` returning True after a step (``stop_reason="stopped"``: a Stop button).
    """
    image = tf.Variable(init[None].astype(np.float32), name="image")
    run = _RUNNERS[settings.line_search] if settings.name == "lbfgs" else _run_first_order
    history: list[dict] = []
    latest = last_good = init.astype(np.float32)
    start = time.perf_counter()
    stop_reason = None
    try:
        for step, losses, evaluated, updated in run(loss_fn, image, steps, settings):
            record = {"step": step, **_as_floats(losses), "seconds": time.perf_counter() - start}
            if not all(np.isfinite(v) for k, v in record.items() if k != "step"):
                stop_reason = f"loss became non-finite at step {step}"
                latest = last_good  # the newest image whose loss was seen to be finite
                break
            last_good = evaluated
            latest = updated if np.all(np.isfinite(updated)) else evaluated
            history.append(record)
            if callback is not None:
                callback(step, latest, record)
            if should_stop is not None and should_stop():
                stop_reason = f"stopped after step {step}"
                break
    except _EarlyStop as stop:
        stop_reason = str(stop)
    except KeyboardInterrupt:
        stop_reason = "interrupted"
    return OptimizationResult(image=np.clip(latest, 0.0, 1.0), history=history, stop_reason=stop_reason)


def _refresher(loss_fn: LossFn, image: tf.Tensor):
    """``loss_fn.refresh`` (e.g. new MRF matches) as a compiled function, after a first eager call
    at ``image`` that creates its state; None for losses without state."""
    if not getattr(loss_fn, "stateful", False):
        return None
    loss_fn.refresh(image)
    return tf.function(loss_fn.refresh)


def _run_first_order(loss_fn: LossFn, image: tf.Variable, steps: int, settings: OptimizerSettings):
    optimizer = _first_order_optimizer(settings)
    refresh = _refresher(loss_fn, image)

    @tf.function
    def train_step():
        with tf.GradientTape() as tape:
            losses = loss_fn(image)
        gradient = tape.gradient(losses["total"], image)
        optimizer.apply_gradients([(gradient, image)])
        if settings.clip_pixels:
            image.assign(tf.clip_by_value(image, 0.0, 1.0))
        return losses

    for step in range(1, steps + 1):
        if refresh is not None and step > 1:
            refresh(image)
        evaluated = image.numpy()[0]
        losses = train_step()  # the losses describe `evaluated`, the image before this update
        yield step, losses, evaluated, image.numpy()[0]


class _CorrectionPairs:
    """The last ``size`` L-BFGS steps s and gradient changes y, kept in preallocated float32 rows (the
    history is written in place, not re-allocated every step); :meth:`direction` is the two-loop
    recursion (Nocedal & Wright Alg. 7.4) with the usual initial scaling s.y / y.y."""

    def __init__(self, size: int, length: int):
        self.s = np.zeros((size, length), np.float32)
        self.y = np.zeros((size, length), np.float32)
        self.rho = np.zeros(size)
        self.count = self.newest = 0
        self._scratch = np.empty(length, np.float32)

    def add(self, s: np.ndarray, y: np.ndarray) -> None:
        curvature = float(np.dot(s, y))
        if curvature <= 1e-8 * float(np.linalg.norm(s)) * float(np.linalg.norm(y)):
            return  # no positive curvature along the step (a non-convex stretch): keep the older pairs
        self.newest = (self.newest + 1) % len(self.rho) if self.count else 0
        self.s[self.newest], self.y[self.newest], self.rho[self.newest] = s, y, 1.0 / curvature
        self.count = min(self.count + 1, len(self.rho))

    def direction(self, gradient: np.ndarray, out: np.ndarray) -> np.ndarray:
        """-H gradient into ``out``; the scaled steepest descent while no pair is stored."""
        np.negative(gradient, out=out)
        order = [(self.newest - i) % len(self.rho) for i in range(self.count)]
        alphas = []
        for i in order:
            alphas.append(self.rho[i] * float(np.dot(self.s[i], out)))
            out -= np.multiply(self.y[i], alphas[-1], out=self._scratch)
        if self.count:
            out *= 1.0 / (self.rho[self.newest] * float(np.dot(self.y[self.newest], self.y[self.newest])))
        for i, alpha in zip(reversed(order), reversed(alphas)):
            beta = self.rho[i] * float(np.dot(self.y[i], out))
            out += np.multiply(self.s[i], alpha - beta, out=self._scratch)
        return out


#: The largest change of any pixel (in [0, 1]) one L-BFGS step may make: the quasi-Newton step is
#: unit-length in theory, but a Gram loss is quartic in the pixels, so a curvature estimate from a
#: flat start can propose a jump that overflows it.
MAX_PIXEL_STEP = 0.1


def _run_lbfgs_unit_step(loss_fn: LossFn, image: tf.Variable, steps: int, settings: OptimizerSettings):
    """L-BFGS with the unit step and no line search, as torch.optim.LBFGS by default and neural-style:
    one loss evaluation per step instead of the 2-3 a Wolfe line search spends (tfp has no such mode).

    Two safeguards replace the line search: a step is shortened so that no pixel moves by more than
    :data:`MAX_PIXEL_STEP`, and a step that raises the loss (or overflows it) is quartered and retried,
    which costs an evaluation only when it happens. Ten refusals in a row end the run: converged as far
    as the direction can tell, or, if no trial had a finite loss, stopped with a non-finite loss.
    A loss with state (MRF matches) is refreshed before each step and the loss at the current image
    re-evaluated, so that each comparison is made on one function.
    """
    refresh = _refresher(loss_fn, image)

    @tf.function
    def evaluate():
        with tf.GradientTape() as tape:
            losses = loss_fn(image.read_value())  # a tensor: nested functions' traces key on variables
        return losses, tf.reshape(tape.gradient(losses["total"], image), [-1])

    position = image.numpy().reshape(-1)
    losses, gradient = evaluate()
    gradient = gradient.numpy()
    pairs = _CorrectionPairs(10, position.size)
    direction = np.empty_like(position)
    step_size = min(1.0, 1.0 / max(float(np.abs(gradient).sum()), 1e-30))  # torch's first step
    for step in range(1, steps + 1):
        if refresh is not None and step > 1:
            refresh(image)
            losses, gradient = evaluate()
            gradient = gradient.numpy()
        current = float(losses["total"])
        if not np.isfinite(current):
            yield step, losses, position.reshape(image.shape[1:]), position.reshape(image.shape[1:])
            return
        if not np.any(gradient):
            return  # gradient vanished: nothing left to do
        pairs.direction(gradient, direction)
        step_size = min(step_size, MAX_PIXEL_STEP / max(float(np.abs(direction).max()), 1e-30))
        finite_trial = False
        for _ in range(10):
            image.assign(np.reshape(position + step_size * direction, image.shape))
            new_losses, new_gradient = evaluate()
            trial = float(new_losses["total"])
            finite_trial = finite_trial or bool(np.isfinite(trial))
            if trial <= current:  # NaN and Inf compare False
                break
            step_size *= 0.25
        else:
            image.assign(np.reshape(position, image.shape))
            if not finite_trial:
                raise _EarlyStop(f"loss became non-finite at step {step} (every shortened L-BFGS step); "
                                 "kept the last finite image")
            return  # no decrease along the direction: converged as far as L-BFGS can tell
        new_position, new_gradient = image.numpy().reshape(-1), new_gradient.numpy()
        pairs.add(step_size * direction, new_gradient - gradient)  # the step taken, not a float32 difference
        yield step, losses, position.reshape(image.shape[1:]), new_position.reshape(image.shape[1:])
        position, losses, gradient, step_size = new_position, new_losses, new_gradient, 1.0


def _run_lbfgs_hager_zhang(loss_fn: LossFn, image: tf.Variable, steps: int, settings: OptimizerSettings):
    """tfp.optimizer.lbfgs_minimize, one iteration per call, resumed from its previous state.

    The objective is divided by its value at the start image so that the line search
    sees numbers near 1 whatever the loss weights; the history reports unscaled values.
    A loss with state (MRF matches) is refreshed before each iteration and the optimizer's
    objective and gradient at its current point re-evaluated, so each line search sees one
    smooth function.
    """
    shape = image.shape
    refresh = _refresher(loss_fn, image)
    initial = {name: float(value) for name, value in loss_fn(image).items()}
    scale = tf.constant(1.0 / max(abs(initial["total"]), 1e-30), tf.float32)
    accepted = {name: tf.Variable(value, dtype=tf.float32) for name, value in initial.items()}
    trial = {name: tf.Variable(value, dtype=tf.float32) for name, value in initial.items()}

    def value_and_gradients(flat):
        with tf.GradientTape() as tape:
            tape.watch(flat)
            losses = loss_fn(tf.reshape(flat, shape))
            objective = losses["total"] * scale
        for name, value in losses.items():
            trial[name].assign(value)
        return objective, tape.gradient(objective, flat)

    @tf.function
    def iterate(previous, position, target):
        if previous is None:
            return tfp.optimizer.lbfgs_minimize(value_and_gradients, initial_position=position,
                                                max_iterations=target, tolerance=0.0)
        return tfp.optimizer.lbfgs_minimize(value_and_gradients, initial_position=None,
                                            previous_optimizer_results=previous, max_iterations=target,
                                            tolerance=0.0)

    @tf.function
    def refreshed(previous):
        refresh(tf.reshape(previous.position, shape))
        objective, gradient = value_and_gradients(previous.position)
        return previous._replace(objective_value=objective, objective_gradient=gradient)

    results = None
    for step in range(1, steps + 1):
        if results is not None and bool(results.converged):
            return  # gradient vanished: nothing left to do
        if results is not None and bool(results.failed):
            if all(np.isfinite(float(v)) for v in trial.values()):
                return  # no decrease along the search direction: converged as far as L-BFGS can tell
            raise _EarlyStop(f"L-BFGS line search failed at step {step} (non-finite loss); kept the last accepted image")
        evaluated = tf.reshape(results.position, shape).numpy()[0] if results is not None else image.numpy()[0]
        losses = {name: var.read_value() for name, var in accepted.items()}
        if refresh is not None and results is not None:
            results = refreshed(results)
        results = iterate(results, tf.reshape(image, [-1]) if results is None else None, tf.constant(step))
        position = tf.reshape(results.position, shape).numpy()[0]
        for name, var in trial.items():  # the last trial of a line search is the accepted point
            accepted[name].assign(var)
        yield step, losses, evaluated, position


_RUNNERS = {"none": _run_lbfgs_unit_step, "hager_zhang": _run_lbfgs_hager_zhang}
