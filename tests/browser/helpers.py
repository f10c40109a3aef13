"""Helpers for browser tests: open a page, wait for Streamlit to finish, check for errors, screenshot.

Import them in a test file under tests/browser with ``from helpers import ...``: pytest's default
("prepend") import mode puts this folder on sys.path because it has no ``__init__.py``.
"""

from __future__ import annotations

import contextlib
import re
import time
from pathlib import Path

from lab.chromium import (  # noqa: F401  (the tests import the browser's basics from here, with the rest)
    APP_TIMEOUT_MS,
    CHROMIUM_ARGS,
    IDLE_JS,
    assert_no_exception,
    chromium_executable,
    open_page,
    process_tree,
    rss_kb,
    wait_for_app,
)

ARTIFACTS_DIR = Path(__file__).resolve().parents[1] / "artifacts"
SCREENSHOTS_DIR = ARTIFACTS_DIR / "screenshots"


@contextlib.contextmanager
def fresh_page(browser, app_server, path: str, width: int = 1280, height: int = 720):
    """A page in a new browser context (another student: no cookies) of ``width`` x ``height``, ``path`` open;
    the context is closed after the ``with`` block. A page left open goes on costing CPU until the session's
    browser closes: the Class board, for one, redraws its charts every few seconds."""
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        open_page(page, app_server, path)
        yield page
    finally:
        context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG to tests/artifacts/screenshots/<name>.png and return its path."""
    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def slider(page, label: str):
    """The keyboard-operable thumb (a hidden range input) of the slider labelled ``label``."""
    box = page.locator('[data-testid="stSlider"]').filter(has=page.get_by_text(label, exact=True))
    return box.locator('input[type="range"]')


def set_slider(page, label: str, first: str, right: int = 0) -> str:
    """Press ``first`` ("Home" or "End") on the slider's thumb, then ArrowRight ``right`` times.

    Returns the value shown."""
    thumb = slider(page, label)
    thumb.focus()
    thumb.press(first)
    for _ in range(right):
        thumb.press("ArrowRight")
    wait_for_app(page)
    return slider(page, label).get_attribute("aria-valuetext")


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``.

    The box is scrolled into view first, a moment before the click, as a person scrolls and then
    clicks. Playwright's click scrolls and presses at once, and the scroll event then arrives just
    after the list has opened, and a scroll event closes an open list (checked by sending one). So the
    Train page's Preset box, once a run or the Train button lower down had scrolled the page, opened
    and closed at once; a six-line app does the same, and a mouse wheel just before the click does not.
    """
    box = page.locator('[data-testid="stSelectbox"]').filter(has=page.get_by_text(label, exact=True))
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(100)  # the scroll event's frame
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


# The legend labels of the charts whose text includes `title`, and those of them that are cut: past the
# left or right edge of their chart's drawing (an SVG), or shortened by Vega to end in "…". Null until drawn.
LEGEND_LABELS_JS = """([title, charts]) => {
    const drawn = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .filter(chart => chart.textContent.includes(title))
        .map(chart => {
            const svg = chart.querySelector('svg');
            if (!svg) return [];
            const drawing = svg.getBoundingClientRect();
            return [...chart.querySelectorAll('.role-legend-label text')].map(label => {
                const box = label.getBoundingClientRect();
                const cut = box.left < drawing.left || box.right > drawing.right || label.textContent.endsWith('…');
                return {text: label.textContent, cut};
            });
        });
    return drawn.length >= charts && drawn.every(labels => labels.length) ? drawn.flat() : null;
}"""


def legend_labels(page, title: str, charts: int = 1) -> tuple[list[str], list[str]]:
    """(every legend label, the cut ones) of the ``charts`` charts titled ``title``, as drawn at the page's width:
    read once every chart has drawn its key (they draw one after another) and twice the same, as a chart
    re-lays itself out for a new width."""
    before = None
    for _ in range(APP_TIMEOUT_MS // 250):
        labels = page.wait_for_function(LEGEND_LABELS_JS, arg=[title, charts], timeout=APP_TIMEOUT_MS).json_value()
        if labels == before:
            break
        before = labels
        page.wait_for_timeout(250)
    return [label["text"] for label in labels], [label["text"] for label in labels if label["cut"]]


# The Draw page's canvas, stroked by a mouse that never hovered (tests/browser/test_draw_no_hover.py).
STROKE_END = (0.5, 0.6)
STROKE_STEPS = 20


def canvas_box(page) -> dict:
    canvas = page.locator("canvas.upper-canvas").first
    canvas.wait_for(state="visible")
    canvas.scroll_into_view_if_needed()
    return canvas.bounding_box()


def stroke_points(box: dict, start: tuple[float, float]) -> list[dict]:
    return [
        {
            "x": box["x"] + box["width"] * (start[0] + (STROKE_END[0] - start[0]) * i / STROKE_STEPS),
            "y": box["y"] + box["height"] * (start[1] + (STROKE_END[1] - start[1]) * i / STROKE_STEPS),
        }
        for i in range(STROKE_STEPS + 1)
    ]


def mouse_stroke(cdp, points) -> None:
    """Press where the stroke starts with no mouse movement before it, drag, release."""
    cdp.send(
        "Input.dispatchMouseEvent",
        {"type": "mousePressed", **points[0], "button": "left", "buttons": 1, "clickCount": 1},
    )
    for point in points[1:]:
        cdp.send("Input.dispatchMouseEvent", {"type": "mouseMoved", **point, "button": "left", "buttons": 1})
        time.sleep(0.01)
    cdp.send(
        "Input.dispatchMouseEvent",
        {"type": "mouseReleased", **points[-1], "button": "left", "buttons": 0, "clickCount": 1},
    )


# The Train page.
WAIT_MS = 60_000


def start_run(page, name: str) -> None:
    """Name a run on the Train page, press Train, and wait for its live panel."""
    from playwright.sync_api import expect  # imported here: this module loads before Playwright is checked for

    field = page.get_by_label("Run name (optional)", exact=True).and_(page.locator("input"))
    field.fill(name)
    field.press("Enter")
    wait_for_app(page)
    train = page.get_by_role("button", name="Train", exact=True)
    expect(train).to_be_enabled()
    train.click()
    expect(page.locator('[data-testid="stHeading"] h3', has_text=name)).to_be_visible(timeout=WAIT_MS)


def history_row(page, name: str):
    """The Run history row of run ``name``, from the accessible copy of the table (the grid is a canvas)."""
    table = page.locator('[data-testid="stDataFrame"]').last
    table.scroll_into_view_if_needed()
    return table.locator('tr[role="row"]', has=page.locator("td", has_text=re.compile(f"^{re.escape(name)}$")))
