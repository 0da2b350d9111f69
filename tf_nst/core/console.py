"""Keeping the terminal readable: native libraries (TensorFlow, LiteRT) print start-up chatter on fd 2,
and raw loss terms (``1151326355456.0``) say little; relative to where they started they do."""
from __future__ import annotations

import contextlib
import os
import sys


@contextlib.contextmanager
def quiet_stderr():
    """Hide TensorFlow's C++ start-up chatter (it ignores TF_CPP_MIN_LOG_LEVEL) on fd 2."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(devnull)
        os.close(saved)


class RelativeTerms:
    """Loss terms for a progress bar as fractions of their first value (``style/first: 0.0123``):
    raw Gram sums run to 1e12 and mean nothing by themselves; how far each term has come does.
    A term that starts at 0 is shown as it is."""

    def __init__(self):
        self.first: dict[str, float] = {}

    def __call__(self, values: dict[str, float]) -> list[tuple[str, float]]:
        shown = []
        for name, value in values.items():
            value = float(value)
            start = self.first.setdefault(name, value)
            shown.append((f"{name}/first", value / start) if start else (name, value))
        return shown

    @property
    def labels(self) -> list[str]:
        """The names the bar will show (its stateful metrics), once the first values are in."""
        return [f"{name}/first" if start else name for name, start in self.first.items()]
