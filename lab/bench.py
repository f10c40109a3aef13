"""``python -m lab bench``: how fast the engine and the app are on this machine.

Plain Keras ``model.fit`` and our trainer are alternated (plain, ours, plain, ours), each in a child
process of its own, and compared by the ratio of their medians, with the absolute times beside it, so
other load on the machine slows both sides alike. Timings are wall clock, from NumPy data in memory to
a trained model with its test accuracy (building the model and the test-set evaluation each epoch
included on both sides). The same rounds give the accuracy of both over the same seeds, and the CNN
preset over its first three. Then the seed preset's epoch against what this CPU's matmuls allow, the
latency of one prediction, and the app: its cold start, pen-up to answer on the Draw page in Chromium, and
its memory with a class of 30 drawing and 2 training (all three measured by the app's tools in lab/load/,
run as child processes: the engine imports no test code), and a class's makespan, K seed-preset runs
submitted at once, on the local runner and on Ray
(lab/class_makespan.py).

``--quick`` (1 epoch on 6,000 images, 2 students) only checks that the bench runs end to end; its
numbers mean little.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import math
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from mnist_core.config import PRESETS, TrainConfig
from mnist_core.cpu_threads import POOL_VARIABLES, has_bfloat16_units, usable_cores
from mnist_core.paths import DEFAULT_MODEL, PROJECT_DIR
from mnist_core.wording import counted

QUICK = {"epochs": 1, "train_size": 6000}
# Round i trains both with seed i. A single seed's test accuracy spreads by about +-0.15 points around
# the mean, so the median of five is the figure to read; ``--rounds 10`` for the mean difference.
ROUNDS = 5
QUICK_ROUNDS = 2
CNN_SEEDS = 3
PREDICTOR_CALLS = 200
PREDICT_CALLS = 30  # model.predict takes tens of milliseconds a call: fewer are enough for the contrast
ANSWER_DRAWINGS = 40  # one-stroke digits drawn in Chromium for the pen-up-to-answer row
# The README's classroom load test: 30 students, three of them misbehaving, while 2 train the seed preset.
CLASS = ["--sessions", "30", "--trainers", "2", "--duration", "90", "--misbehave"]
MEMORY_GOAL_MB = 1200  # issue 29: the class's server, started with a plain `streamlit run app.py`
QUICK_CLASS = ["--sessions", "4", "--trainers", "1", "--duration", "10", "--epochs", "1", "--train-size", "6000"]
QUICK_CLASS += ["--misbehave"]
QUICK_CLASS += ["--training-grace", "30"]  # also how long the quick class's flood of saves may go on
CLASS_RUNS = 4  # seed-preset runs submitted at once for the class makespan (about 35 s each way on 2 cores)
QUICK_CLASS_RUNS = 2
PRESSES = 30  # students pressing Train on the seed preset at once, taking turns on this server (issue 29)
QUICK_PRESSES = 3


# The bench's parts, each a few rows that can be run alone (``bench --only``) to repeat one README figure.
PARTS = {
    "training": "plain Keras against ours on the seed and CNN presets, and the epoch limit",
    "prediction": "one drawing's answer, Inside the network, its nearest training images and the Stress test",
    "app": "the app's cold start, pen up to answer in Chromium, a class of 30 on the app",
    "turns": "a class pressing Train at once, taking turns against back to back",
    "makespan": "runs submitted at once, this server's trainer against Ray on its cores",
}


def run_bench(
    quick: bool = False,
    log=print,
    class_runs: int | None = None,
    rounds: int | None = None,
    app: bool = True,
    only: tuple[str, ...] = tuple(PARTS),
) -> dict:
    """Run every measurement of the ``only`` parts (``PARTS``), ``log`` a line for each, and return them all
    as one dict.

    ``class_runs``: how many runs the class makespan submits at once (default 4, 2 when quick; 0 skips it).
    ``rounds``: alternated rounds of plain Keras and ours (default 5, 2 when quick). ``app``: False skips
    the app's rows (cold start, the class's memory).
    """
    started = time.perf_counter()
    result = {"quick": quick, "machine": machine()}
    log(describe_machine(result["machine"]))
    if quick:
        log("Quick mode: 1 epoch on 6,000 images; these numbers only show that the bench runs.")

    seed, cnn = PRESETS["seed"], PRESETS["cnn"]
    if quick:
        seed, cnn = seed.replace(**QUICK), cnn.replace(**QUICK)
    rounds = rounds or (QUICK_ROUNDS if quick else ROUNDS)
    if "training" in only:
        result.update(training_rounds(seed, cnn, rounds, min(rounds, CNN_SEEDS)))
        log(describe_comparison(result["seed_preset"]))
        log(describe_cnn(result["cnn_preset"]))
        result["epoch_limit"] = epoch_limit(seed, result["seed_preset"]["ours_seconds_per_epoch"])
        log(describe_epoch_limit(result["epoch_limit"]))

    if "prediction" in only:
        result["prediction"] = prediction_latency(10 if quick else PREDICTOR_CALLS, 3 if quick else PREDICT_CALLS)
        log(describe_prediction(result["prediction"]))
        result["inside_network"] = inside_network_latency(10 if quick else PREDICTOR_CALLS)
        log(describe_inside_network(result["inside_network"]))
        result["stress_panel"] = stress_panel_time(1 if quick else 3)
        log(describe_stress_panel(result["stress_panel"]))
        result["nearest"] = nearest_latency(10 if quick else PREDICTOR_CALLS)
        log(describe_nearest(result["nearest"]))

    if app and "app" in only:
        result["server"] = app_tool("cold_start")
        log(describe_server(result["server"]))
        result["answer_latency"] = app_tool("answer_latency", "--drawings", str(3 if quick else ANSWER_DRAWINGS))
        log(describe_answer_latency(result["answer_latency"]))
        result["class_load"] = class_load(QUICK_CLASS if quick else CLASS)
        log(describe_class_load(result["class_load"]))

    if "turns" in only:
        from lab.class_makespan import class_turns, describe_class_turns

        result["class_turns"] = class_turns(seed, QUICK_PRESSES if quick else PRESSES)
        log(describe_class_turns(result["class_turns"]))

    class_runs = (QUICK_CLASS_RUNS if quick else CLASS_RUNS) if class_runs is None else class_runs
    class_runs = class_runs if "makespan" in only else 0
    if class_runs and importlib.util.find_spec("ray") is None:
        log("Class makespan skipped: Ray is not installed (`pip install -r requirements-lab.txt`).")
    elif class_runs:
        from lab.class_makespan import class_makespan, describe_class_makespan

        result["class_makespan"] = class_makespan(seed, class_runs)
        log(describe_class_makespan(result["class_makespan"]))
    result["bench_seconds"] = time.perf_counter() - started
    return result


# --- The machine ---------------------------------------------------------------------------------


def machine() -> dict:
    import keras
    import tensorflow as tf

    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    ram_gb = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = int(line.split()[1]) / 2**20
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable_cores(),
        "bfloat16_units": has_bfloat16_units(),
        "ram_gb": ram_gb,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "load_average": _load_average(),
    }


def describe_machine(m: dict) -> str:
    ram = f"{m['ram_gb']:.1f} GB RAM" if m["ram_gb"] else "RAM unknown"
    cores = f"{m['cores']} cores" + (f" ({m['usable_cores']} usable)" if m["usable_cores"] != m["cores"] else "")
    cores += ", bfloat16 units" if m["bfloat16_units"] else ", no bfloat16 units (the CNN preset in float32)"
    load = f", load average {m['load_average']}" if m["load_average"] else ""
    return (
        f"Machine: {m['cpu']}, {cores}, {ram}; TensorFlow {m['tensorflow']}, Keras {m['keras']}, "
        f"Python {m['python']}{load}"
    )


def _load_average() -> str | None:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return None


# --- Training: plain Keras against our trainer, each in a process of its own ----------------------


def training_rounds(seed: TrainConfig, cnn: TrainConfig, rounds: int, cnn_seeds: int) -> dict:
    """Round i trains plain ``model.fit`` with seed i, then our trainer with seed i, then (in the first
    ``cnn_seeds`` rounds) the CNN preset with seed i; one trains while the other waits.

    Plain Keras runs in a child process with TensorFlow's own thread pools, as the seed notebook runs;
    ours in another with the pools ``mnist_core`` sizes (mnist_core/cpu_threads.py). Each child imports
    TensorFlow, loads MNIST and trains one short warm-up fit before the first round, so only training is timed.
    """
    plain, ours, cnns = [], [], []
    with trainer_process(tensorflow_defaults=True) as plain_process, trainer_process(False) as our_process:
        for i in range(rounds):
            plain.append(plain_process.submit(fit_in_child, "plain", seed.replace(seed=i)).result())
            ours.append(our_process.submit(fit_in_child, "ours", seed.replace(seed=i)).result())
            if i < cnn_seeds:
                cnns.append(our_process.submit(fit_in_child, "ours", cnn.replace(seed=i)).result())
    return {"seed_preset": _comparison(seed, plain, ours), "cnn_preset": _cnn_summary(cnn, cnns, plain)}


@contextlib.contextmanager
def trainer_process(tensorflow_defaults: bool):
    """A child process that trains what ``fit_in_child`` is given, warmed up; with TensorFlow's default
    thread pools (plain Keras, as the seed notebook runs) or the ones ``mnist_core`` sizes."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=_warm_up, initargs=(tensorflow_defaults,)) as pool:
        yield pool


def _warm_up(tensorflow_defaults: bool) -> None:
    if tensorflow_defaults:  # before TensorFlow's first op, which is when it reads them
        for name in POOL_VARIABLES:
            os.environ.pop(name, None)
    fit_in_child("plain" if tensorflow_defaults else "ours", PRESETS["seed"].replace(**QUICK))


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


def describe_cnn(c: dict) -> str:
    accuracies = " ".join(f"{a:.2%}" for a in c["test_accuracies"])
    epochs = counted(c["epochs"], "epoch")
    return (
        f"CNN preset ({c['config']}, {epochs}, batch {c['batch_size']}, {c['train_size']:,} images; "
        f"{c.get('number_format') or 'number format as set'}): "
        f"test accuracy {c['test_accuracy']:.2%} (median of seeds {c['seeds'][0]}-{c['seeds'][-1]}: {accuracies}) "
        f"in {c['median_seconds']:.1f} s, {c['time_vs_plain_mlp']:.2f}x the plain seed-MLP model.fit"
    )


def epoch_limit(config: TrainConfig, seconds_per_epoch: float) -> dict:
    """The seed preset's epoch against what this CPU's matmuls allow: the epoch's multiply-adds, forward and
    backward (3 matmuls' worth per layer), at the rate of large float32 matmuls on every core."""
    from mnist_core.architecture import network

    dense = [layer for layer in network(config) if layer.keras_class == "Dense"]
    macs_per_image = sum(layer.parameters - layer.output[0] for layer in dense)  # weights, not biases
    gflop = 6 * macs_per_image * config.training_images / 1e9
    rate = matmul_gflops()
    return {
        "gflop_per_epoch": gflop,
        "matmul_gflops": rate,
        "limit_seconds": gflop / rate,
        "seconds_per_epoch": seconds_per_epoch,
        "times_the_limit": seconds_per_epoch / (gflop / rate),
    }


def matmul_gflops(size: int = 1024, seconds: float = 2.0) -> float:
    """float32 matmul rate with every core busy: one 1024x1024 product per pair of cores at a time."""
    import tensorflow as tf

    from mnist_core.cpu_threads import HALVES

    a = tf.random.uniform([size, size])
    streams = [tf.random.uniform([size, size]) for _ in range(HALVES)]

    @tf.function
    def products(n):
        total = tf.constant(0.0)
        for b in streams:
            c = b
            for _ in tf.range(n):
                c = tf.matmul(a, c) * 1e-3
            total += c[0, 0]
        return total

    float(products(tf.constant(2)))
    n, took = 4, 0.0
    while took < seconds:
        n *= 2
        started = time.perf_counter()
        float(products(tf.constant(n)))
        took = time.perf_counter() - started
    return 2 * size**3 * n * HALVES / took / 1e9


def describe_epoch_limit(e: dict) -> str:
    return (
        f"Seed preset per epoch: {e['seconds_per_epoch']:.2f} s with the test evaluation, {e['times_the_limit']:.2f}x "
        f"the limit here ({e['gflop_per_epoch']:.1f} GFLOP per epoch at {e['matmul_gflops']:.0f} GFLOP/s, the rate "
        f"of large float32 matmuls on every core: {e['limit_seconds']:.2f} s)"
    )


# --- Prediction latency ----------------------------------------------------------------------------


def prediction_latency(predictor_calls: int, predict_calls: int) -> dict:
    """One test image at a time through the app's Predictor, and through ``model.predict`` for contrast."""
    import numpy as np

    from mnist_core.data import load_mnist
    from mnist_core.inference import Predictor

    images = load_mnist().x_test
    predictor = Predictor.from_file(DEFAULT_MODEL)
    for image in images[:20]:  # warm-up
        predictor.probabilities(image)
    ours = _timed_ms(lambda i: predictor.probabilities(images[i]), predictor_calls)

    model = predictor.model
    for i in range(3):
        model.predict(images[i : i + 1] / 255.0, verbose=0)
    keras_ms = _timed_ms(lambda i: model.predict(images[i : i + 1] / 255.0, verbose=0), predict_calls)
    summary = {
        "model": str(DEFAULT_MODEL.relative_to(PROJECT_DIR))
        if DEFAULT_MODEL.is_relative_to(PROJECT_DIR)
        else str(DEFAULT_MODEL)
    }
    for name, times in (("predictor", ours), ("model_predict", keras_ms)):
        summary[name] = {
            "calls": len(times),
            "p50_ms": float(np.percentile(times, 50)),
            "p95_ms": float(np.percentile(times, 95)),
        }
    summary["speedup_p50"] = summary["model_predict"]["p50_ms"] / summary["predictor"]["p50_ms"]
    return summary


def _timed_ms(call, times: int) -> list[float]:
    out = []
    for i in range(times):
        started = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - started) * 1000)
    return out


def describe_prediction(p: dict) -> str:
    ours, keras_ = p["predictor"], p["model_predict"]
    return (
        f"Prediction of one image ({p['model']}): Predictor p50 {ours['p50_ms']:.1f} ms, "
        f"p95 {ours['p95_ms']:.1f} ms ({ours['calls']} calls); model.predict p50 {keras_['p50_ms']:.1f} ms, "
        f"p95 {keras_['p95_ms']:.1f} ms ({keras_['calls']} calls): {p['speedup_p50']:.0f}x faster at the median"
    )


def inside_network_latency(calls: int) -> dict:
    """What the Draw page's "Inside the network" adds to each answer on the server: every layer's output
    (one compiled call) plus its pictures as PNG, as Streamlit sends them. Per model: the default (a CNN)
    and the seed notebook's MLP (untrained: the timing does not depend on the weights). The answer alone
    and the answer with the layers are alternated call by call."""
    import numpy as np

    from mnist_core.data import load_mnist
    from mnist_core.inference import Predictor
    from mnist_core.models import build_model
    from mnist_core.network_trace import as_png, map_grid, unit_grid

    def pictures(layers) -> None:
        for layer in layers:
            if layer.kind in ("conv", "pool", "hidden"):
                as_png(map_grid(layer.values) if layer.values.ndim == 3 else unit_grid(layer.values))

    images = load_mnist().x_test
    out = {}
    for name, predictor in (
        ("default CNN", Predictor.from_file(DEFAULT_MODEL)),
        ("seed MLP", Predictor(build_model(PRESETS["seed"]))),
    ):
        pictures(predictor.inside(images[0]))  # builds the sub-model once, as the first drawing does
        answer, with_layers = [], []
        for image in images[:calls]:
            answer += _timed_ms(lambda _, p=predictor, x=image: p.probabilities(x), 1)
            with_layers += _timed_ms(lambda _, p=predictor, x=image: (p.probabilities(x), pictures(p.inside(x))), 1)
        out[name] = {
            "calls": calls,
            "answer_p50_ms": float(np.percentile(answer, 50)),
            "with_layers_p50_ms": float(np.percentile(with_layers, 50)),
            "added_p50_ms": float(np.percentile(with_layers, 50) - np.percentile(answer, 50)),
            "added_p95_ms": float(np.percentile(with_layers, 95) - np.percentile(answer, 95)),
        }
    return out


def describe_inside_network(result: dict) -> str:
    parts = [
        f"{name} +{r['added_p50_ms']:.0f} ms at the median (+{r['added_p95_ms']:.0f} ms at p95; "
        f"{r['answer_p50_ms']:.1f} -> {r['with_layers_p50_ms']:.1f} ms, {r['calls']} calls)"
        for name, r in result.items()
    ]
    return "Draw page, Inside the network (every layer and its pictures as PNG) adds: " + "; ".join(parts)


def stress_panel_time(repeats: int) -> dict:
    """Evaluate's Stress test for the default CNN, the CNN preset and the seed MLP (the presets untrained:
    the time does not depend on the weights), as the server measures a model the first time it is asked."""
    from mnist_core.inference import Predictor
    from mnist_core.models import build_model
    from mnist_core.stress import timed_panel

    models = {
        "default CNN": Predictor.from_file(DEFAULT_MODEL),
        "CNN preset": Predictor(build_model(PRESETS["cnn"])),
        "seed MLP": Predictor(build_model(PRESETS["seed"])),
    }
    return timed_panel(models, repeats)


def describe_stress_panel(s: dict) -> str:
    times = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in s["seconds"].items())
    return (
        f"Evaluate, Stress test ({s['sets']} sets of {s['images']:,} test images; their pictures made once per "
        f"server in {s['pictures_seconds']:.1f} s): {times}"
    )


def nearest_latency(calls: int) -> dict:
    """The Draw page's "It learned this from these": the index of the 60,000 training images' last hidden layer,
    built once per model per server, and one query per drawing (the image's compiled call and one matmul), for
    the default CNN and the seed notebook's MLP (untrained: the timing does not depend on the weights)."""
    import numpy as np

    from mnist_core.data import load_mnist
    from mnist_core.inference import Predictor
    from mnist_core.models import build_model
    from mnist_core.nearest import NearestIndex

    images = load_mnist().x_test
    out = {}
    for name, predictor in (
        ("default CNN", Predictor.from_file(DEFAULT_MODEL)),
        ("seed MLP", Predictor(build_model(PRESETS["seed"]))),
    ):
        started = time.perf_counter()
        index = NearestIndex.of_training_set(predictor)
        build = time.perf_counter() - started
        times = _timed_ms(lambda i, index=index: index.query(images[i]), calls)
        out[name] = {
            "build_seconds": build,
            "index_mb": index.nbytes / 1e6,
            "calls": calls,
            "query_p50_ms": float(np.percentile(times, 50)),
            "query_p95_ms": float(np.percentile(times, 95)),
        }
    return out


def describe_nearest(result: dict) -> str:
    parts = [
        f"{name}: index built in {r['build_seconds']:.1f} s ({r['index_mb']:.0f} MB), a query p50 "
        f"{r['query_p50_ms']:.1f} ms, p95 {r['query_p95_ms']:.1f} ms ({r['calls']} calls)"
        for name, r in result.items()
    ]
    return "Draw page, It learned this from these (the six nearest training images): " + "; ".join(parts)


# --- The app: its cold start, pen-up to answer and a class's load, measured by its own tools ----------


def app_tool(tool: str, *args: str) -> dict:
    """Run one of the app's measuring tools (lab/load/) in a child process; the JSON line it prints last."""
    done = subprocess.run(
        [sys.executable, "-m", f"lab.load.{tool}", *args], cwd=PROJECT_DIR, capture_output=True, text=True
    )
    lines = done.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        raise RuntimeError(f"lab/load/{tool}.py failed (exit {done.returncode}):\n{done.stderr[-3000:]}") from None


def describe_server(s: dict) -> str:
    rss = f"{s['rss_mb']:.0f} MB" if s["rss_mb"] else "unknown"
    if s["method"] == "chromium":
        return (
            f"App cold start: {s['ready_seconds']:.1f} s from launching the server until Chromium shows "
            f'"Draw a digit" on /draw with the default model loaded (health check ok after '
            f"{s['health_seconds']:.1f} s); server memory (VmRSS) {rss} after /draw loaded"
        )
    return (
        f"App cold start: {s['ready_seconds']:.1f} s = health check ok after {s['health_seconds']:.1f} s + "
        f"{s['model_seconds']:.1f} s to import TensorFlow, load the default model and predict once in a fresh "
        f"process (no Chromium/Playwright, so no page was loaded); server memory (VmRSS) {rss}"
    )


def describe_answer_latency(a: dict) -> str:
    if "error" in a:
        return f"Draw page, pen up to answer: not measured ({a['error']})"
    answer, whole, inside = a["answer"], a["pen_up_to_answer"], a["inside"]
    verdict = "within" if a["passed"] else "OVER"
    failed = f", {a['failed']} without an answer, its nearest images or Inside the network" if a["failed"] else ""
    nearest, shown = a.get("nearest") or {}, ""
    if nearest.get("p95_ms") is not None:  # rows measured before "It learned this from these" have none
        first = a.get("first_nearest_ms")
        shown = (
            f"; the six nearest training images p50 {nearest['p50_ms']:.0f} ms, p95 {nearest['p95_ms']:.0f} ms after "
            "the answer"
            + (f" (the server's first drawing, which builds the index: {first / 1000:.1f} s)" if first else "")
        )
    return (
        f"Draw page in Chromium, {a['drawings']} one-stroke digits: the drawing sent to the answer and its bars on "
        f"screen p50 {answer['p50_ms']:.0f} ms, p95 {answer['p95_ms']:.0f} ms ({verdict} the goal of "
        f"{a['goal_p95_ms']} ms at p95); from the pen lifting, with the canvas's own 200 ms wait before it sends, "
        f"p50 {whole['p50_ms']:.0f} ms, p95 {whole['p95_ms']:.0f} ms; Inside the network followed every answer, "
        f"p95 {inside['p95_ms']:.0f} ms after sending{failed}{shown}; load average {' '.join(a['load_average'])}"
    )


def class_load(args: list[str]) -> dict:
    """The classroom load test's verdict and the server's memory (its full summary stays in its JSON file)."""
    summary = app_tool("run_load", *args, "--json")
    kept = (
        "passed",
        "failures",
        "answered",
        "round_trip_ms",
        "server_peak_rss_mb",
        "training_runs_finished",
        "first_epoch_s",
        "misbehaving_told",
        "store_growth_mb",
        "json",
    )
    return {**summary["settings"], **{key: summary[key] for key in kept}}


def describe_class_load(c: dict) -> str:
    first, peak = c["first_epoch_s"], c["server_peak_rss_mb"]
    memory = "met" if peak is not None and peak <= MEMORY_GOAL_MB else "NOT met"
    misbehaving = f", {len(c['misbehaving'])} of them misbehaving" if c["misbehaving"] else ""
    return (
        f"A class on the app ({c['sessions']} students{misbehaving}, {c['trainers']} training, "
        f"{c['duration_s']:.0f} s, server started by '{c['started_by']}'): server peak memory {peak} MB "
        f"(its process tree's VmRSS; goal <= {MEMORY_GOAL_MB} MB: {memory}); "
        f"well-behaved runs' first epoch on screen p50 {first['p50']} s, p95 {first['p95']} s, max {first['max']} s "
        f"after Train (n={first['n']}); run store grew {c['store_growth_mb']} MB; "
        f"{'passed' if c['passed'] else 'FAILED'}, details and what the misbehaving students were told in {c['json']}"
    )
