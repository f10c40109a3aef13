"""Counts in sentences."""

from mnist_core.wording import counted


def test_one_is_singular_and_every_other_count_plural():
    assert counted(1, "epoch") == "1 epoch"
    assert [counted(n, "stopped run") for n in (0, 2, 30)] == ["0 stopped runs", "2 stopped runs", "30 stopped runs"]
