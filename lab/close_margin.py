"""The rule that chose the Draw page's "not sure" margin (mnist_core/verdict.py, ``CLOSE_MARGIN``), and how
the chosen margin does on the drawn digits.

The rule, written before it was applied, on the *tune* parts of the project's drawn digits
(data/drawings/: the mouse-drawn digits and the typeset, pen-stroked and coarse digits), never on their
holdout parts nor on the MNIST test set:

    the largest margin below which the model misreads at least half of those drawings
    (a coin toss: below it, its top answer is no better than its second),
    counting only margins below which there are at least ``AT_LEAST`` drawings.

``python -m lab close-margin`` applies the rule to the default model again, prints the margin it gives,
and then, for information only, how the chosen margin does on the holdout parts.
tests/test_verdict.py checks ``CLOSE_MARGIN`` against the rule.
"""

from __future__ import annotations

import numpy as np

from lab.drawn_digits import load_drawn_digits, render_strokes
from lab.typeset_digits import load_typeset, prepared_images
from mnist_core.inference import Predictor
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.preprocess import prepare_canvas
from mnist_core.verdict import CLOSE_MARGIN, margins

COIN_TOSS = 0.5  # the share of misreads below the margin that makes the top answer no better than a guess
AT_LEAST = 5  # drawings below a candidate margin, so that one misread does not decide the rule alone


def choose_close_margin(margin: np.ndarray, wrong: np.ndarray) -> float:
    """The rule (module docstring): the cut after the k drawings of smallest margin, for the largest k
    (at least ``AT_LEAST``) of which at least ``COIN_TOSS`` are misread; halfway between the k-th and the
    next margin, rounded to two places. 0 when no k qualifies: then the model is never called unsure."""
    order = np.argsort(margin, kind="stable")
    ordered, misread = np.asarray(margin)[order], np.asarray(wrong, bool)[order]
    share = np.cumsum(misread) / np.arange(1, len(ordered) + 1)
    qualifying = [k for k in range(AT_LEAST, len(ordered)) if share[k - 1] >= COIN_TOSS]
    if not qualifying:
        return 0.0
    k = qualifying[-1]
    return round(float(ordered[k - 1] + ordered[k]) / 2, 2)


def drawn_sets(part: str) -> tuple[np.ndarray, np.ndarray]:
    """The (N, 28, 28) images and labels of one part ("tune" or "holdout") of every drawn-digit set."""

    drawn = [d for d in load_drawn_digits() if d["set"] == part]
    typeset = [d for d in load_typeset() if d["set"] == part]
    images = np.concatenate(
        [np.stack([prepare_canvas(render_strokes(d["strokes"])).image for d in drawn]), prepared_images(typeset)]
    )
    return images, np.array([d["label"] for d in drawn + typeset])


def how_it_does(predictor, part: str, close_margin: float) -> dict:
    """On one part: how many drawings, how many misread, how many called unsure, and the misreads among them."""
    images, labels = drawn_sets(part)
    probabilities = predictor.probabilities_many(images)
    margin, wrong = margins(probabilities), probabilities.argmax(axis=1) != labels
    unsure = margin < close_margin
    return {
        "drawings": len(labels),
        "misread": int(wrong.sum()),
        "unsure": int(unsure.sum()),
        "misread_among_unsure": int((wrong & unsure).sum()),
        "chosen_margin": choose_close_margin(margin, wrong),
    }


def report() -> None:
    predictor = Predictor.from_file(DEFAULT_MODEL)
    tune = how_it_does(predictor, "tune", CLOSE_MARGIN)
    print(f"The rule on the tune drawings gives {tune['chosen_margin']:.2f}; CLOSE_MARGIN is {CLOSE_MARGIN}.")
    for part, figures in (("tune", tune), ("holdout", how_it_does(predictor, "holdout", CLOSE_MARGIN))):
        print(
            f"{part}: {figures['drawings']:,} drawings, {figures['misread']} misread; {figures['unsure']} called "
            f"unsure (margin under {CLOSE_MARGIN}), {figures['misread_among_unsure']} of them misread"
        )
