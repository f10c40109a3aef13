"""A model's stress test kept on disk beside its model file, so it is measured once per model file, not once
per server, and the class board can read it without measuring anything.

The record is a small JSON file, ``<model file>.stress.json``. It names the model file it was measured on
(its size and modification time) and the panel it was measured with (``panel_identity``): a retrained or
replaced model file, or a panel changed in mnist_core/stress.py, makes the record stale, and a stale,
damaged or unreadable record reads as no record at all, so the model is simply measured again.
"""

from __future__ import annotations

import json
from pathlib import Path

from mnist_core.kept_files import FileStamp, write_whole
from mnist_core.stress import CORRUPTIONS, SAMPLE_SIZE, SEED, StressResult

SUFFIX = ".stress.json"
# Raise it when mnist_core/stress.py changes how a change's pictures are made without changing a change's
# name or strengths: the records measured on the old pictures then read as stale.
PICTURES_VERSION = 1


def panel_identity(size: int = SAMPLE_SIZE, seed: int = SEED) -> dict:
    """The panel a result was measured with: its sample of test images and every change at every strength."""
    return {
        "images": size,
        "seed": seed,
        "pictures_version": PICTURES_VERSION,
        "changes": {c.kind: [float(s) for s in c.strengths] for c in CORRUPTIONS},
    }


def record_path(model_path: Path) -> Path:
    model_path = Path(model_path)
    return model_path.with_name(model_path.name + SUFFIX)


def write_stress(model_path: Path, result: StressResult, measured: FileStamp, panel: dict | None = None) -> bool:
    """Keep ``result``, measured on the model file as ``measured`` found it (its stamp taken before measuring, so
    a file replaced meanwhile is not credited with the old one's result). False if it cannot be written: the
    result is then only lost for the next server, never an error."""
    record = {
        "model": {"size": measured.size, "modified_ns": measured.modified_ns},
        "panel": panel_identity() if panel is None else panel,
        "result": {"images": result.images, "curves": {kind: list(map(list, c)) for kind, c in result.curves.items()}},
    }
    return write_whole(record_path(model_path), lambda file: json.dump(record, file))


def read_stress(model_path: Path, panel: dict | None = None) -> StressResult | None:
    """The kept result for the model file as it is now, or None if there is none, it is stale (another model
    file, another panel) or it cannot be read."""
    try:
        record = json.loads(record_path(model_path).read_text())
        now = FileStamp.of(model_path)
        if record["model"] != {"size": now.size, "modified_ns": now.modified_ns}:
            return None
        if record["panel"] != (panel_identity() if panel is None else panel):
            return None
        return _result(record["result"])
    except (OSError, ValueError, KeyError, TypeError):  # ValueError covers bad JSON and bad numbers
        return None


def _result(saved: dict) -> StressResult:
    """The result, checked to hold every change with its strengths from 0 up: a record edited or cut short by
    hand raises, and is measured again, rather than drawing a chart with a hole."""
    curves = {
        kind: tuple((float(strength), float(accuracy)) for strength, accuracy in points)
        for kind, points in saved["curves"].items()
    }
    for corruption in CORRUPTIONS:
        strengths = [strength for strength, _ in curves[corruption.kind]]
        if strengths != [0.0, *map(float, corruption.strengths)]:
            raise ValueError(f"the record's {corruption.kind} curve has strengths {strengths}")
        if not all(0 <= accuracy <= 1 for _, accuracy in curves[corruption.kind]):  # NaN fails too
            raise ValueError(f"the record's {corruption.kind} curve has an accuracy outside 0-1")
    return StressResult(images=int(saved["images"]), curves=curves)
