"""The class's drawings saved with "Save as label" on the Draw page, in the run store (class_server/store.py):
saving one (within a student's limit), listing and counting them, and deleting them for good.

``Registry`` (class_server/registry.py) is a ``DrawingStore``: callers reach these through the one registry.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from class_server.store import Store, is_digit
from mnist_core.errors import DrawingLimitError, RegistryError
from mnist_core.geometry import SIZE


@dataclass(frozen=True)
class SavedDrawing:
    """One drawing saved with "Save as label": its 28x28 uint8 image, the digit it was saved as, who saved it."""

    id: int
    label: int
    image: np.ndarray
    owner: str | None
    created_at: float


@dataclass(frozen=True)
class DrawingFilter:
    """Which saved drawings to list or count; a field left None matches every drawing.

    A new way to pick drawings (such as the device they came from) is one more field here and in ``where``.
    """

    label: int | None = None
    owner: str | None = None

    def where(self) -> tuple[str, list]:
        """An SQL condition and its values."""
        clauses, values = ["1"], []
        if self.label is not None:
            clauses.append("label = ?")
            values.append(int(self.label))
        if self.owner is not None:
            clauses.append("owner = ?")
            values.append(self.owner)
        return " AND ".join(clauses), values


EVERY_DRAWING = DrawingFilter()


class DrawingStore(Store):
    """The drawings table: every saved drawing, its label, the canvas it came from and who saved it."""

    def add_drawing(
        self,
        label: int,
        image28: np.ndarray,
        canvas_png: bytes | None,
        owner: str | None = None,
        limit: int | None = None,
    ) -> int:
        """Store a labelled 28x28 uint8 drawing (and the canvas it came from); returns its id.

        With a ``limit``, an owner who already has that many drawings is refused (DrawingLimitError).
        The count and the insert are one statement, so two tabs saving at once cannot both pass the limit.
        """
        if not is_digit(label):
            raise RegistryError(f"A drawing's label must be a digit from 0 to 9 (got {label!r}).")
        image = np.asarray(image28)
        if image.shape != (SIZE, SIZE) or image.dtype != np.uint8:
            raise RegistryError(f"A drawing must be a 28x28 uint8 image (got {image.shape} {image.dtype}).")
        with self._connect() as db:
            cursor = db.execute(
                "INSERT INTO drawings (label, image, canvas_png, owner, created_at) SELECT ?, ?, ?, ?, ?"
                " WHERE ? IS NULL OR (SELECT COUNT(*) FROM drawings WHERE owner IS ?) < ?",
                (int(label), image.tobytes(), canvas_png, owner, time.time(), limit, owner, limit),
            )
            if cursor.rowcount == 0:
                raise DrawingLimitError(
                    f"You have already saved {limit} drawings, the most one student may keep, so this one was "
                    "not saved. Delete some of yours on the Our digits page to make room."
                )
            return cursor.lastrowid

    def drawings(self) -> tuple[np.ndarray, np.ndarray]:
        """All saved drawings, oldest first: uint8 images (N, 28, 28) and their labels (N,).

        What training on our drawings reads: a deleted drawing is gone from here, so nothing trains on it.
        """
        with self._connect() as db:
            rows = db.execute("SELECT image, label FROM drawings ORDER BY id").fetchall()
        images = np.frombuffer(b"".join(row[0] for row in rows), np.uint8).reshape(-1, SIZE, SIZE).copy()
        return images, np.array([row[1] for row in rows], dtype=np.int64)

    def drawing_count(self, which: DrawingFilter = EVERY_DRAWING) -> int:
        condition, values = which.where()
        with self._connect() as db:
            return db.execute(f"SELECT COUNT(*) FROM drawings WHERE {condition}", values).fetchone()[0]

    def saved_drawings(
        self, which: DrawingFilter = EVERY_DRAWING, limit: int | None = None, offset: int = 0
    ) -> list[SavedDrawing]:
        """The drawings ``which`` picks, newest first; ``limit`` and ``offset`` give one page of them."""
        condition, values = which.where()
        with self._connect() as db:
            rows = db.execute(
                f"SELECT id, label, image, owner, created_at FROM drawings WHERE {condition}"
                " ORDER BY id DESC LIMIT ? OFFSET ?",
                [*values, -1 if limit is None else limit, offset],
            ).fetchall()
        return [
            SavedDrawing(id, label, np.frombuffer(image, np.uint8).reshape(SIZE, SIZE), owner, created_at)
            for id, label, image, owner, created_at in rows
        ]

    def drawing_owners(self) -> dict[str, int]:
        """Everyone who has saved drawings and how many, most first (drawings with no owner are left out)."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT owner, COUNT(*) AS n FROM drawings WHERE owner IS NOT NULL"
                " GROUP BY owner ORDER BY n DESC, owner"
            ).fetchall()
        return dict(rows)

    def delete_drawings(self, ids: Iterable[int], by: str | None, teacher: bool = False) -> int:
        """Delete drawings for good, their canvases too; returns how many were deleted.

        Only their owner ``by``, or the teacher, may: if any of them is someone else's, none is deleted
        (RegistryError). Drawings already gone (deleted from another tab) are skipped.
        """
        ids = [int(i) for i in ids]
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        with self._connect() as db:
            owners = [row[0] for row in db.execute(f"SELECT owner FROM drawings WHERE id IN ({marks})", ids)]
            if not teacher and any(owner is None or owner != by for owner in owners):
                raise RegistryError("Only whoever saved a drawing, or the teacher, can delete it. Nothing was deleted.")
            return db.execute(f"DELETE FROM drawings WHERE id IN ({marks})", ids).rowcount
