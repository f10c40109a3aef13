"""The model's answer to one drawing, and whether it is torn between two digits ("1 or 7?").

The answer is *not sure* when the top two probabilities are closer than ``CLOSE_MARGIN``. That margin
was chosen by a rule written down in lab/close_margin.py, on the *tune* parts of the project's drawn
digits (data/drawings/), never on their holdout parts nor on the MNIST test set;
``python -m lab close-margin`` applies the rule again. models/MODEL_CARD.md states the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Chosen by lab/close_margin.py's rule on the default model's tune drawings (0.238 and 0.244 are the margins either
# side of the cut: 5 of the 10 drawings below it are misread), rounded to two places. See the docstring.
CLOSE_MARGIN = 0.24


@dataclass(frozen=True)
class Verdict:
    """What the Draw page says: the top digit, the runner-up, and whether the model is torn between them."""

    top: int
    second: int
    top_probability: float
    second_probability: float

    @property
    def margin(self) -> float:
        return self.top_probability - self.second_probability

    @property
    def unsure(self) -> bool:
        return self.margin < CLOSE_MARGIN


def verdict(probabilities) -> Verdict:
    """The verdict on ten digit probabilities (ties go to the smaller digit, as ``argmax`` does)."""
    probabilities = np.asarray(probabilities, np.float64)
    top, second = np.argsort(-probabilities, kind="stable")[:2]
    return Verdict(int(top), int(second), float(probabilities[top]), float(probabilities[second]))


def margins(probabilities: np.ndarray) -> np.ndarray:
    """Top probability minus the second, per row of an (N, 10) array."""
    ordered = np.sort(probabilities, axis=1)
    return ordered[:, -1] - ordered[:, -2]
