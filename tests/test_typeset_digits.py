"""The typeset, pen-stroked and coarse digits (data/drawings/typeset.npz): a test set made from real typefaces,
not from the script whose styles tuned the augmentation, with a held-out part by font family."""

from collections import Counter

import numpy as np

from lab.typeset_digits import load_typeset, prepared_images
from mnist_core.preprocess import prepare_digit

DIGITS = load_typeset()
KINDS = ("typeset", "stroked", "coarse")


def test_every_kind_and_part_has_every_digit_from_several_families():
    counts = Counter((d["kind"], d["set"], d["label"]) for d in DIGITS)
    for kind in KINDS:
        for part in ("tune", "holdout"):
            assert all(counts[kind, part, label] >= 60 for label in range(10)), (kind, part)
    families = {part: {d["family"] for d in DIGITS if d["set"] == part} for part in ("tune", "holdout")}
    assert len(families["tune"]) >= 8 and len(families["holdout"]) >= 8
    assert not families["tune"] & families["holdout"]  # no typeface is in both parts


def test_the_styles_cover_sizes_slants_and_coarse_resolutions():
    styles = [d["style"] for d in DIGITS]
    for size in ("small", "medium", "large"):
        assert sum(f"; {size};" in s for s in styles) >= 1000
    assert sum(d["kind"] == "coarse" and ("8 px high" in d["style"]) for d in DIGITS) >= 300
    assert any("Z003" in d["family"] for d in DIGITS)  # a script face: looped 2s, open 4s


def test_coarse_digits_are_blurred_upscaled_low_resolution_images():
    coarse = [d for d in DIGITS if d["kind"] == "coarse"]
    for digit in coarse[:50]:
        assert max(digit["grey"].shape) >= 8 * 8  # enlarged at least 8 times
        rows = np.abs(np.diff(digit["grey"], axis=0))
        assert rows.max() < 80  # no sharp edge is left: soft, as a coarse scan enlarged


def test_stroked_digits_have_the_canvas_pens_even_width():
    """Fit to 20x20 like a drawing, the stroke is 1.5 to 4 px wide, as on the Draw page (18 px at 90-240 px high)."""
    from mnist_core.augment import _stroke_width

    stroked = [d for d in DIGITS if d["kind"] == "stroked"]
    widths = _stroke_width(prepared_images(stroked).astype(np.float32))
    assert 1.3 < np.percentile(widths, 5) and np.percentile(widths, 95) < 4.5, np.percentile(widths, [5, 95])


def test_every_image_preprocesses_to_a_full_strength_28x28_digit():
    for digit in DIGITS:
        prepared = prepare_digit(digit["grey"])
        assert prepared is not None and prepared.image.shape == (28, 28) and prepared.image.max() == 255


def test_the_ones_include_base_serifs():
    """Many faces' 1 has a flag and a base serif, the form most people outside the US write."""
    ones = [d for d in DIGITS if d["kind"] == "typeset" and d["label"] == 1 and "large" in d["style"]]
    images = prepared_images(ones).astype(np.float32) / 255
    widest_base = (images[:, 20:24] > 0.5).sum(axis=2).max(axis=1)  # ink across the bottom rows
    assert (widest_base >= 7).sum() >= 20  # a base serif spans much more than the stem
