"""A model's two scores on labelled images, computed one way everywhere: accuracy and mean cross-entropy.

The trainer's validation, the Evaluate page and the class-drawings runs all score with these, so a number
that reads "98.04%" on one page is the same number on another.
"""

from __future__ import annotations

import numpy as np

LOSS_CLIP = 1e-7  # a probability of 0 for the true digit would make the loss infinite; Keras clips alike


def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The share of images whose most probable digit is their label."""
    return float((np.asarray(probabilities).argmax(axis=1) == np.asarray(labels)).mean())


def cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """Mean cross-entropy of the true digits' probabilities (what training lowers)."""
    labels = np.asarray(labels).astype(np.int64)
    picked = np.asarray(probabilities)[np.arange(len(labels)), labels].astype(np.float64)
    return float(-np.log(np.clip(picked, LOSS_CLIP, 1.0)).mean())
