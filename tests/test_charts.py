"""The live curves' y axis: what it fits, as a run of one epoch and a run of several look once trained."""

from ui.charts import PER_BATCH, epoch_curves


def batches(epochs: int, steps: int = 10) -> list[dict]:
    """Per-batch events as the trainer sends them: accuracy climbing steeply in epoch 1, then slowly."""
    events = []
    for epoch in range(1, epochs + 1):
        for step in range(1, steps + 1):
            position = epoch - 1 + step / steps
            accuracy = 0.5 + 0.4 * position if position <= 1 else 0.9 + 0.02 * position
            events.append({"epochs": position, "accuracy": accuracy, "loss": 1 - accuracy})
    return events


def epochs(count: int) -> list[dict]:
    return [
        {"epoch": e, "accuracy": 0.9 + 0.02 * e, "val_accuracy": 0.91 + 0.02 * e, "loss": 0.1, "val_loss": 0.1}
        for e in range(1, count + 1)
    ]


def y_domain(chart) -> list[float]:
    return chart.to_dict()["layer"][1]["encoding"]["y"]["scale"]["domain"]


def test_a_finished_one_epoch_run_keeps_its_whole_curve_in_view():
    low, high = y_domain(epoch_curves(epochs(1), "accuracy", 1, batches(1)))
    assert low <= 0.54 and high >= 0.93  # the first batches (0.54) and the validation point (0.93)


def test_a_longer_run_leaves_the_first_epochs_steep_batches_out_of_the_range():
    chart = epoch_curves(epochs(3), "accuracy", 3, batches(3))
    low, high = y_domain(chart)
    assert 0.85 < low < 0.92 and high >= 0.97  # the gap between the curves, not epoch 1's climb, fills the chart
    assert PER_BATCH in chart.to_dict()["layer"][0]["encoding"]["color"]["scale"]["domain"]


def test_before_the_first_epoch_ends_the_batches_fill_the_chart():
    low, high = y_domain(epoch_curves([], "accuracy", 5, batches(1)[:6]))
    assert low <= 0.54 and 0.65 < high < 0.8  # smoothed, the newest batch (0.74) shows a little lower
