"""Which number format a run computes in when its settings ask for the fastest: measured here, not guessed.

A CPU's flags do not say which format is faster. On the machine the app was built on (AMX and AVX-512 BF16)
the CNN preset trains in about a fifth less time in bfloat16; on a 2-core Xeon VM that lists ``avx512_bf16``
but hides AMX it took 1.33x float32's time. So when a run asks for ``FASTEST`` and the CPU lists bfloat16
units, a few of the run's own training steps are timed in both formats (the trainer's compiled steps,
``train_steps.compile_steps``, as ``machine_rates._probe`` times them), and the faster one trains the run.
Without the units bfloat16 is slower still or fails (``cpu_threads.has_bfloat16_units``), so float32 is chosen
unmeasured.

The choice is kept for the process's life per network shape (its layers, shift and batch size): a class
training one preset pays for one measurement, about 2 to 3 s on 2 cores for the CNN preset, most of it
tracing the two steps. Settings naming a format are trained in it, unmeasured: a lesson on number formats
compares both.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from mnist_core import cpu_threads
from mnist_core.config import FASTEST, TrainConfig

TRIES = 3  # the fastest of this many timings of each format: other programs only ever add time
STEPS = 6  # training steps in one timing
MEASURED_BATCH = 512  # at most this many images a step while measuring: a batch of 60,000 would take minutes
MARGIN = 1.05  # bfloat16 must be this much faster to be chosen: within noise float32 keeps more digits


@dataclass(frozen=True)
class NumberFormat:
    """The format a run computes in, the two step times that chose it (None when not measured) and why."""

    precision: str  # "float32" or "bfloat16"
    float32_step: float | None  # seconds per training step
    bfloat16_step: float | None
    reason: str  # plain words: "bfloat16: 1.6x faster here"

    @property
    def measured(self) -> bool:
        return self.float32_step is not None

    @property
    def step_times(self) -> str:
        """``a training step took 6.6 ms in float32, 4.1 ms in bfloat16`` (only when measured)."""
        float32, bfloat16 = self.float32_step * 1e3, self.bfloat16_step * 1e3
        return f"a training step took {float32:.1f} ms in float32, {bfloat16:.1f} ms in bfloat16"


_known: dict[str, NumberFormat] = {}
_measuring = threading.Lock()  # one measurement at a time: two at once would time each other


def choose(config: TrainConfig) -> NumberFormat:
    """The format ``config`` trains in: its own, or for ``FASTEST`` the faster here (measured once per shape)."""
    if config.precision != FASTEST:
        return NumberFormat(config.precision, None, None, f"{config.precision}: chosen in the settings")
    if not cpu_threads.has_bfloat16_units():
        return NumberFormat("float32", None, None, "float32: this computer has no bfloat16 units")
    shape = _shape(config)
    with _measuring:
        if shape not in _known:
            float32, bfloat16 = _time_steps(config)
            _known[shape] = decide(float32, bfloat16)
        return _known[shape]


def known(config: TrainConfig) -> NumberFormat | None:
    """What ``choose`` would say without measuring: None while a ``FASTEST`` shape is not measured yet."""
    if config.precision == FASTEST and cpu_threads.has_bfloat16_units():
        return _known.get(_shape(config))
    return choose(config)


def resolved(config: TrainConfig) -> tuple[TrainConfig, NumberFormat]:
    """``config`` with the format it trains in, and the choice."""
    choice = choose(config)
    return config.replace(precision=choice.precision), choice


def decide(float32_step: float, bfloat16_step: float) -> NumberFormat:
    """bfloat16 when it is at least ``MARGIN`` times faster, else float32; the reason in plain words."""
    if bfloat16_step * MARGIN <= float32_step:
        reason = f"bfloat16: {float32_step / bfloat16_step:.1f}x faster here"
        return NumberFormat("bfloat16", float32_step, bfloat16_step, reason)
    if bfloat16_step >= float32_step * MARGIN:
        reason = f"float32: bfloat16 was {bfloat16_step / float32_step:.1f}x slower on this computer"
    else:
        reason = "float32: bfloat16 was no faster on this computer"
    return NumberFormat("float32", float32_step, bfloat16_step, reason)


def _shape(config: TrainConfig) -> str:
    """What a step's speed depends on: the layers, the shift, the batch (not the seed, epochs or data)."""
    fields = ("conv_filters", "hidden_units", "dropouts", "shift", "optimizer", "batch_size")
    return json.dumps({name: getattr(config, name) for name in fields})


def _time_steps(config: TrainConfig) -> tuple[float, float]:
    """Seconds per training step of ``config``'s network in float32 and in bfloat16, the fastest of ``TRIES``."""
    import numpy as np
    import tensorflow as tf

    from mnist_core.data import load_mnist
    from mnist_core.models import build_model, make_optimizer
    from mnist_core.train_steps import compile_steps, images_of

    data = load_mnist()
    x, y = images_of(data.x_train), tf.constant(data.y_train, tf.int64)
    batch = min(config.batch_size, config.training_images, MEASURED_BATCH)
    rng = np.random.default_rng(0)
    batches = tf.constant(rng.integers(0, len(data.y_train), (STEPS, batch), dtype=np.int32))
    steps: dict[str, Callable[[tf.Tensor], float]] = {}
    for precision in ("float32", "bfloat16"):
        network = config.replace(precision=precision)
        run_steps = compile_steps(build_model(network), make_optimizer(network, 1000), tf.uint8)
        steps[precision] = lambda b, run=run_steps: float(run(x, y, b)[0])
        steps[precision](batches[:1])  # traced here, not timed
    fastest = dict.fromkeys(steps, math.inf)
    for _ in range(TRIES):  # the formats take turns, so a burst of other work spoils one try of each, not all
        for precision, step in steps.items():
            started = time.perf_counter()
            step(batches)
            fastest[precision] = min(fastest[precision], (time.perf_counter() - started) / STEPS)
    return fastest["float32"], fastest["bfloat16"]
