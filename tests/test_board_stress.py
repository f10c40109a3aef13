"""The Class board's stress section headless (AppTest): a point per run whose stress test is kept beside its
model file, at (its test accuracy, the mean of its kept accuracies over every change and strength); runs without
one, or with a stale one, are counted and told how to get one; nothing is measured on the board."""

import os
from pathlib import Path

import numpy as np
import pytest
from chart_data import stress_chart_points
from recorded import fabricated, finished, with_model_file
from streamlit.testing.v1 import AppTest

from mnist_core.config import PRESETS
from mnist_core.kept_files import FileStamp
from mnist_core.stress_record import record_path, write_stress

BOARD = str(Path(__file__).resolve().parent.parent / "pages" / "board.py")


@pytest.fixture
def registry(page_store):
    return page_store


def captions(at: AppTest) -> str:
    return "\n".join(caption.value for caption in at.caption)


def test_runs_with_a_kept_stress_test_are_points_at_their_recorded_scores(registry):
    results = {"Ada": fabricated(0.98, 0.05), "Grace": fabricated(0.99, 0.01)}
    finished(registry, "Ada", PRESETS["seed"], 0.99, 0.978)
    finished(registry, "Grace", PRESETS["cnn"], 0.995, 0.991)
    finished(registry, "Lin", PRESETS["seed"], 0.97, 0.965)  # a model, not stress tested
    finished(registry, "Old record", PRESETS["seed"], 0.96, 0.955)  # tested, then its file saved again
    for name, result in results.items():
        path = with_model_file(registry, name)
        write_stress(path, result, FileStamp.of(path))
    with_model_file(registry, "Lin")
    old = with_model_file(registry, "Old record")
    write_stress(old, fabricated(0.9, 0.1), FileStamp.of(old))
    os.utime(old, ns=(old.stat().st_atime_ns, old.stat().st_mtime_ns + 2_000_000_000))

    at = AppTest.from_file(BOARD, default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]

    points = stress_chart_points(at)
    assert set(points) == {"Ada", "Grace"}
    for name, result in results.items():
        changed = [accuracy for curve in result.curves.values() for strength, accuracy in curve[1:]]
        assert len(changed) == 20
        test_accuracy = registry.find(name).metrics["test_accuracy"]
        assert points[name] == pytest.approx((test_accuracy, np.mean(changed)))
    assert points["Grace"][1] > points["Ada"][1]  # the CNN kept more when the digits changed
    assert "2 runs on the board not shown: not stress tested yet." in captions(at)
    assert "Run the stress test" in captions(at)
    assert not record_path(registry.model_path(registry.find("Lin").id)).exists()  # nothing measured on the board


def test_hidden_names_number_the_points_as_the_table_does(registry):
    finished(registry, "Ada", PRESETS["seed"], 0.99, 0.978)
    finished(registry, "Grace", PRESETS["cnn"], 0.995, 0.991)
    path = with_model_file(registry, "Grace")
    write_stress(path, fabricated(0.99, 0.01), FileStamp.of(path))

    at = AppTest.from_file(BOARD, default_timeout=60).run()
    at.toggle(key="board_hide_names").set_value(True).run()
    assert not at.exception
    assert set(stress_chart_points(at)) == {"#2"}
    assert at.dataframe[0].value["Run"].tolist() == ["#1", "#2"]


def test_a_board_with_no_stress_test_says_how_to_get_one(registry):
    finished(registry, "Ada", PRESETS["seed"], 0.99, 0.978)
    with_model_file(registry, "Ada")

    at = AppTest.from_file(BOARD, default_timeout=60).run()
    assert not at.exception
    assert not stress_chart_points(at)
    assert "No run on the board has been stress tested yet." in captions(at)
    assert "open **Evaluate**, pick the run" in captions(at)
