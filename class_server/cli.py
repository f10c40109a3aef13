"""``python -m class_server``: train, evaluate and list the class's runs from the terminal.

A run trained here is recorded in the run store like one started on the Train page, so the app shows it.
Arguments are checked before TensorFlow is imported, so a typo is answered at once. Every user error
is one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys

from mnist_core.command_line import EXIT_USAGE, Parser, add_train_options, config_from_args, whole
from mnist_core.config import FASTEST, LIMITS, TrainConfig, parameter_count
from mnist_core.errors import UserError
from mnist_core.model_files import checked_model_file
from mnist_core.progress import Progress, ProgressKind
from mnist_core.run_names import validate_run_name
from mnist_core.study import STUDIES
from mnist_core.wording import accuracy_percent

MEASURE_WAIT_S = 600  # the estimate's first measurement on a busy machine; training starts after it regardless


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m class_server", description="MNIST Studio's runs, from the terminal.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    add_train_options(commands.add_parser("train", help="train a model and record it as a run"))
    _model_commands(commands)
    return parser


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
    study.add_argument("--epochs", type=whole(*LIMITS["epochs"]), help="epochs per variant (default: 10)")
    study.add_argument(
        "--train-size", type=whole(*LIMITS["train_size"]), help="training images per variant (default: all 60,000)"
    )
    study.add_argument("--json", action="store_true", help="print the results as one JSON line at the end")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"train": _train, "evaluate": _evaluate, "runs": _runs, "study": _study}[args.command](args)
    except UserError as error:
        print(f"python -m class_server: error: {error}", file=sys.stderr)
        return EXIT_USAGE


def _train(args) -> int:
    from class_server.registry import Registry

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

    from class_server.runs import execute_run

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
        f"{run.name}: {run.status}, validation accuracy {accuracy_percent(summary['val_accuracy'])}, "
        f"test accuracy {accuracy_percent(summary['test_accuracy'])} (once, at the end), "
        f"train accuracy {accuracy_percent(summary['train_accuracy'] or 0)}, "
        f"{summary['fit_seconds']:.1f} s of training. "
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
    from mnist_core.cost import duration
    from mnist_core.machine_rates import SpeedGauge

    gauge = SpeedGauge()
    if gauge.rates() is None:
        print("Measuring this computer's speed for a time estimate (once a day, a minute or two)...", file=sys.stderr)
    estimate = gauge.estimate(config, wait=MEASURE_WAIT_S)
    if estimate is not None:
        print(f"Estimated training time on this computer: {duration(estimate.seconds)}.", file=sys.stderr)


def _evaluate(args) -> int:
    from class_server.registry import Registry

    if args.run is not None:
        run = Registry().find(args.run)
        if run.model_path is None:
            raise UserError(f"The run {run.name!r} ({run.status}) has no saved model.")
        path, label = run.model_path, run.name
    else:
        path, label = args.model, args.model
    checked_model_file(path)  # a mistyped or broken file is answered before TensorFlow starts

    from mnist_core.batch_prediction import evaluate_arrays
    from mnist_core.data import load_mnist
    from mnist_core.models import load_model

    model = load_model(path)
    data = load_mnist()
    test_loss, test_accuracy = evaluate_arrays(model, data.x_test / 255.0, data.y_test.astype("int64"))
    print(
        f"{label}: test accuracy {accuracy_percent(test_accuracy)}, test loss {test_loss:.4f} "
        "on 10,000 MNIST test images."
    )
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
    from class_server.registry import Registry

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
        print("No runs yet: `python -m class_server train` starts one.")
    for run in runs:
        accuracy = run.metrics.get("test_accuracy")
        shown = accuracy_percent(accuracy) if accuracy is not None else "-"
        config = TrainConfig.from_dict(run.config)
        print(f"{run.name:<24} {run.status:<11} test {shown:>7}  {config.describe()}")
    return 0


def _study(args) -> int:
    from class_server.registry import Registry
    from mnist_core.study import free_study_number, run_name, study, study_table

    changes = {k: v for k, v in {"epochs": args.epochs, "train_size": args.train_size}.items() if v is not None}
    variants = [(label, config.replace(**changes).validate()) for label, config in study(args.study)]
    registry = Registry()
    registry.mark_interrupted()
    number = free_study_number(args.study, [run.name for run in registry.list_runs()])

    from class_server.runs import execute_run

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
        return "-" if value != value else accuracy_percent(value)  # NaN (no train accuracy) shows as -

    print(
        study_table(rows).to_string(
            index=False,
            formatters={"Dropout": "{:g}".format, "Train accuracy": percent, "Test accuracy": percent, "Gap": percent},
        )
    )
    if args.json:
        print(json.dumps({"study": args.study, "rows": rows}))
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

    def __call__(self, event: Progress) -> None:
        head = f"Epoch {event.epoch}/{event.epochs}"
        if event.kind == ProgressKind.BATCH and self.tty:
            filled = int(30 * event.step / event.steps)
            eta = f"{event.eta:.0f} s left" if event.eta is not None else ""
            print(
                f"\r{head} [{'#' * filled}{'.' * (30 - filled)}] loss {event.loss:.4f} "
                f"accuracy {event.accuracy:.4f} {eta}   ",
                end="",
                file=sys.stderr,
                flush=True,
            )
        elif event.is_epoch:
            record = event.record
            print(
                f"\r{head}: loss {record.loss:.4f} accuracy {record.accuracy:.4f} "
                f"validation loss {record.val_loss:.4f} validation accuracy {record.val_accuracy:.4f} "
                f"({record.seconds:.1f} s){' ' * 12}",
                file=sys.stderr,
            )
