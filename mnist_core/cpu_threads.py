"""TensorFlow's thread pools, sized for the trainer's half batches (``trainer.HALVES``).

Measured on 2 cores (``python -m mnist_core profile``): at batch 128 every matmul is small, and oneDNN
splitting each one across both cores costs more in hand-offs than it gains. With one thread per op
and the two halves of each batch computed side by side, a seed-preset step takes about a quarter
less time. On more cores each half gets ``cores // 2`` threads.
"""

from __future__ import annotations

import os

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
