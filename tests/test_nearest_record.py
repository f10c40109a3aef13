"""The nearest-images index kept beside a model file: read back as written, and read as none once the model file
changes or the kept file is damaged, so a model is indexed again rather than answered from another's index."""

import os

import numpy as np
import pytest

from mnist_core.kept_files import FileStamp
from mnist_core.nearest_record import keeps_index, read_rows, record_path, write_rows
from mnist_core.paths import DEFAULT_MODEL, MODELS_DIR

ROWS = np.random.default_rng(0).random((50, 8), dtype=np.float32)


@pytest.fixture
def model(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"a model's bytes")
    return path


def test_rows_kept_for_a_model_file_are_read_back_exactly(model):
    assert write_rows(model, ROWS, FileStamp.of(model))
    np.testing.assert_array_equal(read_rows(model, len(ROWS)), ROWS)
    assert record_path(model).name == "model.keras.nearest.npz"
    assert {p.name for p in model.parent.iterdir()} == {"model.keras", "model.keras.nearest.npz"}  # no temporary left


def test_a_model_file_saved_again_makes_its_kept_rows_stale(model):
    write_rows(model, ROWS, FileStamp.of(model))
    model.write_bytes(b"another model, of another size")
    assert read_rows(model, len(ROWS)) is None


def test_a_model_file_touched_makes_its_kept_rows_stale(model):
    write_rows(model, ROWS, FileStamp.of(model))
    stat = model.stat()
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert read_rows(model, len(ROWS)) is None


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"not a zip at all",
        b"PK\x03\x04 cut short",
    ],
    ids=["empty", "not-a-zip", "cut-short"],
)
def test_a_damaged_kept_file_reads_as_none(model, damage):
    write_rows(model, ROWS, FileStamp.of(model))
    record_path(model).write_bytes(damage)
    assert read_rows(model, len(ROWS)) is None


def test_rows_of_another_shape_or_kind_read_as_none(model):
    stamp = FileStamp.of(model)
    write_rows(model, ROWS, stamp)
    assert read_rows(model, len(ROWS) + 1) is None  # not one row per training image
    for wrong in (ROWS.astype(np.float64), ROWS[0], np.where(ROWS > 0.5, np.nan, ROWS).astype(np.float32)):
        write_rows(model, wrong, stamp)
        assert read_rows(model, len(ROWS)) is None


def test_no_kept_file_and_no_model_file_read_as_none(model, tmp_path):
    assert read_rows(model, len(ROWS)) is None
    assert read_rows(tmp_path / "gone.keras", len(ROWS)) is None


def test_an_unwritable_folder_is_no_error(model):
    model.parent.chmod(0o500)
    try:
        if os.access(model.parent, os.W_OK):  # root writes anyway: a folder that is a file stands in
            assert not write_rows(model.parent / "no-folder" / "model.keras", ROWS, FileStamp.of(model))
        else:
            assert not write_rows(model, ROWS, FileStamp.of(model))
    finally:
        model.parent.chmod(0o700)


def test_only_the_apps_own_models_keep_their_index(tmp_path):
    assert keeps_index(DEFAULT_MODEL) and keeps_index(MODELS_DIR / "another.keras")
    assert not keeps_index(tmp_path / "runs" / "1" / "model.keras") and not keeps_index(None)
