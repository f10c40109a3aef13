"""The skeletons of the drawn test digits (lab/make_digits.py draws them): each digit's shapes as 1-3
strokes in a unit box (x right, y down), made of arcs, lines and splines (lab/digit_strokes.py).

Each set maps a digit to its variants, (name, aspect width/height, function(r) -> strokes), where
r(a, b) draws a proportion: each skeleton varies its own proportions. The two sets share no skeleton:
  TUNE_SKELETONS     geometric shapes (arcs and straight lines);
  HOLDOUT_SKELETONS  other shapes and variants (splines through waypoints, flag-and-base 1, looped 2,
                     flat-topped 3, curved-stem 7 and 9, two-loop 8, ...).
"""

import math

from lab.digit_strokes import arc, bezier, line, spline, stroke, superellipse

# ---- tune: arcs and straight lines -------------------------------------------------------------------


def _zero_ccw(r):
    a = r(255, 285)
    return [arc(0.5, 0.5, 0.5, 0.5, a, a - 360 - r(8, 25))]


def _zero_cw(r):
    a = r(230, 270)
    return [arc(0.5, 0.5, 0.5, 0.5, a, a + 360 + r(5, 20))]


def _one_stroke(r):
    return [line((0.5, 0), (0.5 + r(-0.1, 0.1), 1))]


def _one_flag(r):
    return [line((r(0.05, 0.35), r(0.12, 0.3)), (0.7, 0), (0.7, 1))]


def _two_arc(r):
    return [stroke(arc(0.5, 0.3, 0.47, 0.3, r(190, 210), 400), line((0.82, 0.49), (0.02, 1), (1, r(0.96, 1))))]


def _two_neck(r):
    top = arc(0.5, 0.28, 0.45, 0.28, r(195, 215), 375)
    return [stroke(top, bezier(top[-1], (0.9, 0.6), (0.3, 0.8), (0.02, 1)), line((0.02, 1), (1, r(0.95, 1))))]


def _three_arcs(r):
    split = r(0.42, 0.5)
    return [
        stroke(
            arc(0.47, split / 2, 0.45, split / 2, r(195, 215), 450),
            arc(0.47, (1 + split) / 2, 0.5, (1 - split) / 2, 270, r(495, 515)),
        )
    ]


def _four_closed(r):
    bar = r(0.6, 0.72)
    return [line((0.62, 0), (0, bar), (1, bar)), line((0.68, 0.04), (0.68, 1))]


def _four_open(r):
    bar = r(0.55, 0.65)
    return [line((0.12, 0), (0.05, bar), (1, bar)), line((0.74, 0.02), (0.74, 1))]


def _five_two(r):
    return [
        stroke(line((0.2, 0), (0.17, 0.44)), arc(0.47, 0.69, 0.48, 0.31, 235, r(500, 520))),
        line((0.2, 0), (r(0.85, 1), 0)),
    ]


def _five_one(r):
    return [stroke(line((r(0.85, 1), 0), (0.2, 0), (0.17, 0.44)), arc(0.47, 0.69, 0.48, 0.31, 235, r(500, 520)))]


def _six(r):
    return [
        stroke(bezier((0.8, 0), (0.35, 0.08), (0.02, 0.4), (0.05, 0.72)), arc(0.5, 0.72, 0.45, 0.28, 180, -r(170, 190)))
    ]


def _seven(r):
    return [line((0, r(0, 0.06)), (1, 0), (0.35, 1))]


def _seven_bar(r):
    return [line((0, r(0, 0.06)), (1, 0), (0.35, 1)), line((0.42, 0.52), (0.92, 0.52))]


def _eight(r):
    top, bottom, start = r(0.36, 0.44), 0.5, r(0.15, 0.35)
    points = []
    for i in range(181):
        t = -start + (2 * math.pi + start + 0.15) * i / 180
        w = top + (bottom - top) * (1 - math.cos(t)) / 2
        points.append((0.5 - w * math.sin(2 * t), 0.5 - 0.5 * math.cos(t)))
    return [points]


def _nine(r):
    return [stroke(arc(0.45, 0.28, 0.45, 0.28, 10, -350), line((0.89, 0.33), (r(0.8, 0.9), 1)))]


TUNE_SKELETONS = {
    0: [("oval, counter-clockwise", 0.7, _zero_ccw), ("oval, clockwise", 0.62, _zero_cw)],
    1: [("plain stroke", 0.12, _one_stroke), ("with flag", 0.35, _one_flag)],
    2: [("arc and base", 0.75, _two_arc), ("curved neck", 0.72, _two_neck)],
    3: [("two arcs", 0.68, _three_arcs)],
    4: [("closed", 0.8, _four_closed), ("open", 0.78, _four_open)],
    5: [("stem, belly, then bar", 0.7, _five_two), ("one stroke", 0.7, _five_one)],
    6: [("curved stem, round loop", 0.7, _six)],
    7: [("no bar", 0.72, _seven), ("with bar", 0.72, _seven_bar)],
    8: [("one-stroke figure eight", 0.62, _eight)],
    9: [("loop, straight stem", 0.62, _nine)],
}


# ---- holdout: other shapes, splines through waypoints ------------------------------------------------


def _zero_leaf(r):
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


def _zero_boxy(r):
    return [superellipse(0.5, 0.5, 0.5, 0.5, r(3, 4), 280, 280 - 370)]


def _one_flag_base(r):
    return [line((0.1, r(0.2, 0.3)), (0.52, 0), (0.52, 1)), line((0.05, 1), (0.98, 1))]


def _one_curved_flag(r):
    return [stroke(spline((0, 0.32), (0.35, 0.16), (0.6, 0)), line((0.6, 0), (0.62, 1)))]


def _one_tick(r):
    return [spline((0.3, 0), (0.5, 0.5), (0.55 + r(-0.05, 0.05), 1))]


def _two_loop(r):
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


def _two_z(r):
    return [stroke(spline((0.05, 0.2), (0.45, 0), (0.92, 0.15), (0.82, 0.38)), line((0.82, 0.38), (0.05, 1), (1, 1)))]


def _three_flat(r):
    return [
        stroke(
            line((0.05, 0), (0.92, 0), (0.38, r(0.38, 0.45))),
            spline((0.38, 0.42), (0.85, 0.55), (0.9, 0.82), (0.5, 1), (0.02, 0.85)),
        )
    ]


def _three_cusp(r):
    mid = r(0.42, 0.52)
    return [
        stroke(
            spline((0.05, 0.15), (0.45, 0), (0.88, 0.12), (0.8, mid - 0.12), (0.35, mid)),
            spline((0.35, mid), (0.9, mid + 0.12), (0.9, 0.85), (0.45, 1), (0.02, 0.85)),
        )
    ]


def _four_tall_stem(r):
    return [line((0.55, 0.12), (0, 0.68), (1, 0.68)), line((0.72, 0), (0.7, 1))]


def _four_curved(r):
    return [
        stroke(spline((0.22, 0), (0.1, 0.35), (0.12, 0.62)), line((0.12, 0.62), (0.98, 0.58))),
        line((0.7, 0.08), (0.72, 1)),
    ]


def _five_angular(r):
    return [
        stroke(
            line((0.92, 0), (0.2, 0.03), (0.14, 0.45)),
            spline((0.14, 0.45), (0.55, 0.38), (0.92, 0.6), (0.75, 0.92), (0.35, 1), (0.02, 0.88)),
        )
    ]


def _five_round(r):
    return [
        stroke(line((0.25, 0.02), (0.12, 0.5)), spline((0.12, 0.5), (0.55, 0.38), (0.95, 0.65), (0.6, 1), (0.05, 0.9))),
        line((0.25, 0), (0.95, 0.04)),
    ]


def _six_diagonal(r):
    return [
        stroke(
            line((0.78, 0), (0.1, 0.66)),
            spline((0.1, 0.66), (0.35, 1), (0.85, 0.92), (0.85, 0.6), (0.45, 0.5), (0.1, 0.7)),
        )
    ]


def _six_curly(r):
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


def _seven_curved(r):
    return [stroke(line((0, 0.04), (1, 0)), spline((1, 0), (0.65, 0.35), (0.48, 0.7), (0.45, 1)))]


def _seven_serif_bar(r):
    return [line((0.02, 0.2), (0.05, 0), (1, 0.02), (0.38, 1)), line((0.35, 0.55), (0.9, 0.5))]


def _eight_snowman(r):
    return [arc(0.5, 0.22, 0.36, 0.22, 300, 300 - 380), arc(0.5, 0.71, 0.5, 0.29, 250, 250 + 375)]


def _eight_spline(r):
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


def _nine_curved(r):
    return [stroke(arc(0.45, 0.28, 0.45, 0.28, 10, -350), spline((0.89, 0.33), (0.88, 0.7), (0.65, 0.95), (0.3, 1)))]


def _nine_q(r):
    return [arc(0.42, 0.3, 0.42, 0.3, -20, -380), line((0.88, 0.02), (0.86, 1))]


def _zero_narrow(r):
    return [superellipse(0.5, 0.5, 0.5, 0.5, r(2, 2.4), 90, 90 - 370)]


def _three_small_top(r):
    return [
        stroke(
            spline((0.15, 0.1), (0.5, 0), (0.78, 0.1), (0.68, 0.28), (0.38, 0.35)),
            spline((0.38, 0.35), (0.88, 0.52), (0.92, 0.84), (0.5, 1), (0.04, 0.88)),
        )
    ]


def _six_big_loop(r):
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


def _nine_small_loop(r):
    return [stroke(arc(0.5, 0.19, 0.42, 0.19, 10, -350), line((0.92, 0.22), (r(0.6, 0.75), 1)))]


HOLDOUT_SKELETONS = {
    0: [
        ("pointed oval (spline)", 0.7, _zero_leaf),
        ("boxy", 0.66, _zero_boxy),
        ("narrow, from the bottom", 0.42, _zero_narrow),
    ],
    1: [
        ("flag and base", 0.5, _one_flag_base),
        ("curved flag", 0.35, _one_curved_flag),
        ("bent stroke", 0.12, _one_tick),
    ],
    2: [("loop at the base", 0.75, _two_loop), ("Z-like", 0.72, _two_z)],
    3: [
        ("flat top", 0.68, _three_flat),
        ("pointed middle", 0.68, _three_cusp),
        ("small top bowl", 0.66, _three_small_top),
    ],
    4: [("closed, stem above the top", 0.8, _four_tall_stem), ("open, curved", 0.78, _four_curved)],
    5: [("angular belly, one stroke", 0.7, _five_angular), ("slanted stem, bar last", 0.72, _five_round)],
    6: [
        ("straight stem, small loop", 0.7, _six_diagonal),
        ("curly (spline)", 0.7, _six_curly),
        ("big loop, short stem", 0.72, _six_big_loop),
    ],
    7: [("curved stem", 0.72, _seven_curved), ("serif and bar", 0.72, _seven_serif_bar)],
    8: [("two separate loops", 0.62, _eight_snowman), ("S and back (spline)", 0.6, _eight_spline)],
    9: [
        ("curved stem", 0.62, _nine_curved),
        ("loop, then stem from the top", 0.6, _nine_q),
        ("small loop, long slanted stem", 0.55, _nine_small_loop),
    ],
}
