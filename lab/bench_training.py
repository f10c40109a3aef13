"""The bench's training rows: plain Keras ``model.fit`` against our trainer on the seed preset, and the CNN
preset, each side in a child process of its own.

Plain Keras and ours are alternated (plain, ours, plain, ours) and compared by the ratio of their medians,
with the absolute times beside it, so other load on the machine slows both sides alike. Timings are wall
clock, from NumPy data in memory to a trained model with its test accuracy (building the model and the
test-set evaluation each epoch included on both sides). The same rounds give the accuracy of both over the
same seeds, and the CNN preset's and the Quick CNN's over its first three. ``lab/recipe_search.py`` trains
the searches' candidates in the same child processes.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import statistics
import time
from concurrent.futures import Future, ProcessPoolExecutor

from mnist_core.config import PRESETS, TrainConfig
from mnist_core.cpu_threads import POOL_VARIABLES
from mnist_core.wording import counted

QUICK = {"epochs": 1, "train_size": 6000}
# Round i trains both with seed i. A single seed's test accuracy spreads by about +-0.15 points around
# the mean, so the median of five is the figure to read; ``--rounds 10`` for the mean difference.
ROUNDS = 5
QUICK_ROUNDS = 2
CNN_SEEDS = 3
# The Quick CNN's goal (issue 26): this median test accuracy in at most this share of the plain seed-MLP fit.
GOAL_ACCURACY = 0.99
GOAL_TIME_VS_PLAIN = 0.3


def training_rounds(
    seed: TrainConfig, cnns: dict[str, TrainConfig], rounds: int, cnn_seeds: int, warm_up: bool = True
) -> dict:
    """Round i trains plain ``model.fit`` with seed i, then our trainer with seed i, then (in the first
    ``cnn_seeds`` rounds) each of ``cnns`` (the CNN preset, the Quick CNN, by their summary keys) with seed i;
    one trains while the other waits.

    Plain Keras runs in a child process with TensorFlow's own thread pools, as the seed notebook runs;
    ours in another with the pools ``mnist_core`` sizes (mnist_core/cpu_threads.py). Each child imports
    TensorFlow, loads MNIST and trains one short warm-up fit before the first round, so only training is timed.
    Not ``warm_up`` (``--quick``): no warm-up fits, and ours in this process (``trainer_process``).
    """
    plain, ours, cnn_runs = [], [], {key: [] for key in cnns}
    with (
        trainer_process(tensorflow_defaults=True, warm_up=warm_up) as plain_process,
        trainer_process(False, warm_up) as our_process,
    ):
        for i in range(rounds):
            plain.append(plain_process.submit(fit_in_child, "plain", seed.replace(seed=i)).result())
            ours.append(our_process.submit(fit_in_child, "ours", seed.replace(seed=i)).result())
            for key, cnn in cnns.items():
                if i < cnn_seeds:
                    cnn_runs[key].append(our_process.submit(fit_in_child, "ours", cnn.replace(seed=i)).result())
    summaries = {key: _cnn_summary(cnn, cnn_runs[key], plain) for key, cnn in cnns.items()}
    return {"seed_preset": _comparison(seed, plain, ours), **summaries}


@contextlib.contextmanager
def trainer_process(tensorflow_defaults: bool, warm_up: bool = True):
    """A child process that trains what ``fit_in_child`` is given, warmed up; with TensorFlow's default
    thread pools (plain Keras, as the seed notebook runs) or the ones ``mnist_core`` sizes.

    ``warm_up`` False (the ``--quick`` smoke runs, whose times mean little): no warm-up fit, so the first fit's
    time includes tracing its steps, and our trainer's fits run in this process, whose TensorFlow has
    ``mnist_core``'s pools already (mnist_core/__init__.py sizes them on import): one TensorFlow start fewer."""
    if not (warm_up or tensorflow_defaults):
        yield _ThisProcess()
        return
    context = multiprocessing.get_context("spawn")
    initargs = (tensorflow_defaults, warm_up)
    with ProcessPoolExecutor(1, mp_context=context, initializer=_warm_up, initargs=initargs) as pool:
        yield pool


class _ThisProcess:
    """Runs what it is given at once, here, with an executor's ``submit``."""

    def submit(self, fn, *args) -> Future:
        done = Future()
        done.set_result(fn(*args))
        return done


def _warm_up(tensorflow_defaults: bool, fit: bool) -> None:
    if tensorflow_defaults:  # before TensorFlow's first op, which is when it reads them
        for name in POOL_VARIABLES:
            os.environ.pop(name, None)
    if fit:
        fit_in_child("plain" if tensorflow_defaults else "ours", PRESETS["seed"].replace(**QUICK))
    else:
        import keras  # noqa: F401  (TensorFlow and Keras imported and MNIST read, as the warm-up fit would)

        from mnist_core.data import load_mnist

        load_mnist()


def fit_in_child(side: str, config: TrainConfig) -> dict:
    """Train ``config`` with plain ``model.fit`` ("plain") or our trainer ("ours"); its seconds and accuracies."""
    from mnist_core.data import load_mnist  # cached: the child reads and checks MNIST once

    return (_plain_keras_fit if side == "plain" else _our_fit)(config, load_mnist())


def _comparison(config: TrainConfig, plain: list[dict], ours: list[dict]) -> dict:
    plain_seconds = [run["seconds"] for run in plain]
    our_seconds = [run["seconds"] for run in ours]
    plain_accuracies = [run["test_accuracy"] for run in plain]
    our_accuracies = [run["test_accuracy"] for run in ours]
    differences = [o - p for o, p in zip(our_accuracies, plain_accuracies, strict=True)]
    spread = statistics.stdev(differences) if len(differences) > 1 else 0.0
    return {
        "config": config.describe(),
        "epochs": config.epochs,
        "train_size": config.train_size,
        "seeds": list(range(len(plain))),
        "plain_seconds": plain_seconds,
        "ours_seconds": our_seconds,
        "plain_median_seconds": statistics.median(plain_seconds),
        "ours_median_seconds": statistics.median(our_seconds),
        "speedup": statistics.median(plain_seconds) / statistics.median(our_seconds),
        "round_speedups": [p / o for p, o in zip(plain_seconds, our_seconds, strict=True)],
        "ours_fit_seconds": [run["fit_seconds"] for run in ours],
        "ours_seconds_per_epoch": statistics.median(run["fit_seconds"] for run in ours) / config.epochs,
        "plain_test_accuracies": plain_accuracies,
        "ours_test_accuracies": our_accuracies,
        "plain_test_accuracy": statistics.median(plain_accuracies),
        "ours_test_accuracy": statistics.median(our_accuracies),
        "plain_mean_accuracy": statistics.mean(plain_accuracies),
        "ours_mean_accuracy": statistics.mean(our_accuracies),
        "mean_difference": statistics.mean(differences),
        "difference_spread": spread,  # standard deviation of (ours - plain) over the seeds
        "difference_standard_error": spread / math.sqrt(len(differences)),
    }


def _cnn_summary(config: TrainConfig, runs: list[dict], plain: list[dict]) -> dict:
    seconds = [run["seconds"] for run in runs]
    accuracies = [run["test_accuracy"] for run in runs]
    return {
        "config": config.describe(),
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "train_size": config.training_images,  # what is left after the validation images are held out
        "seeds": list(range(len(runs))),
        "seconds": seconds,
        "test_accuracies": accuracies,
        "test_accuracy": statistics.median(accuracies),
        "median_seconds": statistics.median(seconds),
        "time_vs_plain_mlp": statistics.median(seconds) / statistics.median(run["seconds"] for run in plain),
        # its whole train call, when that reaches 99% (median accuracy over the seeds): the Quick CNN's goal
        "time_to_99_seconds": statistics.median(seconds) if statistics.median(accuracies) >= GOAL_ACCURACY else None,
        "number_format": runs[0].get("number_format"),  # measured by the first run, kept by the others
    }


def _plain_keras_fit(config: TrainConfig, data) -> dict:
    """The seed notebook's way: compile, then ``fit`` with the test set as validation data."""
    import keras

    from mnist_core.data import subset
    from mnist_core.models import build_model

    x, y = subset(data.x_train, data.y_train, config.train_size, config.seed)
    x_test = data.x_test / 255.0
    started = time.perf_counter()
    model = build_model(config)
    model.compile(
        optimizer=keras.optimizers.Adam(config.learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    history = model.fit(
        x / 255.0,
        y,
        epochs=config.epochs,
        batch_size=config.batch_size,
        validation_data=(x_test, data.y_test),
        verbose=0,
    )
    return {"seconds": time.perf_counter() - started, "test_accuracy": float(history.history["val_accuracy"][-1])}


def _our_fit(config: TrainConfig, data) -> dict:
    from mnist_core.trainer import train

    started = time.perf_counter()
    result = train(config, data=data)
    return {
        "seconds": time.perf_counter() - started,
        "fit_seconds": result.metrics["fit_seconds"],
        "val_accuracy": result.metrics["val_accuracy"],
        "test_accuracy": result.metrics["test_accuracy"],
        "number_format": result.metrics.get("number_format", {}).get("reason"),  # a preset asking for the fastest
    }


def describe_comparison(c: dict) -> str:
    rounds = ", ".join(f"{s:.1f}x" for s in c["round_speedups"])
    ours = " ".join(f"{a:.2%}" for a in c["ours_test_accuracies"])
    plain = " ".join(f"{a:.2%}" for a in c["plain_test_accuracies"])
    return (
        f"Seed preset ({c['config']}, {counted(c['epochs'], 'epoch')} on {c['train_size']:,} images, the test set "
        f"evaluated every epoch): {c['speedup']:.2f}x faster than plain Keras model.fit (ours "
        f"{c['ours_median_seconds']:.2f} s vs {c['plain_median_seconds']:.2f} s, median of {len(c['ours_seconds'])} "
        f"alternated runs; per round {rounds})\n"
        f"Seed preset accuracy, seeds {c['seeds'][0]}-{c['seeds'][-1]}: median ours {c['ours_test_accuracy']:.2%}, "
        f"plain model.fit {c['plain_test_accuracy']:.2%}; mean ours {c['ours_mean_accuracy']:.3%}, plain "
        f"{c['plain_mean_accuracy']:.3%}, difference {c['mean_difference'] * 100:+.3f} points (spread "
        f"{c['difference_spread'] * 100:.3f}, standard error {c['difference_standard_error'] * 100:.3f}); "
        f"ours {ours}; plain {plain}"
    )


def describe_cnn(c: dict, name: str = "CNN preset") -> str:
    accuracies = " ".join(f"{a:.2%}" for a in c["test_accuracies"])
    epochs = counted(c["epochs"], "epoch")
    return (
        f"{name} ({c['config']}, {epochs}, batch {c['batch_size']}, {c['train_size']:,} images; "
        f"{c.get('number_format') or 'number format as set'}): "
        f"test accuracy {c['test_accuracy']:.2%} (median of seeds {c['seeds'][0]}-{c['seeds'][-1]}: {accuracies}) "
        f"in {c['median_seconds']:.1f} s, {c['time_vs_plain_mlp']:.2f}x the plain seed-MLP model.fit"
    )


def meets_goal(c: dict) -> bool:
    """The Quick CNN's goal: 99% median test accuracy in at most 0.3x the plain seed-MLP fit, in one run."""
    return c["time_to_99_seconds"] is not None and c["time_vs_plain_mlp"] <= GOAL_TIME_VS_PLAIN


def describe_quick_cnn(c: dict) -> str:
    reached = f"{c['time_to_99_seconds']:.1f} s" if c["time_to_99_seconds"] is not None else "not reached"
    goal = f"at least {GOAL_ACCURACY:.1%} median in at most {GOAL_TIME_VS_PLAIN:g}x"
    verdict = "met" if meets_goal(c) else "missed"
    return f"{describe_cnn(c, 'Quick CNN')}; time to 99%: {reached}. Goal ({goal}): {verdict}."
