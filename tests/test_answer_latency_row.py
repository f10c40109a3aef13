"""The bench's pen-up-to-answer row (lab/load/answer_latency.py, run by `python -m lab bench`):
its percentiles and the sentence it prints, without a browser."""

from lab.bench_app import describe_answer_latency
from lab.load.answer_latency import GOAL_P95_MS, one_stroke_digits, percentiles


def test_percentiles_of_twenty_drawings():
    figures = percentiles([float(ms) for ms in range(1, 21)])
    assert figures == {"p50_ms": 10.5, "p95_ms": 19.0, "max_ms": 20.0}


def test_the_drawings_are_one_stroke_and_the_digits_take_turns():
    drawings = one_stroke_digits(12)
    assert len(drawings) == 12 and all(len(d["strokes"]) == 1 for d in drawings)
    assert len({d["label"] for d in drawings[:9]}) == 9  # every digit drawn with one stroke comes before a repeat


def test_the_row_says_the_answer_time_against_the_goal_and_the_load():
    timing = {"p50_ms": 90.0, "p95_ms": 140.0, "max_ms": 160.0}
    row = {
        "drawings": 40,
        "failed": 0,
        "sent": timing,
        "heading": timing,
        "answer": timing,
        "pen_up_to_answer": {"p50_ms": 110.0, "p95_ms": 145.0, "max_ms": 170.0},
        "inside": {"p50_ms": 200.0, "p95_ms": 260.0, "max_ms": 300.0},
        "goal_p95_ms": GOAL_P95_MS,
        "passed": True,
        "load_average": ["0.50", "0.40", "0.30"],
    }
    line = describe_answer_latency(row)
    # The goal is on what the student waits: from the pen lifting to the answer on screen.
    assert "the pen lifting to the answer and its bars on screen p50 110 ms, p95 145 ms (within the goal" in line
    assert "the drawing sent to the answer p50 90 ms, p95 140 ms" in line and "load average 0.50 0.40 0.30" in line
    assert "OVER" in describe_answer_latency({**row, "passed": False})
    assert "not measured" in describe_answer_latency({"error": "Chromium not found."})
    nearest = {"nearest": {"p50_ms": 40.0, "p95_ms": 70.0, "max_ms": 90.0}, "first_nearest_ms": 9000.0}
    assert (
        "the six nearest training images p50 40 ms, p95 70 ms after the answer (the server's first drawing, "
        "which builds the index: 9.0 s)" in describe_answer_latency({**row, **nearest})
    )
