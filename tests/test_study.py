"""The seed notebook's dropout study: its variants, its table, and `python -m class_server study` end to end."""

import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from class_server.cli import build_parser
from mnist_core.config import TrainConfig, parameter_count
from mnist_core.errors import ConfigError
from mnist_core.study import STUDIES, run_name, study, study_table

PROJECT = Path(__file__).resolve().parent.parent


def test_the_dropout_study_has_the_notebooks_seven_variants_in_order():
    variants = study("dropout")
    assert [label for label, _ in variants] == [
        "Seed: 256-128, dropout 0.2",
        "No dropout",
        "Dropout 0.5",
        "Two dropout layers (0.2, 0.2)",
        "Three dense layers 256-128-64",
        "Two dense layers 128-64",
        "One dense layer 128",
    ]
    shapes = [(c.hidden_units, c.dropouts) for _, c in variants]
    assert shapes == [
        ((256, 128), (0.2, 0.0)),
        ((256, 128), (0.0, 0.0)),
        ((256, 128), (0.5, 0.0)),
        ((256, 128), (0.2, 0.2)),
        ((256, 128, 64), (0.2, 0.0, 0.0)),
        ((128, 64), (0.2, 0.0)),
        ((128,), (0.2,)),
    ]
    assert variants[0][1] == TrainConfig()
    assert all(c.validate() is c and c.architecture == "mlp" for _, c in variants)
    assert [parameter_count(c) for _, c in variants] == [235_146, 235_146, 235_146, 235_146, 242_762, 109_386, 101_770]


def test_an_unknown_study_is_refused_naming_the_known_ones():
    with pytest.raises(ConfigError, match="Unknown study 'nope'.*dropout"):
        study("nope")
    assert list(STUDIES) == ["dropout"]


def test_study_returns_a_copy():
    study("dropout").clear()
    assert len(study("dropout")) == 7


def test_the_table_computes_the_gap_between_train_and_test_accuracy():
    rows = [
        {"label": "A", "dropout": 0.2, "train_accuracy": 0.99, "test_accuracy": 0.97},
        {"label": "B", "dropout": 0.0, "train_accuracy": 0.995, "test_accuracy": 0.98, "run": "ignored"},
        {"label": "C", "dropout": 0.5, "train_accuracy": None, "test_accuracy": 0.10},
    ]
    table = study_table(rows)
    assert list(table.columns) == ["Variant", "Dropout", "Train accuracy", "Test accuracy", "Gap"]
    assert table["Variant"].tolist() == ["A", "B", "C"]
    assert table["Dropout"].tolist() == [0.2, 0.0, 0.5]
    assert table["Gap"][0] == pytest.approx(0.02)
    assert table["Gap"][1] == pytest.approx(0.015)
    assert math.isnan(table["Gap"][2])  # stopped before any training: no train accuracy, no gap
    assert table.sort_values("Gap", ascending=False)["Variant"].iloc[0] == "A"


def test_run_names_are_registry_safe_and_short():
    for label, _ in study("dropout"):
        name = run_name("dropout", label, 123)
        assert re.fullmatch(r"[A-Za-z0-9 _-]{1,64}", name), name
        assert name.startswith("Study dropout - ") and name.endswith(" - 123")
    assert run_name("dropout", "Seed: 256-128, dropout 0.2", 1) == "Study dropout - Seed 256-128 dropout 02 - 1"
    assert run_name("dropout", "Two dropout layers (0.2, 0.2)", 2) == "Study dropout - Two dropout layers 02 02 - 2"
    assert len(run_name("dropout", "x" * 200, 10**6)) == 64
    assert len({run_name("dropout", label, 1) for label, _ in study("dropout")}) == 7


def test_the_cli_parses_the_study_and_its_budget():
    args = build_parser().parse_args(["study", "dropout", "--epochs", "2", "--train-size", "1000", "--json"])
    assert (args.command, args.study, args.epochs, args.train_size, args.json) == ("study", "dropout", 2, 1000, True)


def _cli(*argv, home):
    env = {**os.environ, "MNIST_STUDIO_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "class_server", *argv], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900
    )


def test_an_unknown_study_on_the_command_line_is_one_line_and_exit_2(tmp_path):
    done = _cli("study", "nope", home=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0] and "dropout" in lines[0]
    assert done.stdout == ""


def test_a_bad_budget_is_refused_before_training(tmp_path):
    done = _cli("study", "dropout", "--train-size", "5", home=tmp_path)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "--train-size" in done.stderr


def test_the_study_runs_every_variant_end_to_end(tmp_path):
    done = _cli("study", "dropout", "--epochs", "1", "--train-size", "1000", "--json", home=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["study"] == "dropout"
    rows = result["rows"]
    assert [row["label"] for row in rows] == [label for label, _ in study("dropout")]
    assert [row["dropout"] for row in rows] == [0.2, 0.0, 0.5, 0.2, 0.2, 0.2, 0.2]
    for row in rows:
        assert row["status"] == "finished" and row["epochs"] == 1
        assert row["test_accuracy"] > 0.5
        assert row["gap"] == pytest.approx(row["train_accuracy"] - row["test_accuracy"])
    assert len({row["run"] for row in rows}) == 7
    assert "Variant" in done.stdout and "No dropout" in done.stdout  # the table, before the JSON line

    # The runs are in the registry, and a second study gets fresh names.
    listed = _cli("runs", "--json", home=tmp_path)
    names = {run["name"] for run in json.loads(listed.stdout.strip().splitlines()[-1])}
    assert {row["run"] for row in rows} <= names
    assert "Study dropout - No dropout - 1" in names
