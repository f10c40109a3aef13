"""The seed notebook's ablation studies: named lists of variants trained one after the other.

Pure Python (pandas only inside ``study_table``): the CLI checks a study name
and lists its variants without waiting for TensorFlow.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from mnist_core.config import TrainConfig
from mnist_core.errors import ConfigError
from mnist_core.run_names import NAME_LIMIT

if TYPE_CHECKING:  # pandas is imported only inside study_table
    import pandas

SEED = TrainConfig()

STUDIES: dict[str, list[tuple[str, TrainConfig]]] = {
    # What the seed notebook tried around its model: how much dropout, and how many dense layers.
    "dropout": [
        ("Seed: 256-128, dropout 0.2", SEED),
        ("No dropout", SEED.replace(dropouts=(0.0, 0.0))),
        ("Dropout 0.5", SEED.replace(dropouts=(0.5, 0.0))),
        ("Two dropout layers (0.2, 0.2)", SEED.replace(dropouts=(0.2, 0.2))),
        ("Three dense layers 256-128-64", SEED.replace(hidden_units=(256, 128, 64), dropouts=(0.2, 0.0, 0.0))),
        ("Two dense layers 128-64", SEED.replace(hidden_units=(128, 64), dropouts=(0.2, 0.0))),
        ("One dense layer 128", SEED.replace(hidden_units=(128,), dropouts=(0.2,))),
    ],
}

COLUMNS = ["Variant", "Dropout", "Train accuracy", "Test accuracy", "Gap"]


def study(name: str) -> list[tuple[str, TrainConfig]]:
    """The variants of the study ``name`` as (label, config), in the notebook's order."""
    try:
        return list(STUDIES[name])
    except KeyError:
        raise ConfigError(f"Unknown study {name!r}: choose one of {', '.join(STUDIES)}.") from None


def study_table(rows: list[dict]) -> pandas.DataFrame:
    """One row per variant: Variant, Dropout (of the first layer), Train accuracy, Test accuracy, Gap.

    ``rows`` are dicts with ``label``, ``dropout``, ``train_accuracy`` and
    ``test_accuracy``; the gap is train minus test (a large gap means
    overfitting). A missing train accuracy gives an empty (NaN) gap.
    """
    import pandas as pd

    frame = pd.DataFrame(
        {
            "Variant": [row["label"] for row in rows],
            "Dropout": pd.Series([row["dropout"] for row in rows], dtype=float),
            "Train accuracy": pd.Series([row["train_accuracy"] for row in rows], dtype=float),
            "Test accuracy": pd.Series([row["test_accuracy"] for row in rows], dtype=float),
        }
    )
    frame["Gap"] = frame["Train accuracy"] - frame["Test accuracy"]
    return frame[COLUMNS]


def run_prefix(study_name: str) -> str:
    """What every run name of this study starts with, e.g. ``Study dropout``."""
    return _clean(f"Study {study_name}")


def run_name(study_name: str, label: str, number: int) -> str:
    """A registry-safe run name such as ``Study dropout - Dropout 05 - 3``.

    Only letters, digits, spaces, '-' and '_' are kept and the label is
    shortened so the whole name fits in ``NAME_LIMIT`` characters.
    """
    head, tail = run_prefix(study_name), f" - {number}"
    room = NAME_LIMIT - len(head) - len(" - ") - len(tail)
    body = _clean(label)[: max(room, 0)].strip()
    return f"{head} - {body}{tail}" if body else f"{head}{tail}"


def free_study_number(study_name: str, taken_names: list[str]) -> int:
    """The first number free for every variant's run name: "Study dropout - No dropout - 2" is the 2nd study."""
    taken = {name.lower() for name in taken_names}
    number = 1
    while any(run_name(study_name, label, number).lower() in taken for label, _ in study(study_name)):
        number += 1
    return number


def variant_label(study_name: str, config: dict) -> str | None:
    """The label of the study's variant with this config, if it is one."""
    saved = TrainConfig.from_dict(config).to_dict()  # settings added since the run was saved take defaults
    return next(
        (
            label
            for label, variant in study(study_name)
            if {**saved, "epochs": variant.epochs, "train_size": variant.train_size} == variant.to_dict()
        ),
        None,
    )


def _clean(text: str) -> str:
    return re.sub(r" +", " ", re.sub(r"[^A-Za-z0-9 _-]", "", text)).strip()
