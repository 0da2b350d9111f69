"""Optimizations in a child process of lower priority, so that a running optimization leaves the
CPU to the page's fast requests (the OS scheduler gives a niced process ~10 % of a contended core).

One child runs one optimization at a time; it streams each step's image through a queue and stops
after the current step when the shared stop event is set.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import queue
import threading
from typing import Iterator

import numpy as np

#: nice value of the optimization process (0 = the server's own priority).
NICE = 10
_updates = _stop = None  # the child's ends of the queue and the event (set by _start_child)


def _start_child(nice: int, updates, stop) -> None:
    global _updates, _stop
    _updates, _stop = updates, stop
    os.nice(nice)


def _stylize_in_child(photo: np.ndarray, painting: np.ndarray, config, weights_dir: str | None) -> str | None:
    """Runs in the child: stylize, putting (step, uint8 image, total loss) after each step and
    ("done", image, stop reason) at the end."""
    from tf_nst.media import images
    from tf_nst.optimization.stylize import stylize

    def on_step(step: int, image: np.ndarray, record: dict) -> None:
        _updates.put((step, images.convert(image, np.uint8), float(record["total"])))

    result = stylize(photo, [painting], config, weights_dir=weights_dir, callback=on_step, verbose=False,
                     should_stop=_stop.is_set)
    _updates.put(("done", images.convert(result.image, np.uint8), result.stop_reason))
    return result.stop_reason


class OptimizationWorker:
    """The child process (started on first use, restarted if it dies) and its queue and stop event."""

    def __init__(self, nice: int = NICE):
        self.nice = nice
        self._context = multiprocessing.get_context("spawn")  # a fresh interpreter: no forked TF state
        self._lock = threading.Lock()
        self._executor: concurrent.futures.ProcessPoolExecutor | None = None

    def _start(self) -> None:
        self._updates, self._stop = self._context.Queue(), self._context.Event()
        self._executor = concurrent.futures.ProcessPoolExecutor(
            1, mp_context=self._context, initializer=_start_child, initargs=(self.nice, self._updates, self._stop))

    def run(self, photo: np.ndarray, painting: np.ndarray, config, weights_dir: str | None,
            stop: threading.Event) -> Iterator[tuple]:
        """Yield (step, image, loss) per step and finally ("done", image, stop reason); setting ``stop``
        (or closing the generator) ends the optimization after its current step. One at a time."""
        with self._lock:
            if self._executor is None:
                self._start()
            while not self._updates.empty():  # left over from a run that was abandoned
                self._updates.get_nowait()
            self._stop.clear()
            future = self._executor.submit(_stylize_in_child, photo, painting, config, weights_dir)
            try:
                while True:
                    if stop.is_set():
                        self._stop.set()
                    try:
                        update = self._updates.get(timeout=0.1)
                    except queue.Empty:
                        if future.done():
                            future.result()  # raises the child's error
                            raise RuntimeError("the optimization process ended without a result")
                        continue
                    yield update
                    if update[0] == "done":
                        return
            except concurrent.futures.process.BrokenProcessPool:
                self._executor = None
                raise RuntimeError("the optimization process died (out of memory?); try a smaller size") from None
            finally:
                self._stop.set()
                if self._executor is not None:
                    concurrent.futures.wait([future])

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(cancel_futures=True)
                self._executor = None
