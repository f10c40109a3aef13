"""The index behind "It learned this from these" kept on disk beside the app's own models, so that a server's
first drawing loads it in a fraction of a second instead of reading all 60,000 training images through the
network (7 s for the default CNN on an idle 2-core server, over 30 s with a class drawing and a run training).

The file, ``<model file>.nearest.npz``, holds the index's unit-length rows and the stamp of the model file they
were computed from (its size and modification time, ``FileStamp``). A retrained or replaced model file, rows for
another number of images, or a damaged or unreadable file read as no file, and the index is built again.

Only the models shipped in ``models/`` keep one: a run's index is up to 31 MB, and a class's runs would grow
the run store by gigabytes in a lesson, so a run's model is indexed once per server instead.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from mnist_core.kept_files import FileStamp, write_whole
from mnist_core.paths import MODELS_DIR

SUFFIX = ".nearest.npz"


def keeps_index(model_path: Path | None) -> bool:
    """Whether this model file's index is kept on disk: the app's own models are, runs' models are not."""
    return model_path is not None and Path(model_path).resolve().parent == MODELS_DIR.resolve()


def record_path(model_path: Path) -> Path:
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + SUFFIX)


def read_rows(model_path: Path, images: int) -> np.ndarray | None:
    """The kept rows for the model file as it is now, covering ``images`` images, or None (none kept, stale,
    damaged or unreadable)."""
    try:
        now = FileStamp.of(model_path)
        with np.load(record_path(model_path), allow_pickle=False) as kept:
            stamp, rows = kept["stamp"], kept["rows"]
            if stamp.tolist() != [now.size, now.modified_ns]:
                return None
            if rows.dtype != np.float32 or rows.ndim != 2 or len(rows) != images or not np.isfinite(rows).all():
                return None
            return rows
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):  # ValueError: not an .npz at all
        return None


def write_rows(model_path: Path, rows: np.ndarray, measured: FileStamp) -> bool:
    """Keep ``rows``, computed from the model file as ``measured`` found it (its stamp taken before computing, so a
    file replaced meanwhile is not credited with the old one's rows). False if it cannot be written (a read-only
    folder, a full disk): the next server then builds the index again, never an error."""
    stamp = np.array([measured.size, measured.modified_ns], np.int64)
    return write_whole(record_path(model_path), lambda file: np.savez(file, stamp=stamp, rows=rows), binary=True)
