"""Keeping a long-running app server's memory flat: what a training run leaves behind, and glibc's heaps.

Measured on the classroom load test (10 students drawing, 2 training, 60 s): the server's resident
memory crept up by about 30 MB per training run, from two causes handled here. Both use glibc
(Linux); elsewhere they do nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc

_M_ARENA_MAX = -8  # mallopt's parameter number for the largest number of heaps (glibc's malloc.h)


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Let the threads share ``arenas`` heaps, for the threads started from now on.

    glibc gives threads up to 8 heaps per core, each keeping its own freed memory. A Streamlit server
    runs every script in a new thread, for every student's every click, so a class soon has sixteen
    heaps, each holding some of the freed tensors of predictions and training runs. Two heaps on a
    two-core machine cost no measurable speed. Call it once, early in the server's life.
    """
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(_M_ARENA_MAX, arenas)


def release_memory() -> None:
    """Give back what a finished training run held now, not whenever Python and glibc get round to it.

    The run's Keras model, optimizer and compiled graph hold one another in reference cycles, so only
    a full garbage collection frees them. With TensorFlow loaded a server has about 450,000 long-lived
    objects, and Python starts a full collection only once a quarter as many new ones have piled up:
    every ten or twenty runs. Then glibc keeps the freed memory in its heaps instead of returning it.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
