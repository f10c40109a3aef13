"""The shipped default model: its recipe, its rebuild from the code as it is, and its model card's figures.

``make default-model`` (``python -m lab default-model``) trains RECIPE with today's code and
writes three files that belong together:

- ``models/default.keras``, the model;
- ``models/default.json``, what made it (the recipe, the code version: a sha256 of SOURCES, and
  the model file's own sha256) and the figures measured on that exact file;
- the table in ``models/MODEL_CARD.md``, written from those figures.

``tests/test_default_model.py`` fails when the recipe or SOURCES change without a rebuild, and
holds each figure. The recipe was chosen on the validation images and the tune parts of the
drawn and typeset digits; the MNIST test set and the holdout parts are scored only here.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import time
from pathlib import Path

import numpy as np

from mnist_core.config import VALIDATION_SIZE, TrainConfig, parameter_count
from mnist_core.errors import UserError
from mnist_core.paths import DEFAULT_MODEL, MODELS_DIR, PROJECT_DIR

RECIPE = TrainConfig(
    conv_filters=(32, 64),
    hidden_units=(128,),
    dropouts=(0.3,),
    epochs=12,
    batch_size=64,
    learning_rate=0.002,
    schedule="cosine",
    augment=True,
    seed=0,
    validation=VALIDATION_SIZE,
)
# What the model learns depends on the augmentation's code besides the recipe (the trainer computes
# what ``model.fit`` would, and a test holds it to that), and on the network and optimizer that
# mnist_core/models.py builds for the recipe: those count by their Keras configs, so reorganising
# models.py needs no rebuild, and any change to the network or optimizer does.
SOURCES = ("mnist_core/augment.py",)
RECORD = MODELS_DIR / "default.json"
CARD = MODELS_DIR / "MODEL_CARD.md"
TABLE_START = "<!-- figures: written by `python -m lab model-card` from models/default.json -->"
TABLE_END = "<!-- end of figures -->"


def code_version() -> str:
    """A sha256 of what decides what the model learns besides the recipe: the syntax of SOURCES (so
    comments and layout do not count) and the Keras configs of the layers and optimizer built for RECIPE."""
    from mnist_core.models import build_model, make_optimizer

    digest = hashlib.sha256()
    for name in SOURCES:
        digest.update(name.encode() + b"\0" + ast.dump(ast.parse((PROJECT_DIR / name).read_text())).encode() + b"\0")
    configs = [layer.get_config() for layer in build_model(RECIPE).layers]
    configs.append(make_optimizer(RECIPE, total_steps=1_000).get_config())
    digest.update(json.dumps(configs, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def rebuild(log=print) -> dict:
    """Train RECIPE, replace the default model, measure it, write its record and its card's table."""
    from mnist_core.trainer import train

    started = time.perf_counter()
    version = code_version()  # of the code that trains, not of whatever is on disk at the end
    result = train(
        RECIPE,
        on_event=lambda e: (
            e.is_epoch
            and log(f"Epoch {e.epoch}/{e.epochs}: loss {e.loss:.4f}, validation accuracy {e.record.val_accuracy:.4f}")
        ),
    )
    partial = DEFAULT_MODEL.with_name(f".default-{os.getpid()}.keras")  # Keras picks the format from the suffix
    result.model.save(partial)
    os.replace(partial, DEFAULT_MODEL)
    if code_version() != version:
        raise UserError(f"{', '.join(SOURCES)} changed while the model trained: run it again.")
    record = {
        "config": RECIPE.to_dict(),
        "code_version": version,
        "sources": list(SOURCES),
        "training_seconds": round(result.metrics["fit_seconds"]),
        "wall_seconds": round(time.perf_counter() - started),
    }
    return write_card(record, log)


def write_card(record: dict | None = None, log=print) -> dict:
    """Measure the default model file, keep the figures in its record, and write the card's table from them."""
    record = dict(record or json.loads(RECORD.read_text()))
    record["model_sha256"] = file_sha256(DEFAULT_MODEL)
    record["figures"] = measure(DEFAULT_MODEL)
    RECORD.write_text(json.dumps(record, indent=1) + "\n")
    CARD.write_text(with_table(CARD.read_text(), card_table(record)))
    log(card_table(record))
    return record


def measure(path: Path) -> dict:
    """Accuracy of the model file on every set the card names, each as {"right", "total"}."""
    from lab import coarse_scans, drawn_digits, typeset_digits
    from mnist_core.data import load_mnist, split_validation
    from mnist_core.inference import Predictor

    predictor = Predictor.from_file(path)
    data = load_mnist()
    _, _, x_val, y_val = split_validation(data.x_train, data.y_train, VALIDATION_SIZE)
    figures = {
        "mnist test": _count(predictor, data.x_test, data.y_test),
        "mnist validation": _count(predictor, x_val, y_val),
    }
    drawn = drawn_digits.load_drawn_digits()
    for part in ("tune", "holdout"):
        chosen = [d for d in drawn if d["set"] == part]
        hits = round(drawn_digits.score(predictor, chosen)["accuracy"] * len(chosen))
        figures[f"drawn {part}"] = {"right": hits, "total": len(chosen)}
    typeset = typeset_digits.load_typeset()
    result = typeset_digits.score(predictor, typeset)
    for name, total in sorted(result["counts"].items()):
        figures[name] = {"right": round(result["accuracy"][name] * total), "total": total}
    for kind in ("mnist", "written"):
        for part in ("tune", "holdout"):
            scans = coarse_scans.load_scans(kind, part)
            right = coarse_scans.score(predictor, scans) == np.array([scan["label"] for scan in scans])
            figures[f"scans {kind} {part}"] = {"right": int(right.sum()), "total": len(scans)}
    return figures


def _count(predictor, images: np.ndarray, labels: np.ndarray) -> dict:
    from mnist_core.batch_prediction import predict_probabilities

    predicted = predict_probabilities(predictor.model, images / 255.0).argmax(axis=1)
    return {"right": int((predicted == labels).sum()), "total": len(labels)}


ROWS = (  # (figure, set, what it is, whether any choice looked at it)
    ("mnist test", "MNIST test set", "10,000 images", "no: scored once, for this card"),
    (
        "mnist validation",
        "MNIST validation",
        f"{VALIDATION_SIZE:,} training images held out of training",
        "yes: the recipe was chosen on it",
    ),
    (
        "drawn tune",
        "Mouse-drawn digits (`digits.json`), tune",
        "this project's stroke skeletons",
        "yes: the augmentation was tuned on it",
    ),
    ("drawn holdout", "Mouse-drawn digits (`digits.json`), holdout", "the same script's other styles", "no"),
    ("typeset tune", "Typeset digits, tune", "10 font families, 3 sizes, slanted", "yes"),
    ("typeset holdout", "Typeset digits, holdout", "9 other font families", "no"),
    (
        "stroked tune",
        "Typeset digits drawn with the canvas pen, tune",
        "centre lines of the same glyphs, even 18 px stroke, 3 sizes",
        "yes",
    ),
    ("stroked holdout", "Typeset digits drawn with the canvas pen, holdout", "the held-out families", "no"),
    ("coarse tune", "Coarse digits, tune", "8-12 px high renderings, upscaled and blurred", "yes"),
    ("coarse holdout", "Coarse digits, holdout", "the held-out families", "no"),
    (
        "scans mnist tune",
        "Coarse scans of MNIST validation (`lab/coarse_scans.py`)",
        "the validation images counted into 7-10 blocks, enlarged, uploaded",
        "yes",
    ),
    ("scans mnist holdout", "Coarse scans of the MNIST test set", "the same scanner, other writers", "no"),
    (
        "scans written tune",
        "Coarse scans of written 1s, 4s and 9s, tune",
        "flagged and barred 1s, open and flat 9s, closed 4s: half the families; tune fonts",
        "yes",
    ),
    ("scans written holdout", "Coarse scans of written 1s, 4s and 9s, holdout", "the other families and fonts", "no"),
)


def card_table(record: dict) -> str:
    figures = record["figures"]
    lines = ["| Test set | What it is | Looked at while choosing? | Accuracy |", "|---|---|---|---|"]
    for key, name, what, looked in ROWS:
        right, total = figures[key]["right"], figures[key]["total"]
        lines.append(f"| {name} | {what} | {looked} | {right / total:.2%} ({right:,}/{total:,}) |")
    config = TrainConfig.from_dict(record["config"])
    lines.append("")
    lines.append(
        f"Model file sha256 `{record['model_sha256'][:16]}...`, code version `{record['code_version'][:16]}...` "
        f"({', '.join(record['sources'])} and the network and optimizer built for the recipe); "
        f"{config.describe()}, {parameter_count(config):,} parameters, "
        f"{config.epochs} epochs on {config.training_images:,} images, "
        f"{record['training_seconds']} s of training."
    )
    return "\n".join(lines)


def with_table(card: str, table: str) -> str:
    """The card with the text between its table markers replaced (the markers are added at the end if missing)."""
    block = f"{TABLE_START}\n{table}\n{TABLE_END}"
    pattern = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.S)
    if pattern.search(card):
        return pattern.sub(lambda _: block, card)
    return card.rstrip("\n") + "\n\n" + block + "\n"


def table_in(card: str) -> str | None:
    match = re.search(re.escape(TABLE_START) + "\n(.*?)\n" + re.escape(TABLE_END), card, re.S)
    return match.group(1) if match else None
