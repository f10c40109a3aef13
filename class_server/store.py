"""The run store's SQLite file under ``MNIST_STUDIO_HOME``: its folder, its tables, and a short connection per
operation, shared by the store's parts (class_server/registry.py puts them together as one ``Registry``).

SQLite in WAL mode lets the app's pages read while a training thread writes. Each operation opens its own
short-lived connection, so any thread may call any method.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing, contextmanager
from pathlib import Path

import numpy as np

from mnist_core.data import DIGITS
from mnist_core.errors import RegistryError
from mnist_core.paths import studio_home

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


class Store:
    """The folder and the database every part of the run store reads and writes: runs and their models
    (``Registry``), the class's drawings (``DrawingStore``) and You vs model's answers (``VersusAnswers``)."""

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


def is_digit(value, allowed: range = DIGITS) -> bool:
    """An int in ``allowed``: never a bool, a float or text, which SQLite would store as given."""
    return not isinstance(value, bool) and isinstance(value, (int, np.integer)) and int(value) in allowed
