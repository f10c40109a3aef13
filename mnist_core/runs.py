"""A registered run from start to end: train, record each epoch, keep the model, mark the outcome.

The CLI and the app's job manager both train through ``execute_run``, so a
run looks the same in the registry whoever started it.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
from typing import Callable

from mnist_core.config import TrainConfig
from mnist_core.errors import UserError
from mnist_core.registry import Registry, Run


def execute_run(
    registry: Registry,
    run_id: int,
    on_event: Callable[[dict], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Run:
    """Train the queued run ``run_id``; it ends finished, stopped (model kept) or failed (error kept)."""
    run = registry.get(run_id)
    registry.set_status(run_id, "running")

    def record(event: dict) -> None:
        if event["kind"] == "epoch":
            registry.append_epoch(run_id, {k: event[k] for k in
                                           ("epoch", "loss", "accuracy", "val_loss", "val_accuracy",
                                            "seconds", "complete")})
        if on_event:
            on_event(event)

    try:
        _train_and_keep(registry, run_id, TrainConfig.from_dict(run.config), record, should_stop)
    except BaseException as error:
        registry.set_status(run_id, "failed", error=_describe(error))
        raise
    finally:
        release_memory()
    return registry.get(run_id)


def _train_and_keep(registry: Registry, run_id: int, config: TrainConfig, on_event, should_stop) -> None:
    """Train and record the outcome; a function of its own so that the model is garbage once it returns."""
    if config.data == "mnist":
        from mnist_core.trainer import train  # TensorFlow is imported only when a run really starts

        result = train(config, on_event=on_event, should_stop=should_stop)
    else:
        from mnist_core.class_drawings import train_on_drawings

        result = train_on_drawings(registry, config, on_event=on_event, should_stop=should_stop)
    registry.save_model(run_id, result.model)
    registry.set_metrics(run_id, result.metrics)
    registry.set_status(run_id, "stopped" if result.stopped else "finished")


def release_memory() -> None:
    """Give back what a finished run held now, not whenever Python and glibc get round to it.

    The run's Keras model, optimizer and compiled graph hold one another in reference cycles, so only
    a full garbage collection frees them. With TensorFlow loaded the app server has about 450,000
    long-lived objects, and Python starts a full collection only once a quarter as many new ones have
    piled up: every ten or twenty runs. Then glibc keeps the freed memory in its heaps instead of
    returning it to the system (``malloc_trim``; glibc only, skipped elsewhere).
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _describe(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "Interrupted from the keyboard."
    if isinstance(error, MemoryError):
        return "The machine ran out of memory: try a smaller model, batch size or training set."
    if isinstance(error, UserError):
        return str(error)
    first_line = (str(error).strip().splitlines() or [""])[0][:200]  # the whole story is in the server log
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
