"""What a model gets right and wrong on labelled images: accuracy, confusion, per-digit scores, mistakes.

``evaluate`` is pure numpy and scikit-learn, so it can be checked on hand-made
probabilities; ``evaluate_model`` and ``first_layer_pictures`` take a Keras model
(TensorFlow is imported only when they run). Every layer's output for one image is
``mnist_core.network_trace``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import classification_report, confusion_matrix

from mnist_core.data import DIGITS
from mnist_core.geometry import SIZE
from mnist_core.scores import accuracy, cross_entropy


@dataclass(frozen=True)
class Evaluation:
    probabilities: np.ndarray  # (N, 10) float32
    labels: np.ndarray  # (N,) int
    predicted: np.ndarray  # (N,) int, the argmax
    confidence: np.ndarray  # (N,) float, the largest probability
    accuracy: float
    loss: float  # mean cross-entropy, probabilities clipped at 1e-7
    confusion: np.ndarray  # (10, 10) int, rows are the true digit, columns the predicted one

    def confusion_normalised(self) -> np.ndarray:
        """Each row divided by its total (the share of each true digit predicted as each digit); empty rows stay 0."""
        totals = self.confusion.sum(axis=1, keepdims=True)
        return np.divide(self.confusion, totals, out=np.zeros(self.confusion.shape, dtype=float), where=totals > 0)

    def report(self) -> pd.DataFrame:
        """One row per digit: Digit ("0".."9"), precision, recall, f1, support (numbers, so sortable)."""
        scores = classification_report(self.labels, self.predicted, labels=DIGITS, output_dict=True, zero_division=0)
        frame = pd.DataFrame(
            {
                "Digit": [str(d) for d in DIGITS],
                "precision": [float(scores[str(d)]["precision"]) for d in DIGITS],
                "recall": [float(scores[str(d)]["recall"]) for d in DIGITS],
                "f1": [float(scores[str(d)]["f1-score"]) for d in DIGITS],
                "support": [int(scores[str(d)]["support"]) for d in DIGITS],
            }
        )
        return frame

    def mistakes(self, true: int | None = None, predicted: int | None = None) -> np.ndarray:
        """Indices of the wrong predictions (optionally of one true and/or predicted digit), most confident first."""
        keep = self.predicted != self.labels
        if true is not None:
            keep &= self.labels == true
        if predicted is not None:
            keep &= self.predicted == predicted
        return self._most_confident_first(np.flatnonzero(keep))

    def cell(self, true: int, predicted: int) -> np.ndarray:
        """Indices in one cell of the confusion matrix (right or wrong), most confident first."""
        return self._most_confident_first(np.flatnonzero((self.labels == true) & (self.predicted == predicted)))

    def most_confused(self, top: int = 10) -> list[tuple[int, int, int]]:
        """The commonest mistakes as (true, predicted, count), largest count first, ties by (true, predicted)."""
        pairs = [
            (t, p, int(self.confusion[t, p])) for t in DIGITS for p in DIGITS if t != p and self.confusion[t, p] > 0
        ]
        pairs.sort(key=lambda pair: (-pair[2], pair[0], pair[1]))
        return pairs[:top]

    def _most_confident_first(self, index: np.ndarray) -> np.ndarray:
        order = np.argsort(-self.confidence[index], kind="stable")  # ties keep the data's order
        return index[order]


def evaluate(probabilities: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Score predicted probabilities (N, 10) against the true labels (N,)."""
    probs = np.asarray(probabilities, dtype=np.float32)
    labels = np.asarray(labels).astype(np.int64)
    if probs.ndim != 2 or probs.shape[1] != 10 or labels.shape != (probs.shape[0],):
        raise ValueError(f"Expected probabilities (N, 10) and labels (N,), got {probs.shape} and {labels.shape}.")
    if len(labels) == 0:
        raise ValueError("Nothing to evaluate: no examples.")
    predicted = probs.argmax(axis=1).astype(np.int64)
    confidence = probs.max(axis=1)
    return Evaluation(
        probabilities=probs,
        labels=labels,
        predicted=predicted,
        confidence=confidence,
        accuracy=accuracy(probs, labels),
        loss=cross_entropy(probs, labels),
        confusion=confusion_matrix(labels, predicted, labels=DIGITS),
    )


def evaluate_model(model, images: np.ndarray, labels: np.ndarray) -> Evaluation:
    """Evaluate a Keras model on uint8 images (N, 28, 28) and their labels."""
    from mnist_core.batch_prediction import predict_probabilities

    probs = predict_probabilities(model, np.asarray(images, dtype=np.float32) / 255.0)
    return evaluate(probs, labels)


def compare(a: Evaluation, b: Evaluation) -> pd.DataFrame:
    """Columns Digit, a, b, difference: each digit's recall (its accuracy) in a and in b and the change
    b - a (NaN for a digit with no examples), then a row "All" with the overall accuracies."""

    def recalls(ev: Evaluation) -> list[float]:
        totals = ev.confusion.sum(axis=1)
        return [float(ev.confusion[d, d] / totals[d]) if totals[d] else float("nan") for d in DIGITS]

    frame = pd.DataFrame(
        {"Digit": [str(d) for d in DIGITS] + ["All"], "a": recalls(a) + [a.accuracy], "b": recalls(b) + [b.accuracy]}
    )
    frame["difference"] = frame["b"] - frame["a"]
    return frame


def first_layer_pictures(model, count: int = 16) -> tuple[str, np.ndarray]:
    """What the first learned layer looks for, as pictures (not normalised).

    A CNN: ("conv", (F, 3, 3)), the kernels of its first Conv2D for the single input channel.
    An MLP: ("dense", (count, 28, 28)), the weights of the `count` units of the first Dense
    layer with the largest L2 norm, largest first.
    """
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            kernel = np.asarray(layer.get_weights()[0])  # (3, 3, channels, F)
            return "conv", np.transpose(kernel[:, :, 0, :], (2, 0, 1))
        if kind == "Dense":
            kernel = np.asarray(layer.get_weights()[0])  # (784, units)
            if kernel.shape[0] != SIZE * SIZE:
                break
            norms = np.linalg.norm(kernel, axis=0)
            picked = np.argsort(-norms, kind="stable")[: max(0, count)]
            return "dense", kernel[:, picked].T.reshape(len(picked), SIZE, SIZE)
    raise ValueError("This model has no first Conv2D or Dense layer over the 28x28 pixels to picture.")
