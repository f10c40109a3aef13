"""The stress test kept on disk beside its model file (mnist_core/stress_record.py): read back as measured, and
never trusted once the model file, or the panel it was measured with, has changed, or when it is damaged."""

import json
import os
import shutil

import numpy as np
import pytest

from mnist_core.data import load_mnist
from mnist_core.inference import Predictor
from mnist_core.kept_files import FileStamp
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.stress import CORRUPTIONS, stress_images, stress_score, stress_test
from mnist_core.stress_record import panel_identity, read_stress, record_path, write_stress

TINY_PANEL = 200  # images: enough for real accuracies, quick on 2 shared cores


@pytest.fixture(scope="module")
def measured(tmp_path_factory):
    """A copy of the default model, its stress test on a small panel of real test digits, and that panel's identity."""
    model = tmp_path_factory.mktemp("models") / "default.keras"
    shutil.copy2(DEFAULT_MODEL, model)
    data = load_mnist()
    result = stress_test(Predictor.from_file(model), stress_images(data.x_test, data.y_test, size=TINY_PANEL))
    return model, result, panel_identity(size=TINY_PANEL)


def test_a_kept_result_reads_back_equal_to_the_measured_one(measured):
    model, result, panel = measured
    assert read_stress(model, panel) is None  # nothing kept yet

    assert write_stress(model, result, FileStamp.of(model), panel)
    assert record_path(model) == model.with_name("default.keras.stress.json")
    kept = read_stress(model, panel)
    assert kept == result
    assert kept.images == TINY_PANEL and kept.clean > 0.9  # the default model reads clean digits well
    assert stress_score(kept) == stress_score(result)


def test_a_record_of_another_panel_is_stale(measured):
    model, result, panel = measured
    write_stress(model, result, FileStamp.of(model), panel)
    assert read_stress(model) is None  # the app's full panel of 2,000 images is another panel
    assert read_stress(model, panel_identity(size=TINY_PANEL, seed=1)) is None


def test_a_retrained_or_replaced_model_file_is_measured_again(measured, tmp_path):
    model, result, panel = measured
    copy = tmp_path / "1.keras"
    shutil.copy2(model, copy)
    write_stress(copy, result, FileStamp.of(copy), panel)
    assert read_stress(copy, panel) == result

    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # saved again, same size
    assert read_stress(copy, panel) is None

    write_stress(copy, result, FileStamp.of(copy), panel)
    with open(copy, "ab") as file:  # a different model, written within the same clock tick
        file.write(b"\0")
    os.utime(copy, ns=(stat.st_atime_ns, FileStamp.of(copy).modified_ns))
    assert read_stress(copy, panel) is None

    copy.unlink()  # the run deleted: its record is no use
    assert read_stress(copy, panel) is None


def test_a_result_measured_before_the_file_was_replaced_is_not_credited_to_the_new_file(measured, tmp_path):
    model, result, panel = measured
    copy = tmp_path / "2.keras"
    shutil.copy2(model, copy)
    before = FileStamp.of(copy)
    stat = copy.stat()
    os.utime(copy, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))  # replaced while being measured
    write_stress(copy, result, before, panel)
    assert read_stress(copy, panel) is None


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # cut short
        lambda text: "",
        lambda text: "\x00\xff not json",
        lambda text: json.dumps([1, 2, 3]),
        lambda text: text.replace('"curves"', '"curvez"'),
        lambda text: text.replace('"shift": [[0.0, ', '"shift": [[0.0, "a lot" ,'),
        lambda text: text.replace('"blur": [[0.0, ', '"blur": [[0.0, NaN, '),
        lambda text: text.replace('"thinner": [[0.0,', '"thinner": [[0.5,'),
    ],
    ids=["cut", "empty", "garbage", "a list", "no curves", "a word", "nan", "wrong strength"],
)
def test_a_damaged_record_reads_as_none_and_is_replaced_by_the_next_measure(measured, tmp_path, damage):
    model, result, panel = measured
    copy = tmp_path / "3.keras"
    shutil.copy2(model, copy)
    write_stress(copy, result, FileStamp.of(copy), panel)
    record = record_path(copy)
    record.write_text(damage(record.read_text()), errors="surrogateescape")
    assert read_stress(copy, panel) is None

    assert write_stress(copy, result, FileStamp.of(copy), panel)
    assert read_stress(copy, panel) == result


def test_an_unwritable_folder_is_not_an_error(measured, tmp_path):
    model, result, panel = measured
    missing = tmp_path / "gone" / "4.keras"
    assert write_stress(missing, result, FileStamp(1, 1), panel) is False
    assert read_stress(missing, panel) is None


def test_the_stress_score_is_the_mean_accuracy_over_every_change_and_strength(measured):
    _, result, _ = measured
    changed = [result.accuracy(c.kind, s) for c in CORRUPTIONS for s in c.strengths]
    assert len(changed) == sum(len(c.strengths) for c in CORRUPTIONS) == 20
    assert stress_score(result) == pytest.approx(np.mean(changed))
    assert 0.3 < stress_score(result) < result.clean  # changes cost the default model some accuracy


def test_the_stress_tab_draws_a_kept_result_without_measuring_and_keeps_what_it_measures(evaluate, evaluate_home):
    """Evaluate's Stress test tab on a fresh server (tests/conftest.py's ``evaluate``): the untrained model's
    kept record is drawn as it is (made-up numbers no measurement gives), the default model is measured and kept."""
    from chart_data import drawn_curves

    from class_server.registry import Registry
    from mnist_core.stress import StressResult

    untrained = next(run for run in Registry(evaluate_home).list_runs() if run.name == "Untrained").model_path
    kept = StressResult(
        images=2000,
        curves={c.kind: tuple((float(s), 0.5 - i / 100) for i, s in enumerate((0, *c.strengths))) for c in CORRUPTIONS},
    )
    write_stress(untrained, kept, FileStamp.of(untrained))
    record_path(DEFAULT_MODEL).unlink(missing_ok=True)  # kept by an earlier run of the app: measured again here

    evaluate.session_state["stress_run"] = True  # what its button does (see tests/test_stress.py)
    evaluate.selectbox(key="stress_other").set_value("Untrained").run()
    assert not evaluate.exception, [e.message for e in evaluate.exception]

    charts = drawn_curves(evaluate)
    measured = read_stress(DEFAULT_MODEL)
    assert measured is not None and measured.images == 2000
    for corruption in CORRUPTIONS:
        assert charts[corruption.title]["Untrained"] == list(kept.curves[corruption.kind])
        assert charts[corruption.title]["Default model"] == list(measured.curves[corruption.kind])
