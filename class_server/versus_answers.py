"""You vs model's answers in the run store (class_server/store.py): a student's reading of test digits, per
model (``mnist_core.versus`` scores them).

``Registry`` (class_server/registry.py) is a ``VersusAnswers``: callers reach these through the one registry.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from class_server.store import Store, is_digit
from mnist_core.errors import RegistryError


class VersusAnswers(Store):
    """The versus_answers table: one answer per student, model and test image."""

    def save_versus_answer(self, owner: str, model: str, test_index: int, answer: int, allowed: Iterable[int]) -> None:
        """Keep ``owner``'s ``answer`` (a digit) for one test image of their round against ``model``; a second
        answer for the same image replaces the first. An answer that is not a digit, or an image not among the
        round's ``allowed`` ones, is refused (RegistryError) and nothing is kept."""
        if not is_digit(answer):
            raise RegistryError(f"An answer must be a digit from 0 to 9 (got {answer!r}).")
        if not is_digit(test_index, range(10**6)) or test_index not in set(allowed):
            raise RegistryError(f"Test image {test_index!r} is not one of this round's images.")
        with self._connect() as db:
            db.execute(
                "INSERT INTO versus_answers (owner, model, test_index, answer, answered_at) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (owner, model, test_index) DO UPDATE SET answer = excluded.answer,"
                " answered_at = excluded.answered_at",
                (owner, model, int(test_index), int(answer), time.time()),
            )

    def versus_answers(self, model: str, owner: str | None = None) -> dict[str, dict[int, int]]:
        """Answers against ``model``: student -> test image -> digit (only ``owner``'s, if given)."""
        query, values = "SELECT owner, test_index, answer FROM versus_answers WHERE model = ?", [model]
        if owner is not None:
            query += " AND owner = ?"
            values.append(owner)
        answers: dict[str, dict[int, int]] = {}
        with self._connect() as db:
            for who, index, answer in db.execute(query + " ORDER BY answered_at", values):
                answers.setdefault(who, {})[index] = answer
        return answers

    def versus_models(self) -> dict[str, int]:
        """Every model the class has answered against, and by how many students; most students first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT model, COUNT(DISTINCT owner) AS n FROM versus_answers GROUP BY model ORDER BY n DESC, model"
            ).fetchall()
        return dict(rows)

    def clear_versus_answers(self, owner: str, model: str) -> None:
        """Start again: ``owner``'s answers against ``model`` are forgotten."""
        with self._connect() as db:
            db.execute("DELETE FROM versus_answers WHERE owner = ? AND model = ?", (owner, model))
