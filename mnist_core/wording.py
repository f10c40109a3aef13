"""Counts in sentences: "1 epoch", "3 epochs"; the pages, the bench and the CLI say them one way."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """``count`` and ``noun``, plural unless the count is 1: ``counted(1, "stopped run")`` is "1 stopped run"."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
