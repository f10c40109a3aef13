"""The pen strokes the drawn test digits are made of (lab/digit_skeletons.py): lines, arcs, Bezier
curves, splines and superellipses, each a list of points in the unit box (x right, y down)."""

import math


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
