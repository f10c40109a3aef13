"""The server's memory: what glibc keeps after a run, and how many heaps it makes. glibc only; skipped elsewhere."""

from __future__ import annotations

import contextlib
import ctypes
import gc

M_ARENA_MAX = -8  # mallopt's parameter number (glibc's malloc.h)
ARENAS = 2


def fewer_malloc_arenas() -> None:
    """Two malloc heaps instead of up to eight per core, however the server was started.

    glibc gives each thread that meets a busy heap a heap of its own (up to 8 per core), and keeps every
    heap's freed memory: with thirty students' requests and the trainers' threads, that was about 45 MB
    more at the peak than ``MALLOC_ARENA_MAX=2``, which only ``make run`` set. Called once when the app
    starts; heaps made before then stay, later threads share these two.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, ARENAS)


def release_memory() -> None:
    """Give back what a finished run held now, not whenever Python and glibc get round to it.

    The run's Keras model, optimizer and compiled graph hold one another in reference cycles, so only
    a full garbage collection frees them. With TensorFlow loaded the app server has about 450,000
    long-lived objects, and Python starts a full collection only once a quarter as many new ones have
    piled up: every ten or twenty runs. Then glibc keeps the freed memory in its heaps instead of
    returning it to the system (``malloc_trim``).
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
