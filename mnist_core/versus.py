"""You against the model: a round of MNIST test digits for a student to read, and how they did against the model.

A round is mostly the test images the model finds hardest (the least probability on the right digit: the ones
it gets wrong, then the ones it gets right but barely) and a few it reads clearly, as a check that the student
is reading carefully. It depends only on the model's probabilities and the round's seed, so every student of a
class gets the same images for the same model. Pure numpy: no Streamlit, no registry.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from mnist_core.evaluation import Evaluation

ROUND_SIZE = 20
ROUND_SEED = 0  # one round per model unless asked for another: a class compares answers on the same images
EASY_COUNT = 4  # enough to catch a student tapping at random, few enough that the round stays a challenge
# The hard images are drawn from this many of the model's hardest, so another seed gives another round
# that is still hard; a good model (about 99% right) gets about 100 of 10,000 wrong.
HARD_POOL = 60
# Clearly read: right, with at least this probability. Most test images pass for any trained model.
EASY_CONFIDENCE = 0.99


@dataclass(frozen=True)
class Round:
    """The test images of one round, in the order they are shown (the easy ones mixed in among the hard)."""

    indices: tuple[int, ...]
    hard: frozenset[int]
    easy: frozenset[int]

    def __len__(self) -> int:
        return len(self.indices)


@dataclass(frozen=True)
class Disagreement:
    """A test image where the student and the model gave different digits, and the digit MNIST labels it."""

    index: int
    student: int
    model: int
    label: int


@dataclass(frozen=True)
class Score:
    """A student's answers against MNIST's labels, and the model's on the same images."""

    answered: int
    student_accuracy: float
    model_accuracy: float
    disagreements: tuple[Disagreement, ...]


@dataclass(frozen=True)
class HardImage:
    """A test image of the round and how many of the class read it wrongly."""

    index: int
    wrong: int
    answered: int
    model: int
    label: int


@dataclass(frozen=True)
class ClassResult:
    """The class's round against one model: only students who answered every image count."""

    finished: int
    class_accuracy: float | None  # the median of their accuracies; None before anyone finishes
    model_accuracy: float
    hardest: tuple[HardImage, ...]  # the images most of them got wrong, most wrong first


def hardness(evaluation: Evaluation) -> np.ndarray:
    """How hard each test image is for the model: 1 minus the probability it gives the right digit."""
    rows = np.arange(len(evaluation.labels))
    return 1.0 - evaluation.probabilities[rows, evaluation.labels].astype(np.float64)


def choose_round(
    evaluation: Evaluation, seed: int = ROUND_SEED, size: int = ROUND_SIZE, easy: int = EASY_COUNT
) -> Round:
    """``size - easy`` images from the model's ``HARD_POOL`` hardest and ``easy`` it reads clearly and rightly,
    shuffled together; the same evaluation and seed always give the same round."""
    if not 0 <= easy <= size:
        raise ValueError(f"A round of {size} images cannot have {easy} easy ones.")
    rng = np.random.default_rng(seed)
    difficulty = hardness(evaluation)
    ranked = np.argsort(-difficulty, kind="stable")  # hardest first; ties keep the test set's order
    hard_pool = ranked[: max(HARD_POOL, size - easy)]
    hard = rng.choice(hard_pool, size - easy, replace=False)
    sure_and_right = (evaluation.predicted == evaluation.labels) & (evaluation.confidence >= EASY_CONFIDENCE)
    easy_pool = np.setdiff1d(np.flatnonzero(sure_and_right), hard)
    if len(easy_pool) < easy:  # a barely trained model is sure of little: its surest right answers instead
        right = np.flatnonzero(evaluation.predicted == evaluation.labels)
        easy_pool = np.setdiff1d(right[np.argsort(-evaluation.confidence[right], kind="stable")][: easy * 10], hard)
    clear = rng.choice(easy_pool, min(easy, len(easy_pool)), replace=False)
    order = rng.permutation(np.concatenate([hard, clear]))
    return Round(tuple(int(i) for i in order), frozenset(int(i) for i in hard), frozenset(int(i) for i in clear))


def score(round_: Round, answers: Mapping[int, int], predicted: np.ndarray, labels: np.ndarray) -> Score:
    """The images of ``round_`` the student answered, scored: their accuracy and the model's on those images,
    and where the two differ, in the round's order. Nothing answered gives 0 for both."""
    answered = [index for index in round_.indices if index in answers]
    if not answered:
        return Score(0, 0.0, 0.0, ())
    student_right = sum(int(answers[index] == labels[index]) for index in answered)
    model_right = sum(int(predicted[index] == labels[index]) for index in answered)
    disagreements = tuple(
        Disagreement(index, int(answers[index]), int(predicted[index]), int(labels[index]))
        for index in answered
        if answers[index] != predicted[index]
    )
    return Score(len(answered), student_right / len(answered), model_right / len(answered), disagreements)


def class_result(
    round_: Round, answers: Mapping[str, Mapping[int, int]], predicted: np.ndarray, labels: np.ndarray, top: int = 6
) -> ClassResult:
    """The class's round: every student's ``answers`` (student -> test image -> digit) against the model's.

    Only students who answered every image of the round count, so a half-done round does not pull the median
    down; the hardest images are the ``top`` that the most of them got wrong (ties: the round's order)."""
    done = [given for given in answers.values() if all(index in given for index in round_.indices)]
    scores = [score(round_, given, predicted, labels) for given in done]
    model = score(round_, dict.fromkeys(round_.indices, -1), predicted, labels).model_accuracy
    wrong = {index: sum(int(given[index] != labels[index]) for given in done) for index in round_.indices}
    ranked = sorted((index for index in round_.indices if wrong[index]), key=lambda index: -wrong[index])
    hardest = tuple(HardImage(i, wrong[i], len(done), int(predicted[i]), int(labels[i])) for i in ranked[:top])
    median = float(statistics.median(s.student_accuracy for s in scores)) if scores else None
    return ClassResult(len(done), median, model, hardest)
