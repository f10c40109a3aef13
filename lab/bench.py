"""``python -m lab bench``: how fast the engine and the app are on this machine.

This module runs the parts (``PARTS``, each alone with ``bench --only``) and describes the machine; each part's
rows are measured in a module of their own:

- lab/bench_training.py: plain Keras ``model.fit`` against our trainer on the seed preset, each in a child
  process, and the CNN preset and the Quick CNN over its first three seeds in the same rounds;
- lab/bench_epoch_limit.py: the seed preset's epoch against what this CPU's matmuls allow;
- lab/bench_prediction.py: the latency of one prediction, Inside the network, the Stress test and the nearest
  training images;
- lab/bench_app.py: the app's cold start, pen-up to answer on the Draw page in Chromium, and its memory with a
  class of 30 drawing and 2 training (all three measured by the app's tools in lab/load/, run as child
  processes: the engine imports no test code);
- lab/class_makespan.py: a class pressing Train at once taking turns, and a class's makespan, K seed-preset
  runs submitted at once, on the local runner and on Ray;
- lab/simulated_lab.py: a lab of PCs simulated on a local Ray cluster, thirty presses at once and a PC switched
  off mid-lesson (not in ``--quick``: tests/test_simulated_lab.py runs it).

``--quick`` (1 epoch on 6,000 images, no warm-up fits and our trainer in this process, 4 students, the Stress
test and the nearest images on the seed MLP alone) only checks that the bench runs end to end; its numbers mean
little.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import platform
import time
from pathlib import Path

from lab.bench_app import (
    ANSWER_DRAWINGS,
    CLASS,
    QUICK_CLASS,
    app_tool,
    class_load,
    describe_answer_latency,
    describe_class_load,
    describe_server,
)
from lab.bench_epoch_limit import describe_epoch_limit, epoch_limit
from lab.bench_prediction import (
    PREDICT_CALLS,
    PREDICTOR_CALLS,
    describe_inside_network,
    describe_nearest,
    describe_prediction,
    describe_stress_panel,
    inside_network_latency,
    nearest_latency,
    prediction_latency,
    stress_panel_time,
)
from lab.bench_training import (
    CNN_SEEDS,
    QUICK,
    QUICK_ROUNDS,
    ROUNDS,
    describe_cnn,
    describe_comparison,
    describe_quick_cnn,
    training_rounds,
)
from mnist_core.config import PRESETS
from mnist_core.cpu_threads import has_bfloat16_units, usable_cores

CLASS_RUNS = 4  # seed-preset runs submitted at once for the class makespan (about 35 s each way on 2 cores)
QUICK_CLASS_RUNS = 2
PRESSES = 30  # students pressing Train on the seed preset at once, taking turns on this server (issue 29)
QUICK_PRESSES = 3
LAB_PCS = 3  # simulated PCs of 1 CPU each, sharing this machine's cores
LAB_RUN = {"epochs": 2, "train_size": 6000}  # short runs: the row is about the lab's scheduling, not training


# The bench's parts, each a few rows that can be run alone (``bench --only``) to repeat one README figure.
PARTS = {
    "training": "plain Keras against ours on the seed preset, the CNN presets (CNN, Quick CNN), and the epoch limit",
    "prediction": "one drawing's answer, Inside the network, its nearest training images and the Stress test",
    "app": "the app's cold start, pen up to answer in Chromium, a class of 30 on the app",
    "turns": "a class pressing Train at once, taking turns against back to back",
    "makespan": "runs submitted at once, this server's trainer against Ray on its cores",
    "lab": "a lab of PCs simulated on Ray: thirty presses at once, a PC switched off mid-lesson",
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

    seed = PRESETS["seed"].replace(**QUICK) if quick else PRESETS["seed"]
    cnns = {"cnn_preset": PRESETS["cnn"], "quick_cnn_preset": PRESETS["quick-cnn"]}
    cnns = {key: cnn.replace(**QUICK) for key, cnn in cnns.items()} if quick else cnns
    rounds = rounds or (QUICK_ROUNDS if quick else ROUNDS)
    if "training" in only:
        result.update(training_rounds(seed, cnns, rounds, min(rounds, CNN_SEEDS), warm_up=not quick))
        log(describe_comparison(result["seed_preset"]))
        log(describe_cnn(result["cnn_preset"]))
        log(describe_quick_cnn(result["quick_cnn_preset"]))
        result["epoch_limit"] = epoch_limit(seed, result["seed_preset"]["ours_seconds_per_epoch"], quick)
        log(describe_epoch_limit(result["epoch_limit"]))

    if "prediction" in only:
        result["prediction"] = prediction_latency(10 if quick else PREDICTOR_CALLS, 3 if quick else PREDICT_CALLS)
        log(describe_prediction(result["prediction"]))
        result["inside_network"] = inside_network_latency(10 if quick else PREDICTOR_CALLS)
        log(describe_inside_network(result["inside_network"]))
        result["stress_panel"] = stress_panel_time(1 if quick else 3, quick)
        log(describe_stress_panel(result["stress_panel"]))
        result["nearest"] = nearest_latency(10 if quick else PREDICTOR_CALLS, quick)
        log(describe_nearest(result["nearest"]))

    if app and "app" in only:
        if quick:  # the answer latency on the cold start's server, once its cold start is measured
            result["server"] = app_tool("cold_start", "--answer-drawings", "3")
            result["answer_latency"] = result["server"].pop("answer_latency")
        else:
            result["server"] = app_tool("cold_start")
            result["answer_latency"] = app_tool("answer_latency", "--drawings", str(ANSWER_DRAWINGS))
        log(describe_server(result["server"]))
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
    if "lab" in only and not quick and importlib.util.find_spec("ray") is not None:  # the suite runs it as a test
        from lab.simulated_lab import describe_lab, lab_row

        result["simulated_lab"] = lab_row(seed.replace(**LAB_RUN), PRESSES, LAB_PCS)
        log(describe_lab(result["simulated_lab"]))
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
