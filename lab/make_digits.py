"""Writes data/drawings/digits.json: digits as a person draws them with a mouse on the 280x280 canvas.

Each digit is a skeleton of 1-3 strokes in a unit box (x right, y down), made of arcs, lines and
splines (both sets' skeletons are in lab/digit_skeletons.py); it is then sized, stretched, slanted,
turned a little, placed on the canvas, given a hand's wobble, and sampled as mouse events are (a point
every few pixels).

Two sets, built from different skeletons and different parameters:
  tune     geometric skeletons (arcs and straight lines), mid sizes, near the centre, mild slant;
  holdout  other shapes and variants (splines through waypoints, flag-and-base 1, looped 2,
           flat-topped 3, curved-stem 7 and 9, two-loop 8, ...), very small or very large,
           in corners and at the edges, stronger slant and wobble, faster mouse.

Deterministic: the same file on every run.

    .venv/bin/python -m lab.make_digits            # writes digits.json
    .venv/bin/python -m lab.make_digits --sheet /tmp/drawings_sheet.png   # and contact sheets
"""

from __future__ import annotations

import argparse
import json
import math
import random
from pathlib import Path

from lab.digit_skeletons import HOLDOUT_SKELETONS, TUNE_SKELETONS
from lab.drawn_digits import DRAWINGS_FILE
from mnist_core.geometry import CANVAS_SIZE as CANVAS

MARGIN = 12  # half the stroke width and a little: the ink stays on the canvas
PER_DIGIT = 12  # drawings per digit in each set


# ---- from a skeleton to mouse points ----------------------------------------------------------------

TUNE = dict(height=(110, 220), aspect=(0.88, 1.12), slant=(-10, 10), turn=(-4, 4), wobble=(0.4, 1.3), step=(3, 6))
HOLDOUT = dict(aspect=(0.75, 1.3), slant=(5, 15), turn=(-7, 7), wobble=(0.7, 1.8), step=(5, 10))
PLACES = ["top-left", "top-right", "bottom-left", "bottom-right", "left", "right", "top", "bottom", "centre"]


def _draw(rng: random.Random, skeleton, aspect: float, holdout: bool):
    """Mouse points of one drawing and a description of its size, place and slant."""
    r = rng.uniform
    params = HOLDOUT if holdout else TUNE
    if holdout:
        size = rng.choice(["small", "small", "large", "large", "medium"])
        height = {"small": r(78, 105), "large": r(215, 245), "medium": r(120, 180)}[size]
        slant = rng.choice([-1, 1]) * r(*params["slant"])
    else:
        height = r(*params["height"])
        size = "small" if height < 140 else "large" if height > 190 else "medium"
        slant = r(*params["slant"])
    width = height * aspect * r(*params["aspect"])
    turn = math.radians(r(*params["turn"]))
    shear = math.tan(math.radians(slant))

    strokes = []
    for part in skeleton(r):
        points = []
        for u, v in part:
            x, y = (u - 0.5) * width, (v - 0.5) * height
            x -= y * shear  # a positive slant leans the top to the right
            points.append((x * math.cos(turn) - y * math.sin(turn), x * math.sin(turn) + y * math.cos(turn)))
        strokes.append(points)

    # fit on the canvas, then place
    xs = [x for s in strokes for x, _ in s]
    ys = [y for s in strokes for _, y in s]
    room = CANVAS - 2 * MARGIN - 6
    shrink = min(1.0, room / (max(xs) - min(xs)), room / (max(ys) - min(ys)))
    strokes = [[(x * shrink, y * shrink) for x, y in s] for s in strokes]
    x0, x1, y0, y1 = min(xs) * shrink, max(xs) * shrink, min(ys) * shrink, max(ys) * shrink
    low_x, high_x = MARGIN + 3 - x0, CANVAS - MARGIN - 3 - x1  # the allowed range of the centre
    low_y, high_y = MARGIN + 3 - y0, CANVAS - MARGIN - 3 - y1
    if holdout:
        place = rng.choice(PLACES)
        cx = low_x + r(0, 8) if "left" in place else high_x - r(0, 8) if "right" in place else r(low_x, high_x)
        cy = low_y + r(0, 8) if "top" in place else high_y - r(0, 8) if "bottom" in place else r(low_y, high_y)
        if place == "centre":
            cx, cy = CANVAS / 2 + r(-10, 10), CANVAS / 2 + r(-10, 10)
    else:
        cx = min(max(CANVAS / 2 + r(-30, 30), low_x), high_x)
        cy = min(max(CANVAS / 2 + r(-30, 30), low_y), high_y)
        place = "centre" if abs(cx - CANVAS / 2) < 15 and abs(cy - CANVAS / 2) < 15 else "off-centre"

    # a hand's wobble: slow waves along the path, then mouse events every few pixels
    amplitude = r(*params["wobble"])
    waves = [(r(0.5, 1) * amplitude, r(35, 110), r(0, 2 * math.pi), r(0, 2 * math.pi)) for _ in range(3)]
    out = []
    for s in strokes:
        s = [(x + cx, y + cy) for x, y in s]
        along, wobbly = 0.0, []
        for i, (x, y) in enumerate(s):
            if i:
                along += math.hypot(x - s[i - 1][0], y - s[i - 1][1])
            dx = sum(a * math.sin(2 * math.pi * along / period + p) for a, period, p, _ in waves)
            dy = sum(a * math.sin(2 * math.pi * along / period + q) for a, period, _, q in waves)
            wobbly.append((x + dx, y + dy))
        out.append(_sample(wobbly, rng, params["step"]))
    return out, f"{size}, {place}, slant {slant:+.0f}"


def _sample(points, rng, step):
    """Points every few pixels along the path, closer together where the hand starts and stops."""
    total = sum(math.hypot(b[0] - a[0], b[1] - a[1]) for a, b in zip(points, points[1:], strict=False))
    base = rng.uniform(*step)
    out, walked, target, i = [points[0]], 0.0, 0.0, 1
    while True:
        slow = 0.5 if min(target, total - target) < 15 else 1.0
        target += base * slow * rng.uniform(0.7, 1.3)
        if target >= total:
            break
        while i < len(points):
            seg = math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1])
            if walked + seg >= target:
                t = (target - walked) / seg if seg else 0
                out.append(
                    (
                        points[i - 1][0] + (points[i][0] - points[i - 1][0]) * t,
                        points[i - 1][1] + (points[i][1] - points[i - 1][1]) * t,
                    )
                )
                break
            walked += seg
            i += 1
    out.append(points[-1])
    pixels = []
    for x, y in out:
        point = [min(max(round(x), 0), CANVAS - 1), min(max(round(y), 0), CANVAS - 1)]
        if not pixels or point != pixels[-1]:
            pixels.append(point)
    return pixels


def make_digits() -> list[dict]:
    digits = []
    for set_name, skeletons, seed in (("tune", TUNE_SKELETONS, 1), ("holdout", HOLDOUT_SKELETONS, 2)):
        rng = random.Random(seed)
        for label in range(10):
            variants = skeletons[label]
            for i in range(PER_DIGIT):
                name, aspect, skeleton = variants[i % len(variants)]
                strokes, how = _draw(rng, skeleton, aspect, holdout=set_name == "holdout")
                digits.append({"label": label, "set": set_name, "style": f"{name}; {how}", "strokes": strokes})
    return digits


def write_json(digits, path: Path) -> None:
    lines = ",\n".join(json.dumps(digit, separators=(",", ":")) for digit in digits)
    path.write_text(f"[\n{lines}\n]\n")


def contact_sheet(digits, path: Path, columns: int = 12, thumb: int = 100) -> list[Path]:
    """One PNG per set: each drawing as the canvas shows it, with its index and label."""
    from PIL import Image, ImageDraw

    from lab.drawn_digits import render_strokes

    written = []
    for set_name in ("tune", "holdout"):
        chosen = [(i, d) for i, d in enumerate(digits) if d["set"] == set_name]
        rows = math.ceil(len(chosen) / columns)
        sheet = Image.new("RGB", (columns * (thumb + 4), rows * (thumb + 18)), "grey")
        draw = ImageDraw.Draw(sheet)
        for k, (index, digit) in enumerate(chosen):
            x, y = (k % columns) * (thumb + 4), (k // columns) * (thumb + 18)
            image = Image.fromarray(render_strokes(digit["strokes"])).convert("RGB").resize((thumb, thumb))
            sheet.paste(image, (x, y + 16))
            draw.text((x + 2, y + 2), f"#{index}  label {digit['label']}", fill="yellow")
        out = path.with_name(f"{path.stem}-{set_name}{path.suffix}")
        sheet.save(out)
        written.append(out)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DRAWINGS_FILE)
    parser.add_argument("--sheet", type=Path, help="also write contact sheets <sheet>-tune.png and -holdout.png")
    args = parser.parse_args()
    digits = make_digits()
    write_json(digits, args.out)
    counts = {s: sum(d["set"] == s for d in digits) for s in ("tune", "holdout")}
    print(f"wrote {len(digits)} drawings to {args.out}: {counts}")
    if args.sheet:
        for out in contact_sheet(digits, args.sheet):
            print(f"contact sheet: {out}")


if __name__ == "__main__":
    main()
