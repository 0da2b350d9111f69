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
    A term that starts at float noise, such as the content loss of a run that starts from the photo, is
    shown as a fraction of the first total (``content/first_total: 0.0061``; of the largest term where
    there is no total); a term that starts at exactly 0 is shown as it is."""

    def __init__(self):
        self.first: dict[str, tuple[str, float]] = {}  # name -> (label, reference)

    def __call__(self, values: dict[str, float]) -> list[tuple[str, float]]:
        if not self.first:
            magnitudes = {name: abs(float(value)) for name, value in values.items()}
            largest = "total" if magnitudes.get("total") else max(magnitudes, key=magnitudes.get, default="")
            for name, magnitude in magnitudes.items():
                if magnitude > 1e-6 * magnitudes.get(largest, 0.0):
                    self.first[name] = (f"{name}/first", magnitude)
                elif magnitude:  # float noise where the run starts at the term's minimum
                    self.first[name] = (f"{name}/first_{largest}", magnitudes[largest])
                else:
                    self.first[name] = (name, 0.0)
        shown = []
        for name, value in values.items():
            label, reference = self.first.get(name, (name, 0.0))
            shown.append((label, float(value) / reference) if reference else (label, float(value)))
        return shown

    @staticmethod
    def possible_labels(names) -> list[str]:
        """Every label the bar may show for these terms (a Progbar's stateful metrics)."""
        return [label for name in names for label in
                (name, f"{name}/first", *(f"{name}/first_{other}" for other in names if other != name))]

    @property
    def labels(self) -> list[str]:
        """The names the bar shows, once the first values are in."""
        return [label for label, _ in self.first.values()]
