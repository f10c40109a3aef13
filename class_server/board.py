"""The class's board: every finished run as one row of the hyperparameters a class varies and its accuracies.

Pure pandas over registry runs, so the Board page and its tests share one table.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd

from class_server.registry import WITH_MODEL, RunStatus
from mnist_core.config import TrainConfig

# What the board can put across: the column, what a student reads, and how to space it out.
AXES = {
    "Dropout": "quantitative",
    "Learning rate": "log",
    "Units in the first hidden layer": "log",
    "Epochs": "quantitative",
    "Training images": "log",
    "Architecture": "nominal",
}
COMPLETE = "complete"  # the Training column of a run that trained all its epochs
# "Model file" (None if deleted) is where the board finds a run's kept stress test; no table shows it.
COLUMNS = ["Run", "Model", "Layers", *AXES, "Train accuracy", "Test accuracy", "Training", "Model file", "Gap"]


def board_table(runs, hide_names: bool = False, include_stopped: bool = False) -> pd.DataFrame:
    """One row per run that finished (or stopped) on MNIST with both accuracies, oldest first.

    Runs on the class's drawings are left out: their test is another experiment. So are runs stopped
    before their last epoch, unless ``include_stopped``: partly trained, they score what the Stop left
    them, not what their settings do; their Training column says where they stopped. With
    ``hide_names`` a run is called "#1", "#2"... in the order of the table: never "Run 1", which
    the registry names unnamed runs, so a hidden "Run 4" would read as another run's results.
    """
    rows = []
    for run, config in _results(runs):
        training = training_done(run, config)
        if training != COMPLETE and not include_stopped:
            continue
        metrics = run.metrics
        rows.append(
            {
                "Run": run.name,
                "Model": config.describe(),  # layers and every dropout rate: what tells two points apart
                "Layers": config.layers_label,  # e.g. "MLP 256-128": a short colour key for the board
                "Dropout": config.dropouts[0],
                "Learning rate": config.learning_rate,
                "Units in the first hidden layer": config.hidden_units[0],
                "Epochs": _epochs_completed(run, config),
                "Training images": config.train_size,
                "Architecture": config.architecture.upper(),
                "Train accuracy": metrics["train_accuracy"],
                "Test accuracy": metrics["test_accuracy"],
                "Training": training,
                "Model file": None if run.model_path is None else str(run.model_path),
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS[:-1])
    frame["Gap"] = frame["Train accuracy"] - frame["Test accuracy"]
    if hide_names:
        frame["Run"] = [f"#{i}" for i in range(1, len(frame) + 1)]
    return frame


def layers_labels(runs) -> list[str]:
    """Every layers label (the colour key) among the runs the board could show, stopped ones included, sorted:
    a colour follows its label's place here, so it stays put when stopped runs are shown or hidden."""
    return sorted({config.layers_label for _, config in _results(runs)})


def stopped_early(runs) -> int:
    """How many of the runs the board could show were stopped before their last epoch."""
    return sum(training_done(run, config) != COMPLETE for run, config in _results(runs))


def training_done(run, config: TrainConfig) -> str:
    """``COMPLETE``, or where a Stop ended the run: "stopped in epoch 1 of 10" (mid-epoch) or
    "stopped after 3 of 10 epochs". A run stopped after its last epoch ended is complete."""
    done = _epochs_completed(run, config)
    if run.status != RunStatus.STOPPED or done >= config.epochs:
        return COMPLETE
    if run.history and not run.history[-1].get("complete", True):
        return f"stopped in epoch {done + 1} of {config.epochs}"
    return f"stopped after {done} of {config.epochs} epochs"


def _results(runs) -> Iterator[tuple]:
    """(run, its config) for every run with a model, trained on MNIST and with both accuracies, oldest first."""
    for run in sorted(runs, key=lambda r: r.id):
        metrics = run.metrics or {}
        config = TrainConfig.from_dict(run.config)
        if run.status not in WITH_MODEL or config.on_class_drawings:
            continue
        if metrics.get("train_accuracy") is None or metrics.get("test_accuracy") is None:
            continue
        yield run, config


def _epochs_completed(run, config: TrainConfig) -> int:
    """Whole epochs trained; a run saved before the count was kept trained them all."""
    return run.metrics.get("epochs_completed", config.epochs)
