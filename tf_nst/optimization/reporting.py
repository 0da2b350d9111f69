"""Run records: the JSON loss history and the loss-curve figure written next to an output image."""
from __future__ import annotations

import json
from pathlib import Path

from tf_nst.media.images import write_atomically

LOSS_TERMS = ("total", "content", "style", "tv")


def companion_paths(output: str | Path) -> dict[str, Path]:
    """Where the history and loss plot of ``output`` go: ``stem.json`` and ``stem_loss.png``."""
    output = Path(output)
    return {"history": output.with_suffix(".json"), "plot": output.with_name(f"{output.stem}_loss.png")}


def write_history(path: str | Path, history: list[dict], **metadata) -> Path:
    """The per-step history (step, losses, seconds) plus run metadata, as JSON."""
    document = {**metadata, "history": history}
    return write_atomically(path, lambda handle: handle.write(json.dumps(document, indent=1)), binary=False)


def plot_loss_curves(path: str | Path, history: list[dict], title: str = "") -> Path:
    """One log-scale panel per loss term in the history, over the steps that have it (a term can
    be missing at some scales, e.g. the half-size style term on a coarse scale too small for it)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    present = {k for r in history for k in r}
    terms = [t for t in LOSS_TERMS if t in present] + sorted(present - set(LOSS_TERMS) - {"step", "seconds", "scale"})
    figure, axes = plt.subplots(1, max(1, len(terms)), figsize=(3.2 * max(1, len(terms)), 3), squeeze=False)
    for axis, term in zip(axes[0], terms):
        axis.plot([r["step"] for r in history if term in r], [r[term] for r in history if term in r])
        axis.set_yscale("log")
        axis.set_title(term)
        axis.set_xlabel("step")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    try:
        return write_atomically(path, lambda handle: figure.savefig(handle, format="png", dpi=90))
    finally:
        plt.close(figure)
