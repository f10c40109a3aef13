"""The compiled training step: one graph that runs a chunk of batches, each as two halves side by side.

The trainer runs it (mnist_core/trainer.py); the speed measurements time it as the trainer runs it
(``cost``'s probes, ``number_format``'s choice, the lab's profile), so what they measure is what trains.
"""

from __future__ import annotations

import threading

import numpy as np
import tensorflow as tf

from mnist_core.cpu_threads import HALVES
from mnist_core.data import load_mnist
from mnist_core.fast_shift import computes_as_keras, shifted
from mnist_core.fused_adam import fused_adam
from mnist_core.geometry import SIZE

_SHARED_IMAGES: dict[int, tuple[np.ndarray, tf.Tensor]] = {}  # by id(array), for MNIST's own cached arrays
_SHARED_LOCK = threading.Lock()


def images_of(images: np.ndarray) -> tf.Tensor:
    """``images`` as a uint8 tensor: made once per server for MNIST's own arrays (load_mnist's cache, which
    every run shares), each time for anything else (the class's drawings mixed in)."""
    mnist = load_mnist()
    if images is not mnist.x_train and images is not mnist.x_test:
        return tf.constant(images, dtype=tf.uint8)
    with _SHARED_LOCK:
        if id(images) not in _SHARED_IMAGES:
            _SHARED_IMAGES[id(images)] = (images, tf.constant(images, dtype=tf.uint8))
        return _SHARED_IMAGES[id(images)][1]


def floats(images: tf.Tensor) -> tf.Tensor:
    """Pixels in [0, 1] as float32; uint8 images are divided by 255 here, as late as possible."""
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) / 255.0
    return tf.convert_to_tensor(images, dtype=tf.float32)


def compile_steps(model, optimizer, image_dtype: tf.DType = tf.float32):
    """One graph that runs a chunk of training steps; returns the chunk's summed loss and correct count.

    Its images are ``image_dtype``: float32 in [0, 1], or uint8 turned into those floats batch by batch."""
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(reduction="sum")
    variables = model.trainable_variables
    optimizer.build(variables)
    apply_gradients = fused_adam(optimizer, variables) or (
        lambda gradients: optimizer.apply_gradients(zip(gradients, variables, strict=True))
    )

    # No autograph: the loop is written as the graph's while loop. Autograph rewrote this function and every
    # Keras layer it calls from their source the first time a server traced a run (0.2 s of CPU at rest,
    # holding the GIL: several seconds while a class's thirty pages ran their scripts, seen as the class's
    # first run's first epoch came late).
    @tf.function(
        input_signature=[
            tf.TensorSpec([None, SIZE, SIZE], image_dtype),
            tf.TensorSpec([None], tf.int64),
            tf.TensorSpec([None, None], tf.int32),
        ],
        autograph=False,
    )
    def run_steps(x, y, batches):
        def step(i, loss_sum, correct):
            index = batches[i]
            batch_loss = tf.constant(0.0)
            with tf.GradientTape() as tape:
                for part in _halves(index):
                    xb, yb = floats(tf.gather(x, part)), tf.gather(y, part)
                    probs = forward(model, xb)
                    batch_loss += loss_fn(yb, probs)  # Keras takes the logits under the softmax: no log(probs)
                    correct += tf.reduce_sum(tf.cast(tf.equal(tf.argmax(probs, axis=1), yb), tf.float32))
                mean_loss = batch_loss / tf.cast(tf.size(index), tf.float32)
            apply_gradients(tape.gradient(mean_loss, variables))
            return i + 1, loss_sum + batch_loss, correct

        start = (tf.constant(0), tf.constant(0.0), tf.constant(0.0))
        _, loss_sum, correct = tf.while_loop(lambda i, *_: i < tf.shape(batches)[0], step, start)
        return loss_sum, correct

    return run_steps


def forward(model, x: tf.Tensor) -> tf.Tensor:
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
