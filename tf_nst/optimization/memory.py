"""How much memory an optimization will need, and how much the machine has: a run that cannot fit
stops before it starts, with one line, instead of being killed by the kernel half way."""
from __future__ import annotations

import math
from pathlib import Path

import ml_collections

from tf_nst.core.errors import UserError
from tf_nst.perceptual.backbones import resolve_precision

#: Peak resident memory of `tf-nst stylize` = BASE_MB + MB_PER_MEGAPIXEL[precision] * megapixels at the
#: output size, fitted to `python tools/benchmark.py --tables=memory` (VGG19; bf16: the default at 512,
#: 1024 and 2048 px within 8 %; float32, whose activations are twice as large: the default at 1024 px
#: under ONEDNN_MAX_CPU_ISA=AVX2 on four photos of 0.66-1.05 MP, 3560-5608 MB, the largest
#: per megapixel 5150 MB at 0.89 MP); L-BFGS keeps its history of image-sized vectors on top.
BASE_MB = 1100.0
MB_PER_MEGAPIXEL = {"mixed_bfloat16": 2250.0, "float32": 4500.0}
LBFGS_MB_PER_MEGAPIXEL = 550.0


def available_mb() -> float | None:
    """Memory this process can still take: MemAvailable, lowered by a cgroup limit; None if unknown."""
    try:
        meminfo = dict(line.split(":", 1) for line in Path("/proc/meminfo").read_text().splitlines())
        available = float(meminfo["MemAvailable"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        return None
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit, usage = Path(limit_file).read_text().strip(), Path(usage_file).read_text().strip()
        except OSError:
            continue
        if limit.isdigit() and usage.isdigit():
            available = min(available, (int(limit) - int(usage)) / 2**20)
    return available


def optimization_mb(config: ml_collections.ConfigDict, height: int, width: int) -> float:
    """Estimated peak resident MB of optimizing a ``height`` x ``width`` image with ``config``."""
    megapixels = height * width / 1e6
    per_megapixel = MB_PER_MEGAPIXEL[resolve_precision(config.precision)] + (LBFGS_MB_PER_MEGAPIXEL if config.optimizer == "lbfgs" else 0.0)
    return BASE_MB + per_megapixel * megapixels


def check_optimization_fits(config: ml_collections.ConfigDict, height: int, width: int) -> None:
    """Raise :class:`UserError` suggesting a size that fits when the estimate exceeds what is available."""
    available = available_mb()
    needed = optimization_mb(config, height, width)
    if available is None or needed <= available:
        return
    per_megapixel = (needed - BASE_MB) / (height * width / 1e6)
    fitting_megapixels = max(0.0, (available - BASE_MB) / per_megapixel)
    fitting_size = int(config.image_size * math.sqrt(fitting_megapixels * 1e6 / (height * width)))
    raise UserError(f"optimizing a {width}x{height} image needs about {needed / 1024:.1f} GB, but "
                    f"{available / 1024:.1f} GB is available; try --config.image_size={max(16, fitting_size // 64 * 64)}")
