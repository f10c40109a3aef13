"""Predictions for many images at once, in large batches on both cores, without ``model.predict``'s overhead."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

from mnist_core.cpu_threads import HALVES
from mnist_core.scores import accuracy, cross_entropy
from mnist_core.train_steps import floats

EVAL_BATCH = 2500
_EVALUATORS = ThreadPoolExecutor(HALVES, thread_name_prefix="evaluate")


def evaluate_arrays(model, x: tf.Tensor, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on float images ``x`` in [0, 1] (or uint8 images)."""
    probs = predict_probabilities(model, x)
    return cross_entropy(probs, y), accuracy(probs, y)


def predict_probabilities(model, x) -> np.ndarray:
    """Class probabilities for many images, in large batches, without ``model.predict``'s overhead."""
    x = x if isinstance(x, tf.Tensor) and x.dtype == tf.uint8 else tf.convert_to_tensor(x, dtype=tf.float32)
    return in_batches(lambda batch: model(floats(batch), training=False), x)


def in_batches(predict, images, batch: int = EVAL_BATCH) -> np.ndarray:
    """``predict`` (one batch in, its probabilities out, as a tensor or an array) over ``images`` in batches of
    ``batch``, HALVES batches at once: with one thread per op (mnist_core/cpu_threads.py) a single stream of
    batches would leave the other core idle."""
    batches = [images[i : i + batch] for i in range(0, int(images.shape[0]), batch)]
    return np.concatenate([np.asarray(probabilities) for probabilities in _EVALUATORS.map(predict, batches)])
