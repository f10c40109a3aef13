"""Every press inside the canvas draws, with no hover first: a mouse that jumps to its start point, and a finger.

The canvas component hides its toolbar over the top-right band of the canvas until the pointer hovers
(ui/canvas.py moves it off the canvas). Strokes here start in each corner and along the top band,
sent as raw CDP input events, so no pointer movement reaches the page before the press.
"""

from __future__ import annotations

import re
import time

import pytest
from helpers import (
    assert_no_exception,
    canvas_box,
    mouse_stroke,
    open_page,
    screenshot,
    stroke_points,
    wait_for_app,
)

# Where strokes start, as fractions of the canvas: the top band at 50%, 70% and 85% of the width,
# the four corners. Each stroke then runs to the lower middle, so every one leaves ink.
STARTS = {
    "top 50%": (0.50, 0.03),
    "top 70%": (0.70, 0.03),
    "top 85%": (0.85, 0.03),
    "top-left": (0.03, 0.03),
    "top-right": (0.97, 0.03),
    "bottom-left": (0.03, 0.97),
    "bottom-right": (0.97, 0.97),
}


def touch_stroke(cdp, points) -> None:
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
    for point in points[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        time.sleep(0.01)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


@pytest.mark.parametrize("kind", ["mouse", "touch"])
def test_a_stroke_from_any_corner_or_the_top_band_draws_with_no_hover(browser, app_server, kind):
    touch = kind == "touch"
    context = browser.new_context(viewport={"width": 1024, "height": 900}, has_touch=touch, is_mobile=touch)
    try:
        page = context.new_page()
        open_page(page, app_server, "/draw")
        cdp = context.new_cdp_session(page)
        missed = []
        for name, start in STARTS.items():
            points = stroke_points(canvas_box(page), start)
            (touch_stroke if touch else mouse_stroke)(cdp, points)
            time.sleep(0.1)  # the page sends the picture as the pen lifts (ui/canvas.py): a moment for it to go
            wait_for_app(page)
            answered = page.get_by_text(re.compile(r"Prediction: \d"))
            try:
                answered.first.wait_for(timeout=10_000)
            except Exception:
                missed.append(name)
                screenshot(page, f"draw-no-hover-{kind}-{name.replace(' ', '-').replace('%', '')}-missed")
            assert_no_exception(page)
            page.get_by_role("button", name="Clear").click()
            wait_for_app(page)
            page.get_by_text("Draw a digit", exact=True).wait_for(timeout=10_000)
            page.mouse.move(5, 5) if not touch else None  # leave the canvas: the next press comes with no hover
        assert not missed, f"{kind}: no answer for strokes starting at {', '.join(missed)}"
    finally:
        context.close()
