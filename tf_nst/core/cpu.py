"""What this CPU can do, as far as tf_nst's speed depends on it (no TensorFlow import).

Speed differs by CPU class far more than by anything else: AMX and AVX512-BF16 run bf16 matrix
products in hardware, a plain AVX2 CPU (most laptops and cloud VMs) emulates them ~12x slower than
float32. ``ONEDNN_MAX_CPU_ISA`` caps what oneDNN uses, which is how an AVX2 machine is approximated on
a bigger one; the functions here honour it.
"""
from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

# oneDNN ISA caps under which bf16 matrix instructions stay off.
ISAS_WITHOUT_BF16 = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI")
ISAS_WITHOUT_AVX512 = ("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2")


def _cpuinfo(field: str) -> str:
    """The first ``field : value`` of /proc/cpuinfo ("" where there is none, e.g. not Linux)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(field):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _flags() -> set[str]:
    return set(_cpuinfo("flags").split())


def isa_cap() -> str:
    """The ``ONEDNN_MAX_CPU_ISA`` cap in force, upper case ("" when none)."""
    return os.environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()


def native_bf16() -> bool:
    """True where this CPU multiplies bf16 in hardware (AMX or AVX512-BF16) and oneDNN may use it (with
    ``TF_ENABLE_ONEDNN_OPTS=0`` Eigen's bf16 convolutions are emulated: ~8x slower than float32 here)."""
    if isa_cap() in ISAS_WITHOUT_BF16 or convolution_engine() == "Eigen":  # Eigen emulates bf16
        return False
    flags = _flags()
    return "amx_bf16" in flags or "avx512_bf16" in flags


def cpu_class() -> str:
    """"AMX", "AVX512-BF16", "AVX-512" or "AVX2" (what oneDNN may use here, cap included)."""
    flags, cap = _flags(), isa_cap()
    if cap in ISAS_WITHOUT_AVX512 or "avx512f" not in flags:
        return "AVX2" if "avx2" in flags else "pre-AVX2"
    if cap in ISAS_WITHOUT_BF16:
        return "AVX-512"
    if "amx_bf16" in flags and cap in ("", "ALL", "DEFAULT") or "AMX" in cap:
        return "AMX"
    return "AVX512-BF16" if "avx512_bf16" in flags else "AVX-512"


def describe_cpu() -> str:
    """One line for benchmark output: model, cores, class, and the cap if one is set."""
    flags = _flags()
    has = [name for flag, name in (("avx2", "AVX2"), ("avx512f", "AVX-512"), ("avx512_bf16", "AVX512-BF16"),
                                   ("amx_bf16", "AMX")) if flag in flags]
    cap = isa_cap()
    capped = f", capped by ONEDNN_MAX_CPU_ISA={cap}" if cap else ""
    return (f"{_cpuinfo('model name') or platform.processor() or platform.machine()}, {os.cpu_count()} cores, has {'/'.join(has) or 'no AVX2'}; "
            f"runs as {cpu_class()}{capped}, convolutions by {convolution_engine()}")


def enable_onednn() -> bool:
    """Ask TensorFlow for its oneDNN kernels on every x86 CPU, before TensorFlow is imported.

    TensorFlow turns oneDNN on by itself only on CPUs with AVX512-VNNI, AVX512-BF16 or AMX; on an
    AVX2-only CPU it falls back to Eigen's convolutions, which run VGG ~1.4x slower there and hand
    every large tensor back to the kernel when it is freed, so each optimization step faults its
    gigabytes of activations in again (issue 31: a third of the CPU time in the kernel). oneDNN's AVX2
    kernels and its pooled allocator fix both. The entry points with backward passes (``tf-nst
    stylize``, ``train``, ``serve``, ``app.py``, the tests) call this; a ``TF_ENABLE_ONEDNN_OPTS`` the
    user set is kept, and once TensorFlow is imported it is too late (False is returned, nothing changes).
    """
    if "tensorflow" in sys.modules:
        return False
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    return True


#: The CPU flags on which TensorFlow turns oneDNN on by itself (its own default since TF 2.9).
ONEDNN_BY_DEFAULT_FLAGS = ("avx512_vnni", "avx512_bf16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8")


def convolution_engine() -> str:
    """"oneDNN" or "Eigen": which kernels TensorFlow's convolutions use in a process started with this
    environment (``TF_ENABLE_ONEDNN_OPTS`` if set, else TensorFlow's default for this CPU); no import."""
    asked = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip().lower()
    if asked:
        return "Eigen" if asked in ("0", "false") else "oneDNN"
    return "oneDNN" if _flags() & set(ONEDNN_BY_DEFAULT_FLAGS) else "Eigen"
