"""The command line's shared parts: one-line errors, checked numbers, and a training run's options.

Both command lines (``python -m class_server`` for runs, ``python -m lab`` for the lab's tools) build on
these, so a typo gets the same one-line answer from either, before TensorFlow is imported.
"""

from __future__ import annotations

import argparse

from mnist_core.config import (
    LIMITS,
    NUMBER_FORMATS,
    OPTIMIZERS,
    PRESETS,
    TEST_AS_VALIDATION,
    TrainConfig,
    preset,
)
from mnist_core.errors import UserError
from mnist_core.run_names import NAME_RULE

EXIT_USAGE = 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """One line, no usage dump: the message names the option and what it accepts."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def whole(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low:,} to {high:,} (got {text!r})")
        return value

    return parse


def number(low: float, high: float, low_open: bool = False):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = None
        bad = value is None or value != value or value > high or (value <= low if low_open else value < low)
        if bad:
            lower = f"above {low:g}" if low_open else f"from {low:g}"
            raise argparse.ArgumentTypeError(f"must be a number {lower} up to {high:g} (got {text!r})")
        return value

    return parse


def list_of(parse_one, what: str, most: int):
    def parse(text: str) -> tuple:
        parts = [p.strip() for p in text.split(",")]
        if not 1 <= len(parts) <= most or "" in parts:
            raise argparse.ArgumentTypeError(f"must be 1 to {most} {what} separated by commas (got {text!r})")
        return tuple(parse_one(p) for p in parts)

    return parse


def validation(text: str) -> int | str:
    if text.strip().lower() == TEST_AS_VALIDATION:
        return TEST_AS_VALIDATION
    try:
        return whole(*LIMITS["validation"])(text)
    except argparse.ArgumentTypeError:
        low, high = LIMITS["validation"]
        raise argparse.ArgumentTypeError(
            f"must be 'test' or a whole number of training images from {low:,} to {high:,} (got {text!r})"
        ) from None


def add_train_options(train: argparse.ArgumentParser) -> None:
    """``train``'s options: a preset, and any hyperparameter changed from it, each checked as TrainConfig would."""
    train.add_argument(
        "--preset",
        default="seed",
        choices=list(PRESETS),
        help="starting hyperparameters (default: seed, the notebook's MLP)",
    )
    train.add_argument("--epochs", type=whole(*LIMITS["epochs"]))
    units = whole(*LIMITS["units"])
    train.add_argument(
        "--units",
        type=list_of(units, "layer sizes", LIMITS["hidden_layers"][1]),
        help="units of each hidden layer, e.g. 256,128",
    )
    filters = whole(*LIMITS["conv_filters"])
    train.add_argument(
        "--filters",
        type=list_of(filters, "filter counts", LIMITS["conv_layers"][1]),
        help="filters of each convolution layer (CNN only), e.g. 32,64",
    )
    rate = number(*LIMITS["dropout"])
    train.add_argument(
        "--dropout",
        type=list_of(rate, "rates", LIMITS["hidden_layers"][1]),
        help="dropout after the first hidden layer (as in the seed), or one rate per layer, e.g. 0.2,0.2",
    )
    train.add_argument("--batch-size", type=whole(*LIMITS["batch_size"]))
    train.add_argument("--learning-rate", type=number(0, 10, low_open=True))
    train.add_argument("--optimizer", choices=list(OPTIMIZERS))
    train.add_argument(
        "--train-size", type=whole(*LIMITS["train_size"]), help="how many training images to use (default: all 60,000)"
    )
    train.add_argument(
        "--validation",
        type=validation,
        help="what each epoch is checked on: N training images held out (e.g. 5000), or 'test' for "
        "the test set as the seed notebook does (default: the preset's; seed: test, cnn and quick-cnn: 5000)",
    )
    train.add_argument(
        "--shift",
        type=whole(*LIMITS["shift"]),
        metavar="PIXELS",
        help="move each training image by up to this many pixels at random, every time it is seen "
        "(default: the preset's; cnn: 2, quick-cnn: 0)",
    )
    train.add_argument(
        "--precision",
        choices=NUMBER_FORMATS,
        help="what the layers compute in: bfloat16 needs a CPU with bfloat16 units, and is faster on some; "
        "fastest: the faster of the two, measured on this computer before training "
        "(default: the preset's; cnn and quick-cnn: fastest)",
    )
    train.add_argument("--augment", action="store_true", help="train on shifted, rotated, scaled, distorted digits")
    train.add_argument("--seed", type=whole(0, 2**31 - 1))
    train.add_argument("--name", help=f"run name: {NAME_RULE}")
    train.add_argument("--save-to", help="also copy the trained model to this .keras path")
    train.add_argument("--json", action="store_true", help="print the result as one JSON line at the end")


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The preset with the options given on the command line applied, validated."""
    config = preset(args.preset)
    changes = {
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "optimizer": args.optimizer,
        "train_size": args.train_size,
        "seed": args.seed,
        "validation": args.validation,
        "augment": args.augment or None,
        "shift": args.shift,
        "precision": args.precision,
    }
    config = config.replace(**{k: v for k, v in changes.items() if v is not None})
    if args.filters:
        if not config.conv_filters:
            raise UserError("argument --filters: only for a CNN (use --preset cnn)")
        config = config.replace(conv_filters=args.filters)
    if args.units:
        dropouts = (config.dropouts + (0.0,) * 4)[: len(args.units)]
        config = config.replace(hidden_units=args.units, dropouts=dropouts)
    if args.dropout:
        rates = args.dropout
        if len(rates) == 1:
            rates = rates + (0.0,) * (len(config.hidden_units) - 1)
        if len(rates) != len(config.hidden_units):
            raise UserError(f"argument --dropout: give 1 rate or {len(config.hidden_units)} (one per hidden layer)")
        config = config.replace(dropouts=rates)
    return config.validate()
