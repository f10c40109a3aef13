"""Files kept on disk beside a model file (its stress test, its nearest-images index): the model file's stamp,
which tells a kept file still its model's from one an earlier model left, and a write a reader never sees half
done."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO


@dataclass(frozen=True)
class FileStamp:
    """What tells one model file from the next one saved at the same place."""

    size: int
    modified_ns: int

    @classmethod
    def of(cls, path: Path) -> FileStamp:
        stat = Path(path).stat()
        return cls(stat.st_size, stat.st_mtime_ns)


def write_whole(target: Path, write: Callable[[IO], None], binary: bool = False) -> bool:
    """``write`` the file's content into a temporary file beside ``target``, then rename it into place, so a
    reader (another server, a test worker) never sees half a file. False if it cannot be written (a read-only
    folder, a full disk): what was to be kept is then only lost for the next server, never an error."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "wb" if binary else "w") as file:
                write(file)
            os.replace(temporary, target)
        finally:
            Path(temporary).unlink(missing_ok=True)
    except OSError:
        return False
    return True
