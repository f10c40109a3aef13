"""Counts in sentences: "1 epoch", "3 epochs"; the pages, the bench and the CLI say them one way."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """``count`` and ``noun``, plural unless the count is 1: ``counted(1, "stopped run")`` is "1 stopped run"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def percent(fraction: float, decimals: int = 0) -> str:
    """A share or a confidence in percent, whole by default: ``percent(0.483)`` is "48%"."""
    return f"{fraction:.{decimals}%}"


def accuracy_percent(fraction: float) -> str:
    """An accuracy as the pages, the board and the command line give it, with two decimals: "98.04%". MNIST's
    10,000 test images tell accuracies 0.01 points apart, and the seed notebook gives its figure so."""
    return percent(fraction, 2)
