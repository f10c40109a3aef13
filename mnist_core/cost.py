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

each term's rate measured on this machine (mnist_core/machine_rates.py): a few networks (``PROBES``), the
trainer's own compiled steps, timed at one or two batch sizes each, then one non-negative least-squares fit of
relative error per number format (bfloat16 multiplies at other rates than float32). A run's estimate is then

    epochs x (steps x step time + validation time) + the test set at the end + compiling the network.

Measuring takes a minute or two on 2 cores, so a server measures once per CPU model a day and keeps the rates
on disk (``machine_rates.SpeedGauge``), and does it in a background thread: the page never waits for it. The
estimate is the run's own training time; on a busy server runs take turns (class_server/jobs.py), which adds
waiting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from mnist_core import number_format
from mnist_core.architecture import network
from mnist_core.config import FASTEST, PRECISIONS, TEST_AS_VALIDATION, TrainConfig

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
