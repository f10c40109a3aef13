"""``python -m mnist_core``: train, evaluate and list runs from the terminal.

Arguments are checked before TensorFlow is imported, so a typo is answered
at once. Every user error is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

from mnist_core.bench import PARTS as BENCH_PARTS
from mnist_core.config import (
    FASTEST,
    LIMITS,
    NUMBER_FORMATS,
    OPTIMIZERS,
    PRESETS,
    TEST_AS_VALIDATION,
    TrainConfig,
    parameter_count,
    preset,
)
from mnist_core.errors import UserError
from mnist_core.run_names import NAME_RULE, validate_run_name
from mnist_core.study import STUDIES

EXIT_USAGE = 2
MEASURE_WAIT_S = 600  # the estimate's first measurement on a busy machine; training starts after it regardless


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):
        """One line, no usage dump: the message names the option and what it accepts."""
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _whole(low: int, high: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be a whole number from {low:,} to {high:,} (got {text!r})")
        return value

    return parse


def _number(low: float, high: float, low_open: bool = False):
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


def _list_of(parse_one, what: str, most: int):
    def parse(text: str) -> tuple:
        parts = [p.strip() for p in text.split(",")]
        if not 1 <= len(parts) <= most or "" in parts:
            raise argparse.ArgumentTypeError(f"must be 1 to {most} {what} separated by commas (got {text!r})")
        return tuple(parse_one(p) for p in parts)

    return parse


def _validation(text: str) -> int | str:
    if text.strip().lower() == TEST_AS_VALIDATION:
        return TEST_AS_VALIDATION
    try:
        return _whole(*LIMITS["validation"])(text)
    except argparse.ArgumentTypeError:
        low, high = LIMITS["validation"]
        raise argparse.ArgumentTypeError(
            f"must be 'test' or a whole number of training images from {low:,} to {high:,} (got {text!r})"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m mnist_core", description="MNIST Studio's engine, from the terminal.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    _train_command(commands.add_parser("train", help="train a model and record it as a run"))
    _model_commands(commands)
    _lab_commands(commands)
    return parser


def _train_command(train: argparse.ArgumentParser) -> None:
    """``train``'s options: a preset, and any hyperparameter changed from it, each checked as TrainConfig would."""
    train.add_argument(
        "--preset",
        default="seed",
        choices=list(PRESETS),
        help="starting hyperparameters (default: seed, the notebook's MLP)",
    )
    train.add_argument("--epochs", type=_whole(*LIMITS["epochs"]))
    units = _whole(*LIMITS["units"])
    train.add_argument(
        "--units",
        type=_list_of(units, "layer sizes", LIMITS["hidden_layers"][1]),
        help="units of each hidden layer, e.g. 256,128",
    )
    filters = _whole(*LIMITS["conv_filters"])
    train.add_argument(
        "--filters",
        type=_list_of(filters, "filter counts", LIMITS["conv_layers"][1]),
        help="filters of each convolution layer (CNN only), e.g. 32,64",
    )
    rate = _number(*LIMITS["dropout"])
    train.add_argument(
        "--dropout",
        type=_list_of(rate, "rates", LIMITS["hidden_layers"][1]),
        help="dropout after the first hidden layer (as in the seed), or one rate per layer, e.g. 0.2,0.2",
    )
    train.add_argument("--batch-size", type=_whole(*LIMITS["batch_size"]))
    train.add_argument("--learning-rate", type=_number(0, 10, low_open=True))
    train.add_argument("--optimizer", choices=list(OPTIMIZERS))
    train.add_argument(
        "--train-size", type=_whole(*LIMITS["train_size"]), help="how many training images to use (default: all 60,000)"
    )
    train.add_argument(
        "--validation",
        type=_validation,
        help="what each epoch is checked on: N training images held out (e.g. 5000), or 'test' for "
        "the test set as the seed notebook does (default: the preset's; seed: test, cnn: 5000)",
    )
    train.add_argument(
        "--shift",
        type=_whole(*LIMITS["shift"]),
        metavar="PIXELS",
        help="move each training image by up to this many pixels at random, every time it is seen "
        "(default: the preset's; cnn: 2)",
    )
    train.add_argument(
        "--precision",
        choices=NUMBER_FORMATS,
        help="what the layers compute in: bfloat16 needs a CPU with bfloat16 units, and is faster on some; "
        "fastest: the faster of the two, measured on this computer before training "
        "(default: the preset's; cnn: fastest)",
    )
    train.add_argument("--augment", action="store_true", help="train on shifted, rotated, scaled, distorted digits")
    train.add_argument("--seed", type=_whole(0, 2**31 - 1))
    train.add_argument("--name", help=f"run name: {NAME_RULE}")
    train.add_argument("--save-to", help="also copy the trained model to this .keras path")
    train.add_argument("--json", action="store_true", help="print the result as one JSON line at the end")


def _model_commands(commands) -> None:
    """Commands about saved models and runs: evaluate, runs, study."""
    evaluate = commands.add_parser("evaluate", help="test accuracy and loss of a saved model")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--model", help="a .keras file")
    source.add_argument("--run", help="the name of a run in the registry")
    evaluate.add_argument("--json", action="store_true")

    runs = commands.add_parser("runs", help="list the runs in the registry")
    runs.add_argument("--json", action="store_true")

    study = commands.add_parser("study", help="train each variant of an ablation study and compare them")
    study.add_argument("study", choices=list(STUDIES), help="which study: dropout (the seed notebook's)")
    study.add_argument("--epochs", type=_whole(*LIMITS["epochs"]), help="epochs per variant (default: 10)")
    study.add_argument(
        "--train-size", type=_whole(*LIMITS["train_size"]), help="training images per variant (default: all 60,000)"
    )
    study.add_argument("--json", action="store_true", help="print the results as one JSON line at the end")


def _lab_commands(commands) -> None:
    """The lab's commands: the default model and its card, the profile, the CNN search and the bench."""
    commands.add_parser(
        "default-model",
        help="retrain models/default.keras from its recipe with today's code, "
        "then measure it and write its model card's table (about 10 minutes)",
    )
    commands.add_parser("model-card", help="measure models/default.keras and write its model card's table")

    commands.add_parser("profile", help="where an epoch of the seed preset's training goes, op by op")
    search = commands.add_parser(
        "cnn-search",
        help="how the CNN preset is chosen: its candidates judged on the validation images by a fixed rule "
        "(about 20 minutes here; prints no test score)",
    )
    search.add_argument(
        "--quick", action="store_true", help="two candidates, 1 epoch on 6,000 images: only checks that it runs"
    )
    search.add_argument("--json", action="store_true", help="print the results as one JSON line at the end")
    bench = commands.add_parser("bench", help="time training, prediction and the app's start on this machine")
    bench.add_argument(
        "--quick",
        action="store_true",
        help="1 epoch on 6,000 images: only checks that the bench runs, the numbers mean little",
    )
    bench.add_argument(
        "--class-runs",
        type=_whole(0, 64),
        metavar="K",
        help="seed-preset runs submitted at once for the class makespan, local vs Ray "
        "(default 4, 2 with --quick; 0 skips it)",
    )
    bench.add_argument(
        "--rounds",
        type=_whole(2, 50),
        metavar="N",
        help="alternated rounds of plain Keras and our trainer, seed i in round i (default 5, 2 with --quick)",
    )
    bench.add_argument(
        "--no-app", action="store_true", help="skip the app's rows (its cold start, a class of 30 on it)"
    )
    bench.add_argument(
        "--only",
        action="append",
        choices=list(BENCH_PARTS),
        help="run only this part (repeatable), to repeat one figure: "
        + "; ".join(f"{name}: {what}" for name, what in BENCH_PARTS.items()),
    )
    bench.add_argument("--json", action="store_true", help="print the results as one JSON line at the end")


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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {
            "train": _train,
            "evaluate": _evaluate,
            "runs": _runs,
            "study": _study,
            "bench": _bench,
            "profile": _profile,
            "cnn-search": _cnn_search,
            "default-model": _default_model,
            "model-card": _model_card,
        }[args.command](args)
    except UserError as error:
        print(f"python -m mnist_core: error: {error}", file=sys.stderr)
        return EXIT_USAGE


def _train(args) -> int:
    from mnist_core.registry import Registry

    config = config_from_args(args)
    name = validate_run_name(args.name) if args.name is not None else None
    if args.save_to and not args.save_to.endswith(".keras"):
        raise UserError(f"argument --save-to: must end with .keras (got {args.save_to!r})")
    if args.save_to and not _writable_folder(args.save_to):  # found out now, not after the whole training
        raise UserError(f"argument --save-to: the folder of {args.save_to!r} does not exist or cannot be written")
    registry = Registry()
    registry.mark_interrupted()
    run = registry.create_run(config.to_dict(), name=name, owner="cli")
    print(
        f"Training {run.name}: {config.describe()}, {parameter_count(config):,} parameters, "
        f"{config.epochs} epochs on {config.training_images:,} images, validated on "
        f"{_validation_text(config)}.",
        file=sys.stderr,
    )
    _print_number_format(config)
    _print_estimate(config)

    from mnist_core.runs import execute_run

    stop = _StopOnInterrupt()
    with stop:
        run = execute_run(registry, run.id, on_event=_ProgressBar(), should_stop=stop)
    if args.save_to:
        import shutil

        try:
            shutil.copyfile(run.model_path, args.save_to)
        except OSError as error:
            raise UserError(
                f"The model was trained and kept as run {run.name!r}, but could not be copied to "
                f"{args.save_to} ({error.strerror or error})."
            ) from None
    summary = {
        "run": run.name,
        "params": parameter_count(config),
        "epochs": run.metrics["epochs_completed"],
        "test_accuracy": run.metrics["test_accuracy"],
        "test_loss": run.metrics["test_loss"],
        "val_accuracy": run.metrics["val_accuracy"],
        "val_loss": run.metrics["val_loss"],
        "train_accuracy": run.metrics["train_accuracy"],
        "fit_seconds": run.metrics["fit_seconds"],
        "history": run.history,
    }
    print(
        f"{run.name}: {run.status}, validation accuracy {summary['val_accuracy']:.2%}, "
        f"test accuracy {summary['test_accuracy']:.2%} (once, at the end), "
        f"train accuracy {summary['train_accuracy'] or 0:.2%}, {summary['fit_seconds']:.1f} s of training. "
        f"Model: {run.model_path}"
    )
    if args.json:
        print(json.dumps(summary))
    return 0


def _print_number_format(config: TrainConfig) -> None:
    """Which format a run asking for the fastest trains in and why, measured now so that it is said before
    training (the trainer then finds it measured: mnist_core/number_format.py)."""
    if config.precision != FASTEST:
        return
    from mnist_core import number_format

    if number_format.known(config) is None:
        print("Timing a few training steps in float32 and in bfloat16 (a few seconds)...", file=sys.stderr)
    choice = number_format.choose(config)
    times = f" ({choice.step_times})" if choice.measured else ""
    print(f"Number format {choice.reason}{times}.", file=sys.stderr)


def _print_estimate(config: TrainConfig) -> None:
    """How long the run will take here (mnist_core/cost.py); the CLI's runs are not limited."""
    from mnist_core.cost import SpeedGauge, duration

    gauge = SpeedGauge()
    if gauge.rates() is None:
        print("Measuring this computer's speed for a time estimate (once a day, a minute or two)...", file=sys.stderr)
    estimate = gauge.estimate(config, wait=MEASURE_WAIT_S)
    if estimate is not None:
        print(f"Estimated training time on this computer: {duration(estimate.seconds)}.", file=sys.stderr)


def _evaluate(args) -> int:
    from mnist_core.registry import Registry

    if args.run is not None:
        run = Registry().find(args.run)
        if run.model_path is None:
            raise UserError(f"The run {run.name!r} ({run.status}) has no saved model.")
        path, label = run.model_path, run.name
    else:
        path, label = args.model, args.model

    from mnist_core.data import load_mnist
    from mnist_core.models import load_model
    from mnist_core.trainer import evaluate_arrays

    model = load_model(path)
    data = load_mnist()
    test_loss, test_accuracy = evaluate_arrays(model, data.x_test / 255.0, data.y_test.astype("int64"))
    print(f"{label}: test accuracy {test_accuracy:.2%}, test loss {test_loss:.4f} on 10,000 MNIST test images.")
    if args.json:
        print(
            json.dumps(
                {
                    "model": str(path),
                    "test_accuracy": test_accuracy,
                    "test_loss": test_loss,
                    "params": model.count_params(),
                }
            )
        )
    return 0


def _runs(args) -> int:
    from mnist_core.registry import Registry

    runs = Registry().list_runs()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "name": r.name,
                        "status": r.status,
                        "config": r.config,
                        "metrics": r.metrics,
                        "seconds": r.seconds,
                    }
                    for r in runs
                ]
            )
        )
        return 0
    if not runs:
        print("No runs yet: `python -m mnist_core train` starts one.")
    for run in runs:
        accuracy = run.metrics.get("test_accuracy")
        shown = f"{accuracy:.2%}" if accuracy is not None else "-"
        config = TrainConfig.from_dict(run.config)
        print(f"{run.name:<24} {run.status:<11} test {shown:>7}  {config.describe()}")
    return 0


def _study(args) -> int:
    from mnist_core.registry import Registry
    from mnist_core.study import free_study_number, run_name, study, study_table

    changes = {k: v for k, v in {"epochs": args.epochs, "train_size": args.train_size}.items() if v is not None}
    variants = [(label, config.replace(**changes).validate()) for label, config in study(args.study)]
    registry = Registry()
    registry.mark_interrupted()
    number = free_study_number(args.study, [run.name for run in registry.list_runs()])

    from mnist_core.runs import execute_run

    rows = []
    stop = _StopOnInterrupt()
    with stop:
        for index, (label, config) in enumerate(variants, 1):
            run = registry.create_run(config.to_dict(), name=run_name(args.study, label, number), owner="cli")
            print(
                f"[{index}/{len(variants)}] {label}: {config.describe()}, {parameter_count(config):,} parameters, "
                f"{config.epochs} epochs on {config.train_size:,} images (run {run.name}).",
                file=sys.stderr,
            )
            run = execute_run(registry, run.id, on_event=_ProgressBar(), should_stop=stop)
            train_accuracy, test_accuracy = run.metrics["train_accuracy"], run.metrics["test_accuracy"]
            rows.append(
                {
                    "label": label,
                    "run": run.name,
                    "status": run.status,
                    "dropout": config.dropouts[0],
                    "params": parameter_count(config),
                    "epochs": run.metrics["epochs_completed"],
                    "train_accuracy": train_accuracy,
                    "test_accuracy": test_accuracy,
                    "gap": train_accuracy - test_accuracy if train_accuracy is not None else None,
                    "test_loss": run.metrics["test_loss"],
                    "fit_seconds": run.metrics["fit_seconds"],
                }
            )
            if stop.requested:
                print(f"Study stopped after {index} of {len(variants)} variants.", file=sys.stderr)
                break

    def percent(value: float) -> str:
        return "-" if value != value else f"{value:.2%}"  # NaN (no train accuracy) shows as -

    print(
        study_table(rows).to_string(
            index=False,
            formatters={"Dropout": "{:g}".format, "Train accuracy": percent, "Test accuracy": percent, "Gap": percent},
        )
    )
    if args.json:
        print(json.dumps({"study": args.study, "rows": rows}))
    return 0


def _default_model(args) -> int:
    from mnist_core.default_model import RECIPE, rebuild

    print(f"Retraining the default model: {RECIPE.describe()}, {RECIPE.epochs} epochs...", file=sys.stderr)
    rebuild(log=lambda line: print(line, file=sys.stderr, flush=True))
    return 0


def _model_card(args) -> int:
    from mnist_core.default_model import write_card

    write_card(log=print)
    return 0


def _bench(args) -> int:
    from mnist_core.bench import run_bench

    print("Benchmarking on this machine (a few minutes; --quick for a smoke test)...", file=sys.stderr)
    result = run_bench(
        quick=args.quick,
        log=lambda line: print(line, flush=True),
        class_runs=args.class_runs,
        rounds=args.rounds,
        app=not args.no_app,
        only=tuple(args.only or BENCH_PARTS),
    )
    if args.json:
        print(json.dumps(result))
    return 0


def _cnn_search(args) -> int:
    from mnist_core.cnn_search import run_search

    print(
        "Comparing CNN recipes on the validation images (about 20 minutes here; --quick for a smoke test)...",
        file=sys.stderr,
    )
    result = run_search(quick=args.quick, log=lambda line: print(line, flush=True))
    if args.json:
        print(json.dumps(result))
    return 0


def _profile(args) -> int:
    from mnist_core.epoch_profile import describe_profile, profile_epoch

    print("Profiling an epoch of the seed preset (about a minute)...", file=sys.stderr)
    print(describe_profile(profile_epoch()))
    return 0


def _validation_text(config: TrainConfig) -> str:
    if config.holds_out_validation:
        return f"{config.validation:,} held-out training images (test set scored once, at the end)"
    return "the test set (the seed notebook's way)"


def _writable_folder(path: str) -> bool:
    import os
    from pathlib import Path

    folder = Path(path).expanduser().resolve().parent
    return folder.is_dir() and os.access(folder, os.W_OK)


class _StopOnInterrupt:
    """Ctrl-C stops the run after the current chunk and keeps the model; a second Ctrl-C aborts."""

    def __init__(self):
        self.requested = False

    def __call__(self) -> bool:
        return self.requested

    def __enter__(self):
        self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print("\nStopping after this chunk of batches (Ctrl-C again to abort)...", file=sys.stderr)


class _ProgressBar:
    """A one-line progress bar on stderr when it is a terminal; one line per epoch otherwise."""

    def __init__(self):
        self.tty = sys.stderr.isatty()

    def __call__(self, event: dict) -> None:
        head = f"Epoch {event['epoch']}/{event['epochs']}"
        if event["kind"] == "batch" and self.tty:
            filled = int(30 * event["step"] / event["steps"])
            eta = f"{event['eta']:.0f} s left" if event["eta"] is not None else ""
            print(
                f"\r{head} [{'#' * filled}{'.' * (30 - filled)}] loss {event['loss']:.4f} "
                f"accuracy {event['accuracy']:.4f} {eta}   ",
                end="",
                file=sys.stderr,
                flush=True,
            )
        elif event["kind"] == "epoch":
            print(
                f"\r{head}: loss {event['loss']:.4f} accuracy {event['accuracy']:.4f} "
                f"validation loss {event['val_loss']:.4f} validation accuracy {event['val_accuracy']:.4f} "
                f"({event['seconds']:.1f} s){' ' * 12}",
                file=sys.stderr,
            )
