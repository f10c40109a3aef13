"""The mouse-drawn test digits (data/drawings/digits.json), offline: each renders and preprocesses,
the file is what the generator makes, and the default model reads the holdout drawings."""

import json
from collections import Counter

import numpy as np
import pytest

from lab.default_model import RECORD
from lab.drawn_digits import DRAWINGS_FILE, load_drawn_digits, render_strokes, score
from lab.make_digits import make_digits
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.preprocess import prepare_canvas

MARGIN = 0.01  # below the model card's claimed holdout figure (models/default.json) by more than this, it fails

DIGITS = load_drawn_digits()


def _variant(digit: dict) -> tuple[int, str]:
    return digit["label"], digit["style"].split(";")[0]


def test_each_set_has_at_least_ten_drawings_of_every_digit():
    counts = Counter((d["set"], d["label"]) for d in DIGITS)
    for set_name in ("tune", "holdout"):
        assert all(counts[set_name, label] >= 10 for label in range(10)), counts


def test_the_holdout_drawings_use_variants_not_in_the_tune_set():
    tune = {_variant(d) for d in DIGITS if d["set"] == "tune"}
    holdout = {_variant(d) for d in DIGITS if d["set"] == "holdout"}
    assert not tune & holdout


def test_every_drawing_renders_to_ink_and_preprocesses_to_28x28():
    for index, digit in enumerate(DIGITS):
        assert 1 <= len(digit["strokes"]) <= 3, index
        assert all(
            len(stroke) >= 5 and all(0 <= v < 280 for point in stroke for v in point) for stroke in digit["strokes"]
        ), index
        rgba = render_strokes(digit["strokes"])
        assert rgba.shape == (280, 280, 4) and rgba.dtype == np.uint8
        assert (rgba[..., 3] == 255).all(), "the canvas is opaque black"
        ink = rgba[..., 0] > 127
        assert 0.005 < ink.mean() < 0.4, f"#{index}: {ink.mean():.3f} of the canvas is ink"
        prepared = prepare_canvas(rgba)
        assert prepared is not None, f"#{index} has no ink after preprocessing"
        assert prepared.image.shape == (28, 28) and prepared.image.dtype == np.uint8
        assert prepared.image.max() == 255


def test_render_strokes_draws_round_capped_lines_of_the_given_width():
    rgba = render_strokes([[[100, 140], [180, 140]]], width=18)
    ink = rgba[..., 0] > 127
    rows = np.flatnonzero(ink.any(axis=1))
    cols = np.flatnonzero(ink.any(axis=0))
    assert abs(len(rows) - 18) <= 1
    assert abs(cols[0] - 91) <= 1 and abs(cols[-1] - 189) <= 1  # caps reach half the width past the ends
    assert not ink[0].any() and (rgba[0, 0] == [0, 0, 0, 255]).all()


def test_the_file_is_what_the_generator_makes():
    made = json.loads(json.dumps(make_digits()))
    assert made == DIGITS, f"{DRAWINGS_FILE} is out of date: run python -m lab.make_digits"


def test_the_default_model_reads_the_holdout_drawings(capsys):
    if not DEFAULT_MODEL.exists():
        pytest.skip(f"{DEFAULT_MODEL} does not exist yet: the accuracy on drawn digits needs the default model")
    from mnist_core.inference import Predictor

    result = score(Predictor.from_file(DEFAULT_MODEL), DIGITS)
    holdout = result["by_set"]["holdout"]
    claimed = json.loads(RECORD.read_text())["figures"]["drawn holdout"]
    floor = claimed["right"] / claimed["total"] - MARGIN
    misreads = "; ".join(
        f"#{m['index']} {m['label']}->{m['predicted']} ({m['style']})"
        for m in result["misreads"]
        if m["set"] == "holdout"
    )
    with capsys.disabled():
        print(
            f"\ndrawn digits, default model: holdout {holdout:.3f} (claimed {floor + MARGIN:.3f}), "
            f"tune {result['by_set']['tune']:.3f}" + (f"; holdout misreads: {misreads}" if misreads else "")
        )
    assert holdout >= floor, f"holdout accuracy {holdout:.3f} < {floor:.3f}: {misreads}"
