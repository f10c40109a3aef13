"""``python -m mnist_core bench``: how fast the engine and the app are on this machine.

Everything is measured in one process on the same data, so other load on the
machine slows both sides of a comparison alike: plain Keras ``model.fit`` and
our trainer are alternated (plain, ours, plain, ours) and compared by the
ratio of their medians, with the absolute times beside it. Timings are wall
clock, from NumPy data in memory to a trained model with its test accuracy
(building the model and the test-set evaluation each epoch included on both
sides). Then the CNN preset, the latency of one prediction, the app
server's cold start and memory, and a class's makespan: K seed-preset runs
submitted at once, on the local runner and on Ray (mnist_core/class_makespan.py).

``--quick`` (1 epoch on 6,000 images) only checks that the bench runs end to
end; its numbers mean little.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mnist_core.app_server import running_app
from mnist_core.config import PRESETS, TrainConfig
from mnist_core.paths import DEFAULT_MODEL, PROJECT_DIR

QUICK = {"epochs": 1, "train_size": 6000}
# plain, ours, plain, ours...; round i trains both with seed i. A single seed's test accuracy
# spreads by about +-0.15 points around the mean, so the median of five is the figure to read.
ROUNDS = 5
QUICK_ROUNDS = 2
PREDICTOR_CALLS = 200
PREDICT_CALLS = 30  # model.predict takes tens of milliseconds a call: fewer are enough for the contrast
SERVER_TIMEOUT_S = 120
CLASS_RUNS = 4  # seed-preset runs submitted at once for the class makespan (about 35 s each way on 2 cores)
QUICK_CLASS_RUNS = 2
DRAW_READY_TEXT = "Draw a digit"


def run_bench(quick: bool = False, log=print, class_runs: int | None = None) -> dict:
    """Run every measurement, ``log`` a line for each, and return them all as one dict.

    ``class_runs``: how many runs the class makespan submits at once (default 4, 2 when quick; 0 skips it).
    """
    started = time.perf_counter()
    result = {"quick": quick, "machine": machine()}
    log(describe_machine(result["machine"]))
    if quick:
        log("Quick mode: 1 epoch on 6,000 images; these numbers only show that the bench runs.")

    seed = PRESETS["seed"].replace(**QUICK) if quick else PRESETS["seed"]
    result["seed_preset"] = compare_with_keras(seed, QUICK_ROUNDS if quick else ROUNDS)
    log(describe_comparison(result["seed_preset"]))

    cnn = PRESETS["cnn"].replace(**QUICK) if quick else PRESETS["cnn"]
    result["cnn_preset"] = train_once(cnn)
    log(describe_cnn(result["cnn_preset"]))

    result["prediction"] = prediction_latency(10 if quick else PREDICTOR_CALLS, 3 if quick else PREDICT_CALLS)
    log(describe_prediction(result["prediction"]))

    result["inside_network"] = inside_network_latency(10 if quick else PREDICTOR_CALLS)
    log(describe_inside_network(result["inside_network"]))

    result["server"] = server_cold_start()
    log(describe_server(result["server"]))

    class_runs = (QUICK_CLASS_RUNS if quick else CLASS_RUNS) if class_runs is None else class_runs
    if class_runs and importlib.util.find_spec("ray") is None:
        log("Class makespan skipped: Ray is not installed (`pip install -r requirements-lab.txt`).")
    elif class_runs:
        from mnist_core.class_makespan import class_makespan, describe_class_makespan

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
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "ram_gb": ram_gb,
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "python": platform.python_version(),
        "load_average": _load_average(),
    }


def describe_machine(m: dict) -> str:
    ram = f"{m['ram_gb']:.1f} GB RAM" if m["ram_gb"] else "RAM unknown"
    cores = f"{m['cores']} cores" + (f" ({m['usable_cores']} usable)" if m["usable_cores"] != m["cores"] else "")
    load = f", load average {m['load_average']}" if m["load_average"] else ""
    return (
        f"Machine: {m['cpu']}, {cores}, {ram}; TensorFlow {m['tensorflow']}, Keras {m['keras']}, "
        f"Python {m['python']}{load}"
    )


def _load_average() -> str | None:
    with contextlib.suppress(OSError):
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return None


# --- Training: plain Keras against our trainer -----------------------------------------------------


def compare_with_keras(config: TrainConfig, rounds: int = ROUNDS) -> dict:
    """Alternate plain ``model.fit`` and our trainer on the same model, data and budget; seed i in round i."""
    from mnist_core.data import load_mnist

    data = load_mnist()
    plain, ours = [], []
    for seed in range(rounds):
        plain.append(_plain_keras_fit(config.replace(seed=seed), data))
        ours.append(_our_fit(config.replace(seed=seed), data))
    plain_seconds = [run["seconds"] for run in plain]
    our_seconds = [run["seconds"] for run in ours]
    plain_accuracies = [run["test_accuracy"] for run in plain]
    our_accuracies = [run["test_accuracy"] for run in ours]
    return {
        "config": config.describe(),
        "epochs": config.epochs,
        "train_size": config.train_size,
        "seeds": list(range(rounds)),
        "plain_seconds": plain_seconds,
        "ours_seconds": our_seconds,
        "plain_median_seconds": statistics.median(plain_seconds),
        "ours_median_seconds": statistics.median(our_seconds),
        "speedup": statistics.median(plain_seconds) / statistics.median(our_seconds),
        "round_speedups": [p / o for p, o in zip(plain_seconds, our_seconds, strict=True)],
        "ours_fit_seconds": [run["fit_seconds"] for run in ours],
        "plain_test_accuracies": plain_accuracies,
        "ours_test_accuracies": our_accuracies,
        "plain_test_accuracy": statistics.median(plain_accuracies),
        "ours_test_accuracy": statistics.median(our_accuracies),
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
        "test_accuracy": result.metrics["test_accuracy"],
    }


def train_once(config: TrainConfig) -> dict:
    from mnist_core.data import load_mnist

    run = _our_fit(config, load_mnist())
    return {
        "config": config.describe(),
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "train_size": config.train_size,
        **run,
    }


def describe_comparison(c: dict) -> str:
    rounds = ", ".join(f"{s:.1f}x" for s in c["round_speedups"])
    ours = " ".join(f"{a:.2%}" for a in c["ours_test_accuracies"])
    plain = " ".join(f"{a:.2%}" for a in c["plain_test_accuracies"])
    return (
        f"Seed preset ({c['config']}, {_epochs(c['epochs'])} on {c['train_size']:,} images): "
        f"{c['speedup']:.1f}x faster than plain Keras model.fit (ours {c['ours_median_seconds']:.1f} s vs "
        f"{c['plain_median_seconds']:.1f} s, median of {len(c['ours_seconds'])} alternated runs; "
        f"per round {rounds}), median test accuracy {c['ours_test_accuracy']:.2%} "
        f"(plain Keras {c['plain_test_accuracy']:.2%}; seeds {c['seeds'][0]}-{c['seeds'][-1]}: ours {ours}, "
        f"plain {plain})"
    )


def describe_cnn(c: dict) -> str:
    return (
        f"CNN preset ({c['config']}, {_epochs(c['epochs'])}, batch {c['batch_size']}, "
        f"{c['train_size']:,} images): test accuracy {c['test_accuracy']:.2%} in {c['fit_seconds']:.1f} s "
        f"of training ({c['seconds']:.1f} s with building the model)"
    )


def _epochs(n: int) -> str:
    return f"{n} epoch" if n == 1 else f"{n} epochs"


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
    import io

    import numpy as np
    from PIL import Image

    from mnist_core.data import load_mnist
    from mnist_core.inference import Predictor
    from mnist_core.models import build_model
    from mnist_core.network_trace import map_grid, unit_grid

    def pictures(layers) -> None:
        for layer in layers:
            if layer.kind in ("conv", "pool", "hidden"):
                grid = map_grid(layer.values) if layer.values.ndim == 3 else unit_grid(layer.values)
                Image.fromarray(grid).save(io.BytesIO(), format="PNG")

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


# --- The app server's cold start -------------------------------------------------------------------


def server_cold_start() -> dict:
    """Start ``streamlit run app.py`` with an empty run store and time until a prediction is possible.

    With Chromium and Playwright: from launch until the /draw page shows "Draw a digit" (the page
    loads the default model before it shows that). Without them: until /_stcore/health answers ok,
    plus, in a fresh process, importing TensorFlow, loading the default model and predicting once.
    The server's memory is its VmRSS once that is done.
    """
    chromium = _chromium()
    with tempfile.TemporaryDirectory(prefix="mnist-studio-bench-") as home:
        if chromium:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                try:
                    with _app_server(home) as server:
                        health = server.wait_healthy(SERVER_TIMEOUT_S)
                        page = browser.new_page()
                        page.goto(f"{server.url}/draw", wait_until="domcontentloaded", timeout=SERVER_TIMEOUT_S * 1000)
                        page.get_by_text(DRAW_READY_TEXT, exact=True).wait_for(timeout=SERVER_TIMEOUT_S * 1000)
                        ready = server.seconds()
                        rss = _rss_mb(server.pid)
                finally:
                    browser.close()
            return {
                "method": "chromium",
                "health_seconds": health,
                "ready_seconds": ready,
                "rss_mb": rss,
                "measured": f'launch of `streamlit run app.py` until Chromium shows "{DRAW_READY_TEXT}" '
                "on /draw (default model loaded)",
            }
        with _app_server(home) as server:
            health = server.wait_healthy(SERVER_TIMEOUT_S)
            model_seconds = _fresh_process_model_seconds()
            rss = _rss_mb(server.pid)
        return {
            "method": "health+subprocess",
            "health_seconds": health,
            "model_seconds": model_seconds,
            "ready_seconds": health + model_seconds,
            "rss_mb": rss,
            "measured": "launch until /_stcore/health is ok, plus importing TensorFlow, loading the default "
            "model and predicting once in a fresh process (Chromium or Playwright missing); "
            "memory before any page was loaded",
        }


def _app_server(home: str):
    return running_app(Path(home) / "server.log", env={"MNIST_STUDIO_HOME": home})


def _fresh_process_model_seconds() -> float:
    code = (
        "import numpy as np; from mnist_core.inference import Predictor; from mnist_core.paths import DEFAULT_MODEL; "
        "Predictor.from_file(DEFAULT_MODEL).probabilities(np.zeros((28, 28), np.uint8))"
    )
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, check=True, capture_output=True, timeout=SERVER_TIMEOUT_S
    )
    return time.perf_counter() - started


def _chromium() -> str | None:
    """Chromium to drive, as the browser tests find it, if Playwright is installed too."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    override = os.environ.get("MNIST_STUDIO_CHROMIUM")
    if override:
        return override if os.path.isfile(override) else None
    return "/usr/bin/chromium" if os.path.isfile("/usr/bin/chromium") else shutil.which("chromium")


def _rss_mb(pid: int) -> float | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return None


def describe_server(s: dict) -> str:
    rss = f"{s['rss_mb']:.0f} MB" if s["rss_mb"] is not None else "unknown"
    if s["method"] == "chromium":
        return (
            f"App cold start: {s['ready_seconds']:.1f} s from launching the server until Chromium shows "
            f'"{DRAW_READY_TEXT}" on /draw with the default model loaded (health check ok after '
            f"{s['health_seconds']:.1f} s); server memory (VmRSS) {rss} after /draw loaded"
        )
    return (
        f"App cold start: {s['ready_seconds']:.1f} s = health check ok after {s['health_seconds']:.1f} s + "
        f"{s['model_seconds']:.1f} s to import TensorFlow, load the default model and predict once in a fresh "
        f"process (no Chromium/Playwright, so no page was loaded); server memory (VmRSS) {rss}"
    )
