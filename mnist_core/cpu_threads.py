"""What the trainer needs to know of this CPU: TensorFlow's thread pools, sized for the trainer's half
batches (``trainer.HALVES``), and whether it has bfloat16 units (``TrainConfig.precision``; whether they
are faster than float32 is measured, in mnist_core/number_format.py).

Measured on 2 cores (``python -m lab profile``): at batch 128 every matmul is small, and oneDNN
splitting each one across both cores costs more in hand-offs than it gains. With one thread per op
and the two halves of each batch computed side by side, a seed-preset step takes about a quarter
less time. On more cores each half gets ``cores // 2`` threads.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

HALVES = 2  # the trainer computes each batch as this many parts side by side
POOL_VARIABLES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")  # what TensorFlow reads, in that order


def pool_sizes(cores: int) -> tuple[int, int]:
    """(threads inside one op, ops at once) for ``cores`` CPUs."""
    return max(1, cores // HALVES), max(HALVES, cores)


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def size_for_this_process() -> None:
    """Size the pools through TensorFlow's environment variables, which it reads when it runs its first op:
    so this works at any time before that, even after ``import tensorflow``. A value already set wins."""
    for name, size in zip(POOL_VARIABLES, pool_sizes(usable_cores()), strict=True):
        os.environ.setdefault(name, str(size))


@functools.cache
def has_bfloat16_units() -> bool:
    """True when the CPU multiplies bfloat16 in hardware (AMX or AVX-512 BF16, as Linux lists its flags):
    not that bfloat16 is faster there (a VM listing AVX-512 BF16 alone trained the CNN preset 1.33x slower).

    Measured here with oneDNN held to older instruction sets (``ONEDNN_MAX_CPU_ISA``): with AVX-512 but no
    bfloat16 units a CNN epoch takes 2.4x float32's time, and with AVX2 the first convolution fails."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return re.search(r"\b(amx_bf16|avx512_bf16)\b", flags) is not None
