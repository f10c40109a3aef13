"""The bench's prediction rows: one drawing's answer through the app's Predictor (against ``model.predict``),
what Inside the network adds to it, Evaluate's Stress test and the nearest training images, per model."""

from __future__ import annotations

import time

from mnist_core.config import PRESETS
from mnist_core.paths import DEFAULT_MODEL, PROJECT_DIR

PREDICTOR_CALLS = 200
PREDICT_CALLS = 30  # model.predict takes tens of milliseconds a call: fewer are enough for the contrast


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


def stress_panel_time(repeats: int, quick: bool = False) -> dict:
    """Evaluate's Stress test for the default CNN, the CNN preset and the seed MLP (the presets untrained:
    the time does not depend on the weights), as the server measures a model the first time it is asked.
    ``quick``: the seed MLP alone, to show the row runs."""
    from mnist_core.inference import Predictor
    from mnist_core.models import build_model
    from mnist_core.stress import timed_panel

    models = {"seed MLP": Predictor(build_model(PRESETS["seed"]))}
    if not quick:
        models = {
            "default CNN": Predictor.from_file(DEFAULT_MODEL),
            "CNN preset": Predictor(build_model(PRESETS["cnn"])),
            **models,
        }
    return timed_panel(models, repeats)


def describe_stress_panel(s: dict) -> str:
    times = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in s["seconds"].items())
    return (
        f"Evaluate, Stress test ({s['sets']} sets of {s['images']:,} test images; their pictures made once per "
        f"server in {s['pictures_seconds']:.1f} s): {times}"
    )


def nearest_latency(calls: int, quick: bool = False) -> dict:
    """The Draw page's "It learned this from these": the index of the 60,000 training images' last hidden layer,
    built once per model per server (the default model's kept on disk, and loaded), and one query per drawing (the
    image's compiled call and one matmul), for the default CNN and the seed notebook's MLP (untrained: the timing
    does not depend on the weights). ``quick``: the seed MLP alone, to show the row runs."""
    import numpy as np

    from mnist_core.data import load_mnist
    from mnist_core.inference import Predictor
    from mnist_core.models import build_model
    from mnist_core.nearest import NearestIndex

    data = load_mnist()
    images = data.x_test
    out = {}
    models = {"seed MLP": Predictor(build_model(PRESETS["seed"]))}
    if not quick:
        models = {"default CNN": Predictor.from_file(DEFAULT_MODEL), **models}
    for name, predictor in models.items():
        started = time.perf_counter()
        index = NearestIndex.build(predictor, data.x_train, data.y_train)  # built, even where one is kept on disk
        build = time.perf_counter() - started
        times = _timed_ms(lambda i, index=index: index.query(images[i]), calls)
        started = time.perf_counter()
        kept = NearestIndex.kept(predictor)  # the default model's, once a server or a test has built it
        out[name] = {
            "build_seconds": build,
            "load_seconds": time.perf_counter() - started if kept else None,
            "index_mb": index.nbytes / 1e6,
            "calls": calls,
            "query_p50_ms": float(np.percentile(times, 50)),
            "query_p95_ms": float(np.percentile(times, 95)),
        }
    return out


def describe_nearest(result: dict) -> str:
    parts = [
        f"{name}: index built in {r['build_seconds']:.1f} s ({r['index_mb']:.0f} MB"
        + (f"; kept beside the model file, loaded in {r['load_seconds']:.2f} s" if r.get("load_seconds") else "")
        + f"), a query p50 {r['query_p50_ms']:.1f} ms"
        f", p95 {r['query_p95_ms']:.1f} ms ({r['calls']} calls)"
        for name, r in result.items()
    ]
    return "Draw page, It learned this from these (the six nearest training images): " + "; ".join(parts)
