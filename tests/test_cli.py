"""The CLI: bad input is one line and exit 2, never a traceback; the seed notebook is reproduced."""

import json
import os
import subprocess
import sys

import pytest

from class_server.registry import Registry
from mnist_core.paths import PROJECT_DIR


def cli(*args, home):
    env = {**os.environ, "MNIST_STUDIO_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "class_server", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        env=env,
        timeout=600,
    )


def error_lines(result):
    """stderr without TensorFlow's own start-up log lines."""
    return [
        line
        for line in result.stderr.splitlines()
        if line and not line.startswith(("WARNING: All log messages", "I0000", "E0000", "W0000"))
    ]


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--epochs", "0"], "argument --epochs: must be a whole number from 1 to 100 (got '0')"),
        (
            ["train", "--validation", "tset"],
            "argument --validation: must be 'test' or a whole number of training images "
            "from 1,000 to 20,000 (got 'tset')",
        ),
        (["train", "--validation", "50"], "argument --validation: must be 'test' or a whole number"),
        (["train", "--epochs", "1e9"], "argument --epochs: must be a whole number from 1 to 100"),
        (["train", "--epochs", "ten"], "argument --epochs: must be a whole number from 1 to 100 (got 'ten')"),
        (["train", "--dropout", "1.5"], "argument --dropout: must be a number from 0 up to 0.9 (got '1.5')"),
        (["train", "--dropout", "-0.1"], "argument --dropout: must be a number from 0 up to 0.9"),
        (["train", "--dropout", "0.2,0.2,0.2"], "argument --dropout: give 1 rate or 2 (one per hidden layer)"),
        (["train", "--batch-size", "60001"], "argument --batch-size: must be a whole number from 1 to 60,000"),
        (["train", "--learning-rate", "0"], "argument --learning-rate: must be a number above 0 up to 10"),
        (["train", "--learning-rate", "nan"], "argument --learning-rate: must be a number above 0 up to 10"),
        (["train", "--units", "256,,128"], "argument --units: must be 1 to 4 layer sizes separated by commas"),
        (["train", "--units", "1,2,3,4,5"], "argument --units: must be 1 to 4 layer sizes separated by commas"),
        (["train", "--optimizer", "adamw"], "argument --optimizer: invalid choice: 'adamw'"),
        (["train", "--preset", "huge"], "argument --preset: invalid choice: 'huge'"),
        (["train", "--filters", "8"], "argument --filters: only for a CNN"),
        (["train", "--name", "../../etc/passwd"], "The run name '../../etc/passwd' is not allowed"),
        (["train", "--name", "x" * 65], "is not allowed: use letters, digits, spaces, '-' and '_', at most 64"),
        (["train", "--name", "naïve"], "is not allowed"),
        (["train", "--save-to", "model.h5"], "argument --save-to: must end with .keras"),
        (
            ["train", "--save-to", "/no/such/folder/m.keras"],
            "argument --save-to: the folder of '/no/such/folder/m.keras' does not exist or cannot be written",
        ),
        (["train", "--batch-size", "-5"], "argument --batch-size: must be a whole number from 1 to 60,000 (got '-5')"),
        (["train", "--train-size", "99"], "argument --train-size: must be a whole number from 100 to 60,000"),
        (["train", "--epochs", ""], "argument --epochs: must be a whole number from 1 to 100 (got '')"),
        (["train", "--units", ""], "argument --units: must be 1 to 4 layer sizes separated by commas"),
        (["train", "--units", "99999"], "argument --units: must be a whole number from 1 to 4,096"),
        (["train", "--learning-rate", "1e400"], "argument --learning-rate: must be a number above 0 up to 10"),
        (["train", "--name", ""], "The run name '' is not allowed"),
        (["train", "--name", "数字"], "is not allowed"),
        (["train", "--name", "a\nb"], "is not allowed"),
        (["evaluate"], "one of the arguments --model --run is required"),
        (["evaluate", "--run", "nobody"], "No run called 'nobody'"),
        (["frobnicate"], "argument command: invalid choice: 'frobnicate'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message, tmp_path):
    result = cli(*args, home=tmp_path)
    lines = error_lines(result)
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and message in lines[0], lines
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "registry.sqlite3").exists() or Registry(tmp_path).list_runs() == []  # nothing half-made


def test_missing_and_corrupt_model_files_are_answered_cleanly(tmp_path):
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip at all")
    for path, message in [(tmp_path / "none.keras", "does not exist"), (broken, "damaged or not a Keras model")]:
        result = cli("evaluate", "--model", str(path), home=tmp_path)
        lines = error_lines(result)
        assert result.returncode == 2 and len(lines) == 1 and message in lines[0], result.stderr


@pytest.fixture(scope="module")
def cnn_run(tmp_path_factory):
    """One short CNN-preset run from the command line, validated on 5,000 held-out training images: its result
    and its run store (the preset asks for the fastest number format, so the CLI measures and says which)."""
    home = tmp_path_factory.mktemp("cnn-run")
    result = cli(
        "train",
        "--preset",
        "cnn",
        "--epochs",
        "1",
        "--train-size",
        "2000",
        "--validation",
        "5000",
        "--json",
        home=home,
    )
    assert result.returncode == 0, result.stderr
    return result, home


def test_validation_holds_out_training_images_and_scores_the_test_set_once(cnn_run):
    result, home = cnn_run
    assert "validated on 5,000 held-out training images" in result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["history"][-1]["val_accuracy"] == summary["val_accuracy"] != summary["test_accuracy"]
    assert "test_accuracy" not in summary["history"][-1]  # the test set is not looked at during training
    assert Registry(home).find(summary["run"]).config["validation"] == 5000


@pytest.fixture(scope="module")
def seed_run(tmp_path_factory):
    """The seed preset trained from the command line as the notebook trains it (10 epochs on all 60,000 images),
    named "seed run": its result and its run store. The notebook test reads its score, the run-store test finds it
    again, so the suite starts TensorFlow and trains it once."""
    home = tmp_path_factory.mktemp("seed-run")
    result = cli("train", "--preset", "seed", "--name", "seed run", "--json", home=home)
    assert result.returncode == 0, result.stderr
    return result, home


@pytest.mark.slow
def test_train_records_a_run_that_evaluate_and_runs_can_find(seed_run):
    result, home = seed_run
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["run"] == "seed run" and summary["params"] == 235_146 and summary["epochs"] == 10
    assert "Estimated training time on this computer: about " in result.stderr  # tests/conftest.py's rates
    assert set(summary) >= {"test_accuracy", "test_loss", "train_accuracy", "fit_seconds", "history"}
    evaluated = json.loads(cli("evaluate", "--run", "seed run", "--json", home=home).stdout.splitlines()[-1])
    assert evaluated["test_accuracy"] == pytest.approx(summary["test_accuracy"], abs=1e-6)
    assert "seed run" in cli("runs", home=home).stdout
    # The seed preset validates on the test set (the notebook's way): the last epoch's figure is the test score.
    assert summary["history"][-1]["val_accuracy"] == pytest.approx(summary["test_accuracy"], abs=1e-6)
    again = cli("train", "--epochs", "1", "--train-size", "2000", "--name", "Seed Run", home=home)
    assert again.returncode == 2 and "already exists" in again.stderr


@pytest.mark.slow
def test_the_seed_preset_reproduces_the_notebook(seed_run):
    """235,146 parameters, 10 epochs, batch 128, Adam, test set as validation: about 98.0%.

    One seed's final test accuracy spreads by about +-0.15 points (the notebook's 98.04% is one
    such draw; seeds 0-9 give 97.87-98.25%, mean 98.11%), so the first run, from the command
    line, must be in that band and the median of five seeds must reach 98.0%. Seeds 1-4 train in
    this process with the engine the command line calls (``execute_run`` -> ``train``): the same
    runs without four more starts of TensorFlow.
    """
    from mnist_core.config import PRESETS
    from mnist_core.trainer import train

    result, _ = seed_run
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["params"] == 235_146 and summary["epochs"] == 10 and len(summary["history"]) == 10
    accuracies = [summary["test_accuracy"]]
    accuracies += [train(PRESETS["seed"].replace(seed=seed)).metrics["test_accuracy"] for seed in range(1, 5)]
    assert min(accuracies) >= 0.977, accuracies
    assert sorted(accuracies)[2] >= 0.980, accuracies


def test_a_cnn_run_says_which_number_format_it_trains_in_before_training(cnn_run):
    result, home = cnn_run
    said = [line for line in error_lines(result) if line.startswith("Number format ")]
    assert len(said) == 1, result.stderr
    assert result.stderr.index(said[0]) < result.stderr.index("Estimated training time")  # before training
    run = Registry(home).find(json.loads(result.stdout.splitlines()[-1])["run"])
    chosen = run.metrics["number_format"]  # what the trainer used: the measurement the CLI printed
    assert said[0].startswith(f"Number format {chosen['reason']}")
    if chosen["float32_step"] is not None:
        assert " (a training step took " in said[0] and " ms in bfloat16)." in said[0]
