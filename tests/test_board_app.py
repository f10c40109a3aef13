"""The Board page headless (AppTest) on a run store of its own: what the projector shows of stopped runs."""

import json
from pathlib import Path

import pytest
from recorded import finished
from streamlit.testing.v1 import AppTest

from mnist_core.config import PRESETS

BOARD = str(Path(__file__).resolve().parent.parent / "pages" / "board.py")


@pytest.fixture
def registry(page_store):
    return page_store


def headline(at: AppTest) -> str:
    return next(m.value for m in at.markdown if "best test accuracy" in m.value)


def test_stopped_runs_are_left_out_and_counted_until_the_toggle_brings_them_in_marked(registry):
    finished(registry, "Ada", PRESETS["seed"], 0.99, 0.98)
    finished(registry, "Grace stopped", PRESETS["seed"], 0.406, 0.7055, status="stopped", epochs=0, partial=True)

    at = AppTest.from_file(BOARD, default_timeout=60).run()
    assert not at.exception
    assert "**1 run**" in headline(at) and "(Ada)" in headline(at)
    assert "1 stopped run not shown" in headline(at)
    assert at.dataframe[0].value["Run"].tolist() == ["Ada"]
    assert "Training" not in at.dataframe[0].value.columns

    at.toggle(key="board_include_stopped").set_value(True).run()
    assert not at.exception
    assert "**2 runs**" in headline(at) and "not shown" not in headline(at)
    table = at.dataframe[0].value
    assert table["Run"].tolist() == ["Ada", "Grace stopped"]
    assert table["Training"].tolist() == ["complete", "stopped in epoch 1 of 10"]


def test_a_board_of_stopped_runs_only_says_where_they_went(registry):
    finished(registry, "Grace stopped", PRESETS["seed"], 0.95, 0.96, status="stopped", epochs=3)

    at = AppTest.from_file(BOARD, default_timeout=60).run()
    assert not at.exception
    assert "No finished runs yet" in at.info[0].value
    assert "1 stopped run not shown: see *Include stopped runs* in the sidebar." in at.info[0].value


def test_the_table_has_whole_study_names_and_accuracies_with_two_decimals(registry):
    finished(registry, "Study dropout - Two dropout layers 02 02 - 1", PRESETS["seed"], 0.987, 0.9803)
    finished(registry, "Study dropout - Two dense layers 128-64 - 1", PRESETS["seed"], 0.9867, 0.9817)

    at = AppTest.from_file(BOARD, default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0]
    assert table.value["Train accuracy"].round(2).tolist() == [98.7, 98.67]  # shown as 98.70% and 98.67%
    config = json.loads(table.proto.columns)
    assert {config[c]["type_config"]["format"] for c in ("Train accuracy", "Test accuracy", "Gap")} == {"%.2f%%"}
    # Sized by itself the column fitted the first rows' names, and both rows read "Study dropout - Tw...".
    assert config["Run"]["width"] >= 6 * len("Study dropout - Two dropout layers 02 02 - 1")


def test_a_kind_of_network_keeps_its_colour_when_stopped_runs_come_and_go(registry):
    finished(registry, "Ada", PRESETS["seed"], 0.99, 0.98)
    finished(registry, "Grace stopped", PRESETS["cnn"], 0.5, 0.6, status="stopped", epochs=0, partial=True)

    def seed_colour(at: AppTest) -> str:
        spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
        scale = spec["layer"][0]["encoding"]["color"]["scale"]
        return scale["range"][scale["domain"].index(PRESETS["seed"].layers_label)]

    at = AppTest.from_file(BOARD, default_timeout=60).run()
    alone = seed_colour(at)
    at.toggle(key="board_include_stopped").set_value(True).run()
    assert not at.exception and seed_colour(at) == alone


def test_close_results_do_not_repeat_a_label_on_the_gap_axis(registry):
    finished(registry, "Ada", PRESETS["seed"], 0.9232, 0.9269)
    finished(registry, "Grace", PRESETS["seed"], 0.9240, 0.9269)
    at = AppTest.from_file(BOARD, default_timeout=60).run()
    specs = [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]
    axes = [spec["layer"][0]["encoding"]["y"]["axis"] for spec in specs]
    assert all(axis["format"] == ".1%" and axis["tickMinStep"] == 0.001 for axis in axes)
