"""Evaluate, headless through AppTest: what its numbers say and how the dropout study's chart is built
(how they fit a tablet's width is tests/browser/test_evaluate_widths.py's part)."""

import json
import time

import pytest
from streamlit.testing.v1 import AppTest

from mnist_core.study import STUDIES
from ui.charts import GAP_BAR_HEIGHT


def chart_titled(at: AppTest, title: str) -> dict:
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    return next(spec for spec in specs if isinstance(spec.get("title"), dict) and spec["title"]["text"] == title)


def test_the_headline_counts_wrong_answers_in_a_short_value_with_the_total_in_its_help(evaluate_read_only):
    wrong = next(metric for metric in evaluate_read_only.metric if metric.label == "Wrong answers")
    assert wrong.value == "50"  # the default model; "50 of 10,000" was cut off on a tablet
    assert wrong.proto.help == "50 of the 10,000 test images"


def test_the_dropout_study_chart_names_each_variant_on_its_axis_and_grows_with_them(evaluate_read_only):
    spec = chart_titled(evaluate_read_only, "Overfitting gap against dropout")
    assert spec["mark"]["type"] == "bar"
    assert spec["encoding"]["x"]["field"] == "Gap"
    variants = spec["encoding"]["y"]["sort"]  # one bar per variant, named beside it: no legend of seven names
    assert spec["encoding"]["y"]["field"] == "Variant" and sorted(variants) == sorted(
        label for label, _ in STUDIES["dropout"]
    )
    assert variants[0] == "No dropout" and variants[-1] == "Dropout 0.5"  # least dropout at the top
    legend = spec["encoding"]["color"]
    assert legend["field"] == "Dropout" and legend["legend"]["orient"] == "top"  # three rates on one line
    assert spec["height"] >= GAP_BAR_HEIGHT * len(variants) + 100  # the title, legend and axis have their own room


def test_compare_models_names_the_difference_b_minus_a_and_ends_with_all_digits(evaluate_read_only):
    table = next(frame.value for frame in evaluate_read_only.dataframe if "B − A" in frame.value.columns)
    assert list(table.columns) == ["Digit", "A: Default model", "B: Untrained", "B − A"]
    assert table["Digit"].tolist()[-1] == "All" and len(table) == 11
    assert table["B − A"].tolist() == pytest.approx((table["B: Untrained"] - table["A: Default model"]).tolist())
    assert 99 < table["A: Default model"].iloc[-1] < 100  # in percent: the default model's 99.50%
    assert any("B − A above zero: B reads that digit better" in caption.value for caption in evaluate_read_only.caption)


def test_a_count_of_mistakes_has_a_thousands_separator(evaluate):
    evaluate.sidebar.selectbox[0].set_value("Untrained").run()
    assert not evaluate.exception
    wrong = int(next(metric for metric in evaluate.metric if metric.label == "Wrong answers").value.replace(",", ""))
    assert wrong > 1000
    assert any(caption.value == f"The 40 most confident of {wrong:,}." for caption in evaluate.caption)


def test_the_study_table_shows_accuracies_in_percent_with_two_decimals(evaluate_read_only):
    element = next(frame for frame in evaluate_read_only.dataframe if "Variant" in frame.value.columns)
    table = element.value
    assert table["Test accuracy"].between(90, 100).all()  # in percent, so the format needs no scaling
    config = json.loads(element.proto.columns)
    assert all(config[column]["type_config"]["format"] == "%.2f%%" for column in ("Train accuracy", "Gap"))


@pytest.mark.slow  # builds the default model's index of the 60,000 training images (several seconds)
def test_a_mistake_shows_the_training_images_the_model_finds_most_like_it(evaluate):
    """The Errors tab's cell (a 4 read as 9 at first), its first image: six labelled training images, the same
    as the engine's nearest-neighbour search finds for that image."""
    from mnist_core.data import load_mnist
    from mnist_core.evaluation import evaluate as scored
    from mnist_core.inference import Predictor
    from mnist_core.nearest import NearestIndex
    from mnist_core.paths import DEFAULT_MODEL
    from ui.nearest_view import HEADING

    def labelled_pictures() -> list[list[str]]:
        return [list(image.captions) for image in evaluate.image if any("label" in c for c in image.captions)]

    evaluate.toggle(key="mistake_nearest").set_value(True).run(timeout=300)
    assert not evaluate.exception, [e.message for e in evaluate.exception]
    # The index is loaded from beside the model when an earlier test or server built it, else built in the
    # background: wait for the six labelled pictures themselves (a count of pictures can be final at once).
    deadline = time.monotonic() + 300
    while not labelled_pictures() and time.monotonic() < deadline:
        time.sleep(1)
        evaluate.run()
    assert HEADING in [header.value for header in evaluate.subheader]
    predictor, data = Predictor.from_file(DEFAULT_MODEL), load_mnist()
    first = scored(predictor.probabilities_many(data.x_test), data.y_test).cell(4, 9)[0]
    expected = NearestIndex.of_training_set(predictor).query(data.x_test[first]).labels
    assert [f"label {label}" for label in expected] in labelled_pictures()
