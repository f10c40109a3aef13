"""Whether a path can be a model file at all, answered without importing Keras (a second's start of TensorFlow),
so that the command line refuses a mistyped or broken model file at once."""

from __future__ import annotations

import zipfile
from pathlib import Path

from mnist_core.errors import ModelFileError


def model_file(path: Path | str) -> Path:
    """``path`` if it names an existing ``.keras`` file, else ModelFileError saying which is wrong."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ModelFileError(f"{path} is not a .keras model file.")
    if not path.is_file():
        raise ModelFileError(f"The model file {path} does not exist.")
    return path


def checked_model_file(path: Path | str) -> Path:
    """``model_file``, and a zip archive as every ``.keras`` file is: a file that is not one is refused with the
    message ``models.load_model`` gives (a damaged zip is found by Keras when it loads the file)."""
    path = model_file(path)
    try:
        is_zip = zipfile.is_zipfile(path)
    except OSError as error:
        raise ModelFileError(f"The model file {path} cannot be read ({error.strerror or error}).") from None
    if not is_zip:
        raise ModelFileError(f"The model file {path} is damaged or not a Keras model (not a zip archive).")
    return path
