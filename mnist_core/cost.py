"""What a run costs before it starts: its training time on this server, from its arithmetic and rates this
machine measured.

One rate for all arithmetic misjudges these networks badly (a first try with one time per multiply-add was
2x too high for the seed preset and 3x too low for a maxed-out MLP): a step also pays a fixed cost per step
and per layer, and at small batches a large dense layer is limited by reading its weights and updating
them with Adam (a cost per parameter, whatever the batch), not by its multiply-adds. So a training step
is modelled as

    fixed + per layer + per image + per shifted image + per parameter
    + per dense multiply-add + per convolution multiply-add + per activation + per dropped-out number

and an evaluation of n images (each epoch's validation, the test set at the end) as

    fixed + n x (per image + per dense multiply-add + per convolution multiply-add + per activation),

each term's rate measured on this machine (``measure_rates``): a few networks (``PROBES``), the trainer's own
compiled steps, timed at one or two batch sizes each, then one non-negative least-squares fit of relative error
per number format (bfloat16 multiplies at other rates than float32). A run's estimate is then

    epochs x (steps x step time + validation time) + the test set at the end + compiling the network.

Measuring takes a minute or two on 2 cores, so a server measures once per CPU model a day and keeps the rates
on disk (``SpeedGauge``), and does it in a background thread: the page never waits for it. The estimate is
the run's own training time; on a busy server runs take turns (class_server/jobs.py), which adds waiting.
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

from mnist_core import number_format
from mnist_core.architecture import network
from mnist_core.config import FASTEST, PRECISIONS, TEST_AS_VALIDATION, TrainConfig
from mnist_core.cpu_threads import has_bfloat16_units
from mnist_core.paths import studio_home

RATES_FILE = "machine_rates.json"
RATES_VARIABLE = "MNIST_STUDIO_RATES_FILE"  # where the rates are kept, if not in the run store's folder
RATES_LIFETIME_S = 24 * 3600  # a machine's rates are measured again after a day (a new TensorFlow, a busy day)
TEST_IMAGES = 10_000
STEP_TERMS = ("step", "layer", "image", "shifted image", "parameter", "dense MAC", "conv MAC", "activation", "dropped")
EVALUATION_TERMS = ("evaluation", "image", "dense MAC", "conv MAC", "activation")
MINUTE = 60


@dataclass(frozen=True)
class Arithmetic:
    """What one image costs a network, counted from its layers (``architecture.network``), without Keras."""

    layers: int  # layers that compute: convolutions, pools, dense layers and their dropouts
    parameters: int
    dense_macs: int  # multiply-adds per image in the dense layers (their weights)
    conv_macs: int  # multiply-adds per image in the convolutions
    activations: int  # numbers each image's layers output (what relu, pooling and dropout pass over)
    dropped: int  # numbers each training image's dropout layers draw a random number for (dearer than relu)
    shifted: bool  # a random shift layer, computed for every training image

    def step_features(self, batch: int) -> list[float]:
        """One training step of ``batch`` images, term by term (``STEP_TERMS``)."""
        return [
            1.0,
            self.layers,
            batch,
            batch * self.shifted,
            self.parameters,
            batch * self.dense_macs,
            batch * self.conv_macs,
            batch * self.activations,
            batch * self.dropped,
        ]

    def evaluation_features(self, images: int) -> list[float]:
        """A forward pass over ``images`` (the shift is off when predicting), term by term (``EVALUATION_TERMS``)."""
        return [1.0, images, images * self.dense_macs, images * self.conv_macs, images * self.activations]


def arithmetic(config: TrainConfig) -> Arithmetic:
    layers = parameters = dense = conv = activations = dropped = 0
    channels = 1
    for layer in network(config):
        parameters += layer.parameters
        size = math.prod(layer.output)
        if layer.keras_class == "Conv2D":
            conv += size * 9 * channels  # every output number is a 3x3 window over every input channel
            channels = layer.args[0]
        elif layer.keras_class == "Dense":
            dense += layer.parameters - size  # weights without biases: one multiply-add each per image
        elif layer.keras_class == "Dropout":
            dropped += size
        if layer.keras_class in ("Conv2D", "MaxPooling2D", "Dense", "Dropout"):
            layers += 1
            activations += size
    return Arithmetic(layers, parameters, dense, conv, activations, dropped, config.shift > 0)


@dataclass(frozen=True)
class Rates:
    """Seconds per unit of each term (``STEP_TERMS``, ``EVALUATION_TERMS``) by number format, measured here."""

    machine: str
    measured_at: float  # time.time()
    step: dict[str, list[float]]
    evaluation: dict[str, list[float]]
    compile_seconds: list[float]  # building and tracing a network the server has not trained yet: fixed, per layer
    augment_seconds_per_image: float  # the CLI's --augment: each epoch's altered images, made in NumPy


@dataclass(frozen=True)
class Estimate:
    """A run's own training time on this machine, and its parts."""

    seconds: float
    epoch_seconds: float  # one epoch: its steps and its validation
    once_seconds: float  # compiling the network, and the test set at the end

    def epochs_within(self, seconds: float) -> int:
        """How many epochs of this run fit in ``seconds`` (0 when not even one)."""
        return max(0, int((seconds - self.once_seconds) // max(self.epoch_seconds, 1e-9)))


def estimate(config: TrainConfig, rates: Rates) -> Estimate:
    if config.precision == FASTEST:  # the format measured for this network, else the faster by these rates
        choice = number_format.known(config)
        formats = [choice.precision] if choice else [p for p in PRECISIONS if p in rates.step]
        return min((estimate(config.replace(precision=p), rates) for p in formats), key=lambda e: e.seconds)
    numbers = arithmetic(config)
    step, evaluation = rates.step[config.precision], rates.evaluation[config.precision]
    images, batch = config.training_images, config.batch_size
    full, last = divmod(images, batch)
    steps = full * _dot(step, numbers.step_features(batch)) + (last > 0) * _dot(step, numbers.step_features(last))
    checked = TEST_IMAGES if config.validation == TEST_AS_VALIDATION else config.validation
    made = images * rates.augment_seconds_per_image if config.augment else 0.0
    epoch = steps + _dot(evaluation, numbers.evaluation_features(checked)) + made
    tested = _dot(evaluation, numbers.evaluation_features(TEST_IMAGES)) if config.holds_out_validation else 0.0
    once = compile_seconds(config, rates) + tested
    return Estimate(config.epochs * epoch + once, epoch, once)


def compile_seconds(config: TrainConfig, rates: Rates) -> float:
    """Building and tracing the network, which a run pays when the server has not kept it compiled."""
    return _dot(rates.compile_seconds, [1.0, arithmetic(config).layers])


def _dot(rates: list[float], features: list[float]) -> float:
    return sum(r * f for r, f in zip(rates, features, strict=True))


def duration(seconds: float) -> str:
    """``about 40 s``, ``about 3 min``, ``about 1 h 10 min``: as precise as an estimate is."""
    if seconds < 90:
        return f"about {max(1, round(seconds / 5) * 5 if seconds >= 20 else round(seconds))} s"
    minutes = round(seconds / MINUTE)
    if minutes < 60:
        return f"about {minutes} min"
    hours, minutes = divmod(round(seconds / (10 * MINUTE)) * 10, 60)
    return f"about {hours} h" + (f" {minutes} min" if minutes else "")


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
from mnist_core.cost import _measured_here
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
        for _ in range(ROUNDS):
            for timing in timings:
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
