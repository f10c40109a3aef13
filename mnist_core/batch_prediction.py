"""Predictions for many images at once, in large batches on both cores, without ``model.predict``'s overhead."""

from __future__ import annotations

import threading
import weakref
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import tensorflow as tf

from mnist_core.cpu_threads import HALVES
from mnist_core.geometry import SIZE
from mnist_core.scores import accuracy, cross_entropy
from mnist_core.train_steps import floats

EVAL_BATCH = 2500
_EVALUATORS = ThreadPoolExecutor(HALVES, thread_name_prefix="evaluate")
_FORWARDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> {(dtype, shape): its graph}
_FORWARDS_LOCK = threading.Lock()


def evaluate_arrays(model, x: tf.Tensor, y: np.ndarray) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of ``model`` on float images ``x`` in [0, 1] (or uint8 images)."""
    probs = predict_probabilities(model, x)
    return cross_entropy(probs, y), accuracy(probs, y)


def predict_probabilities(model, x) -> np.ndarray:
    """Class probabilities for many images, in large batches, without ``model.predict``'s overhead."""
    x = x if isinstance(x, tf.Tensor) and x.dtype == tf.uint8 else tf.convert_to_tensor(x, dtype=tf.float32)
    return in_batches(compiled_forward(model, x.dtype, tuple(x.shape[1:])), x)


def compiled_forward(model, dtype: tf.DType = tf.float32, shape: tuple = (SIZE, SIZE)):
    """``model(floats(batch), training=False)`` as one graph for batches of ``dtype`` images of ``shape``, traced
    once per model and kind of images (0.05-0.1 s) and shared: the Draw page's answers and a model's scores.

    Called eagerly, Keras runs a layer's ops one by one (a convolution, then its bias, then its relu); in a graph
    TensorFlow fuses them. The CNN preset's 5,000 validation images, scored after every epoch: 0.13 s against
    0.24 s eagerly, a thirtieth of its training time. The graph reads the model's variables, so it follows
    the weights as they train. Kept while the model lives: it holds the model only weakly."""
    with _FORWARDS_LOCK:
        compiled = _FORWARDS.setdefault(model, {})
        kind = (dtype, tuple(shape))
        if kind not in compiled:
            weak = weakref.ref(model)
            compiled[kind] = tf.function(
                lambda batch: weak()(floats(batch), training=False),
                input_signature=[tf.TensorSpec([None, *shape], dtype)],
                autograph=False,
            )
        return compiled[kind]


def in_batches(predict, images, batch: int = EVAL_BATCH) -> np.ndarray:
    """``predict`` (one batch in, its probabilities out, as a tensor or an array) over ``images`` in batches of
    ``batch``, HALVES batches at once: with one thread per op (mnist_core/cpu_threads.py) a single stream of
    batches would leave the other core idle."""
    batches = [images[i : i + batch] for i in range(0, int(images.shape[0]), batch)]
    return np.concatenate([np.asarray(probabilities) for probabilities in _EVALUATORS.map(predict, batches)])
