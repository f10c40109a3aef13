"""The training loop: data, model, train in chunks of batches, validate each epoch, test once at the end.

It computes what ``model.fit`` computes (same model, loss, optimizer, batch
size, shuffling every epoch, validation data), in under a third of the time
on a 2-core CPU (``python -m mnist_core bench``; ``profile`` shows where an epoch goes):

- the whole training set sits in memory as one float32 tensor, made once
  (once per epoch only when augmenting), and a batch is a gather of indices
  inside the graph, so there is no input pipeline;
- one compiled call runs a chunk of many batches in a graph loop, so Python
  and Keras' callbacks are not paid per batch;
- each batch is computed as two halves side by side, one per core, with one
  thread per op (``_halves``, mnist_core/cpu_threads.py): at batch 128 the
  matmuls are too small for oneDNN to split one across cores well;
- Adam's update is one fused kernel per variable (``ResourceApplyAdam``: the
  same formula as Keras' Adam, on the Keras optimizer's own state) instead of
  a dozen passes over each weight matrix, which saves a quarter of each step;
- a random shift of the images (the CNN preset's) is two small matrix products per image instead of
  Keras' general image-transform kernel, with the layer's own random offsets (mnist_core/fast_shift.py);
- the chunk is sized to take about a fifth of a second, so progress events
  and Stop are still handled several times a second.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from mnist_core.config import TrainConfig
from mnist_core.cpu_threads import HALVES
from mnist_core.data import Mnist, load_mnist, split_validation, subset
from mnist_core.fast_shift import computes_as_keras, shifted
from mnist_core.fused_adam import fused_adam
from mnist_core.models import build_model, make_optimizer

Event = dict
CHUNK_SECONDS = 0.2
EVAL_BATCH = 2500
_EVALUATORS = ThreadPoolExecutor(HALVES, thread_name_prefix="evaluate")


@dataclass
class TrainResult:
    model: object
    history: list[dict] = field(default_factory=list)
    metrics: dict = field(default_factory=dict)
    stopped: bool = False


def train(
    config: TrainConfig,
    on_event: Callable[[Event], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
    data: Mnist | None = None,
    model=None,
) -> TrainResult:
    """Train a model for ``config``; report progress to ``on_event``; end early when ``should_stop()``.

    Events are dicts with ``kind`` "batch" (several a second) or "epoch", and
    ``epoch``, ``epochs``, ``step``, ``steps``, ``loss``, ``accuracy``,
    ``seconds`` (since the epoch began) and ``eta`` (seconds left in the run);
    ``loss`` and ``accuracy`` are over the epoch so far. Batch events add ``batch_loss``
    and ``batch_accuracy`` (the latest chunk of batches alone, for per-batch curves);
    epoch events add ``val_loss``, ``val_accuracy`` and ``complete`` (False when Stop
    cut the epoch short). Validation is the held-out training images or, as the seed notebook
    does, the test set (``config.validation``); the test set's ``test_loss`` and ``test_accuracy``
    are computed once, at the end, into ``metrics``. ``model``, if given, is trained further
    instead of a new one (fine-tuning).
    """
    config.validate()
    emit = on_event or (lambda event: None)
    stop = should_stop or (lambda: False)
    data = data or load_mnist()

    x_train, y_train, x_val, y_val = _split(config, data)
    x_train, y_train = subset(x_train, y_train, config.train_size, config.seed)
    x_val, y_val = tf.constant(x_val, dtype=tf.float32) / 255.0, y_val.astype(np.int64)
    model = model if model is not None else build_model(config)
    steps = math.ceil(len(y_train) / config.batch_size)
    optimizer = make_optimizer(config, steps * config.epochs)
    run_steps = _compile_steps(model, optimizer)

    rng = np.random.default_rng(config.seed)
    result = TrainResult(model)
    started = time.perf_counter()
    images = _epoch_images(config, x_train, y_train)
    y_epoch = tf.constant(y_train, dtype=tf.int64)
    chunk = 4
    for epoch in range(1, config.epochs + 1):
        epoch_started = time.perf_counter()
        x_epoch = images(epoch)
        batches = _batches(rng.permutation(len(y_train)), config.batch_size)
        done, seen, loss_sum, correct = 0, 0, 0.0, 0.0
        while done < steps:
            if stop():
                result.stopped = True
                break
            call_started = time.perf_counter()
            index = _equal_sized(batches[done : done + chunk])
            chunk_loss, chunk_correct = run_steps(x_epoch, y_epoch, tf.constant(np.stack(index)))
            chunk = _next_chunk(chunk, time.perf_counter() - call_started)
            done += len(index)
            chunk_seen = sum(len(b) for b in index)
            seen += chunk_seen
            loss_sum += float(chunk_loss)
            correct += float(chunk_correct)
            elapsed = time.perf_counter() - started
            event = _progress(
                "batch",
                epoch,
                config.epochs,
                done,
                steps,
                loss_sum / seen,
                correct / seen,
                time.perf_counter() - epoch_started,
                elapsed,
            )
            # The batches of this chunk alone, for the per-batch curves (the above is the epoch so far).
            emit(
                {
                    **event,
                    "batch_loss": float(chunk_loss) / chunk_seen,
                    "batch_accuracy": float(chunk_correct) / chunk_seen,
                }
            )
        if result.stopped and seen == 0:
            break
        val_loss, val_accuracy = evaluate_arrays(model, x_val, y_val)
        record = {
            "epoch": epoch,
            "loss": loss_sum / seen,
            "accuracy": correct / seen,
            "val_loss": val_loss,
            "val_accuracy": val_accuracy,
            "seconds": time.perf_counter() - epoch_started,
            "complete": not result.stopped,
        }
        result.history.append(record)
        event = _progress(
            "epoch",
            epoch,
            config.epochs,
            done,
            steps,
            record["loss"],
            record["accuracy"],
            record["seconds"],
            time.perf_counter() - started,
        )
        emit({**event, "val_loss": val_loss, "val_accuracy": val_accuracy, "complete": not result.stopped})
        if result.stopped:
            break

    fit_seconds = time.perf_counter() - started
    last = result.history[-1] if result.history else {}  # none when stopped before the first chunk
    val_loss, val_accuracy = (last["val_loss"], last["val_accuracy"]) if last else evaluate_arrays(model, x_val, y_val)
    if config.holds_out_validation:
        test_loss, test_accuracy = evaluate_arrays(model, data.x_test / 255.0, data.y_test.astype(np.int64))
    else:  # the validation images are the test set, and the final model has just been scored on them
        test_loss, test_accuracy = val_loss, val_accuracy
    result.metrics = {
        "test_accuracy": test_accuracy,
        "test_loss": test_loss,
        "val_accuracy": val_accuracy,
        "val_loss": val_loss,
        "train_accuracy": last.get("accuracy"),
        "epochs_completed": sum(r["complete"] for r in result.history),
        "fit_seconds": fit_seconds,
    }
    return result


def _split(config: TrainConfig, data: Mnist) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training images and validation images: held out of the training set, or the test set (the notebook's way)."""
    if config.holds_out_validation:
        return split_validation(data.x_train, data.y_train, config.validation)
    return data.x_train, data.y_train, data.x_test, data.y_test


def evaluate_arrays(model, x: tf.Tensor, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on float images ``x`` in [0, 1]."""
    probs = predict_probabilities(model, x)
    picked = np.clip(probs[np.arange(len(y)), y], 1e-7, 1.0)
    return float(-np.log(picked).mean()), float((probs.argmax(axis=1) == y).mean())


def predict_probabilities(model, x) -> np.ndarray:
    """Class probabilities for many images, in large batches, without ``model.predict``'s overhead.

    The batches go through HALVES threads at once: with one thread per op (mnist_core/cpu_threads.py)
    a single stream of batches would leave the other core idle.
    """
    x = tf.convert_to_tensor(x, dtype=tf.float32)
    batches = [x[i : i + EVAL_BATCH] for i in range(0, int(x.shape[0]), EVAL_BATCH)]
    return tf.concat(list(_EVALUATORS.map(lambda batch: model(batch, training=False), batches)), axis=0).numpy()


def _compile_steps(model, optimizer):
    """One graph that runs a chunk of training steps; returns the chunk's summed loss and correct count."""
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(reduction="sum")
    variables = model.trainable_variables
    optimizer.build(variables)
    apply_gradients = fused_adam(optimizer, variables) or (
        lambda gradients: optimizer.apply_gradients(zip(gradients, variables, strict=True))
    )

    @tf.function(
        input_signature=[
            tf.TensorSpec([None, 28, 28], tf.float32),
            tf.TensorSpec([None], tf.int64),
            tf.TensorSpec([None, None], tf.int32),
        ]
    )
    def run_steps(x, y, batches):
        loss_sum = tf.constant(0.0)
        correct = tf.constant(0.0)
        for i in tf.range(tf.shape(batches)[0]):
            index = batches[i]
            batch_loss = tf.constant(0.0)
            with tf.GradientTape() as tape:
                for part in _halves(index):
                    xb, yb = tf.gather(x, part), tf.gather(y, part)
                    probs = _forward(model, xb)
                    batch_loss += loss_fn(yb, probs)  # Keras takes the logits under the softmax: no log(probs)
                    correct += tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probs, axis=1), yb), tf.float32))
                mean_loss = batch_loss / tf.cast(tf.size(index), tf.float32)
            apply_gradients(tape.gradient(mean_loss, variables))
            loss_sum += batch_loss
        return loss_sum, correct

    return run_steps


def _forward(model, x: tf.Tensor) -> tf.Tensor:
    """``model(x, training=True)``, layer by layer, with a random shift computed by ``fast_shift.shifted``."""
    for layer in model.layers:
        x = shifted(layer, x) if computes_as_keras(layer) else layer(x, training=True)
    return x


def _halves(index: tf.Tensor) -> list[tf.Tensor]:
    """A batch as HALVES parts, which TensorFlow computes side by side, one per core (mnist_core/cpu_threads.py).

    The gradient of the summed loss is the whole batch's gradient (no layer here mixes images, as batch
    normalisation would), so each step is the same update as one pass over the batch, up to float rounding.
    """
    bounds = [tf.size(index) * k // HALVES for k in range(HALVES + 1)]
    return [index[start:end] for start, end in zip(bounds[:-1], bounds[1:], strict=True)]


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


def _epoch_images(config: TrainConfig, x_train: np.ndarray, y_train: np.ndarray) -> Callable[[int], tf.Tensor]:
    """The float training images of each epoch: one tensor made once, or freshly augmented ones."""
    if not config.augment:
        x = tf.constant(x_train, dtype=tf.float32) / 255.0
        return lambda epoch: x
    from mnist_core.augment import augment

    return lambda epoch: (
        tf.constant(augment(x_train, np.random.default_rng([config.seed, epoch]), y_train), dtype=tf.float32) / 255.0
    )


def _progress(kind, epoch, epochs, step, steps, loss, accuracy, epoch_seconds, elapsed) -> Event:
    fraction = ((epoch - 1) + step / steps) / epochs
    eta = elapsed * (1 - fraction) / fraction if fraction > 0 else None
    return {
        "kind": kind,
        "epoch": epoch,
        "epochs": epochs,
        "step": step,
        "steps": steps,
        "loss": loss,
        "accuracy": accuracy,
        "seconds": epoch_seconds,
        "eta": eta,
    }
