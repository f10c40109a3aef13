"""The coarse-scan check (lab/coarse_scans.py): its pictures are what they claim to be (a digit counted into a
grid of a few blocks of 10 or 17 grey levels, enlarged), the same every time, and its parts share no writer."""

import io
from collections import Counter

import numpy as np
from PIL import Image

from lab import coarse_scans
from lab.coarse_scans import FAMILIES, load_scans, picture, prepared, scan

WRITTEN = {part: load_scans("written", part) for part in ("tune", "holdout")}


def test_every_scan_is_a_grid_of_7_to_10_blocks_of_10_or_17_grey_levels():
    scans = [*WRITTEN["tune"], *WRITTEN["holdout"], *load_scans("mnist", "tune")[:500]]
    for s in scans:
        grid, levels = s["grid"], s["levels"]
        assert grid.shape[0] == grid.shape[1] and 7 <= grid.shape[0] <= 10
        assert levels in (10, 17) and grid.min() >= 0 and grid.max() <= levels - 1 and grid.max() > 0
    shapes = Counter((s["grid"].shape[0], s["levels"]) for s in scans)
    assert shapes[8, 17] > 0.3 * len(scans)  # the usual scheme: 8x8 blocks of 4x4 pixels, counts 0-16
    fits = Counter(s["settings"]["fit"] for s in scans)
    assert fits["aspect"] > fits["stretched"] > 0.2 * len(scans)


def test_the_picture_is_the_grid_enlarged():
    """Without blur or margin, a nearest-neighbour picture's block centres are the counts, in either polarity."""
    rng = np.random.default_rng(0)
    checked = 0
    for s in WRITTEN["tune"]:
        shown = s["settings"]
        if shown["upscale"] != "nearest" or shown["blur"] or shown["margin"]:
            continue
        pixels = np.asarray(Image.open(io.BytesIO(s["png"])).convert("L"), np.float32)
        assert pixels.shape == (shown["side"], shown["side"]) and 64 <= shown["side"] <= 256
        n = s["grid"].shape[0]
        centres = ((np.arange(n) + 0.5) * shown["side"] / n).astype(int)
        sampled = pixels[np.ix_(centres, centres)]
        if shown["dark on light"]:
            sampled = 255 - sampled
        assert np.allclose(sampled, s["grid"] * 255 / (s["levels"] - 1), atol=1)
        checked += 1
    assert checked >= 10
    png, settings = picture(np.eye(8, dtype=int) * 16, 17, rng)
    assert Image.open(io.BytesIO(png)).size == (settings["side"], settings["side"])


def test_a_narrow_one_stretched_fills_its_grid_and_kept_stays_narrow():
    one = np.zeros((112, 112), np.float32)
    one[8:104, 50:62] = 255
    counts = {}
    for seed in range(40):
        grid, settings = scan(one, np.random.default_rng(seed))
        counts.setdefault(settings["fit"], []).append((grid > 0).any(axis=0).mean())
    assert min(counts["stretched"]) == 1.0 and max(counts["aspect"]) < 0.5


def test_the_scans_are_the_same_every_time():
    again = coarse_scans.load_scans.__wrapped__("written", "tune")
    assert [s["png"] for s in again] == [s["png"] for s in WRITTEN["tune"]]


def test_the_parts_share_no_family_and_each_has_the_three_digits():
    sources = {part: {s["source"] for s in scans} for part, scans in WRITTEN.items()}
    assert not sources["tune"] & sources["holdout"]
    for part, scans in WRITTEN.items():
        labels = Counter(s["label"] for s in scans)
        assert set(labels) == set(FAMILIES) and min(labels.values()) >= 80, (part, labels)
    assert len(load_scans("mnist", "holdout")) == 10_000  # the MNIST test set: other writers than training's


def test_every_scan_reads_as_an_upload_to_a_full_strength_digit():
    images = prepared(WRITTEN["holdout"])
    assert images.shape == (len(WRITTEN["holdout"]), 28, 28) and (images.max(axis=(1, 2)) == 255).all()
