"""Digits from real typefaces (data/drawings/typeset.npz): load them as preprocessing sees them, score a model.

Made by ``lab/make_typeset.py`` from type designers' glyphs, not from this project's
idea of handwriting, so they test what the augmentation was not tuned on. Two kinds:

- ``typeset``: each face's digits at three sizes, slanted and turned a little;
- ``coarse``: 8 to 12 px renderings, upscaled and blurred here as a low-resolution scan of a
  written digit would be, before ``prepare_digit`` fits them to 20x20 like every other input.

Each image is in the ``tune`` part or the ``holdout`` part, by font family.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

from mnist_core.paths import PROJECT_DIR
from mnist_core.preprocess import prepare_digit

TYPESET_FILE = PROJECT_DIR / "data" / "drawings" / "typeset.npz"
BLUR = 0.4  # Gaussian blur of an upscaled coarse image, in its original pixels: a scanner's soft edges


def load_typeset(path: Path = TYPESET_FILE) -> list[dict]:
    """Every image as {"grey" (bright ink on dark, float), "label", "kind", "set", "family", "style"}."""
    with np.load(path) as data:
        ends = np.cumsum([h * w for h, w in data["shapes"]])
        pieces = np.split(data["pixels"], ends[:-1])
        return [
            {
                "grey": _as_scanned(piece.reshape(shape), int(upscale)),
                "label": int(label),
                "kind": str(kind),
                "set": str(part),
                "family": str(family),
                "style": str(style),
            }
            for piece, shape, label, kind, part, family, style, upscale in zip(
                pieces,
                data["shapes"],
                data["labels"],
                data["kinds"],
                data["parts"],
                data["families"],
                data["styles"],
                data["upscales"],
                strict=True,
            )
        ]


def _as_scanned(grey: np.ndarray, upscale: int) -> np.ndarray:
    """A coarse image enlarged ``upscale`` times (bicubic, as viewers and scanners' drivers do), then blurred."""
    if not upscale:
        return grey.astype(np.float32)
    image = Image.fromarray(grey).resize((grey.shape[1] * upscale, grey.shape[0] * upscale), Image.Resampling.BICUBIC)
    return np.asarray(image.filter(ImageFilter.GaussianBlur(BLUR * upscale)), np.float32)


def prepared_images(digits: list[dict]) -> np.ndarray:
    """The (N, 28, 28) uint8 images the model is given."""
    return np.stack([prepare_digit(digit["grey"]).image for digit in digits])


def score(predictor, digits: list[dict]) -> dict:
    """Accuracy per (kind, set), and each misread: {index, label, predicted, kind, set, style}."""
    predicted = predictor.probabilities_many(prepared_images(digits)).argmax(axis=1)
    right = predicted == np.array([digit["label"] for digit in digits])
    groups: dict[str, list[bool]] = {}
    for digit, hit in zip(digits, right, strict=True):
        groups.setdefault(f"{digit['kind']} {digit['set']}", []).append(bool(hit))
    misreads = [
        {"index": i, "label": d["label"], "predicted": int(p), "kind": d["kind"], "set": d["set"], "style": d["style"]}
        for i, (d, p, hit) in enumerate(zip(digits, predicted, right, strict=True))
        if not hit
    ]
    return {
        "accuracy": {name: float(np.mean(hits)) for name, hits in groups.items()},
        "counts": {name: len(hits) for name, hits in groups.items()},
        "misreads": misreads,
    }
