"""Coarse scans of handwriting: digits as a form reader digitises them, counted into a few grey blocks, enlarged
again by someone and given to the app as a picture. A check that the default model reads them (issue 25).

A well-known scheme for handwritten forms: the digit is binarised, scaled to fill a 32x32 box (its aspect kept,
or stretched so a narrow 1 fills the box too: a reader of the scan cannot tell which), and the ink is counted
in non-overlapping 4x4 blocks, giving an 8x8 image of 17 grey levels (0-16). Here the grid is 7 to 10 blocks
across (mostly 8), the blocks 4x4 (17 levels) or 3x3 (10 levels), the pen thicker or thinner, and the counted
image is enlarged to 64-256 px (nearest neighbour, bilinear or bicubic), sometimes blurred, sometimes with a
margin of blank blocks, dark on light or light on dark, and sent through the upload's decoding
(``decode_upload``) and ``prepare_digit`` as a PNG. Every choice is drawn from a seeded generator: the same
images every time.

Two kinds of writing, each with a tune part and a holdout part:

- ``mnist``: MNIST digits, by writers other than training's: the tune part is the 5,000 validation images the
  default model never trains on (``split_validation``), the holdout part the 10,000 MNIST test images;
- ``written``: 1s with a flag and a base bar, 9s with open, flat or pointed loops, 4s closed at the top (and a
  few open ones), drawn here as pen strokes in several families, and the same digits from type designers'
  glyphs (``data/drawings/typeset.npz``, the large upright renderings); the families are split between the
  parts, and the glyphs by the typeset set's own font-family split.

``scan`` is the scanner; ``load_scans(kind, part)`` gives the pictures; ``score`` reads them with a predictor.
"""

from __future__ import annotations

import io
import math
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from mnist_core.preprocess import decode_upload, prepare_digit

BOX = 32  # the side of the binarised bitmap when the grid is 8 blocks of 4
SEEDS = {("mnist", "tune"): 2501, ("mnist", "holdout"): 2502, ("written", "tune"): 2503, ("written", "holdout"): 2504}
PEN = 128  # the side, in pixels, of the canvas the written digits are drawn on before they are scanned
VARIANTS = 40  # scans of each written family, each with its own proportions and scanner settings


def scan(ink: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, dict]:
    """A grey image (0 = ink-free, 255 = full ink, float, any size) scanned coarsely: (the counted grid as 0..levels-1
    ints, the scanner's settings). The grid is what a form reader stores; ``picture`` enlarges it."""
    grid = int(rng.choice((7, 8, 8, 8, 9, 10)))
    block = int(rng.choice((4, 4, 4, 3)))
    settings = {
        "grid": grid,
        "block": block,
        "threshold": float(rng.uniform(0.3, 0.6)),
        "fit": str(rng.choice(("aspect", "aspect", "stretched"))),
        "pen": int(rng.choice((-1, 0, 0, 1))),  # the bitmap's strokes thinned or thickened by a pixel
    }
    side = grid * block
    binary = ink >= settings["threshold"] * ink.max()
    rows, cols = np.flatnonzero(binary.any(axis=1)), np.flatnonzero(binary.any(axis=0))
    crop = Image.fromarray(binary[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1].astype(np.uint8) * 255)
    height, width = crop.height, crop.width
    if settings["fit"] == "aspect":
        scale = side / max(height, width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
    else:
        size = (side, side)
    fitted = np.asarray(crop.resize(size, Image.Resampling.BILINEAR)) >= 128
    bitmap = np.zeros((side, side), bool)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    bitmap[top : top + size[1], left : left + size[0]] = fitted
    if settings["pen"]:
        from scipy import ndimage

        change = ndimage.binary_dilation if settings["pen"] > 0 else ndimage.binary_erosion
        changed = change(bitmap)
        if changed.sum() >= 0.5 * bitmap.sum():  # thinning must not wipe out a thin digit
            bitmap = changed
    counted = bitmap.reshape(grid, block, grid, block).sum(axis=(1, 3))
    return counted, settings


def picture(counted: np.ndarray, levels: int, rng: np.random.Generator) -> tuple[bytes, dict]:
    """The counted grid enlarged to 64-256 px, as someone would show it: a PNG, and how it was made."""
    settings = {
        "margin": int(rng.choice((0, 0, 1, 2))),
        "upscale": str(rng.choice(("nearest", "bilinear", "bicubic"))),
        "side": int(rng.integers(64, 257)),
        "blur": float(rng.choice((0.0, 0.0, rng.uniform(0.2, 0.6)))),  # in blocks
        "dark on light": bool(rng.random() < 0.5),
    }
    grey = np.pad(counted, settings["margin"]).astype(np.float32) * (255.0 / (levels - 1))
    method = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR}.get(
        settings["upscale"], Image.Resampling.BICUBIC
    )
    image = Image.fromarray(np.round(grey).astype(np.uint8)).resize((settings["side"], settings["side"]), method)
    if settings["blur"]:
        image = image.filter(ImageFilter.GaussianBlur(settings["blur"] * settings["side"] / grey.shape[0]))
    pixels = np.clip(np.asarray(image), 0, 255)
    if settings["dark on light"]:
        pixels = 255 - pixels
    buffer = io.BytesIO()
    # PNG is lossless at every level: stored without deflating gives the same pixels, and the default level's
    # deflate was most of the time the model card's check took (tests/test_default_model.py scores 15,846 of these).
    Image.fromarray(np.round(pixels).astype(np.uint8)).save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue(), settings


# ---- written 1s, 9s and 4s: strokes in a unit box (x right, y down), each family its own way of writing ----


def _arc(cx, cy, rx, ry, start, end, steps=24):
    angles = np.deg2rad(np.linspace(start, end, steps))
    return [(cx + rx * math.cos(a), cy + ry * math.sin(a)) for a in angles]


def _one_flag_bar(r):
    stem = 0.5 + r(-0.05, 0.05)
    flag = (stem - r(0.2, 0.4), r(0.12, 0.3))
    half = r(0.2, 0.4)
    return [[flag, (stem, 0), (stem + r(-0.06, 0.06), 1)], [(stem - half, 1), (stem + half, 1)]]


def _one_flag_only(r):
    stem = 0.55
    return [[(stem - r(0.25, 0.45), r(0.15, 0.4)), (stem, 0), (stem + r(-0.1, 0.05), 1)]]


def _one_curved_flag_bar(r):
    stem, half = 0.5, r(0.25, 0.45)
    flag = [(stem - 0.35 * t, 0.25 * t * t + r(0.0, 0.05) * t) for t in np.linspace(1, 0, 8)]
    return [flag + [(stem, 1)], [(stem - half, 1 - r(0, 0.03)), (stem + half, 1)]]


def _one_flat_flag_bar(r):
    stem, half = 0.55, r(0.3, 0.45)
    return [
        [(stem - r(0.2, 0.35), r(0.0, 0.08)), (stem, 0), (stem, 1)],
        [(stem - half, 1), (stem + half + r(0, 0.1), 1)],
    ]


def _one_slanted_bar(r):
    lean = r(0.1, 0.25)
    top, foot = (0.5 + lean / 2, 0), (0.5 - lean / 2, 1)
    return [
        [(top[0] - r(0.2, 0.35), r(0.15, 0.3)), top, foot],
        [(foot[0] - r(0.2, 0.3), 1), (foot[0] + r(0.2, 0.3), 1)],
    ]


def _nine_open(r):
    """The loop drawn from the stem over the top and round the bottom, stopping short of the stem."""
    loop = _arc(0.45, 0.3, 0.38, r(0.22, 0.3), 360, r(45, 100))
    return [loop, [(0.83, 0.3), (0.8 + r(-0.1, 0.05), 1)]]


def _nine_flat(r):
    height = r(0.12, 0.2)
    loop = _arc(0.45, height + 0.02, 0.4, height, 0, 360)
    return [loop, [(0.85, height), (0.8 + r(-0.1, 0.05), 1)]]


def _nine_flat_top(r):
    bottom = r(0.35, 0.5)
    return [[(0.85, 0.02), (0.1, 0.0), (0.08, bottom), (0.85, bottom - r(0, 0.05))], [(0.85, 0.0), (0.85, 1)]]


def _nine_pointed(r):
    bottom = r(0.35, 0.5)
    return [[(0.85, 0.05), (0.35, 0.0), (0.05, bottom * 0.6), (0.3, bottom), (0.85, 0.2)], [(0.85, 0.0), (0.8, 1)]]


def _nine_curled(r):
    loop = _arc(0.5, 0.28, 0.4, 0.28, 0, 360)
    tail = _arc(0.45, 0.7, 0.45, 0.3, -10, 110 + r(0, 40))
    return [loop, [(0.9, 0.28), *tail]]


def _four_closed(r):
    bar, stem = r(0.6, 0.72), r(0.62, 0.75)
    return [[(stem, 1), (stem, 0), (0.0, bar), (1.0, bar + r(-0.03, 0.03))]]


def _four_closed_overshoot(r):
    bar, stem = r(0.55, 0.7), r(0.55, 0.7)
    return [[(stem, 0), (0.05, bar), (1.0, bar)], [(stem, r(-0.05, 0.05)), (stem, 1)]]


def _four_closed_round(r):
    bar, stem = r(0.6, 0.7), r(0.6, 0.72)
    curve = [(stem - (stem - 0.02) * t, bar * t**0.7) for t in np.linspace(0, 1, 8)]
    return [curve + [(1.0, bar)], [(stem, 0), (stem, 1)]]


def _four_narrow_closed(r):
    bar = r(0.6, 0.75)
    return [[(0.7, 1), (0.7, 0), (0.2, bar), (0.95, bar)]]


def _four_open(r):
    bar = r(0.55, 0.7)
    return [[(0.15, 0), (0.05, bar), (1.0, bar)], [(0.7, 0.15), (0.7, 1)]]


FAMILIES = {  # digit: [(name, width/height, strokes(r))]; families alternate between tune and holdout
    1: [
        ("flag and base bar", 0.5, _one_flag_bar),
        ("flag only", 0.45, _one_flag_only),
        ("curved flag and base bar", 0.55, _one_curved_flag_bar),
        ("flat flag and long base bar", 0.6, _one_flat_flag_bar),
        ("slanted, flag and base bar", 0.55, _one_slanted_bar),
    ],
    9: [
        ("open loop", 0.6, _nine_open),
        ("flat loop", 0.65, _nine_flat),
        ("flat-topped loop", 0.55, _nine_flat_top),
        ("pointed loop", 0.6, _nine_pointed),
        ("curled tail", 0.6, _nine_curled),
    ],
    4: [
        ("closed top", 0.75, _four_closed),
        ("closed top, crossing bar", 0.75, _four_closed_overshoot),
        ("closed, curved", 0.75, _four_closed_round),
        ("closed, narrow", 0.6, _four_narrow_closed),
        ("open top", 0.75, _four_open),
    ],
}


def written(strokes_of, aspect: float, rng: np.random.Generator) -> np.ndarray:
    """One written digit: its strokes with their own proportions, slanted a little, a pen 6-14% of its height."""
    strokes = strokes_of(lambda a, b: float(rng.uniform(a, b)))
    shear, width = float(rng.uniform(-0.1, 0.25)), int(PEN * rng.uniform(0.06, 0.14))
    height = PEN * 0.7
    image = Image.new("L", (PEN, PEN))
    draw = ImageDraw.Draw(image)
    for stroke in strokes:
        points = [
            (PEN / 2 + (x - 0.5) * aspect * height + shear * (0.5 - y) * height, PEN / 2 + (y - 0.5) * height)
            for x, y in stroke
        ]
        draw.line(points, fill=255, width=width, joint="curve")
        for x, y in (points[0], points[-1]):
            draw.ellipse((x - width / 2, y - width / 2, x + width / 2, y + width / 2), fill=255)
    return np.asarray(image, np.float32)


@cache
def _sources(kind: str, part: str) -> tuple[tuple[np.ndarray, int, str], ...]:
    """(ink image, label, what it is) for every digit of a kind and part, before scanning."""
    if kind == "mnist":
        from mnist_core.config import VALIDATION_SIZE
        from mnist_core.data import load_mnist, split_validation

        data = load_mnist()
        if part == "tune":
            _, _, images, labels = split_validation(data.x_train, data.y_train, VALIDATION_SIZE)
        else:
            images, labels = data.x_test, data.y_test
        return tuple(
            (image.astype(np.float32), int(label), "MNIST") for image, label in zip(images, labels, strict=True)
        )
    from lab.typeset_digits import load_typeset

    rng = np.random.default_rng(SEEDS[kind, part] + 100)
    found = []
    for digit, families in FAMILIES.items():
        for name, aspect, strokes_of in families[(0 if part == "tune" else 1) :: 2]:
            found += [(written(strokes_of, aspect, rng), digit, name) for _ in range(VARIANTS)]
    glyphs = [
        d
        for d in load_typeset()
        if d["kind"] == "typeset" and d["set"] == part and d["label"] in FAMILIES and "large" in d["style"]
    ]
    found += [(d["grey"], d["label"], d["style"].split(";")[0]) for d in glyphs]
    return tuple(found)


@cache
def load_scans(kind: str, part: str) -> tuple[dict, ...]:
    """Every scan of a kind ("mnist" or "written") and part ("tune" or "holdout") as {"png", "label", "source",
    "grid" (the counted image), "levels", "settings"}: the same every time."""
    rng = np.random.default_rng(SEEDS[kind, part])
    scans = []
    for ink, label, source in _sources(kind, part):
        if kind == "mnist":  # enlarged smoothly first, so the binarised bitmap is no coarser than the 32x32 box
            ink = np.asarray(Image.fromarray(ink).resize((112, 112), Image.Resampling.BICUBIC))
        counted, scanner = scan(ink, rng)
        png, shown = picture(counted, scanner["block"] ** 2 + 1, rng)
        scans.append(
            {
                "png": png,
                "label": label,
                "source": source,
                "grid": counted,
                "levels": scanner["block"] ** 2 + 1,
                "settings": scanner | shown,
            }
        )
    return tuple(scans)


def prepared(scans) -> np.ndarray:
    """The (N, 28, 28) images the model is given, each scan read as an uploaded picture."""
    return np.stack([prepare_digit(decode_upload(s["png"], "scan.png")).image for s in scans])


def score(predictor, scans) -> np.ndarray:
    """The digit the model reads in each scan."""
    return predictor.probabilities_many(prepared(scans)).argmax(axis=1)
