"""A registered run from start to end: train, record each epoch, keep the model, mark the outcome.

The CLI and the app's job manager both train through ``execute_run`` (on this
machine) or the Ray runner (on a lab PC); both record through ``record_run``,
so a run looks the same in the registry wherever it trained.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from class_server.registry import Registry, Run, RunStatus
from mnist_core.class_drawings import ClassDrawings, check_drawings
from mnist_core.config import TrainConfig
from mnist_core.errors import UserError
from mnist_core.memory import release_memory
from mnist_core.progress import Progress

if TYPE_CHECKING:
    from mnist_core.trainer import Turn

# train(config, on_event, should_stop) -> an object with .model (anything with .save(path)), .metrics, .stopped
Training = Callable[[TrainConfig, Callable[[Progress], None], Callable[[], bool] | None], object]


def execute_run(
    registry: Registry,
    run_id: int,
    on_event: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    turn: Turn | None = None,
) -> Run:
    """Train the queued run ``run_id`` in this process; it ends finished, stopped (model kept) or failed.

    With a ``turn`` (the server's queue), it shares this machine's trainer with other runs, turn by turn.
    """

    def training(config: TrainConfig, emit, stop):
        if not config.on_class_drawings:
            from mnist_core.trainer import train

            return train(config, on_event=emit, should_stop=stop, turn=turn)
        from mnist_core.class_drawings import train_on_drawings

        return train_on_drawings(config, class_drawings_for(registry, config), emit, stop, turn)

    return record_run(registry, run_id, training, on_event, should_stop)


def prepare_run(config: TrainConfig) -> None:
    """What can be done for a run of ``config`` while it waits for its turn, in the thread that will run
    ``execute_run`` for it: build its starting model (mnist_core/starting_model.py)."""
    if not config.on_class_drawings:  # a drawings run starts from its base model
        from mnist_core.starting_model import build_ahead

        build_ahead(config)


def class_drawings_for(registry: Registry, config: TrainConfig) -> ClassDrawings:
    """The class's drawings and the base model's file, read from this server's store for a drawings run,
    wherever it trains; too few drawings or a missing model file are said here, before anything is sent."""
    from mnist_core.models import read_model_file  # imports Keras

    images, labels = registry.drawings()
    check_drawings(labels)
    return ClassDrawings(images, labels, read_model_file(config.base_model))


def record_run(
    registry: Registry,
    run_id: int,
    training: Training,
    on_event: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Run:
    """Mark the run running, train it with ``training``, record each epoch, its model, metrics and outcome.

    Any error marks the run failed with a plain message and is raised again.
    """
    run = registry.get(run_id)
    registry.set_status(run_id, RunStatus.RUNNING)

    def record(event: Progress) -> None:
        if event.is_epoch:
            registry.append_epoch(run_id, event.record.to_dict())
        if on_event:
            on_event(event)

    try:
        _train_and_keep(registry, run_id, training, TrainConfig.from_dict(run.config), record, should_stop)
    except BaseException as error:
        registry.set_status(run_id, RunStatus.FAILED, error=_describe(error))
        raise
    finally:
        release_memory()
    return registry.get(run_id)


def _train_and_keep(registry: Registry, run_id: int, training: Training, config: TrainConfig, on_event, should_stop):
    """Train and record the outcome; a function of its own so that the model is garbage once it returns."""
    result = training(config, on_event, should_stop)
    registry.save_model(run_id, result.model)
    registry.set_metrics(run_id, result.metrics)
    registry.set_status(run_id, RunStatus.STOPPED if result.stopped else RunStatus.FINISHED)


class KerasFile:
    """A ``.keras`` file's bytes, saved like a model: how a model trained elsewhere reaches the registry."""

    def __init__(self, data: bytes):
        self.data = data

    def save(self, path: Path | str) -> None:
        Path(path).write_bytes(self.data)


def _describe(error: BaseException) -> str:
    if isinstance(error, KeyboardInterrupt):
        return "Interrupted from the keyboard."
    if isinstance(error, MemoryError):
        return "The machine ran out of memory: try a smaller model, batch size or training set."
    if isinstance(error, UserError):
        return str(error)
    first_line = (str(error).strip().splitlines() or [""])[0][:200]  # the whole story is in the server log
    return f"{type(error).__name__}: {first_line}" if first_line else type(error).__name__
