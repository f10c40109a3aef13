"""Writes data/drawings/typeset.npz: digits from real typefaces, a test set made unlike make_digits.py.

make_digits.py draws digits from skeletons this project wrote, and the augmentation was tuned by
looking at them. These come from type designers' glyphs instead (the Debian packages fonts-dejavu,
fonts-dejavu-extra, fonts-liberation, fonts-freefont-ttf and fonts-urw-base35): flagged ones with
and without a base serif, open and closed fours, looped twos (Z003 is a script face), serif, sans,
mono, narrow, light and bold faces, upright and italic. Two sets:

  typeset  each glyph at a small, medium and large size (24, 64, 160 px), slanted and turned a
           little at random, as a camera or a careful hand would show it;
  stroked  each glyph thinned to its centre line and drawn again with the Draw page's round pen
           (18 px on the 280 px canvas) at a small, medium and large height: the typeface's shape
           (the flag and base of a 1, an open 4) with the even width of a mouse stroke;
  coarse   each glyph rendered at 8 to 12 px high, as a low-resolution scan sees a written digit;
           ``lab.typeset_digits`` upscales and blurs it before preprocessing.

Faces are split by family into a tune part and a held-out part (alternately, in name order), so the
held-out part has typefaces no decision has looked at. The images are stored (white on black, cropped
to the ink), so the suite and CI need no fonts. Deterministic for the same installed fonts.

    apt-get install fonts-dejavu fonts-dejavu-extra fonts-liberation fonts-freefont-ttf fonts-urw-base35
    .venv/bin/python -m lab.make_typeset
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from lab.typeset_digits import TYPESET_FILE as OUT
from mnist_core.geometry import PEN_WIDTH as PEN  # the Draw page's default stroke width

SKIP = ("Symbols", "D050000L", "Math")  # faces without ordinary digits
SIZES = {"small": 24, "medium": 64, "large": 160}  # font size in pixels
STROKED_HEIGHTS = {"small": 90, "medium": 160, "large": 240}  # ink height on the 280 px canvas
COARSE_HEIGHTS = (8, 10, 12)  # ink height in pixels of the low-resolution renderings
LARGEST = 64  # stored images are at most this many pixels on a side (preprocessing fits to 20)


def faces() -> list[tuple[str, str, str]]:
    """(family, style, file) of every installed face with digits, one file per face, sorted."""
    listing = subprocess.run(
        ["fc-list", "--format", "%{family[0]}|%{style[0]}|%{file}\n"], capture_output=True, text=True, check=True
    ).stdout
    found = {}
    for line in sorted(listing.splitlines()):
        family, style, path = line.split("|")
        if not any(word in family for word in SKIP) and path.endswith((".ttf", ".otf")):
            found.setdefault((family, style), path)
    return [(family, style, path) for (family, style), path in sorted(found.items())]


def glyph(path: str, digit: int, size: int) -> np.ndarray:
    """The digit in white on black at ``size`` px, cropped to its ink."""
    font = ImageFont.truetype(path, size)
    image = Image.new("L", (size * 2, size * 2))
    ImageDraw.Draw(image).text((size // 2, size // 4), str(digit), fill=255, font=font)
    grey = np.asarray(image)
    rows, cols = np.flatnonzero(grey.any(axis=1)), np.flatnonzero(grey.any(axis=0))
    return grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def slant(grey: np.ndarray, shear: float, degrees: float) -> np.ndarray:
    """Sheared (top to the right for shear > 0) and turned, with room so no ink is cut, cropped again."""
    pad = max(grey.shape)
    image = Image.fromarray(np.pad(grey, pad))
    w, h = image.size
    image = image.transform(
        (w, h), Image.Transform.AFFINE, (1, shear, -shear * h / 2, 0, 1, 0), resample=Image.Resampling.BICUBIC
    )
    image = image.rotate(degrees, resample=Image.Resampling.BICUBIC)
    out = np.asarray(image)
    ink = out > 25
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    return out[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def shrink(grey: np.ndarray) -> np.ndarray:
    scale = LARGEST / max(grey.shape)
    if scale >= 1:
        return grey
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    return np.asarray(Image.fromarray(grey).resize(size, Image.Resampling.LANCZOS))


def thin(ink: np.ndarray) -> np.ndarray:
    """Zhang and Suen's thinning (1984): peel boundary pixels until a one-pixel centre line is left."""
    x = np.pad(ink.astype(bool), 1)
    while True:
        changed = False
        for step in (0, 1):
            p = [
                np.roll(np.roll(x, -dy, 0), -dx, 1)
                for dy, dx in ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
            ]  # P2..P9, clockwise
            count = sum(q.astype(int) for q in p)
            transitions = sum((~p[i] & p[(i + 1) % 8]).astype(int) for i in range(8))
            if step == 0:
                ends = ~(p[0] & p[2] & p[4]) & ~(p[2] & p[4] & p[6])
            else:
                ends = ~(p[0] & p[2] & p[6]) & ~(p[0] & p[4] & p[6])
            peel = x & (count >= 2) & (count <= 6) & (transitions == 1) & ends
            if peel.any():
                x &= ~peel
                changed = True
        if not changed:
            return x[1:-1, 1:-1]


def stroked(path: str, digit: int, height: int, shear: float) -> np.ndarray:
    """The glyph's centre line, ``height`` px high, slanted, drawn with a round pen PEN px wide."""
    grey = slant(glyph(path, digit, 200), shear, 0.0)
    scale = height / grey.shape[0]
    size = (max(1, round(grey.shape[1] * scale)), height)
    line = thin(np.asarray(Image.fromarray(grey).resize(size, Image.Resampling.BILINEAR)) > 127)
    radius = PEN / 2
    canvas = Image.new("L", (size[0] + PEN + 2, height + PEN + 2))
    draw = ImageDraw.Draw(canvas)
    for y, x in zip(*np.nonzero(line), strict=True):
        cx, cy = x + radius + 1, y + radius + 1
        draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=255)
    return shrink(np.asarray(canvas))


def coarse(path: str, digit: int, height: int) -> np.ndarray:
    """The digit rendered large, then averaged down to ``height`` px of ink, as a coarse scanner samples it."""
    big = glyph(path, digit, 200)
    scale = height / big.shape[0]
    size = (max(1, round(big.shape[1] * scale)), height)
    return np.pad(np.asarray(Image.fromarray(big).resize(size, Image.Resampling.BOX)), 1)


def main() -> int:
    found = faces()
    families = sorted({family for family, _, _ in found})
    if len(families) < 10:
        print(f"Only {len(families)} font families are installed: install the packages in this file's docstring.")
        return 1
    held_out = set(families[1::2])
    rng = np.random.default_rng(14)
    images, labels, kinds, parts, families_of, styles, upscales = [], [], [], [], [], [], []

    def add(grey, label, kind, family, style, upscale=0):
        images.append(grey)
        labels.append(label)
        kinds.append(kind)
        parts.append("holdout" if family in held_out else "tune")
        families_of.append(family)
        styles.append(style)
        upscales.append(upscale)

    for family, style, path in found:
        for digit in range(10):
            for size_name, size in SIZES.items():
                shear, degrees = rng.uniform(-0.15, 0.3), rng.uniform(-6, 6)
                grey = shrink(slant(glyph(path, digit, size), shear, degrees))
                add(
                    grey,
                    digit,
                    "typeset",
                    family,
                    f"{family} {style}; {size_name}; slant {shear:+.2f}, turned {degrees:+.1f} deg",
                )
            for size_name, height in STROKED_HEIGHTS.items():
                shear = rng.uniform(-0.15, 0.3)
                add(
                    stroked(path, digit, height, shear),
                    digit,
                    "stroked",
                    family,
                    f"{family} {style}; {size_name}; slant {shear:+.2f}",
                )
            for height in rng.choice(COARSE_HEIGHTS, 2, replace=False):
                upscale = int(rng.choice((8, 10, 12)))
                add(
                    coarse(path, digit, int(height)),
                    digit,
                    "coarse",
                    family,
                    f"{family} {style}; {height} px high, upscaled x{upscale}",
                    upscale,
                )
    np.savez_compressed(
        OUT,
        pixels=np.concatenate([g.ravel() for g in images]),
        shapes=np.array([g.shape for g in images], np.int32),
        labels=np.array(labels, np.uint8),
        kinds=np.array(kinds),
        parts=np.array(parts),
        families=np.array(families_of),
        styles=np.array(styles),
        upscales=np.array(upscales, np.int32),
    )
    print(
        f"{len(images)} images from {len(found)} faces in {len(families)} families "
        f"({len(held_out)} held out: {', '.join(sorted(held_out))}) -> {OUT}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
