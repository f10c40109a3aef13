"""Draws the test digits (data/drawings/digits.json) with the mouse on a running app's Draw page and
prints how many it reads right, per set. Also the drawing helpers of tests/browser/test_draw_strokes.py.

    cd /work/main && MNIST_STUDIO_HOME=$(mktemp -d) .venv/bin/python -m streamlit run app.py \\
        --server.port 8600 --server.headless true &
    .venv/bin/python -m lab.score_in_browser http://127.0.0.1:8600 [--set holdout] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from lab.chromium import wait_for_app
from lab.drawn_digits import load_drawn_digits
from mnist_core.geometry import CANVAS_SIZE

SEND_DELAY_S = 0.1  # the page sends the drawing as the pen lifts (ui/canvas.py): a moment for it to go
PREDICTION = re.compile(r"Prediction: (\d)")


def find_canvas(page):
    """The fabric.js drawing surface (the upper canvas), in an iframe or (components v2) in the page."""
    iframe = 'iframe[title*="streamlit_drawable_canvas"]'
    root = page.frame_locator(iframe).first if page.locator(iframe).count() else page
    canvas = root.locator("canvas.upper-canvas").first
    canvas.wait_for(state="visible")
    return canvas


def draw_strokes(page, strokes) -> None:
    """Each stroke as a mouse press, moves through its points (canvas pixels), and a release."""
    canvas = find_canvas(page)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    scale_x, scale_y = box["width"] / CANVAS_SIZE, box["height"] / CANVAS_SIZE
    for stroke in strokes:
        points = [(box["x"] + x * scale_x, box["y"] + y * scale_y) for x, y in stroke]
        page.mouse.move(*points[0], steps=5)
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=2)
        page.mouse.up()
        page.wait_for_timeout(80)  # a hand moving to the next stroke


def read_prediction(page, timeout: float = 30_000) -> int:
    """The digit in "Prediction: N" once the app has answered for the whole drawing."""
    time.sleep(SEND_DELAY_S)
    wait_for_app(page)
    answer = page.get_by_text(PREDICTION).first
    answer.wait_for(timeout=timeout)
    return int(PREDICTION.search(answer.inner_text()).group(1))


def clear(page) -> None:
    page.get_by_role("button", name="Clear").click()
    wait_for_app(page)
    page.get_by_text("Draw a digit", exact=True).wait_for(timeout=10_000)


def draw_and_read(page, digit: dict) -> int:
    draw_strokes(page, digit["strokes"])
    return read_prediction(page)


def main() -> None:
    parser = argparse.ArgumentParser(description="Score the drawn test digits through the browser.")
    parser.add_argument("url", help="the running app, e.g. http://127.0.0.1:8600")
    parser.add_argument("--set", choices=["tune", "holdout"], help="only this set (default: both)")
    parser.add_argument("--limit", type=int, help="at most this many drawings per set")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--json", type=Path, help="also write each drawing's answer here")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    digits = list(enumerate(load_drawn_digits()))
    sets = [args.set] if args.set else ["tune", "holdout"]
    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=args.chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(args.url.rstrip("/") + "/draw", wait_until="domcontentloaded", timeout=60_000)
        wait_for_app(page)
        for set_name in sets:
            chosen = [(i, d) for i, d in digits if d["set"] == set_name][: args.limit]
            for n, (index, digit) in enumerate(chosen, 1):
                predicted = draw_and_read(page, digit)
                results.append(
                    {
                        "index": index,
                        "set": set_name,
                        "label": digit["label"],
                        "predicted": predicted,
                        "style": digit["style"],
                    }
                )
                mark = "ok " if predicted == digit["label"] else "MISREAD"
                print(
                    f"{set_name} {n:3}/{len(chosen)} #{index:3} label {digit['label']} -> {predicted} {mark}"
                    f"  ({digit['style']})",
                    flush=True,
                )
                clear(page)
        browser.close()

    print()
    for set_name in sets:
        rows = [r for r in results if r["set"] == set_name]
        right = sum(r["predicted"] == r["label"] for r in rows)
        print(f"{set_name}: {right}/{len(rows)} = {right / max(len(rows), 1):.3f}")
        for r in rows:
            if r["predicted"] != r["label"]:
                print(f"  misread #{r['index']}: {r['label']} read as {r['predicted']} ({r['style']})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
