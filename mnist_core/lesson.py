"""Lesson links: a Train page's settings, and which controls are shown, as URL query parameters.

A teacher's link such as ``/train?preset=seed&dropout=0.5&show=dropout`` opens the page with
those settings and only the dropout slider visible. Anything unknown or out of range in a link
is ignored with a notice, never an error: a mistyped link still opens a working page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mnist_core import cpu_threads
from mnist_core.config import NUMBER_FORMATS, OPTIMIZERS, PRESETS, TEST_AS_VALIDATION, VALIDATION_SIZE, TrainConfig
from mnist_core.errors import ConfigError

# The values the Train page's controls offer; a link can only choose among them.
UNITS = (16, 32, 64, 128, 256, 512, 1024)
FILTERS = (8, 16, 32, 64)
LEARNING_RATES = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1)
BATCH_SIZES = (16, 32, 64, 128, 256, 512, 1024)
TRAIN_SIZES = (1_000, 3_000, 6_000, 12_000, 30_000, 60_000)
DROPOUT_STEPS = tuple(round(0.05 * i, 2) for i in range(17))  # 0 to 0.8
EPOCHS = tuple(range(1, 51))
SHIFTS = (0, 1, 2, 3)  # pixels
QUOTE_LIMIT = 40  # characters of a link's value that a notice quotes
VALIDATIONS = (VALIDATION_SIZE, TEST_AS_VALIDATION)  # held-out training images, or the test set as the notebook does

# Controls a link can show or hide, by the name used in ``show=``.
CONTROLS = (
    "preset",
    "architecture",
    "layers",
    "dropout",
    "learning_rate",
    "optimizer",
    "epochs",
    "batch_size",
    "train_size",
    "shift",
    "precision",
    "validation",
)


@dataclass
class Lesson:
    config: TrainConfig
    preset: str
    shown: tuple[str, ...] = CONTROLS
    notices: list[str] = field(default_factory=list)


def lesson_from_query(params: Mapping[str, str], trains_here: bool = True) -> Lesson:
    """Settings from a link; every parameter that cannot be used becomes a notice. ``trains_here``: the server
    trains its runs itself, so a bfloat16 link needs this computer's bfloat16 units (a lab's server sends such
    runs to PCs that have them, class_server/placement.py)."""
    notices = []
    preset = params.get("preset", "seed")
    if preset not in PRESETS:
        notices.append(f"Ignored preset={_quoted(preset)}: choose {_either(list(PRESETS))}.")
        preset = "seed"
    config = PRESETS[preset]
    readers = {
        "units": ("hidden_units", lambda text: _list(text, int, UNITS, 4)),
        "dropout": ("dropouts", lambda text: _list(text, float, DROPOUT_STEPS, 4)),
        "filters": ("conv_filters", lambda text: _list(text, int, FILTERS, 3)),
        "lr": ("learning_rate", lambda text: _one(text, float, LEARNING_RATES)),
        "optimizer": ("optimizer", lambda text: _one(text, str, tuple(OPTIMIZERS))),
        "epochs": ("epochs", lambda text: _one(text, int, EPOCHS)),
        "batch": ("batch_size", lambda text: _one(text, int, BATCH_SIZES)),
        "images": ("train_size", lambda text: _one(text, int, TRAIN_SIZES)),
        "shift": ("shift", lambda text: _one(text, int, SHIFTS)),
        "precision": ("precision", lambda text: _one(text, str, NUMBER_FORMATS)),
        "validation": ("validation", _validation),
    }
    for key, text in params.items():
        if key in ("preset", "show", "arch"):
            continue
        if key not in readers:
            notices.append(f"Ignored unknown setting {_quoted(key)}.")
            continue
        name, read = readers[key]
        try:
            config = config.replace(**{name: read(text)})
        except ValueError as error:
            notices.append(f"Ignored {key}={_quoted(text)}: {error}")
    arch = params.get("arch")
    if arch == "mlp":
        config = config.replace(conv_filters=())
    elif arch == "cnn" and not config.conv_filters:
        config = config.replace(conv_filters=PRESETS["cnn"].conv_filters)
    elif arch not in (None, "mlp", "cnn"):
        notices.append(f"Ignored arch={_quoted(arch)}: choose mlp or cnn.")
    if trains_here and config.precision == "bfloat16" and not cpu_threads.has_bfloat16_units():
        # a link made on a computer with bfloat16 units still opens its lesson on one without
        notices.append("Trains in float32: this computer has no bfloat16 units, which the link asked for.")
        config = config.replace(precision="float32")
    layers = len(config.hidden_units)
    if len(config.dropouts) != layers:
        if "dropout" in params and len(params["dropout"].split(",")) not in (1, layers):
            notices.append(
                f"Ignored dropout={_quoted(params['dropout'])}: give one dropout rate per hidden layer ({layers})."
            )
            config = config.replace(dropouts=PRESETS[preset].dropouts)
        # one rate is for the first layer, as in the seed; units=64 with the seed's two rates keeps the first
        config = config.replace(dropouts=(config.dropouts + (0.0,) * 4)[:layers])
    try:
        config.validate()
    except ConfigError as error:
        notices.append(f"Ignored the link's settings: {error}")
        config = PRESETS[preset]
    shown = CONTROLS
    if "show" in params:
        wanted = tuple(name.strip() for name in params["show"].split(",") if name.strip())
        unknown = [name for name in wanted if name not in CONTROLS]
        if unknown:
            notices.append(f"Ignored unknown controls in show=: {', '.join(_quoted(name) for name in unknown)}.")
        shown = tuple(name for name in wanted if name in CONTROLS) or CONTROLS
    return Lesson(config, preset, shown, notices)


def query_from_lesson(config: TrainConfig, preset: str, shown: tuple[str, ...] = CONTROLS) -> dict[str, str]:
    """The query parameters of a link that reopens these settings."""
    params = {
        "preset": preset,
        "arch": "cnn" if config.conv_filters else "mlp",
        "units": ",".join(str(u) for u in config.hidden_units),
        "dropout": ",".join(f"{d:g}" for d in config.dropouts),
        "lr": f"{config.learning_rate:g}",
        "optimizer": config.optimizer,
        "epochs": str(config.epochs),
        "batch": str(config.batch_size),
        "images": str(config.train_size),
        "shift": str(config.shift),
        "precision": config.precision,
        "validation": str(config.validation),
    }
    if config.conv_filters:
        params["filters"] = ",".join(str(f) for f in config.conv_filters)
    if tuple(shown) != CONTROLS:
        params["show"] = ",".join(shown)
    return params


def _one(text: str, kind, allowed: tuple):
    if kind is str:  # a name: any case, as a teacher might type "Adam"
        matches = [a for a in allowed if a == text.strip().lower()]
        if not matches:
            raise ValueError(f"choose {_either(allowed)}.")
        return matches[0]
    offered = f"not one of the values the controls offer: {_offered(allowed)}."
    try:
        value = kind(text)
    except ValueError:
        if text.strip().lstrip("+-").isdigit():  # whole, but past the 4,300 digits Python reads
            raise ValueError(offered) from None
        raise ValueError("not a whole number." if kind is int else "not a number.") from None
    matches = [a for a in allowed if abs(a - value) < 1e-9]
    if not matches:
        raise ValueError(offered)
    return matches[0]


def _offered(allowed: tuple) -> str:
    """The values a control offers: all of them when few, else the range and its step."""
    if len(allowed) <= 10:
        return _either([f"{a:g}" for a in allowed])
    step = round(allowed[1] - allowed[0], 10)
    by = f" in steps of {step:g}" if step != 1 else ""
    return f"{allowed[0]:g} to {allowed[-1]:g}{by}"


def _either(names) -> str:
    names = [str(name) for name in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _quoted(text: str) -> str:
    """A link's value as a notice quotes it, cut short when long: a link can hold thousands of characters."""
    return repr(text if len(text) <= QUOTE_LIMIT else text[:QUOTE_LIMIT] + "...")


def _validation(text: str) -> int | str:
    if text.strip().lower() == TEST_AS_VALIDATION:
        return TEST_AS_VALIDATION
    if text.strip() != str(VALIDATION_SIZE):
        raise ValueError(f"choose {VALIDATION_SIZE} (held-out training images) or {TEST_AS_VALIDATION} (the test set).")
    return VALIDATION_SIZE


def _list(text: str, kind, allowed: tuple, most: int) -> tuple:
    parts = [part for part in text.split(",")]
    if not 1 <= len(parts) <= most:
        raise ValueError(f"give 1 to {most} values separated by commas.")
    return tuple(_one(part.strip(), kind, allowed) for part in parts)
