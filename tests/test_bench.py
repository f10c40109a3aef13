"""The bench runs end to end and reports what it promises; the trainer's speed tricks compute the same.

Nothing here asserts on speed: timings depend on the machine and on what else runs on it.
"""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from mnist_core.config import TrainConfig
from mnist_core.fused_adam import fused_adam
from mnist_core.models import build_model, make_optimizer
from mnist_core.paths import PROJECT_DIR
from mnist_core.train_steps import compile_steps


def test_the_quick_bench_runs_end_to_end_and_ends_with_one_json_line(tmp_path):
    """Every part of the bench, each row's keys. ``--quick`` keeps each row as small as shows that it runs:
    1 epoch on 6,000 images, no warm-up fits, our trainer's fits in the bench's own process (lab/bench_training.py),
    the answer latency on the cold start's server; the full bench keeps its sizes."""
    env = {**os.environ, "MNIST_STUDIO_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "lab", "bench", "--quick", "--json"],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    summary = json.loads(lines[-1])
    assert set(summary) >= {
        "quick",
        "machine",
        "seed_preset",
        "cnn_preset",
        "quick_cnn_preset",
        "epoch_limit",
        "prediction",
        "inside_network",
        "stress_panel",
        "nearest",
        "server",
        "answer_latency",
        "class_load",
        "class_turns",
        "class_makespan",
        "bench_seconds",
    }
    assert summary["quick"] is True
    assert set(summary["machine"]) >= {"cpu", "cores", "ram_gb", "tensorflow", "keras"}

    seed = summary["seed_preset"]
    assert set(seed) >= {
        "plain_seconds",
        "ours_seconds",
        "plain_median_seconds",
        "ours_median_seconds",
        "speedup",
        "plain_test_accuracies",
        "ours_test_accuracies",
        "seeds",
        "plain_test_accuracy",
        "ours_test_accuracy",
    }
    assert len(seed["plain_seconds"]) == len(seed["ours_seconds"]) >= 2  # alternated: plain, ours, plain, ours
    assert seed["epochs"] == 1 and seed["train_size"] == 6000
    assert 0.5 < seed["ours_test_accuracy"] <= 1 and 0.5 < seed["plain_test_accuracy"] <= 1
    assert seed["mean_difference"] == pytest.approx(seed["ours_mean_accuracy"] - seed["plain_mean_accuracy"])
    assert seed["difference_standard_error"] >= 0

    cnn = summary["cnn_preset"]  # seeds 0 and 1, in the same rounds
    assert len(cnn["test_accuracies"]) == len(cnn["seconds"]) == 2 and cnn["epochs"] == 1
    assert cnn["time_vs_plain_mlp"] == pytest.approx(cnn["median_seconds"] / seed["plain_median_seconds"])
    quick_cnn = summary["quick_cnn_preset"]  # the Quick CNN, 1 epoch on the quick subset, in the same rounds
    assert len(quick_cnn["test_accuracies"]) == 2 and quick_cnn["epochs"] == 1
    assert quick_cnn["time_to_99_seconds"] is None  # one epoch on 6,000 images does not reach 99%

    limit = summary["epoch_limit"]  # 6,000 images x 234,752 multiply-adds x 6
    assert limit["gflop_per_epoch"] == pytest.approx(6 * 234_752 * 6_000 / 1e9)
    assert limit["matmul_gflops"] > 1 and limit["times_the_limit"] > 1

    prediction = summary["prediction"]
    for name in ("predictor", "model_predict"):
        assert {"p50_ms", "p95_ms", "calls"} <= set(prediction[name])
        assert 0 < prediction[name]["p50_ms"] <= prediction[name]["p95_ms"]

    for inside in summary["inside_network"].values():  # the Draw page's every-layer view, per model
        assert {"answer_p50_ms", "with_layers_p50_ms", "added_p50_ms", "added_p95_ms"} <= set(inside)
    stress = summary["stress_panel"]  # Evaluate's Stress test, the seed MLP alone when quick
    assert set(stress["seconds"]) == {"seed MLP"} and stress["images"] > 0 and stress["sets"] > 1
    assert stress["pictures_seconds"] > 0 and stress["seconds"]["seed MLP"] > 0
    for nearest in summary["nearest"].values():  # "It learned this from these": its index and a query, per model
        assert nearest["build_seconds"] > 0 and 0 < nearest["query_p50_ms"] <= nearest["query_p95_ms"]

    server = summary["server"]
    assert {"method", "measured", "health_seconds", "ready_seconds", "rss_mb"} <= set(server)
    assert 0 < server["health_seconds"] <= server["ready_seconds"] and server["rss_mb"] > 0

    answer = summary["answer_latency"]  # pen up to answer in Chromium, 3 drawings on the cold start's server
    assert "error" in answer or (
        answer["drawings"] == 3
        and {"answer", "pen_up_to_answer", "inside", "nearest", "goal_p95_ms", "passed", "failed"} <= set(answer)
    )

    load = summary["class_load"]  # the classroom load test, 4 students (3 misbehaving) and a trainer for 10 s
    assert load["sessions"] == 4 and load["server_peak_rss_mb"] > server["rss_mb"] / 2
    # Every failure but a slow first epoch, which is a time and so the bench's to report, not a test's to judge
    assert {kind: n for kind, n in load["failures"].items() if n and kind != "slow-first-epoch"} == {}
    assert load["first_epoch_s"]["n"] >= 1 and set(load["misbehaving_told"]) == {"maxed", "windows", "flood"}

    turns = summary["class_turns"]  # three presses at once, back to back and taking turns
    assert turns["runs"] == 3 and turns["epochs"] == 1
    assert 0 < turns["first_epoch_p50"] <= turns["first_epoch_p95"] <= turns["first_epoch_max"]
    assert turns["back_to_back_seconds"] > 0 and turns["turns_seconds"] > 0

    makespan = summary["class_makespan"]  # two runs at once, local runner then Ray on this machine's cores
    assert makespan["runs"] == 2 and makespan["ray_start_seconds"] > 0
    for side in ("local", "ray"):
        assert makespan[side]["makespan_seconds"] >= max(makespan[side]["fit_seconds"])
        assert 0 < makespan[side]["first_run_overhead_seconds"] < makespan[side]["makespan_seconds"]
        assert makespan[side]["model_bytes"] > 100_000 and makespan[side]["registry_write_seconds"] > 0
    # Same seeds, code and data: Ray's workers train the local runner's models (up to float rounding across
    # thread counts).
    assert makespan["ray"]["test_accuracies"] == pytest.approx(makespan["local"]["test_accuracies"], abs=0.01)

    text = "\n".join(lines[:-1])
    for words in (
        "Machine:",
        "faster than plain Keras",
        "Seed preset accuracy",
        "CNN preset",
        "the limit here",
        "A class on the app",
        "Predictor p50",
        "Inside the network",
        "App cold start",
        "Class makespan",
        "A class pressing Train",
        "Stress test",
        "It learned this from these",
    ):
        assert words in text, text


@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_the_fused_adam_update_is_keras_adam(schedule):
    """The trainer's one-kernel Adam step gives Keras' Adam step, up to float rounding, schedule included."""
    config = TrainConfig(hidden_units=(32,), dropouts=(0.0,), learning_rate=3e-3, schedule=schedule)
    rng = np.random.default_rng(0)
    models = [build_model(config) for _ in range(2)]
    optimizers = [make_optimizer(config, total_steps=40) for _ in range(2)]
    for model, optimizer in zip(models, optimizers, strict=True):
        optimizer.build(model.trainable_variables)
    fused = fused_adam(optimizers[1], models[1].trainable_variables)
    assert fused is not None
    for _ in range(30):
        gradients = [tf.constant(rng.normal(0, 0.1, v.shape), tf.float32) for v in models[0].trainable_variables]
        optimizers[0].apply_gradients(zip(gradients, models[0].trainable_variables, strict=True))
        fused(gradients)
    assert int(optimizers[0].iterations) == int(optimizers[1].iterations) == 30
    moved = np.abs(np.asarray(models[0].weights[0]) - np.asarray(build_model(config).weights[0])).max()
    assert moved > 0.02  # so agreeing to 1e-6 below means something
    # Keras computes 1 - beta_2 in float64 and the kernel in float32 (1 - 0.999f is 1.3e-5 off), so the
    # second moments differ by about 1e-5 relatively and the weights by well under 1e-6.
    for keras_value, fused_value in zip(
        optimizers[0].variables + models[0].weights, optimizers[1].variables + models[1].weights, strict=True
    ):
        np.testing.assert_allclose(np.asarray(fused_value), np.asarray(keras_value), rtol=1e-4, atol=1e-6)


def test_other_optimizers_keep_the_keras_update():
    config = TrainConfig(hidden_units=(8,), dropouts=(0.0,))
    model = build_model(config)
    for name in ("sgd", "rmsprop"):
        assert fused_adam(make_optimizer(config.replace(optimizer=name), 10), model.trainable_variables) is None
    assert fused_adam(keras.optimizers.Adam(amsgrad=True), model.trainable_variables) is None
    assert fused_adam(keras.optimizers.Adam(clipnorm=1.0), model.trainable_variables) is None


def test_a_step_in_halves_is_the_whole_batch_step():
    """The trainer computes each batch as two halves side by side: the same update as Keras computing the
    whole batch at once and applying Keras' Adam, up to float rounding (a CNN, no dropout, short last batch)."""
    config = TrainConfig(conv_filters=(4,), hidden_units=(16,), dropouts=(0.0,), learning_rate=3e-3)
    rng = np.random.default_rng(0)
    x = tf.constant(rng.uniform(0, 1, (300, 28, 28)), tf.float32)
    y = tf.constant(rng.integers(0, 10, 300), tf.int64)
    batches = [np.arange(0, 128), np.arange(128, 256), np.arange(256, 300)]  # the last one short and odd-sized
    ours, keras_model = build_model(config), build_model(config)
    run_steps = compile_steps(ours, make_optimizer(config, 10))
    our_loss = sum(float(run_steps(x, y, tf.constant([b], tf.int32))[0]) for b in batches)

    optimizer = make_optimizer(config, 10)
    keras_loss = 0.0
    for b in batches:
        with tf.GradientTape() as tape:
            losses = keras.losses.sparse_categorical_crossentropy(tf.gather(y, b), keras_model(tf.gather(x, b)))
            mean_loss = tf.reduce_mean(losses)
        gradients = tape.gradient(mean_loss, keras_model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, keras_model.trainable_variables, strict=True))
        keras_loss += float(tf.reduce_sum(losses))
    assert our_loss == pytest.approx(keras_loss, rel=1e-5)
    moved = np.abs(np.asarray(keras_model.weights[0]) - np.asarray(build_model(config).weights[0])).max()
    assert moved > 0.005  # so agreeing to 1e-5 below means something
    for mine, theirs in zip(ours.weights, keras_model.weights, strict=True):
        np.testing.assert_allclose(np.asarray(mine), np.asarray(theirs), rtol=1e-4, atol=1e-5)
