"""Every hyperparameter of a run in one object, checked with messages a student understands.

Pure Python: the Train page calls ``parameter_count`` and ``layer_table`` on
every slider move without waiting for TensorFlow.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from enum import StrEnum

from mnist_core import cpu_threads
from mnist_core.errors import ConfigError

OPTIMIZERS = {"adam": "Adam", "sgd": "SGD", "rmsprop": "RMSprop"}  # name: its Keras class
SCHEDULES = ("constant", "cosine")
# What the layers compute in. "bfloat16": Keras' mixed precision, 16-bit brain floats inside the layers and
# float32 weights, softmax and loss (mnist_core/architecture.py); fast only on some CPUs with bfloat16 units.
PRECISIONS = ("float32", "bfloat16")
# Settings may instead ask for the faster of the two on the computer that trains: the trainer measures which
# when the run starts (mnist_core/number_format.py), so a preset or a lesson link is fast on every CPU.
FASTEST = "fastest"
NUMBER_FORMATS = (*PRECISIONS, FASTEST)


class DataSource(StrEnum):
    """What a run trains on (mnist_core/class_drawings.py for the class's drawings)."""

    MNIST = "mnist"
    DRAWINGS = "drawings"  # the class's saved drawings alone, fine-tuning ``base_model``
    MIXED = "mnist+drawings"  # MNIST with the drawings mixed in, compared with ``base_model``


TRAIN_SET_SIZE = 60_000
TEST_AS_VALIDATION = "test"  # the seed notebook's way: the test set is watched every epoch
VALIDATION_SIZE = 5_000  # training images held out for validation unless a config says otherwise
LIMITS = {
    "hidden_layers": (1, 4),
    "units": (1, 4096),
    "dropout": (0.0, 0.9),
    "epochs": (1, 100),
    "batch_size": (1, 60_000),
    "train_size": (100, TRAIN_SET_SIZE),
    "conv_filters": (1, 256),
    "conv_layers": (0, 3),
    "holdout": (0.1, 0.5),
    "validation": (1_000, 20_000),
    "shift": (0, 4),
}


# Configs that passed every rule, by their repr; a class makes a few hundred, so the bound is never reached.
_CHECKED: set[str] = set()
CHECKED_KEPT = 4096


@dataclass(frozen=True)
class TrainConfig:
    """One run's hyperparameters. The defaults are the seed notebook's model.

    ``validation`` is what the curves are measured on after each epoch: "test" (the seed
    notebook's way, which also makes every choice made by watching the curves a choice tuned on
    the test set), or a number of training images held out (see ``mnist_core.data.split_validation``);
    then the test set is scored once, at the end. ``train_size`` images are drawn from what is
    left after the hold-out, at most all of it.

    A model is ``conv_filters`` convolution blocks (none for an MLP), then the
    dense ``hidden_units`` with ``dropouts[i]`` applied after layer ``i``
    (0 means no Dropout layer), then a 10-way softmax.
    """

    hidden_units: tuple[int, ...] = (256, 128)
    dropouts: tuple[float, ...] = (0.2, 0.0)
    conv_filters: tuple[int, ...] = ()
    epochs: int = 10
    batch_size: int = 128
    learning_rate: float = 1e-3
    optimizer: str = "adam"
    schedule: str = "constant"
    train_size: int = TRAIN_SET_SIZE
    augment: bool = False
    shift: int = 0  # pixels: each training image moved by up to this much at random, every time it is seen
    precision: str = "float32"  # one of NUMBER_FORMATS
    seed: int = 0
    data: str = DataSource.MNIST
    base_model: str = ""  # the .keras file a drawings run starts from or is compared with
    holdout: float = 0.25  # the share of the class's drawings kept out of training, to test on
    validation: int | str = TEST_AS_VALIDATION

    @property
    def training_images(self) -> int:
        """How many images training really uses: ``train_size`` of what the hold-out leaves."""
        return min(self.train_size, TRAIN_SET_SIZE - (self.validation if self.holds_out_validation else 0))

    @property
    def holds_out_validation(self) -> bool:
        """True when ``validation`` training images are held out; False for the test set as validation."""
        return self.validation != TEST_AS_VALIDATION

    @property
    def on_class_drawings(self) -> bool:
        """True for a run on the class's drawings (fine-tuned on them, or with them mixed into MNIST)."""
        return self.data != DataSource.MNIST

    @property
    def fine_tunes(self) -> bool:
        """True for a run that fine-tunes ``base_model`` on the class's drawings alone."""
        return self.data == DataSource.DRAWINGS

    @property
    def architecture(self) -> str:
        return "cnn" if self.conv_filters else "mlp"

    def validate(self) -> TrainConfig:
        """Return self, or raise ConfigError saying what is wrong and what is allowed.

        The rules run once per config: a Train press checks its config at the page, the queue, the trainer and
        the model builder (each is an entry point of its own), and all but the first find it checked already.
        """
        key = repr(self)  # not the config itself: 1 == True and 10 == 10.0, and a check must tell them apart
        if key not in _CHECKED:
            self._check()
            if len(_CHECKED) < CHECKED_KEPT:
                _CHECKED.add(key)
        return self

    def check_this_computer(self) -> TrainConfig:
        """Return self, or raise ConfigError when this computer cannot train it: bfloat16 without bfloat16 units.

        Asked where a run trains (the trainer, and a server that trains its own runs before queueing one), not
        where it is only set up: a lab's server sends bfloat16 runs to the PCs that have the units
        (class_server/placement.py), whatever its own processor has.
        """
        if self.precision == "bfloat16" and not cpu_threads.has_bfloat16_units():
            raise ConfigError(
                "bfloat16 needs a processor with bfloat16 units (AMX or AVX-512 BF16), and this computer's "
                "has none: choose float32."
            )
        return self

    def _check(self) -> None:
        """Every rule about the settings themselves, in the order a student meets them."""
        _check_range("number of hidden layers", len(self.hidden_units), *LIMITS["hidden_layers"])
        if len(self.dropouts) != len(self.hidden_units):
            raise ConfigError(
                f"Give one dropout rate per hidden layer: {len(self.hidden_units)} layers "
                f"but {len(self.dropouts)} dropout rates."
            )
        for i, units in enumerate(self.hidden_units, 1):
            _check_range(f"units in hidden layer {i}", units, *LIMITS["units"])
        for i, rate in enumerate(self.dropouts, 1):
            _check_range(f"dropout rate of layer {i}", rate, *LIMITS["dropout"])
        _check_range("number of convolution layers", len(self.conv_filters), *LIMITS["conv_layers"])
        for i, filters in enumerate(self.conv_filters, 1):
            _check_range(f"filters in convolution layer {i}", filters, *LIMITS["conv_filters"])
        _check_range("epochs", self.epochs, *LIMITS["epochs"])
        _check_range("batch size", self.batch_size, *LIMITS["batch_size"])
        _check_range("training-set size", self.train_size, *LIMITS["train_size"])
        _check_range("shift in pixels", self.shift, *LIMITS["shift"])
        if self.batch_size > self.train_size:  # an epoch would be one short batch, or none with a remainder dropped
            raise ConfigError("The batch size is larger than the training set: pick fewer per batch or more images.")
        if not _is_number(self.learning_rate) or not self.learning_rate > 0 or self.learning_rate > 10:
            raise ConfigError(
                f"The learning rate must be a number above 0 and at most 10 (got {self.learning_rate!r})."
            )
        if self.holds_out_validation:
            if not _is_number(self.validation):
                raise ConfigError(
                    f"Validation must be {TEST_AS_VALIDATION!r} (the test set, as the seed notebook "
                    f"does) or a number of training images to hold out (got {self.validation!r})."
                )
            _check_range("number of validation images", self.validation, *LIMITS["validation"])
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"Unknown optimizer {self.optimizer!r}: choose one of {', '.join(OPTIMIZERS)}.")
        if self.schedule not in SCHEDULES:
            raise ConfigError(f"Unknown schedule {self.schedule!r}: choose one of {', '.join(SCHEDULES)}.")
        if self.precision not in NUMBER_FORMATS:
            raise ConfigError(f"Unknown number format {self.precision!r}: choose one of {', '.join(NUMBER_FORMATS)}.")
        if self.data not in tuple(DataSource):
            raise ConfigError(f"Unknown data {self.data!r}: choose one of {', '.join(DataSource)}.")
        if self.on_class_drawings:
            _check_range("share of drawings held out", self.holdout, *LIMITS["holdout"])
            if not self.base_model:
                raise ConfigError("Training on the class's drawings needs a model to start from or compare with.")

    def replace(self, **changes) -> TrainConfig:
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TrainConfig:
        """Rebuild a config saved with ``to_dict``; unknown keys are ignored."""
        fields = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in fields}
        for key in ("hidden_units", "dropouts", "conv_filters"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)

    @property
    def layers_label(self) -> str:
        """The layers alone, such as ``MLP 256-128`` or ``CNN 16-32 + 128``."""
        units = "-".join(str(u) for u in self.hidden_units)
        if self.conv_filters:
            return f"CNN {'-'.join(str(f) for f in self.conv_filters)} + {units}"
        return f"MLP {units}"

    def describe(self) -> str:
        """A short label such as ``MLP 256-128, dropout 0.2/0``."""
        numbers = " (bfloat16)" if self.precision == "bfloat16" else ""  # early, so a narrow column still shows it
        drop = "/".join(f"{d:g}" for d in self.dropouts)
        shifted = f", shifted up to {self.shift} px" if self.shift else ""
        return f"{self.layers_label}{numbers}, dropout {drop}{shifted}"


PRESETS = {
    "seed": TrainConfig(),
    "no-dropout": TrainConfig(dropouts=(0.0, 0.0)),
    "heavy-dropout": TrainConfig(dropouts=(0.5, 0.0)),
    # Chosen on the 5,000 validation images by `python -m lab cnn-search` (lab/cnn_search.py; its
    # rule, its candidates' scores and the earlier rounds are in the README): round 4, the best mean over seeds
    # 0-5 within 0.9x plain Keras' time for the seed MLP, at least 99.45%, in bfloat16. It trains in whichever
    # format is faster on the computer that trains it. Test accuracy, measured once after, is the bench's figure.
    "cnn": TrainConfig(
        conv_filters=(16, 32, 64),
        hidden_units=(128,),
        dropouts=(0.25,),
        shift=2,
        precision=FASTEST,
        epochs=7,
        batch_size=128,
        learning_rate=5e-3,
        schedule="cosine",
        validation=VALIDATION_SIZE,
    ),
}
# For a lesson where time matters: 99% in seconds. Chosen on the 5,000 validation images by `python -m lab
# quick-cnn-search` (lab/quick_cnn_search.py; its rule, rounds and scores are in the README): the fastest
# candidate with a validation mean of at least 99.1% over seeds 0-5 within 0.27x plain Keras' time for the seed
# MLP. Two epochs are too few for a shift or dropout to pay. Test accuracy, measured once after, is the bench's.
PRESETS["quick-cnn"] = PRESETS["cnn"].replace(shift=0, dropouts=(0.0,), epochs=2, learning_rate=1e-2)
PRESET_LABELS = {
    "seed": "Seed notebook",
    "no-dropout": "No dropout",
    "heavy-dropout": "Heavy dropout (0.5)",
    "cnn": "CNN",
    "quick-cnn": "Quick CNN",
}


def preset(name: str) -> TrainConfig:
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"Unknown preset {name!r}: choose one of {', '.join(PRESETS)}.") from None


def layer_table(config: TrainConfig) -> list[dict]:
    """The model's layers as rows of (layer, output shape, parameters), computed without Keras."""
    from mnist_core.architecture import network

    return [
        {"layer": layer.label, "output shape": "x".join(str(s) for s in layer.output), "parameters": layer.parameters}
        for layer in network(config)
        if layer.label is not None
    ]


def parameter_count(config: TrainConfig) -> int:
    return sum(row["parameters"] for row in layer_table(config))


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_range(what: str, value, low, high) -> None:
    """Numbers with integer limits must be whole numbers; every number must lie in [low, high]."""
    whole = isinstance(low, int) and isinstance(high, int)
    if not _is_number(value) or (whole and value != int(value)) or not low <= value <= high:
        kind = "a whole number" if whole else "a number"
        raise ConfigError(f"The {what} must be {kind} from {low:g} to {high:g} (got {value!r}).")
