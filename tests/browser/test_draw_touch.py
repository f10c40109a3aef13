"""Drawing with a finger on a phone-sized screen: the stroke draws, the page does not scroll."""

import re
import time

from helpers import assert_no_exception, open_page, screenshot, wait_for_app


def test_a_finger_drawn_one_is_read_on_a_phone(browser, app_server):
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    try:
        page = context.new_page()
        open_page(page, app_server, "/draw")
        canvas = page.locator("canvas.upper-canvas")
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, "the canvas must fit a narrow screen"
        assert canvas.evaluate("e => getComputedStyle(e).touchAction") == "none"

        touch = context.new_cdp_session(page)
        x = box["x"] + box["width"] * 0.5
        points = [(x, box["y"] + box["height"] * (0.15 + 0.7 * i / 24)) for i in range(25)]
        scrolled_before = page.evaluate("window.scrollY")
        start = {"x": points[0][0], "y": points[0][1]}
        touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [start]})
        for x, y in points[1:]:
            touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
            time.sleep(0.01)
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        assert page.evaluate("window.scrollY") == scrolled_before, "the page scrolled while drawing"

        page.get_by_text(re.compile(r"Prediction: \d")).wait_for(timeout=30_000)
        wait_for_app(page)
        assert "Prediction: 1" in page.locator("body").inner_text()
        assert_no_exception(page)
        screenshot(page, "draw-phone")
    finally:
        context.close()
