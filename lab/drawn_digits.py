"""Mouse-drawn test digits (data/drawings/digits.json): load them, render them like the canvas, score a model.

Each drawing is ``{"label", "set": "tune" | "holdout", "style", "strokes": [[[x, y], ...], ...]}`` in
the 280x280 canvas's pixels. Rendering follows the Draw page's canvas: white round-capped strokes of
width 18 on opaque black.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from mnist_core.geometry import CANVAS_SIZE, PEN_WIDTH, SIZE
from mnist_core.paths import PROJECT_DIR
from mnist_core.preprocess import prepare_canvas

DRAWINGS_FILE = PROJECT_DIR / "data" / "drawings" / "digits.json"


def load_drawn_digits(path: Path = DRAWINGS_FILE) -> list[dict]:
    return json.loads(Path(path).read_text())


def render_strokes(strokes, width: int = PEN_WIDTH, size: int = CANVAS_SIZE) -> np.ndarray:
    """The strokes as the canvas's RGBA image (size, size, 4) uint8: white round-capped lines on black."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 255))
    draw = ImageDraw.Draw(image)
    radius = width / 2
    for stroke in strokes:
        points = [tuple(map(float, point)) for point in stroke]
        if len(points) > 1:
            draw.line(points, fill="white", width=width, joint="curve")
        for x, y in points:  # round caps, and round joints where the polyline turns sharply
            draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill="white")
    return np.asarray(image)


def score(predictor, digits: list[dict]) -> dict:
    """Accuracy overall and per set, and each misread: {index, label, predicted, set, style}."""
    images = [prepare_canvas(render_strokes(digit["strokes"])) for digit in digits]
    blank = np.zeros((SIZE, SIZE), np.uint8)
    batch = np.stack([blank if prepared is None else prepared.image for prepared in images])
    predicted = predictor.probabilities_many(batch).argmax(axis=1) if len(digits) else np.zeros(0, int)
    by_set: dict[str, list[bool]] = {}
    misreads = []
    for index, (digit, guess, prepared) in enumerate(zip(digits, predicted, images, strict=True)):
        right = prepared is not None and int(guess) == digit["label"]
        by_set.setdefault(digit["set"], []).append(right)
        if not right:
            misreads.append(
                {
                    "index": index,
                    "label": digit["label"],
                    "predicted": int(guess),
                    "set": digit["set"],
                    "style": digit["style"],
                }
            )
    hits = [hit for hits in by_set.values() for hit in hits]
    return {
        "accuracy": float(np.mean(hits)) if hits else 0.0,
        "by_set": {name: float(np.mean(hits)) for name, hits in by_set.items()},
        "counts": {name: len(hits) for name, hits in by_set.items()},
        "misreads": misreads,
    }
