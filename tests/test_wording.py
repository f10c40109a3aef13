"""Counts in sentences."""

from mnist_core.wording import accuracy_percent, counted, percent


def test_one_is_singular_and_every_other_count_plural():
    assert counted(1, "epoch") == "1 epoch"
    assert [counted(n, "stopped run") for n in (0, 2, 30)] == ["0 stopped runs", "2 stopped runs", "30 stopped runs"]


def test_accuracies_have_two_decimals_and_shares_are_whole_percent():
    assert accuracy_percent(0.9804) == "98.04%" and accuracy_percent(1.0) == "100.00%"
    assert percent(0.483) == "48%" and percent(0.9876, 1) == "98.8%" and percent(0) == "0%"
