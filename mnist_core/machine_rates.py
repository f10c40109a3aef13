"""This machine's rates for the cost of a run (mnist_core/cost.py): measured by timing a few probe networks
with the trainer's own compiled steps in a child process and fitting each term's rate, then kept on disk a day
per CPU model; ``SpeedGauge`` reads them, or measures them in a background thread the page never waits for.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from mnist_core.config import PRECISIONS, TrainConfig
from mnist_core.cost import STEP_TERMS, TEST_IMAGES, Estimate, Rates, arithmetic, estimate
from mnist_core.cpu_threads import has_bfloat16_units
from mnist_core.paths import studio_home

RATES_FILE = "machine_rates.json"
RATES_VARIABLE = "MNIST_STUDIO_RATES_FILE"  # where the rates are kept, if not in the run store's folder
RATES_LIFETIME_S = 24 * 3600  # a machine's rates are measured again after a day (a new TensorFlow, a busy day)

# The probes: networks whose terms differ enough for the fit to tell the rates apart, each timed at one or two
# batch sizes (one trace serves both): tiny and wide dense layers, with and without dropout, a thin convolution,
# a shift, and the CNN preset's and the largest network the Train page allows (3 convolutions of 64 filters, 4 dense
# layers of 1,024 units), so that the runs a class starts most and the dearest ones are measured, not inferred.
PROBES = (
    (TrainConfig(hidden_units=(16,), dropouts=(0.0,)), (16, 1024)),
    (TrainConfig(hidden_units=(1024,) * 4, dropouts=(0.0,) * 4), (16, 256)),
    (TrainConfig(), (32, 128)),
    (TrainConfig(dropouts=(0.0, 0.0)), (128,)),
    (TrainConfig(conv_filters=(8,), hidden_units=(16,), dropouts=(0.0,)), (16, 128)),
    (TrainConfig(hidden_units=(16,), dropouts=(0.0,), shift=2), (128,)),  # the shift alone, apart from convolutions
    (TrainConfig(conv_filters=(16, 32, 64), hidden_units=(128,), dropouts=(0.25,), shift=2), (16, 128)),
    (TrainConfig(conv_filters=(64,) * 3, hidden_units=(1024,) * 4, dropouts=(0.0,) * 4, shift=3), (16, 64)),
)
EVALUATED = (5_000, TEST_IMAGES)
TIMED_SECONDS = 0.15  # each timing of steps runs at least this long
# The fastest of this many rounds over every timing: another process taking the CPU only ever adds time, and
# rounds spread each timing's tries over the whole measurement, so a burst of load spoils one try, not all.
# So the rates are this machine's own pace, as on a server that trains one run; with other programs busy on
# it a run takes longer (measured here under a load of 3 to 5 on 2 cores: real runs 1.4x the estimate, every
# network alike; the median try instead of the fastest followed the load no better, 0.8x to 1.3x).
ROUNDS = 5
# A timing whose call lasts this long spans many bursts of other load, so it is tried in the first LONG_ROUNDS
# rounds only: five tries of the largest networks' evaluations of 10,000 and 5,000 images (5.4 s and 2.9 s a
# try, measured here under load) took most of the measuring time.
LONG_CALL_SECONDS = 1.0
LONG_ROUNDS = 2


@dataclass
class _Timing:
    """One thing timed: its terms (``STEP_TERMS`` or ``EVALUATION_TERMS``), how to run it, and how many steps
    one run of it is (1 for an evaluation)."""

    terms: list[float]
    run: object  # called with no arguments
    steps: int
    evaluation: bool
    fastest: float = math.inf

    def time(self) -> None:
        started = time.perf_counter()
        self.run()
        self.fastest = min(self.fastest, (time.perf_counter() - started) / self.steps)


def measure_rates(precisions: tuple[str, ...] | None = None) -> Rates:
    """Time the probes with the trainer's compiled steps and fit each term's rate (a minute or two here), in a
    child process of its own: the probes' models, graphs and evaluations took the app server from 780 MB to
    4,060 MB here, and TensorFlow's allocator kept it all; a child gives it back to the system when it ends.

    The child is a new Python started with ``subprocess``, not ``multiprocessing``: a spawned child first runs
    the parent's ``__main__``, and Streamlit installs the page script it last ran as ``__main__``, so in the app
    server (and in a test suite that ran pages) the child ran a page, and the threads it started, in bare
    mode while it timed the probes (in CI every estimate came out 21-28% over its real run)."""
    import subprocess
    import sys

    package_root = str(Path(__file__).resolve().parent.parent)
    paths = [package_root, *filter(None, [os.environ.get("PYTHONPATH")])]
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(precisions)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
        check=False,
    )
    answer = [line for line in child.stdout.splitlines() if line.startswith(_ANSWER)]
    if child.returncode != 0 or not answer:
        problem = (child.stderr.strip().splitlines() or [f"exit code {child.returncode}"])[-1]
        raise RuntimeError(f"Measuring this machine's rates failed: {problem}")
    return Rates(**json.loads(answer[-1][len(_ANSWER) :]))


_ANSWER = "rates: "  # the child's line with its answer (TensorFlow may write other lines)
_CHILD = f"""
import json, sys
from dataclasses import asdict
from mnist_core.machine_rates import _measured_here
precisions = json.loads(sys.argv[1])
print({_ANSWER!r} + json.dumps(asdict(_measured_here(tuple(precisions) if precisions else None))), flush=True)
"""


def _measured_here(precisions: tuple[str, ...] | None) -> Rates:
    import numpy as np
    from scipy.optimize import nnls

    from mnist_core.augment import augment
    from mnist_core.data import load_mnist

    precisions = precisions or tuple(p for p in PRECISIONS if p == "float32" or has_bfloat16_units())
    data = load_mnist()
    step, evaluation, compiles = {}, {}, []
    for precision in precisions:
        timings = []
        for probe, sizes in PROBES:
            compiled, probe_timings = _probe(probe.replace(precision=precision), sizes, data)
            compiles.append(([1.0, arithmetic(probe).layers], compiled))
            timings += probe_timings
        for round_ in range(ROUNDS):
            for timing in timings:
                if round_ < LONG_ROUNDS or timing.fastest * timing.steps < LONG_CALL_SECONDS:
                    timing.time()
        for kind, fitted in ((False, step), (True, evaluation)):
            chosen = [timing for timing in timings if timing.evaluation == kind]
            fitted[precision] = _fit(nnls, np, [t.terms for t in chosen], [t.fastest for t in chosen])
    few = data.x_train[:500]
    augmenting = _Timing([], lambda: augment(few, np.random.default_rng(0)), len(few), False)
    for _ in range(2):
        augmenting.time()
    compiled = _fit(nnls, np, [terms for terms, _ in compiles], [seconds for _, seconds in compiles])
    return Rates(machine_id(), time.time(), step, evaluation, compiled, augmenting.fastest)


def _probe(config: TrainConfig, sizes: tuple[int, ...], data) -> tuple[float, list[_Timing]]:
    """A probe network compiled as the trainer compiles it: the seconds that took, and the timings of its steps
    at each batch size in ``sizes`` and of its evaluation at each size in ``EVALUATED``."""
    import numpy as np
    import tensorflow as tf

    from mnist_core.batch_prediction import evaluate_arrays
    from mnist_core.models import build_model, make_optimizer
    from mnist_core.train_steps import compile_steps, images_of

    x, y = images_of(data.x_train), tf.constant(data.y_train, tf.int64)
    x_test, y_test = images_of(data.x_test), data.y_test.astype(np.int64)
    rng = np.random.default_rng(0)

    def batches(count: int, batch: int) -> tf.Tensor:
        return tf.constant(rng.integers(0, len(data.y_train), (count, batch), dtype=np.int32))

    started = time.perf_counter()
    model = build_model(config)
    run_steps = compile_steps(model, make_optimizer(config, 1000), tf.uint8)
    float(run_steps(x, y, batches(1, sizes[0]))[0])
    compiled = time.perf_counter() - started
    numbers, timings = arithmetic(config), []
    for batch in sizes:
        count = _steps_for(lambda n, b=batch: float(run_steps(x, y, batches(n, b))[0]))
        chunk = batches(count, batch)
        train = lambda c=chunk: float(run_steps(x, y, c)[0])  # noqa: E731
        timings.append(_Timing(numbers.step_features(batch), train, count, evaluation=False))
    for images in EVALUATED:
        check = lambda n=images: evaluate_arrays(model, x_test[:n], y_test[:n])  # noqa: E731
        timings.append(_Timing(numbers.evaluation_features(images), check, 1, evaluation=True))
    return compiled, timings


def _steps_for(call) -> int:
    """How many steps make one timed call last ``TIMED_SECONDS``."""
    count = 2
    while True:
        started = time.perf_counter()
        call(count)
        seconds = time.perf_counter() - started
        if seconds >= TIMED_SECONDS / 2 or count >= 4096:
            return max(2, math.ceil(count * TIMED_SECONDS / max(seconds, 1e-4)))
        count *= 4


def _fit(nnls, np, rows: list[list[float]], times: list[float]) -> list[float]:
    """Non-negative rates that miss every measured time by the least relative error."""
    a, b = np.array(rows, dtype=float), np.array(times, dtype=float)
    scale = a.max(axis=0)  # columns on one scale, or the fit stops early on the large ones
    scale[scale == 0] = 1.0
    weighted = (a / scale) / b[:, None]
    solution, _ = nnls(weighted, np.ones(len(b)), maxiter=100 * a.shape[1])
    return [float(v) for v in solution / scale]


def machine_id() -> str:
    """Which machine rates belong to: its CPU model and core count, and the TensorFlow measured with."""
    try:
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        cpu = platform.processor() or platform.machine()
    from importlib.metadata import version

    return f"{cpu}, {os.cpu_count()} cores, TensorFlow {version('tensorflow')}"


class SpeedGauge:
    """This machine's rates: read from disk when measured less than a day ago, else measured in a thread.

    ``rates()`` never waits unless asked to; the Train page shows the estimate once they are known.
    """

    def __init__(self, path: Path | None = None):
        self.path = path or rates_path()
        self._known: Rates | None = self._saved()
        self._done = threading.Event()
        self.failed: str | None = None
        if self._known is not None:
            self._done.set()
        else:
            threading.Thread(target=self._measure, name="measure-rates", daemon=True).start()

    def rates(self, wait: float = 0.0) -> Rates | None:
        """The rates, or None while they are being measured (``wait``: seconds to wait for them)."""
        self._done.wait(wait)
        return self._known

    def estimate(self, config: TrainConfig, wait: float = 0.0) -> Estimate | None:
        rates = self.rates(wait)
        return estimate(config, rates) if rates is not None else None

    def _saved(self) -> Rates | None:
        try:
            saved = json.loads(self.path.read_text()).get(_key(machine_id()))
            rates = Rates(**saved) if saved else None
        except (OSError, ValueError, TypeError):
            return None
        if rates is None or time.time() - rates.measured_at > RATES_LIFETIME_S:
            return None
        if any(len(terms) != len(STEP_TERMS) for terms in rates.step.values()):
            return None  # measured by a version of this module with other terms
        return rates

    def _measure(self) -> None:
        try:
            self._known = measure_rates()
            save_rates(self._known, self.path)
        except Exception as error:  # the estimate is then missing, never the page: say why in the server's log
            import logging

            logging.getLogger(__name__).exception("Measuring this machine's rates failed")
            self.failed = str(error) or type(error).__name__
        finally:
            self._done.set()


def save_rates(rates: Rates, path: Path | None = None) -> None:
    """Keep ``rates`` on disk beside other machines' (a shared folder may serve several kinds of server)."""
    path = path or rates_path()
    try:
        everything = json.loads(path.read_text())
    except (OSError, ValueError):
        everything = {}
    everything[_key(rates.machine)] = asdict(rates)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(everything, indent=1))
    partial.replace(path)  # whole or not at all: another server may be reading it


def rates_path() -> Path:
    """``$MNIST_STUDIO_RATES_FILE``, else machine_rates.json beside the runs (``paths.studio_home``)."""
    return Path(os.environ.get(RATES_VARIABLE) or studio_home() / RATES_FILE)


def _key(machine: str) -> str:
    return hashlib.sha256(machine.encode()).hexdigest()[:16]
