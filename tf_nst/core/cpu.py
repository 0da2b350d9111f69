"""What this CPU can do, as far as tf_nst's speed depends on it (no TensorFlow import).

Speed differs by CPU class far more than by anything else: AMX and AVX512-BF16 run bf16 matrix
products in hardware, a plain AVX2 CPU (most laptops and cloud VMs) emulates them ~12x slower than
float32. ``ONEDNN_MAX_CPU_ISA`` caps what oneDNN uses, which is how an AVX2 machine is approximated on
a bigger one; the functions here honour it.
"""
from __future__ import annotations

import os
import platform
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
    """True where this CPU multiplies bf16 in hardware (AMX or AVX512-BF16) and oneDNN may use it."""
    if isa_cap() in ISAS_WITHOUT_BF16:
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
            f"runs as {cpu_class()}{capped}")
