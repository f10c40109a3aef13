"""The answer's verdict: the top two digits, and "not sure" when they are closer than the chosen margin."""

import numpy as np
import pytest

from lab.close_margin import AT_LEAST, choose_close_margin
from mnist_core.verdict import CLOSE_MARGIN, margins, verdict


def probabilities(**shares) -> np.ndarray:
    """Ten probabilities: the named digits (d1=0.48, ...) get their share, the rest split what is left."""
    given = {int(name[1:]): share for name, share in shares.items()}
    rest = (1 - sum(given.values())) / (10 - len(given))
    return np.array([given.get(digit, rest) for digit in range(10)])


def test_a_torn_answer_is_not_sure_and_names_both_digits():
    said = verdict(probabilities(d1=0.48, d7=0.45))
    assert (said.top, said.second) == (1, 7)
    assert said.unsure
    assert said.margin == pytest.approx(0.03)


def test_a_clear_answer_is_sure():
    said = verdict(probabilities(d3=0.97, d8=0.02))
    assert (said.top, said.second) == (3, 8) and not said.unsure


def test_the_cut_is_the_chosen_margin():
    just_under = verdict(probabilities(d4=0.5 + (CLOSE_MARGIN - 0.01) / 2, d9=0.5 - (CLOSE_MARGIN - 0.01) / 2))
    just_over = verdict(probabilities(d4=0.5 + (CLOSE_MARGIN + 0.01) / 2, d9=0.5 - (CLOSE_MARGIN + 0.01) / 2))
    assert just_under.unsure and not just_over.unsure


def test_a_tie_goes_to_the_smaller_digit_as_argmax_does():
    said = verdict(probabilities(d2=0.4, d5=0.4))
    assert (said.top, said.second) == (2, 5) and said.unsure


def test_margins_are_the_top_minus_the_second():
    rows = np.stack([probabilities(d0=0.9, d1=0.05), probabilities(d6=0.5, d8=0.3)])
    assert margins(rows) == pytest.approx([0.85, 0.2])


def test_the_rule_cuts_where_misreads_stop_being_at_least_half():
    # 12 drawings by margin: below 0.30 four of six are misread (and at least half of every longer prefix
    # up to there); from 0.35 on all are right, so the share falls under half after the eighth drawing.
    margin = np.array([0.02, 0.05, 0.10, 0.15, 0.20, 0.30, 0.35, 0.40, 0.50, 0.60, 0.70, 0.90])
    wrong = np.array([1, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0], bool)
    # prefix shares: 1, 1, .67, .75, .6, .67, .57, .5, .44 ... -> the last prefix at half or more is k=8
    assert choose_close_margin(margin, wrong) == pytest.approx((0.40 + 0.50) / 2, abs=0.005)


def test_the_rule_needs_enough_drawings_below_the_cut():
    margin = np.linspace(0.1, 0.9, 20)
    wrong = np.zeros(20, bool)
    wrong[:2] = True  # half or more of the first 2, 3 or 4 drawings: too few to count; 2 of 5 is under half
    assert AT_LEAST == 5
    assert choose_close_margin(margin, wrong) == 0.0
    assert choose_close_margin(margin, np.zeros(20, bool)) == 0.0  # a model that never misreads is never unsure


@pytest.mark.slow
def test_close_margin_is_what_the_rule_gives_on_the_default_models_tune_drawings():
    from lab.close_margin import how_it_does
    from mnist_core.inference import Predictor
    from mnist_core.paths import DEFAULT_MODEL

    figures = how_it_does(Predictor.from_file(DEFAULT_MODEL), "tune", CLOSE_MARGIN)
    assert figures["chosen_margin"] == CLOSE_MARGIN, (
        "The default model changed: choose the margin again with `python -m lab close-margin`, "
        "set CLOSE_MARGIN to what it prints and update models/MODEL_CARD.md."
    )
