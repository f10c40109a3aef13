"""The bench's epoch limit: the seed preset's epoch against what this CPU's matmuls allow."""

from __future__ import annotations

import time

from mnist_core.config import TrainConfig
from mnist_core.cost import arithmetic


def epoch_limit(config: TrainConfig, seconds_per_epoch: float, quick: bool = False) -> dict:
    """The seed preset's epoch against what this CPU's matmuls allow: the epoch's multiply-adds, forward and
    backward (3 matmuls' worth per layer), at the rate of large float32 matmuls on every core (``quick``: timed
    over a quarter of a second instead of two, enough to show the row runs)."""
    gflop = 6 * arithmetic(config).dense_macs * config.training_images / 1e9  # the weights' multiply-adds
    rate = matmul_gflops(seconds=0.25 if quick else 2.0)
    return {
        "gflop_per_epoch": gflop,
        "matmul_gflops": rate,
        "limit_seconds": gflop / rate,
        "seconds_per_epoch": seconds_per_epoch,
        "times_the_limit": seconds_per_epoch / (gflop / rate),
    }


def matmul_gflops(size: int = 1024, seconds: float = 2.0) -> float:
    """float32 matmul rate with every core busy: one 1024x1024 product per pair of cores at a time."""
    import tensorflow as tf

    from mnist_core.cpu_threads import HALVES

    a = tf.random.uniform([size, size])
    streams = [tf.random.uniform([size, size]) for _ in range(HALVES)]

    @tf.function
    def products(n):
        total = tf.constant(0.0)
        for b in streams:
            c = b
            for _ in tf.range(n):
                c = tf.matmul(a, c) * 1e-3
            total += c[0, 0]
        return total

    float(products(tf.constant(2)))
    n, took = 4, 0.0
    while took < seconds:
        n *= 2
        started = time.perf_counter()
        float(products(tf.constant(n)))
        took = time.perf_counter() - started
    return 2 * size**3 * n * HALVES / took / 1e9


def describe_epoch_limit(e: dict) -> str:
    return (
        f"Seed preset per epoch: {e['seconds_per_epoch']:.2f} s with the test evaluation, {e['times_the_limit']:.2f}x "
        f"the limit here ({e['gflop_per_epoch']:.1f} GFLOP per epoch at {e['matmul_gflops']:.0f} GFLOP/s, the rate "
        f"of large float32 matmuls on every core: {e['limit_seconds']:.2f} s)"
    )
