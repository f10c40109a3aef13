"""The class's board: every finished run as one row of the hyperparameters a class varies and its accuracies.

Pure pandas over registry runs, so the Board page and its tests share one table.
"""

from __future__ import annotations

import pandas as pd

from mnist_core.config import TrainConfig
from mnist_core.registry import WITH_MODEL

# What the board can put across: the column, what a student reads, and how to space it out.
AXES = {
    "Dropout": "quantitative",
    "Learning rate": "log",
    "Units in the first hidden layer": "log",
    "Epochs": "quantitative",
    "Training images": "log",
    "Architecture": "nominal",
}
COLUMNS = ["Run", "Model", "Layers", *AXES, "Train accuracy", "Test accuracy", "Gap"]


def board_table(runs, hide_names: bool = False) -> pd.DataFrame:
    """One row per run that finished (or stopped) on MNIST with both accuracies, oldest first.

    Runs on the class's drawings are left out: their test is another experiment. With
    ``hide_names`` a run is called "#1", "#2"... in the order of the table: never "Run 1", which
    the registry names unnamed runs, so a hidden "Run 4" would read as another run's results.
    """
    rows = []
    for run in sorted(runs, key=lambda r: r.id):
        metrics = run.metrics or {}
        if run.status not in WITH_MODEL or run.config.get("data", "mnist") != "mnist":
            continue
        if metrics.get("train_accuracy") is None or metrics.get("test_accuracy") is None:
            continue
        config = TrainConfig.from_dict(run.config)
        rows.append(
            {
                "Run": run.name,
                "Model": config.describe(),  # layers and every dropout rate: what tells two points apart
                "Layers": config.layers_label,  # e.g. "MLP 256-128": a short colour key for the board
                "Dropout": config.dropouts[0],
                "Learning rate": config.learning_rate,
                "Units in the first hidden layer": config.hidden_units[0],
                "Epochs": metrics.get("epochs_completed") or config.epochs,
                "Training images": config.train_size,
                "Architecture": config.architecture.upper(),
                "Train accuracy": metrics["train_accuracy"],
                "Test accuracy": metrics["test_accuracy"],
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS[:-1])
    frame["Gap"] = frame["Train accuracy"] - frame["Test accuracy"]
    if hide_names:
        frame["Run"] = [f"#{i}" for i in range(1, len(frame) + 1)]
    return frame
