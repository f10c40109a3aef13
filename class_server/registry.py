"""The run registry: every run of the class, its status, its epochs and metrics, and its model file, in the run
store under ``MNIST_STUDIO_HOME``.

One ``Registry`` object is the whole store for its callers. It is built from parts that share one SQLite file
(``Store``, class_server/store.py: the folder, the tables, a short connection per operation, so any thread may
call any method): the runs, their leases and their models here; the class's saved drawings
(``DrawingStore``, class_server/drawing_store.py); You vs model's answers (``VersusAnswers``,
class_server/versus_answers.py).

A run's model file is named after its integer id, never after its name, and is written to a temporary file
first and then renamed into place, so a crash never leaves half a model where a reader could find it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from class_server import lease
from class_server.drawing_store import DrawingStore
from class_server.versus_answers import VersusAnswers
from mnist_core.errors import RegistryError
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


class Registry(DrawingStore, VersusAnswers):
    """The run store: runs, their leases and models here, drawings and You vs model's answers from its parts.

    ``Registry(home)`` opens the store in ``home`` (else ``MNIST_STUDIO_HOME``), making it if new (``Store``)."""

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


def _check_status(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"unknown run status {status!r}: expected one of {', '.join(STATUSES)}")


def _free_name(db: sqlite3.Connection, run_id: int) -> str:
    number = run_id
    while db.execute("SELECT 1 FROM runs WHERE name = ?", (f"Run {number}",)).fetchone():
        number += 1
    return f"Run {number}"
