"""``python -m lab profile``: where an epoch of the seed preset goes, on this machine.

TensorFlow's profiler traces the training steps of one epoch, run as the trainer runs them, and each
op's time is summed under what it is for (matmuls, the dropout mask, the Adam update, ...). Ops run on
several threads at once, so these are core-milliseconds. Beside them, in wall-clock time: the epoch's
steps untraced, the validation on the test set, and the rest of an epoch of ``trainer.train`` (Python
between chunks, shuffling, progress events).
"""

from __future__ import annotations

import collections
import statistics
import tempfile
import time
from pathlib import Path

# What each op is for. Ops not listed here are summed as "other ops".
PARTS = {
    "matmuls (forward and backward)": ("MatMul", "_MklMatMul", "_MklNativeFusedMatMul", "_FusedMatMul"),
    "Adam update": ("ResourceApplyAdam",),
    "dropout mask": ("StatelessRandomUniformV2", "GreaterEqual", "SelectV2", "Mul"),
    "gathers of the batch": ("GatherV2",),
    "softmax, loss and accuracy": ("_MklSoftmax", "Softmax", "SparseSoftmaxCrossEntropyWithLogits", "ArgMax", "Equal"),
    "bias and relu gradients": ("BiasAddGrad", "ReluGrad"),
}
EXECUTOR = "TensorFlow's executor between ops"
REPEATS = 3


def profile_epoch() -> dict:
    import numpy as np
    import tensorflow as tf

    from mnist_core.batch_prediction import evaluate_arrays
    from mnist_core.config import PRESETS
    from mnist_core.data import load_mnist
    from mnist_core.models import build_model, make_optimizer
    from mnist_core.train_steps import compile_steps
    from mnist_core.trainer import train

    config = PRESETS["seed"]
    data = load_mnist()
    x, y = tf.constant(data.x_train, tf.float32) / 255.0, tf.constant(data.y_train, tf.int64)
    steps = len(data.y_train) // config.batch_size
    rng = np.random.default_rng(0)

    def epoch_batches():
        order = rng.permutation(len(data.y_train))[: steps * config.batch_size]
        return tf.constant(order.reshape(steps, config.batch_size).astype(np.int32))

    run_steps = compile_steps(build_model(config), make_optimizer(config, steps))
    float(run_steps(x, y, epoch_batches())[0])  # traced and warmed up
    step_seconds = statistics.median(_timed(lambda: float(run_steps(x, y, epoch_batches())[0])) for _ in range(REPEATS))
    with tempfile.TemporaryDirectory(prefix="mnist-studio-profile-") as folder:
        batches = epoch_batches()
        tf.profiler.experimental.start(folder)
        float(run_steps(x, y, batches)[0])
        tf.profiler.experimental.stop()
        core_ms = _op_milliseconds(folder)

    model = build_model(config)
    x_test = tf.constant(data.x_test, tf.float32) / 255.0
    evaluation_seconds = statistics.median(
        _timed(lambda: evaluate_arrays(model, x_test, data.y_test.astype(np.int64))) for _ in range(5)
    )
    history = train(config.replace(epochs=3), data=data).history
    epoch_seconds = statistics.median(record["seconds"] for record in history[1:])  # the first traces the graph

    parts = collections.Counter()
    for op, ms in core_ms.items():
        part = op if op == EXECUTOR else next((name for name, ops in PARTS.items() if op in ops), "other ops")
        parts[part] += ms
    return {
        "steps": steps,
        "core_ms": dict(parts.most_common()),
        "steps_seconds": step_seconds,
        "evaluation_seconds": evaluation_seconds,
        "epoch_seconds": epoch_seconds,
        "rest_seconds": epoch_seconds - step_seconds - evaluation_seconds,
    }


def _timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _op_milliseconds(folder: str) -> dict[str, float]:
    """Milliseconds per op type, summed over TensorFlow's compute threads, from the profiler's trace."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    space.ParseFromString(next(Path(folder).rglob("*.xplane.pb")).read_bytes())
    totals = collections.Counter()
    for plane in space.planes:
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name.split(":")[-1]
                if name not in ("ParallelFor", "StartRegion", "StopRegion", "Record"):  # these nest inside ops
                    totals[name] += event.duration_ps / 1e9
    # "Process" spans an executor thread's work, ops included: what is left is scheduling between ops.
    totals[EXECUTOR] = totals.pop("Process", 0.0) - sum(totals.values())
    return dict(totals)


def describe_profile(p: dict) -> str:
    total = sum(p["core_ms"].values())
    rows = [
        f"Where an epoch of the seed preset goes ({p['steps']} steps of 128 images):",
        "",
        "| part | core-ms | share |",
    ]
    rows.append("|---|---|---|")
    rows += [f"| {part} | {ms:.0f} | {ms / total:.0%} |" for part, ms in p["core_ms"].items()]
    rows += [
        "",
        "| wall clock | seconds |",
        "|---|---|",
        f"| training steps (untraced) | {p['steps_seconds']:.3f} |",
        f"| validation on the 10,000 test images | {p['evaluation_seconds']:.3f} |",
        f"| the rest: Python between chunks, shuffling, events | {p['rest_seconds']:.3f} |",
        f"| one epoch of trainer.train | {p['epoch_seconds']:.3f} |",
    ]
    return "\n".join(rows)
