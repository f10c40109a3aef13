"""The training loop: data, model, train in chunks of batches, validate each epoch, test once at the end.

It computes what ``model.fit`` computes (same model, loss, optimizer, batch
size, shuffling every epoch, validation data), in under a third of the time
on a 2-core CPU (``python -m lab bench``; ``profile`` shows where an epoch goes):

- the training images sit in memory once per server as one uint8 tensor
  (a quarter of float32's size) that every run shares: a run is a list of
  indices into it, and a batch is a gather turned into floats inside the
  graph, so there is no input pipeline and no copy per run (an augmented
  run makes its own images once per epoch);
- one compiled call runs a chunk of many batches in a graph loop, so Python
  and Keras' callbacks are not paid per batch;
- each batch is computed as two halves side by side, one per core, with one
  thread per op (mnist_core/train_steps.py, mnist_core/cpu_threads.py): at batch 128 the
  matmuls are too small for oneDNN to split one across cores well;
- Adam's update is one fused kernel per variable (``ResourceApplyAdam``: the
  same formula as Keras' Adam, on the Keras optimizer's own state) instead of
  a dozen passes over each weight matrix, which saves a quarter of each step;
- a random shift of the images (the CNN preset's) is two small matrix products per image instead of
  Keras' general image-transform kernel, with the layer's own random offsets (mnist_core/fast_shift.py);
- the chunk is sized to take about a fifth of a second, so progress events
  and Stop are still handled several times a second;
- the compiled chunk is traced once per network and kept (``_Trainer``): a run loads its own weights,
  optimizer state and random-number state into it, so thirty runs of one preset pay for one trace, and a
  run can hand the machine to another between chunks (``Turn``) and come back exactly where it was.
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Protocol

import numpy as np
import tensorflow as tf

from mnist_core import number_format
from mnist_core.batch_prediction import evaluate_arrays
from mnist_core.config import TrainConfig
from mnist_core.data import Mnist, load_mnist, split_validation, subset
from mnist_core.models import make_optimizer
from mnist_core.progress import EpochRecord, Progress, ProgressKind
from mnist_core.starting_model import build, starting_model
from mnist_core.train_steps import compile_steps, images_of

CHUNK_SECONDS = 0.2
KEPT_NETWORKS = 4  # compiled networks kept while no run uses them; each holds a model and its traced graph


class Turn(Protocol):
    """How a run shares the machine with other runs (the server's queue gives one; without it a run trains
    straight through). Between chunks of batches the trainer asks ``should_yield``; if so, it puts the run's
    state aside and calls ``pause``, which hands the machine on, calls ``meanwhile`` (the run's work that needs
    no trainer: at an epoch's end, its validation), and returns when it is this run's turn again."""

    def should_yield(self, epoch_ended: bool) -> bool: ...

    def pause(self, meanwhile: Callable[[], None]) -> None: ...


@dataclass
class TrainResult:
    model: object
    history: list[dict] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    stopped: bool = False


def train(
    config: TrainConfig,
    on_event: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    data: Mnist | None = None,
    model=None,
    turn: Turn | None = None,
) -> TrainResult:
    """Train a model for ``config``; report progress to ``on_event`` (mnist_core/progress.py); end early when
    ``should_stop()``. Validation is the held-out training images or, as the seed notebook does, the test set
    (``config.validation``); the test set's ``test_loss`` and ``test_accuracy`` are computed once, at the end,
    into ``metrics``. ``model``, if given, is trained further
    instead of a new one (fine-tuning). With a ``turn``, the run hands the machine to other runs
    when the turn says so; the time it waits counts in none of ``seconds``, ``eta`` and ``fit_seconds``.
    Settings asking for the fastest number format train in the one measured faster here first (a few seconds
    once per network, not counted in ``fit_seconds``; mnist_core/number_format.py), kept in ``metrics``.
    """
    config.validate().check_this_computer()
    # a model trained further computes in the format it was built with
    config, choice = number_format.resolved(config) if model is None else (config, None)
    emit = on_event or (lambda event: None)
    stop = should_stop or (lambda: False)
    data = data or load_mnist()

    rows, y_train, x_val, y_val = _split(config, data)
    rows, y_train = subset(rows, y_train, config.train_size, config.seed)
    own = model if model is not None else starting_model(config)  # built while the run waited, if it did
    steps = math.ceil(len(y_train) / config.batch_size)
    network = _network_key(config, steps) if model is None else None  # a fine-tuned model trains on its own
    trainer = _Trainer.take(network, config, own, steps, None)
    images = _epoch_images(config, data, rows, y_train)

    rng = np.random.default_rng(config.seed)
    result = TrainResult(own)
    clock = _Clock()
    chunk = 4

    for epoch in range(1, config.epochs + 1):
        clock.new_epoch()
        x_epoch, y_epoch, order = images(epoch)
        batches = _batches(order[rng.permutation(len(y_train))], config.batch_size)
        so_far = _EpochSoFar(epoch, config.epochs, steps)
        while so_far.steps < steps:
            if epoch > 1 or so_far.steps > 0:  # not before the run's first chunk: a turn with no training
                trainer = trainer.take_turn(turn, False, clock, (config, own, steps))
            if stop():
                result.stopped = True
                break
            call_started = time.perf_counter()
            index = _equal_sized(batches[so_far.steps : so_far.steps + chunk])
            chunk_loss, chunk_correct = trainer.run_steps(x_epoch, y_epoch, tf.constant(np.stack(index)))
            chunk = _next_chunk(chunk, time.perf_counter() - call_started)
            seen = so_far.add(len(index), sum(len(b) for b in index), float(chunk_loss), float(chunk_correct))
            # The batches of this chunk alone, for the per-batch curves (the event's are the epoch's so far).
            latest = {"batch_loss": float(chunk_loss) / seen, "batch_accuracy": float(chunk_correct) / seen}
            emit(so_far.progress(ProgressKind.BATCH, *clock.read(), **latest))
        if result.stopped and so_far.images == 0:
            break

        def close(model, so_far=so_far) -> None:
            event = _epoch_event(model, so_far, (x_val, y_val), clock, complete=not result.stopped)
            result.history.append(event.record.to_dict())
            emit(event)

        if result.stopped or epoch == config.epochs:
            close(trainer.model)
        else:  # handing the trainer on first, the run validates while the next run trains
            trainer = trainer.take_turn(turn, True, clock, (config, own, steps), close)
        if result.stopped:
            break

    fit_seconds = clock.read()[1]
    result.metrics = _final_metrics(config, data, trainer.model, result.history, (x_val, y_val))
    result.metrics["fit_seconds"] = fit_seconds
    if choice:
        result.metrics["number_format"] = asdict(choice)
    trainer.put_aside(own)  # the run's model now holds the trained weights
    return result


@dataclass
class _EpochSoFar:
    """One epoch's training so far: steps done, images seen, their summed loss and correct answers."""

    epoch: int
    epochs: int
    of_steps: int
    steps: int = 0
    images: int = 0
    loss_sum: float = 0.0
    correct: float = 0.0

    def add(self, steps: int, images: int, loss_sum: float, correct: float) -> int:
        """Count a chunk of batches in; returns its number of images."""
        self.steps, self.images = self.steps + steps, self.images + images
        self.loss_sum, self.correct = self.loss_sum + loss_sum, self.correct + correct
        return images

    @property
    def loss(self) -> float:
        return self.loss_sum / self.images

    @property
    def accuracy(self) -> float:
        return self.correct / self.images

    def progress(self, kind: ProgressKind, epoch_seconds: float, elapsed: float, **extra) -> Progress:
        """Where the run is now; ``eta`` from the time so far and the share of the run done."""
        fraction = ((self.epoch - 1) + self.steps / self.of_steps) / self.epochs
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
        return Progress(
            kind,
            self.epoch,
            self.epochs,
            self.steps,
            self.of_steps,
            self.loss,
            self.accuracy,
            epoch_seconds,
            eta,
            **extra,
        )


def _epoch_event(model, so_far: _EpochSoFar, validation: tuple, clock: _Clock, complete: bool) -> Progress:
    """The epoch's end, with ``model`` (the run's weights at the end of the epoch) scored on the validation images."""
    val_loss, val_accuracy = evaluate_arrays(model, *validation)
    epoch_seconds, elapsed = clock.read()
    record = EpochRecord(so_far.epoch, so_far.loss, so_far.accuracy, val_loss, val_accuracy, epoch_seconds, complete)
    return so_far.progress(ProgressKind.EPOCH, epoch_seconds, elapsed, record=record)


def _final_metrics(config: TrainConfig, data: Mnist, model, history: list[dict], validation) -> dict:
    """The trained model's scores: on the test set once, at the end, and on the validation images."""
    last = history[-1] if history else {}  # none when stopped before the first chunk
    val_loss, val_accuracy = (last["val_loss"], last["val_accuracy"]) if last else evaluate_arrays(model, *validation)
    if config.holds_out_validation:
        test_loss, test_accuracy = evaluate_arrays(model, images_of(data.x_test), data.y_test)
    else:  # the validation images are the test set, and the final model has just been scored on them
        test_loss, test_accuracy = val_loss, val_accuracy
    return {
        "test_accuracy": test_accuracy,
        "test_loss": test_loss,
        "val_accuracy": val_accuracy,
        "val_loss": val_loss,
        "train_accuracy": last.get("accuracy"),
        "epochs_completed": sum(r["complete"] for r in history),
    }


class _Clock:
    """Seconds since the run and its epoch began, stopped while the run waits for its turn."""

    def __init__(self):
        self.started = self.epoch_started = time.perf_counter()

    def new_epoch(self) -> None:
        self.epoch_started = time.perf_counter()

    def skip(self, seconds: float) -> None:
        self.started += seconds
        self.epoch_started += seconds

    def read(self) -> tuple[float, float]:
        """(seconds in this epoch, seconds in the run)."""
        now = time.perf_counter()
        return now - self.epoch_started, now - self.started


class _Trainer:
    """A model, its optimizer and the compiled chunk of training steps, reused by every run of one network.

    Tracing the chunk costs about a second; a run's own weights, optimizer state and random-number state
    cost a millisecond to load. So a run ``take``s a free trainer of its network, loads its state, trains,
    and ``put_aside``s its state into its own model when it waits for its turn or ends. A trainer serves
    one run at a time; the few networks nobody uses now are kept for the next run (``KEPT_NETWORKS``).
    """

    _lock = threading.Lock()
    _free: dict[str, list[_Trainer]] = {}  # by network, the most recently used network last

    def __init__(self, model, optimizer, network: str | None, image_dtype: tf.DType):
        self.model, self.optimizer, self.network = model, optimizer, network
        self.run_steps = compile_steps(model, optimizer, image_dtype)
        self.fresh = [variable.numpy() for variable in optimizer.variables]  # its state before a first step

    def take_turn(
        self, turn: Turn | None, epoch_ended: bool, clock: _Clock, run: tuple, close: Callable | None = None
    ) -> _Trainer:
        """Hand the machine to another run if ``turn`` says so, and come back where this run was: this trainer,
        or another of the same network now holding the run's state. ``run``: its config, model and steps.
        ``close(model)``, at an epoch's end, validates the model and reports the epoch: on the run's own model
        once the trainer is handed on, else on this trainer's."""
        if turn is None or not turn.should_yield(epoch_ended):
            if close:
                close(self.model)
            return self
        config, own, steps = run
        waiting = time.perf_counter()
        state = self.put_aside(own)
        closing = []  # its seconds: the run's own time, unlike its wait

        def meanwhile() -> None:
            if close:
                started = time.perf_counter()
                close(own)
                closing.append(time.perf_counter() - started)

        turn.pause(meanwhile)
        trainer = _Trainer.take(self.network, config, own, steps, state)
        clock.skip(time.perf_counter() - waiting - sum(closing))
        return trainer

    @classmethod
    def take(cls, network: str | None, config: TrainConfig, own, steps: int, state: list | None) -> _Trainer:
        """A trainer holding the run's state: ``state`` is its optimizer's, None for a run about to start."""
        dtype = tf.float32 if config.augment else tf.uint8  # augmented images are made as floats
        if network is None:  # fine-tuning: the run's own model, compiled for this run alone, kept in its state
            return state[0] if state else cls(own, make_optimizer(config, steps * config.epochs), None, dtype)
        with cls._lock:
            free = cls._free.get(network)
            trainer = free.pop() if free else None
        if trainer is None:
            trainer = cls(build(config), make_optimizer(config, steps * config.epochs), network, dtype)
        for mine, its in zip(trainer.model.variables, own.variables, strict=True):
            mine.assign(its)
        for variable, value in zip(trainer.optimizer.variables, state or trainer.fresh, strict=True):
            variable.assign(value)
        return trainer

    def put_aside(self, own) -> list:
        """Copy the run's state out of this trainer into ``own`` and free the trainer; what ``take`` needs to
        resume (the optimizer's state; for a fine-tuned model, which trains alone, the trainer itself)."""
        if self.network is None:
            return [self]
        for its, mine in zip(own.variables, self.model.variables, strict=True):
            its.assign(mine)
        state = [variable.numpy() for variable in self.optimizer.variables]
        with _Trainer._lock:
            _Trainer._free.setdefault(self.network, []).append(self)
            _Trainer._free[self.network] = _Trainer._free.pop(self.network)  # most recently used last
            while len(_Trainer._free) > KEPT_NETWORKS:
                del _Trainer._free[next(iter(_Trainer._free))]
        return state


def _network_key(config: TrainConfig, steps: int) -> str:
    """What the compiled chunk depends on: the layers, the optimizer and its schedule (not the seed or data)."""
    fields = config.to_dict()
    for free in ("seed", "epochs", "train_size", "validation", "data", "base_model", "holdout", "batch_size"):
        fields.pop(free, None)
    if config.schedule != "constant":  # a schedule's shape is fixed by the run's length
        fields["total_steps"] = steps * config.epochs
    return json.dumps(fields, sort_keys=True)


def _split(config: TrainConfig, data: Mnist) -> tuple[np.ndarray, np.ndarray, tf.Tensor, np.ndarray]:
    """(rows of ``data.x_train`` to train on, their labels, validation images as uint8, their labels):
    validation held out of the training set, or the test set (the notebook's way)."""
    everything = np.arange(len(data.y_train))
    if not config.holds_out_validation:
        return everything, data.y_train, images_of(data.x_test), data.y_test.astype(np.int64)
    rows, y_rows, held, y_held = split_validation(everything, data.y_train, config.validation)
    return rows, y_rows, tf.gather(images_of(data.x_train), held), y_held.astype(np.int64)


def _batches(order: np.ndarray, batch_size: int) -> list[np.ndarray]:
    return [order[i : i + batch_size].astype(np.int32) for i in range(0, len(order), batch_size)]


def _equal_sized(batches: list[np.ndarray]) -> list[np.ndarray]:
    """A chunk is stacked into one matrix, so the short last batch of an epoch goes in a chunk of its own."""
    if len(batches) > 1 and len(batches[-1]) != len(batches[0]):
        return batches[:-1]
    return batches


def _next_chunk(chunk: int, seconds: float) -> int:
    """Aim the next chunk at CHUNK_SECONDS of work, growing at most 4x at a time."""
    wanted = chunk * CHUNK_SECONDS / max(seconds, 1e-4)
    return int(min(max(wanted, 1), chunk * 4, 1024))


def _epoch_images(
    config: TrainConfig, data: Mnist, rows: np.ndarray, y_train: np.ndarray
) -> Callable[[int], tuple[tf.Tensor, tf.Tensor, np.ndarray]]:
    """Each epoch's (images, labels, where the run's i-th training image is in them).

    Without augmentation that is MNIST's own training images, shared by every run, and ``rows``; an
    augmented run makes its images afresh each epoch, from its own rows, as floats.
    """
    if not config.augment:
        shared = images_of(data.x_train), tf.constant(data.y_train, dtype=tf.int64), rows
        return lambda epoch: shared
    from mnist_core.augment import augment

    x_train, labels, order = data.x_train[rows], tf.constant(y_train, dtype=tf.int64), np.arange(len(rows))
    return lambda epoch: (
        tf.constant(augment(x_train, np.random.default_rng([config.seed, epoch]), y_train), dtype=tf.float32) / 255.0,
        labels,
        order,
    )
