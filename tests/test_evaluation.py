"""Evaluation on hand-made probabilities whose answers are known, and on real (untrained) models."""

import numpy as np
import pytest
from sklearn.metrics import classification_report, confusion_matrix, log_loss

from mnist_core.config import TrainConfig
from mnist_core.evaluation import compare, evaluate, evaluate_model, first_layer_pictures


def _probs(rows):
    """rows of (predicted digit, its probability): the rest is spread evenly over the other nine digits."""
    probs = np.zeros((len(rows), 10), np.float32)
    for i, (digit, p) in enumerate(rows):
        probs[i, :] = (1 - p) / 9
        probs[i, digit] = p
    return probs


# 12 samples: 8 right, 4 wrong (3->5 twice, 7->1, 4->9); digits 2, 6 and 8 never appear.
LABELS = np.array([0, 1, 3, 3, 3, 5, 7, 7, 4, 4, 9, 1])
ROWS = [
    (0, 0.90),
    (1, 0.80),
    (5, 0.70),
    (5, 0.95),
    (3, 0.60),
    (5, 0.50),
    (1, 0.85),
    (7, 0.99),
    (9, 0.40),
    (4, 0.75),
    (9, 0.65),
    (1, 0.55),
]
PROBS = _probs(ROWS)
PREDICTED = np.array([d for d, _ in ROWS])


@pytest.fixture
def ev():
    return evaluate(PROBS, LABELS)


def test_accuracy_predictions_and_confidence(ev):
    assert ev.accuracy == pytest.approx(8 / 12)
    assert ev.predicted.tolist() == PREDICTED.tolist()
    assert ev.confidence == pytest.approx(np.array([p for _, p in ROWS]))
    assert ev.probabilities.shape == (12, 10) and ev.probabilities.dtype == np.float32


def test_loss_matches_sklearn_log_loss(ev):
    assert ev.loss == pytest.approx(log_loss(LABELS, PROBS, labels=range(10)), abs=1e-5)


def test_loss_clips_zero_probabilities():
    probs = np.zeros((2, 10), np.float32)
    probs[:, 0] = 1.0
    ev = evaluate(probs, np.array([0, 1]))
    assert ev.loss == pytest.approx(-np.log(1e-7) / 2, rel=1e-6)


def test_confusion_matches_sklearn_and_normalised_rows_sum_to_one(ev):
    expected = confusion_matrix(LABELS, PREDICTED, labels=range(10))
    assert ev.confusion.shape == (10, 10)
    assert np.array_equal(ev.confusion, expected)
    assert ev.confusion[3, 5] == 2 and ev.confusion[3, 3] == 1
    norm = ev.confusion_normalised()
    present = sorted(set(LABELS.tolist()))
    assert norm[present].sum(axis=1) == pytest.approx(np.ones(len(present)))
    assert np.all(norm[[2, 6, 8]] == 0)  # digits with no examples stay 0, no division by zero
    assert norm[3, 5] == pytest.approx(2 / 3)


def test_report_matches_sklearn_for_every_digit(ev):
    expected = classification_report(LABELS, PREDICTED, labels=list(range(10)), output_dict=True, zero_division=0)
    report = ev.report()
    assert list(report.columns) == ["Digit", "precision", "recall", "f1", "support"]
    assert report["Digit"].tolist() == [str(d) for d in range(10)]
    for digit in range(10):
        row = report.iloc[digit]
        want = expected[str(digit)]
        assert row["precision"] == pytest.approx(want["precision"])
        assert row["recall"] == pytest.approx(want["recall"])
        assert row["f1"] == pytest.approx(want["f1-score"])
        assert row["support"] == want["support"]
    assert report["recall"].dtype.kind == "f" and report["support"].dtype.kind == "i"
    assert report.sort_values("support", ascending=False)["Digit"].iloc[0] == "3"  # sortable numbers


def test_mistakes_are_filtered_and_most_confident_first(ev):
    # wrong: 2 (3->5, 0.70), 3 (3->5, 0.95), 6 (7->1, 0.85), 8 (4->9, 0.40)
    assert ev.mistakes().tolist() == [3, 6, 2, 8]
    assert ev.mistakes(true=3).tolist() == [3, 2]
    assert ev.mistakes(predicted=1).tolist() == [6]
    assert ev.mistakes(true=4, predicted=9).tolist() == [8]
    assert ev.mistakes(true=0).tolist() == []
    assert ev.mistakes(true=3, predicted=3).tolist() == []  # right answers are not mistakes


def test_cell_holds_right_or_wrong_pairs_most_confident_first(ev):
    assert ev.cell(3, 5).tolist() == [3, 2]
    assert ev.cell(1, 1).tolist() == [1, 11]
    assert ev.cell(9, 9).tolist() == [10]
    assert ev.cell(2, 2).tolist() == []


def test_most_confused_orders_by_count_then_digits(ev):
    assert ev.most_confused() == [(3, 5, 2), (4, 9, 1), (7, 1, 1)]
    assert ev.most_confused(top=1) == [(3, 5, 2)]


def test_compare_gives_per_digit_recall_and_differences(ev):
    better = evaluate(_probs([(label, 0.9) for label in LABELS]), LABELS)  # every answer right
    table = compare(ev, better).set_index("Digit")
    assert list(table.columns) == ["a", "b", "difference"]
    assert list(table.index) == [str(d) for d in range(10)] + ["All"]
    assert table.loc["3", "a"] == pytest.approx(1 / 3)
    assert table.loc["3", "b"] == pytest.approx(1.0)
    assert table.loc["3", "difference"] == pytest.approx(2 / 3)
    assert table.loc["0", "difference"] == pytest.approx(0.0)
    assert table.loc["All", "a"] == pytest.approx(8 / 12)
    assert table.loc["All", "difference"] == pytest.approx(4 / 12)
    assert np.isnan(table.loc["2", "a"])  # no examples of 2: no recall


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError):
        evaluate(np.zeros((3, 9)), np.zeros(3, int))
    with pytest.raises(ValueError):
        evaluate(np.zeros((3, 10)), np.zeros(4, int))


def test_real_models_evaluate_and_picture_their_first_layer():
    from mnist_core.data import load_mnist
    from mnist_core.models import build_model

    data = load_mnist()
    mlp = build_model(TrainConfig(hidden_units=(16,), dropouts=(0.0,)))
    ev = evaluate_model(mlp, data.x_test[:200], data.y_test[:200])
    assert ev.probabilities.shape == (200, 10)
    assert ev.labels.shape == ev.predicted.shape == ev.confidence.shape == (200,)
    assert ev.confusion.sum() == 200 and 0.0 <= ev.accuracy <= 1.0

    kind, pictures = first_layer_pictures(mlp)
    assert kind == "dense" and pictures.shape == (16, 28, 28)
    kernel = mlp.layers[1].get_weights()[0]
    norms = np.linalg.norm(pictures.reshape(16, -1), axis=1)
    assert norms[0] == pytest.approx(np.linalg.norm(kernel, axis=0).max())
    assert np.all(np.diff(norms) <= 1e-6)

    cnn = build_model(TrainConfig(conv_filters=(8,), hidden_units=(16,), dropouts=(0.0,)))
    kind, kernels = first_layer_pictures(cnn)
    assert kind == "conv" and kernels.shape == (8, 3, 3)
