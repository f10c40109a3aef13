"""Writes data/drawings/digits.json: digits as a person draws them with a mouse on the 280x280 canvas.

Each digit is a skeleton of 1-3 strokes in a unit box (x right, y down), made of arcs, lines and
splines; it is then sized, stretched, slanted, turned a little, placed on the canvas, given a hand's
wobble, and sampled as mouse events are (a point every few pixels).

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

from lab.drawn_digits import DRAWINGS_FILE
from mnist_core.geometry import CANVAS_SIZE as CANVAS

MARGIN = 12  # half the stroke width and a little: the ink stays on the canvas
PER_DIGIT = 12  # drawings per digit in each set


# ---- primitives: lists of points in the unit box ------------------------------------------------


def line(*points, step=0.01):
    out = []
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        n = max(2, int(math.hypot(x1 - x0, y1 - y0) / step))
        out += [(x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * i / n) for i in range(n)]
    return out + [points[-1]]


def arc(cx, cy, rx, ry, start, end):
    """Angles in degrees, 0 to the right, 90 down: increasing angles go clockwise on the screen."""
    n = max(8, int(abs(end - start) / 2))
    return [
        (
            cx + rx * math.cos(math.radians(start + (end - start) * i / n)),
            cy + ry * math.sin(math.radians(start + (end - start) * i / n)),
        )
        for i in range(n + 1)
    ]


def bezier(p0, p1, p2, p3, n=60):
    out = []
    for i in range(n + 1):
        t = i / n
        a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t**3
        out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def spline(*points, n=24):
    """A Catmull-Rom curve through the waypoints."""
    pts = [points[0], *points, points[-1]]
    out = []
    for i in range(1, len(pts) - 2):
        p0, p1, p2, p3 = pts[i - 1], pts[i], pts[i + 1], pts[i + 2]
        for j in range(n):
            t = j / n
            out.append(
                tuple(
                    0.5
                    * (
                        2 * p1[k]
                        + (-p0[k] + p2[k]) * t
                        + (2 * p0[k] - 5 * p1[k] + 4 * p2[k] - p3[k]) * t * t
                        + (-p0[k] + 3 * p1[k] - 3 * p2[k] + p3[k]) * t**3
                    )
                    for k in range(2)
                )
            )
    return out + [points[-1]]


def superellipse(cx, cy, rx, ry, power, start, end):
    out = []
    for a in range(int(start), int(end), 3 if end > start else -3):
        c, s = math.cos(math.radians(a)), math.sin(math.radians(a))
        out.append(
            (cx + rx * math.copysign(abs(c) ** (2 / power), c), cy + ry * math.copysign(abs(s) ** (2 / power), s))
        )
    return out


def stroke(*parts):
    return [point for part in parts for point in part]


# ---- skeletons: (name, aspect width/height, function(rng) -> strokes) -----------------------------
# r(a, b) draws a proportion; each skeleton varies its own proportions.


def _tune_skeletons():
    def zero_ccw(r):
        a = r(255, 285)
        return [arc(0.5, 0.5, 0.5, 0.5, a, a - 360 - r(8, 25))]

    def zero_cw(r):
        a = r(230, 270)
        return [arc(0.5, 0.5, 0.5, 0.5, a, a + 360 + r(5, 20))]

    def one_stroke(r):
        return [line((0.5, 0), (0.5 + r(-0.1, 0.1), 1))]

    def one_flag(r):
        return [line((r(0.05, 0.35), r(0.12, 0.3)), (0.7, 0), (0.7, 1))]

    def two_arc(r):
        return [stroke(arc(0.5, 0.3, 0.47, 0.3, r(190, 210), 400), line((0.82, 0.49), (0.02, 1), (1, r(0.96, 1))))]

    def two_neck(r):
        top = arc(0.5, 0.28, 0.45, 0.28, r(195, 215), 375)
        return [stroke(top, bezier(top[-1], (0.9, 0.6), (0.3, 0.8), (0.02, 1)), line((0.02, 1), (1, r(0.95, 1))))]

    def three_arcs(r):
        split = r(0.42, 0.5)
        return [
            stroke(
                arc(0.47, split / 2, 0.45, split / 2, r(195, 215), 450),
                arc(0.47, (1 + split) / 2, 0.5, (1 - split) / 2, 270, r(495, 515)),
            )
        ]

    def four_closed(r):
        bar = r(0.6, 0.72)
        return [line((0.62, 0), (0, bar), (1, bar)), line((0.68, 0.04), (0.68, 1))]

    def four_open(r):
        bar = r(0.55, 0.65)
        return [line((0.12, 0), (0.05, bar), (1, bar)), line((0.74, 0.02), (0.74, 1))]

    def five_two(r):
        return [
            stroke(line((0.2, 0), (0.17, 0.44)), arc(0.47, 0.69, 0.48, 0.31, 235, r(500, 520))),
            line((0.2, 0), (r(0.85, 1), 0)),
        ]

    def five_one(r):
        return [stroke(line((r(0.85, 1), 0), (0.2, 0), (0.17, 0.44)), arc(0.47, 0.69, 0.48, 0.31, 235, r(500, 520)))]

    def six(r):
        return [
            stroke(
                bezier((0.8, 0), (0.35, 0.08), (0.02, 0.4), (0.05, 0.72)), arc(0.5, 0.72, 0.45, 0.28, 180, -r(170, 190))
            )
        ]

    def seven(r):
        return [line((0, r(0, 0.06)), (1, 0), (0.35, 1))]

    def seven_bar(r):
        return [line((0, r(0, 0.06)), (1, 0), (0.35, 1)), line((0.42, 0.52), (0.92, 0.52))]

    def eight(r):
        top, bottom, start = r(0.36, 0.44), 0.5, r(0.15, 0.35)
        points = []
        for i in range(181):
            t = -start + (2 * math.pi + start + 0.15) * i / 180
            w = top + (bottom - top) * (1 - math.cos(t)) / 2
            points.append((0.5 - w * math.sin(2 * t), 0.5 - 0.5 * math.cos(t)))
        return [points]

    def nine(r):
        return [stroke(arc(0.45, 0.28, 0.45, 0.28, 10, -350), line((0.89, 0.33), (r(0.8, 0.9), 1)))]

    return {
        0: [("oval, counter-clockwise", 0.7, zero_ccw), ("oval, clockwise", 0.62, zero_cw)],
        1: [("plain stroke", 0.12, one_stroke), ("with flag", 0.35, one_flag)],
        2: [("arc and base", 0.75, two_arc), ("curved neck", 0.72, two_neck)],
        3: [("two arcs", 0.68, three_arcs)],
        4: [("closed", 0.8, four_closed), ("open", 0.78, four_open)],
        5: [("stem, belly, then bar", 0.7, five_two), ("one stroke", 0.7, five_one)],
        6: [("curved stem, round loop", 0.7, six)],
        7: [("no bar", 0.72, seven), ("with bar", 0.72, seven_bar)],
        8: [("one-stroke figure eight", 0.62, eight)],
        9: [("loop, straight stem", 0.62, nine)],
    }


def _holdout_skeletons():
    def zero_leaf(r):
        return [
            spline(
                (0.6, 0),
                (0.2, 0.18),
                (0.02, 0.55),
                (0.3, 0.97),
                (0.75, 0.9),
                (0.98, 0.5),
                (0.8, 0.1),
                (0.5, 0.02),
                (r(0.3, 0.4), 0.1),
            )
        ]

    def zero_boxy(r):
        return [superellipse(0.5, 0.5, 0.5, 0.5, r(3, 4), 280, 280 - 370)]

    def one_flag_base(r):
        return [line((0.1, r(0.2, 0.3)), (0.52, 0), (0.52, 1)), line((0.05, 1), (0.98, 1))]

    def one_curved_flag(r):
        return [stroke(spline((0, 0.32), (0.35, 0.16), (0.6, 0)), line((0.6, 0), (0.62, 1)))]

    def one_tick(r):
        return [spline((0.3, 0), (0.5, 0.5), (0.55 + r(-0.05, 0.05), 1))]

    def two_loop(r):
        d, radius = (0.2, 0.72), r(0.13, 0.16)  # the loop turns counter-clockwise at the foot of the diagonal
        c = (d[0] + radius * 0.71, d[1] + radius * 0.71)
        loop = arc(c[0], c[1], radius, radius, 225, -225)
        return [
            stroke(
                spline((0.05, 0.3), (0.3, 0.03), (0.72, 0.02), (0.9, 0.3), (0.6, 0.55), d),
                loop,
                bezier(loop[-1], (loop[-1][0] + 0.08, 1.0), (0.5, 1.0), (1, 0.96)),
            )
        ]

    def two_z(r):
        return [
            stroke(spline((0.05, 0.2), (0.45, 0), (0.92, 0.15), (0.82, 0.38)), line((0.82, 0.38), (0.05, 1), (1, 1)))
        ]

    def three_flat(r):
        return [
            stroke(
                line((0.05, 0), (0.92, 0), (0.38, r(0.38, 0.45))),
                spline((0.38, 0.42), (0.85, 0.55), (0.9, 0.82), (0.5, 1), (0.02, 0.85)),
            )
        ]

    def three_cusp(r):
        mid = r(0.42, 0.52)
        return [
            stroke(
                spline((0.05, 0.15), (0.45, 0), (0.88, 0.12), (0.8, mid - 0.12), (0.35, mid)),
                spline((0.35, mid), (0.9, mid + 0.12), (0.9, 0.85), (0.45, 1), (0.02, 0.85)),
            )
        ]

    def four_tall_stem(r):
        return [line((0.55, 0.12), (0, 0.68), (1, 0.68)), line((0.72, 0), (0.7, 1))]

    def four_curved(r):
        return [
            stroke(spline((0.22, 0), (0.1, 0.35), (0.12, 0.62)), line((0.12, 0.62), (0.98, 0.58))),
            line((0.7, 0.08), (0.72, 1)),
        ]

    def five_angular(r):
        return [
            stroke(
                line((0.92, 0), (0.2, 0.03), (0.14, 0.45)),
                spline((0.14, 0.45), (0.55, 0.38), (0.92, 0.6), (0.75, 0.92), (0.35, 1), (0.02, 0.88)),
            )
        ]

    def five_round(r):
        return [
            stroke(
                line((0.25, 0.02), (0.12, 0.5)), spline((0.12, 0.5), (0.55, 0.38), (0.95, 0.65), (0.6, 1), (0.05, 0.9))
            ),
            line((0.25, 0), (0.95, 0.04)),
        ]

    def six_diagonal(r):
        return [
            stroke(
                line((0.78, 0), (0.1, 0.66)),
                spline((0.1, 0.66), (0.35, 1), (0.85, 0.92), (0.85, 0.6), (0.45, 0.5), (0.1, 0.7)),
            )
        ]

    def six_curly(r):
        return [
            spline(
                (0.9, 0.1),
                (0.5, 0),
                (0.12, 0.3),
                (0.05, 0.72),
                (0.45, 1),
                (0.9, 0.8),
                (0.75, 0.5),
                (0.35, 0.5),
                (0.1, 0.72),
            )
        ]

    def seven_curved(r):
        return [stroke(line((0, 0.04), (1, 0)), spline((1, 0), (0.65, 0.35), (0.48, 0.7), (0.45, 1)))]

    def seven_serif_bar(r):
        return [line((0.02, 0.2), (0.05, 0), (1, 0.02), (0.38, 1)), line((0.35, 0.55), (0.9, 0.5))]

    def eight_snowman(r):
        return [arc(0.5, 0.22, 0.36, 0.22, 300, 300 - 380), arc(0.5, 0.71, 0.5, 0.29, 250, 250 + 375)]

    def eight_spline(r):
        return [
            spline(
                (0.85, 0.12),
                (0.5, 0),
                (0.12, 0.15),
                (0.2, 0.38),
                (0.8, 0.62),
                (0.92, 0.85),
                (0.5, 1),
                (0.08, 0.85),
                (0.2, 0.62),
                (0.8, 0.38),
                (0.88, 0.12),
                (0.6, 0.02),
            )
        ]

    def nine_curved(r):
        return [
            stroke(arc(0.45, 0.28, 0.45, 0.28, 10, -350), spline((0.89, 0.33), (0.88, 0.7), (0.65, 0.95), (0.3, 1)))
        ]

    def nine_q(r):
        return [arc(0.42, 0.3, 0.42, 0.3, -20, -380), line((0.88, 0.02), (0.86, 1))]

    def zero_narrow(r):
        return [superellipse(0.5, 0.5, 0.5, 0.5, r(2, 2.4), 90, 90 - 370)]

    def three_small_top(r):
        return [
            stroke(
                spline((0.15, 0.1), (0.5, 0), (0.78, 0.1), (0.68, 0.28), (0.38, 0.35)),
                spline((0.38, 0.35), (0.88, 0.52), (0.92, 0.84), (0.5, 1), (0.04, 0.88)),
            )
        ]

    def six_big_loop(r):
        return [
            spline(
                (0.72, 0),
                (0.35, 0.18),
                (0.08, 0.52),
                (0.12, 0.88),
                (0.5, 1),
                (0.9, 0.82),
                (0.88, 0.48),
                (0.48, 0.36),
                (0.1, 0.55),
            )
        ]

    def nine_small_loop(r):
        return [stroke(arc(0.5, 0.19, 0.42, 0.19, 10, -350), line((0.92, 0.22), (r(0.6, 0.75), 1)))]

    return {
        0: [
            ("pointed oval (spline)", 0.7, zero_leaf),
            ("boxy", 0.66, zero_boxy),
            ("narrow, from the bottom", 0.42, zero_narrow),
        ],
        1: [
            ("flag and base", 0.5, one_flag_base),
            ("curved flag", 0.35, one_curved_flag),
            ("bent stroke", 0.12, one_tick),
        ],
        2: [("loop at the base", 0.75, two_loop), ("Z-like", 0.72, two_z)],
        3: [
            ("flat top", 0.68, three_flat),
            ("pointed middle", 0.68, three_cusp),
            ("small top bowl", 0.66, three_small_top),
        ],
        4: [("closed, stem above the top", 0.8, four_tall_stem), ("open, curved", 0.78, four_curved)],
        5: [("angular belly, one stroke", 0.7, five_angular), ("slanted stem, bar last", 0.72, five_round)],
        6: [
            ("straight stem, small loop", 0.7, six_diagonal),
            ("curly (spline)", 0.7, six_curly),
            ("big loop, short stem", 0.72, six_big_loop),
        ],
        7: [("curved stem", 0.72, seven_curved), ("serif and bar", 0.72, seven_serif_bar)],
        8: [("two separate loops", 0.62, eight_snowman), ("S and back (spline)", 0.6, eight_spline)],
        9: [
            ("curved stem", 0.62, nine_curved),
            ("loop, then stem from the top", 0.6, nine_q),
            ("small loop, long slanted stem", 0.55, nine_small_loop),
        ],
    }


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
    for set_name, skeletons, seed in (("tune", _tune_skeletons(), 1), ("holdout", _holdout_skeletons(), 2)):
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
