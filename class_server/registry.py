"""The run registry: every run and every collected drawing, in SQLite, under ``MNIST_STUDIO_HOME``.

SQLite in WAL mode lets the app's pages read while a training thread writes.
Each operation opens its own short-lived connection, so any thread may call
any method. A run's model file is named after its integer id, never after its
name, and is written to a temporary file first and then renamed into place,
so a crash never leaves half a model where a reader could find it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from contextlib import closing, contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np

from class_server import lease
from mnist_core.errors import DrawingLimitError, RegistryError
from mnist_core.geometry import SIZE
from mnist_core.paths import studio_home
from mnist_core.run_names import validate_run_name


class RunStatus(StrEnum):
    """A run's life: queued, running, then one of the ended statuses. The one place these are spelled out;
    stored as their text, which the enum also equals."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    STOPPED = "stopped"
    FAILED = "failed"
    INTERRUPTED = "interrupted"  # its server stopped while it was queued or running


ACTIVE = (RunStatus.QUEUED, RunStatus.RUNNING)
ENDED = (RunStatus.FINISHED, RunStatus.STOPPED, RunStatus.FAILED, RunStatus.INTERRUPTED)
WITH_MODEL = (RunStatus.FINISHED, RunStatus.STOPPED)  # ended with a model to draw with and evaluate (Stop keeps it)
STATUSES = ACTIVE + ENDED
_TEMP_PREFIX = ".partial-"  # temporary model files; the leading dot keeps them out of listings

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    config TEXT NOT NULL,
    status TEXT NOT NULL,
    owner TEXT,
    created_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    history TEXT NOT NULL DEFAULT '[]',
    metrics TEXT NOT NULL DEFAULT '{}',
    error TEXT,
    lease TEXT,
    device TEXT
);
CREATE TABLE IF NOT EXISTS leases (
    token TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    seen_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS drawings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    label INTEGER NOT NULL,
    image BLOB NOT NULL,
    canvas_png BLOB,
    owner TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS drawings_by_owner ON drawings (owner);
CREATE TABLE IF NOT EXISTS versus_answers (
    owner TEXT NOT NULL,
    model TEXT NOT NULL,
    test_index INTEGER NOT NULL,
    answer INTEGER NOT NULL,
    answered_at REAL NOT NULL,
    PRIMARY KEY (owner, model, test_index)
);
"""


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


@dataclass
class Run:
    id: int
    name: str
    config: dict
    status: RunStatus
    owner: str | None
    created_at: float
    started_at: float | None
    finished_at: float | None
    history: list[dict]
    metrics: dict
    error: str | None
    model_path: Path | None
    device: str | None = None  # the network address it was started from, when shares count per device

    @property
    def seconds(self) -> float | None:
        if self.started_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.started_at


class Registry:
    def __init__(self, home: Path | str | None = None):
        self.home = Path(home) if home is not None else studio_home()
        self.models_dir = self.home / "models"
        self.database = self.home / "registry.sqlite3"
        try:
            self.models_dir.mkdir(parents=True, exist_ok=True)
            probe = self.home / f".write-test-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise RegistryError(
                f"The run folder {self.home} cannot be written ({error.strerror or error}): set MNIST_STUDIO_HOME "
                "to a folder you can write, or free some disk space."
            ) from None
        with self._connect() as db:
            db.execute("PRAGMA journal_mode = WAL")  # stored in the file: later connections use it too
            db.executescript(SCHEMA)
            # A store made before leases: its runs have none, so any left queued or running are interrupted.
            # (Its pid column, which the lease replaced, is left in place and no longer used.)
            columns = {column[1] for column in db.execute("PRAGMA table_info(runs)")}
            if "lease" not in columns:
                db.execute("ALTER TABLE runs ADD COLUMN lease TEXT")
            if "device" not in columns:  # a store made before runs kept the device they came from
                db.execute("ALTER TABLE runs ADD COLUMN device TEXT")

    @contextmanager
    def _connect(self):
        """A short transaction on a fresh connection; SQLite errors become messages that say what to do."""
        try:
            with closing(sqlite3.connect(self.database, timeout=5.0)) as db:  # busy_timeout of 5000 ms
                db.row_factory = sqlite3.Row  # by name too: an upgraded store's columns sit in another order
                with db:
                    yield db
        except sqlite3.DatabaseError as error:
            text = str(error)
            if "not a database" in text or "malformed" in text:
                raise RegistryError(
                    f"The run registry {self.database} is not a database or is damaged: move it away and "
                    f"restart; finished models in {self.models_dir} are kept."
                ) from None
            if "locked" in text or "busy" in text:
                raise RegistryError(f"The run registry {self.database} is busy: try again in a moment.") from None
            if "disk" in text or "readonly" in text or "unable to open" in text:
                raise RegistryError(
                    f"The run registry {self.database} cannot be written ({text}): free some disk space "
                    "or set MNIST_STUDIO_HOME to a folder you can write."
                ) from None
            raise

    # Runs

    def create_run(
        self,
        config: dict,
        name: str | None = None,
        owner: str | None = None,
        status: RunStatus = RunStatus.QUEUED,
        device: str | None = None,
    ) -> Run:
        _check_status(status)
        name = validate_run_name(name) if name is not None else None
        self.hold_lease()  # before the run exists, so no other process ever sees it without a live holder
        with self._connect() as db:
            try:
                cursor = db.execute(
                    "INSERT INTO runs (name, config, status, owner, created_at, lease, device)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        name or f".new-{time.time_ns()}",
                        json.dumps(config),
                        status,
                        owner,
                        time.time(),
                        lease.token(),
                        device,
                    ),
                )
            except sqlite3.IntegrityError:
                raise RegistryError(f"A run called {name!r} already exists: choose another name.") from None
            run_id = cursor.lastrowid
            if name is None:  # "Run <id>", or the next free number if a user already took that name
                db.execute("UPDATE runs SET name = ? WHERE id = ?", (_free_name(db, run_id), run_id))
        return self.get(run_id)

    def get(self, run_id: int) -> Run:
        with self._connect() as db:
            row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise RegistryError(f"There is no run number {run_id}.")
        return self._run(row)

    def find(self, name: str) -> Run:
        """The run called ``name``, ignoring case and surrounding spaces."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM runs WHERE name = ?", ((name or "").strip(),)).fetchone()
        if row is None:
            raise RegistryError(f"No run called {name!r}. `python -m class_server runs` lists them.")
        return self._run(row)

    def list_runs(self, statuses: Iterable[str] | None = None, owner: str | None = None) -> list[Run]:
        """Runs, newest first, optionally only those with one of ``statuses`` or of one ``owner``."""
        query, values = "SELECT * FROM runs WHERE 1", []
        if statuses is not None:
            statuses = list(statuses)
            query += f" AND status IN ({','.join('?' * len(statuses))})"
            values += statuses
        if owner is not None:
            query += " AND owner = ?"
            values.append(owner)
        with self._connect() as db:
            rows = db.execute(query + " ORDER BY id DESC", values).fetchall()
        return [self._run(row) for row in rows]

    # The writers below do nothing for a run that no longer exists, so a training thread whose
    # run was deleted meanwhile is not disturbed.

    def set_status(self, run_id: int, status: RunStatus, error: str | None = None) -> None:
        """Also stamps started_at on 'running' and finished_at on every ending; a None error keeps the old one."""
        _check_status(status)
        now = time.time()
        with self._connect() as db:
            db.execute(
                "UPDATE runs SET status = ?, error = COALESCE(?, error), started_at = COALESCE(?, started_at),"
                " finished_at = COALESCE(?, finished_at) WHERE id = ?",
                (status, error, now if status == RunStatus.RUNNING else None, now if status in ENDED else None, run_id),
            )

    def append_epoch(self, run_id: int, record: dict) -> None:
        """Appends inside SQLite, in one statement, so concurrent writers never lose a record."""
        with self._connect() as db:
            db.execute(
                "UPDATE runs SET history = json_insert(history, '$[#]', json(?)) WHERE id = ?",
                (json.dumps(record), run_id),
            )

    def set_metrics(self, run_id: int, metrics: dict) -> None:
        with self._connect() as db:
            db.execute("UPDATE runs SET metrics = ? WHERE id = ?", (json.dumps(metrics), run_id))

    def rename(self, run_id: int, name: str) -> Run:
        name = validate_run_name(name)
        with self._connect() as db:
            try:
                db.execute("UPDATE runs SET name = ? WHERE id = ?", (name, run_id))
            except sqlite3.IntegrityError:
                raise RegistryError(f"A run called {name!r} already exists: choose another name.") from None
        return self.get(run_id)

    def delete(self, run_id: int) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        self.model_path(run_id).unlink(missing_ok=True)

    def hold_lease(self) -> None:
        """This process holds runs here: its lease is renewed now and then every few seconds while it runs."""
        self._renew()
        lease.heartbeat.hold(self)

    def renew_lease(self) -> None:
        """The heartbeat: this process is still here, and runs of processes that are gone are interrupted
        (a server that started while an old one's lease had not yet lapsed finds them here)."""
        self._renew()
        self.mark_interrupted()

    def _renew(self) -> None:
        me = lease.this_process()
        with self._connect() as db:
            db.execute(
                "INSERT INTO leases (token, host, pid, seen_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (token) DO UPDATE SET seen_at = excluded.seen_at",
                (me.token, me.host, me.pid, me.seen_at),
            )

    def mark_interrupted(self) -> int:
        """At start-up and at every renewal of this process's lease: runs left queued or running by a
        process that is gone (a server or a CLI run killed mid-way, a server restarted) are interrupted,
        and its temporary model files are removed. Runs of a process still here, such as the app training
        while a teacher uses the CLI, are left alone (``class_server.lease`` says which). Returns how many
        runs changed."""
        now = time.time()
        with self._connect() as db:
            holders = {row[0]: lease.Holder(*row) for row in db.execute("SELECT token, host, pid, seen_at FROM leases")}
            gone = {token for token, holder in holders.items() if not lease.alive(holder, now)}
            db.executemany("DELETE FROM leases WHERE token = ?", [(token,) for token in gone])
            unfinished = db.execute("SELECT id, lease FROM runs WHERE status IN (?, ?)", ACTIVE).fetchall()
            ended = [run_id for run_id, token in unfinished if not lease.alive(holders.get(token), now)]
            db.executemany(
                "UPDATE runs SET status = ?, finished_at = ?,"
                " error = COALESCE(error, 'The server stopped while this run was queued or training.')"
                " WHERE id = ?",
                [(RunStatus.INTERRUPTED, now, run_id) for run_id in ended],
            )
        for partial in self.models_dir.glob(f"{_TEMP_PREFIX}*"):
            parts = partial.name[len(_TEMP_PREFIX) :].split("-")  # <run>-<lease token>-<time>.keras
            if len(parts) < 2 or not lease.alive(holders.get(parts[1]), now):
                partial.unlink(missing_ok=True)
        return len(ended)

    # Models

    def model_path(self, run_id: int) -> Path:
        return self.models_dir / f"{int(run_id)}.keras"

    def save_model(self, run_id: int, model) -> Path:
        """Write the model (a Keras model, or ``runs.KerasFile`` bytes from another machine) beside its
        final place, then rename it there in one step.

        The temporary name ends in ``.keras`` because Keras picks the file format from the suffix.
        """
        final = self.model_path(run_id)
        partial = self.models_dir / f"{_TEMP_PREFIX}{int(run_id)}-{lease.token()}-{time.time_ns()}.keras"
        try:
            model.save(partial)
            os.replace(partial, final)
        except BaseException as error:
            partial.unlink(missing_ok=True)
            if isinstance(error, OSError):
                raise RegistryError(
                    f"The model could not be saved in {self.models_dir} ({error.strerror or error}): "
                    "free some disk space or set MNIST_STUDIO_HOME to another folder."
                ) from error
            raise
        return final

    # Drawings collected on the Draw page

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
        if isinstance(label, bool) or not isinstance(label, (int, np.integer)) or not 0 <= label <= 9:
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

    # "You vs model": a student's reading of test digits, per model (``mnist_core.versus``)

    def save_versus_answer(self, owner: str, model: str, test_index: int, answer: int, allowed: Iterable[int]) -> None:
        """Keep ``owner``'s ``answer`` (a digit) for one test image of their round against ``model``; a second
        answer for the same image replaces the first. An answer that is not a digit, or an image not among the
        round's ``allowed`` ones, is refused (RegistryError) and nothing is kept."""
        if not _is_digit(answer):
            raise RegistryError(f"An answer must be a digit from 0 to 9 (got {answer!r}).")
        if not _is_digit(test_index, range(10**6)) or test_index not in set(allowed):
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

    def _run(self, row: sqlite3.Row) -> Run:
        path = self.model_path(row["id"])
        return Run(
            id=row["id"],
            name=row["name"],
            config=json.loads(row["config"]),
            status=RunStatus(row["status"]),
            owner=row["owner"],
            created_at=row["created_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            history=[_with_validation_names(record) for record in json.loads(row["history"])],
            metrics=json.loads(row["metrics"]),
            error=row["error"],
            model_path=path if path.exists() else None,
            device=row["device"],
        )


def _with_validation_names(record: dict) -> dict:
    """An epoch recorded before the validation split named its figures test_loss and test_accuracy:
    they were measured on the test set as validation (the seed notebook's way), so they are renamed."""
    if "test_accuracy" not in record:
        return record
    record = dict(record)
    record["val_loss"], record["val_accuracy"] = record.pop("test_loss", None), record.pop("test_accuracy")
    return record


def _is_digit(value, allowed: range = range(10)) -> bool:
    """An int in ``allowed``: never a bool, a float or text, which SQLite would store as given."""
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and int(value) in allowed


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown run status {status!r}: expected one of {', '.join(STATUSES)}")


def _free_name(db: sqlite3.Connection, run_id: int) -> str:
    number = run_id
    while db.execute("SELECT 1 FROM runs WHERE name = ?", (f"Run {number}",)).fetchone():
        number += 1
    return f"Run {number}"
