"""The live curves' y axis: what it fits, as a run of one epoch and a run of several look once trained; and the
spec the live panel sends every second, made from a kept copy, is the chart Altair makes afresh."""

import pytest

from ui.charts import PER_BATCH, _curve_frames, _curves, _y_range, epoch_curves


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


def y_domain(spec: dict) -> list[float]:
    return spec["layer"][1]["encoding"]["y"]["scale"]["domain"]


def test_a_finished_one_epoch_run_keeps_its_whole_curve_in_view():
    low, high = y_domain(epoch_curves(epochs(1), "accuracy", 1, batches(1)))
    assert low <= 0.54 and high >= 0.93  # the first batches (0.54) and the validation point (0.93)


def test_a_longer_run_leaves_the_first_epochs_steep_batches_out_of_the_range():
    chart = epoch_curves(epochs(3), "accuracy", 3, batches(3))
    low, high = y_domain(chart)
    assert 0.85 < low < 0.92 and high >= 0.97  # the gap between the curves, not epoch 1's climb, fills the chart
    assert PER_BATCH in chart["layer"][0]["encoding"]["color"]["scale"]["domain"]


def test_before_the_first_epoch_ends_the_batches_fill_the_chart():
    low, high = y_domain(epoch_curves([], "accuracy", 5, batches(1)[:6]))
    assert low <= 0.54 and 0.65 < high < 0.8  # smoothed, the newest batch (0.74) shows a little lower


@pytest.mark.parametrize("metric", ["accuracy", "loss"])
@pytest.mark.parametrize(
    ("done", "points", "total"),
    [(0, [], 5), (0, batches(1)[:6], 5), (1, batches(1), 1), (3, batches(3), 3), (3, batches(3), 10), (2, [], 2)],
)
def test_the_spec_is_the_chart_altair_makes_afresh_with_the_same_points(metric, done, points, total):
    per_epoch, per_batch = _curve_frames(epochs(done), metric, points)
    domain = _y_range(per_epoch, per_batch, metric.capitalize())
    fresh = _curves(metric, total, domain, per_batch, per_epoch).to_dict()
    spec = epoch_curves(epochs(done), metric, total, points)
    fresh_data = [fresh["datasets"][layer["data"]["name"]] for layer in fresh["layer"]]
    spec_data = [spec["datasets"][layer["data"]["name"]].to_dict("records") for layer in spec["layer"]]
    assert spec_data == fresh_data
    for chart in (fresh, spec):
        del chart["datasets"]
        chart.get("config", {}).pop("view", None)  # Altair's default sizes: Streamlit removes them
        for layer in chart["layer"]:
            del layer["data"]
    assert spec == fresh


def test_a_redraw_leaves_the_kept_spec_and_earlier_specs_as_they_were():
    first = epoch_curves(epochs(1), "accuracy", 3, batches(1))
    range_before = y_domain(first)
    epoch_curves(epochs(3), "accuracy", 3, batches(3))
    assert y_domain(first) == range_before
    assert y_domain(epoch_curves(epochs(1), "accuracy", 3, batches(1))) == range_before
