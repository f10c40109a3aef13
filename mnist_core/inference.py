"""A loaded model answering for one drawing at a time, fast enough to answer as the pen lifts.

``model.predict`` costs about 50 ms for one image (it builds a data pipeline
each call); a compiled function on the model costs a few milliseconds.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

import numpy as np
import tensorflow as tf

from mnist_core.batch_prediction import compiled_forward
from mnist_core.geometry import SIZE
from mnist_core.models import load_model


class Predictor:
    def __init__(self, model, path: Path | None = None):
        self.model = model
        self.path = path
        self._predict = compiled_forward(model)  # the graph that scores this model on many images too
        self._saliency = tf.function(
            self._gradient_times_input, input_signature=[tf.TensorSpec([1, SIZE, SIZE], tf.float32)]
        )
        self.probabilities(np.zeros((SIZE, SIZE), np.uint8))  # compile now, not on the first drawing
        self._trace = None
        self._last_hidden = None
        # The sub-models below are built once, by whichever thread asks first: a class's first drawings arrive
        # together, and each of 8 threads built its own (3.7 s of 8 first calls here, holding the GIL).
        self._building = threading.Lock()

    @classmethod
    def from_file(cls, path: Path) -> Predictor:
        return cls(load_model(path), path)

    def probabilities(self, image28: np.ndarray) -> np.ndarray:
        """The ten digit probabilities for one uint8 (28, 28) image, white digit on black."""
        return self.probabilities_many(image28[None])[0]

    def probabilities_many(self, images: np.ndarray) -> np.ndarray:
        x = tf.convert_to_tensor(np.asarray(images, np.float32) / 255.0)
        return self._predict(x).numpy()

    def inside(self, image28: np.ndarray) -> list:
        """Every layer's output for one image (see ``mnist_core.network_trace``); the sub-model is
        built on the first call and kept, so later drawings cost one compiled call."""
        with self._building:
            if self._trace is None:
                from mnist_core.network_trace import NetworkTrace

                self._trace = NetworkTrace(self.model)
        return self._trace(image28)

    def last_hidden_many(self, images: np.ndarray) -> np.ndarray:
        """The activations feeding the softmax layer for uint8 (n, 28, 28) images: float32 (n, units).
        Batched, so 60,000 images cost a few hundred compiled calls; the sub-model is built on the first call."""
        with self._building:
            if self._last_hidden is None:
                from mnist_core.network_trace import last_hidden_function

                self._last_hidden = last_hidden_function(self.model)
        x = tf.convert_to_tensor(np.asarray(images, np.float32) / 255.0)
        return self._last_hidden(x).numpy()

    def saliency(self, image28: np.ndarray) -> np.ndarray:
        """Which pixels pushed the prediction up (positive) or down (negative): gradient x input.

        A (28, 28) float array scaled to [-1, 1].
        """
        x = tf.convert_to_tensor(np.asarray(image28, np.float32)[None] / 255.0)
        values = self._saliency(x).numpy()[0]
        peak = np.abs(values).max()
        return values / peak if peak > 0 else values

    def warm_up(self) -> None:
        """Build and compile now what a drawing's page asks of the model (every layer's output, the last hidden
        layer, the saliency), so that the first drawings of a class do not wait for it."""
        blank = np.zeros((SIZE, SIZE), np.uint8)
        with contextlib.suppress(ValueError):  # a model whose layers cannot be shown: its pages say so
            self.inside(blank)
        with contextlib.suppress(ValueError):
            self.last_hidden_many(blank[None])
        self.saliency(blank)

    def _gradient_times_input(self, x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            probs = self.model(x, training=False)
            top = tf.reduce_max(probs, axis=1)
        return tape.gradient(top, x) * x
