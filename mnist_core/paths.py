"""Where things live: the project's data and models, and the run registry's home."""

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data" / "mnist"
MODELS_DIR = PROJECT_DIR / "models"
DEFAULT_MODEL = MODELS_DIR / "default.keras"


def studio_home() -> Path:
    """The run registry's folder: ``$MNIST_STUDIO_HOME``, or ``runs/`` in the project."""
    return Path(os.environ.get("MNIST_STUDIO_HOME") or PROJECT_DIR / "runs")
