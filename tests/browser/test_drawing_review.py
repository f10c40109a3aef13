"""The class's saved drawings in Chromium. The teacher reviews them on Our digits: signed in, they see
everyone's in a grid, pick the 7s, tick a 3 that a student saved as 7, delete it, and every count on the
page goes down. A student saves drawings up to the cap, is refused past it, and deletes one of their own.

The server here has a run store, a teacher passcode and a cap of 2 drawings per student of its own
(``class_server``, tests/browser/conftest.py, shared with tests/browser/test_class_identity.py).
"""

from __future__ import annotations

import pytest
from conftest import PASSCODE
from helpers import assert_no_exception, choose, open_page, screenshot, wait_for_app
from playwright.sync_api import expect

from class_server.drawing_store import DrawingFilter  # noqa: E402
from class_server.registry import Registry  # noqa: E402
from lab.drawn_digits import load_drawn_digits, render_strokes  # noqa: E402
from lab.score_in_browser import draw_strokes, read_prediction
from mnist_core.preprocess import prepare_canvas  # noqa: E402

WAIT_MS = 60_000
CLASS = {"5e1f0a7c2b9d4e61": range(10), "c0ffee00deadbeef": (7, 7, 1, 4)}  # browsers and the digits they drew
MISCHIEF = "9b3a71d2e8c04f55"  # saves a 3 as a 7


@pytest.fixture(scope="module")
def review_server(class_server):
    """The class server with the class's drawings saved."""
    server, home = class_server
    registry = Registry(home)
    save_class_drawings(registry)
    return server, registry


def drawn(digit: int, nth: int = 0):
    """The ``nth`` mouse-drawn ``digit`` of tests/drawings, as Save as label stores it."""
    strokes = [d["strokes"] for d in load_drawn_digits() if d["label"] == digit][nth]
    return prepare_canvas(render_strokes(strokes)).image


def save_class_drawings(registry: Registry) -> int:
    """Fourteen honest drawings, then one 3 saved as a 7; returns the id of that one."""
    for owner, digits in CLASS.items():
        for nth, digit in enumerate(digits):
            registry.add_drawing(digit, drawn(digit, nth), None, owner=owner)
    return registry.add_drawing(7, drawn(3, 1), None, owner=MISCHIEF)


# True once the expander titled ``arg`` has held one height for 300 ms: it opens with an animation.
OPENED_JS = """(title) => {
  const box = [...document.querySelectorAll('[data-testid="stExpander"]')].find(e => e.innerText.includes(title));
  const height = box ? box.getBoundingClientRect().height : -1;
  const now = performance.now();
  if (window.__mnistHeight !== height) { window.__mnistHeight = height; window.__mnistSince = now; }
  return height > 0 && now - window.__mnistSince >= 300;
}"""


def open_expander(page, title: str) -> None:
    page.get_by_text(title).click()
    page.wait_for_function(OPENED_JS, arg=title, timeout=WAIT_MS, polling=50)


def sign_in_as_teacher(page) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Teacher controls").click()
    box = sidebar.get_by_label("Passcode").and_(page.locator("input"))
    box.fill(PASSCODE)
    box.press("Enter")
    wait_for_app(page)


@pytest.mark.parametrize("width", [1280, 820])
def test_the_teacher_filters_the_grid_by_label_and_deletes_a_poisoned_drawing(browser, review_server, width):
    server, registry = review_server
    if width == 820:  # the second width reviews a store restored to the first's
        registry.delete_drawings([d.id for d in registry.saved_drawings()], by=None, teacher=True)
        save_class_drawings(registry)
    [poisoned] = [d.id for d in registry.saved_drawings() if d.owner == MISCHIEF]
    page = browser.new_context(viewport={"width": width, "height": 1400}).new_page()
    try:
        open_page(page, server, "/our-digits")
        sign_in_as_teacher(page)
        expect(page.get_by_text("The class has saved 15 drawings", exact=True)).to_be_visible(timeout=WAIT_MS)
        open_expander(page, "Teacher: the class's drawings (15)")
        expect(page.get_by_text("15 drawings match.")).to_be_visible(timeout=WAIT_MS)
        grid = page.locator(".st-key-review_drawings_grid")
        expect(grid.locator("img")).to_have_count(15)
        screenshot(page, f"drawing-review-all-{width}")  # tall enough for the page's top and the whole grid

        choose(page, "Saved as", "7")
        expect(page.get_by_text("4 drawings match.")).to_be_visible(timeout=WAIT_MS)
        expect(grid.locator("img")).to_have_count(4)
        cell = page.locator(f".st-key-review_drawings_cell_{poisoned}")
        expect(cell).to_contain_text(f"Saved as 7, {MISCHIEF[:6]}")
        cell.get_by_text("Delete").click()
        wait_for_app(page)
        page.get_by_role("button", name="Delete 1 ticked drawing").scroll_into_view_if_needed()
        screenshot(page, f"drawing-review-{width}")

        page.get_by_role("button", name="Delete 1 ticked drawing").click()
        wait_for_app(page)
        expect(page.get_by_text("Deleted 1 drawing. Training on our digits no longer uses it.")).to_be_visible(
            timeout=WAIT_MS
        )
        expect(page.get_by_text("The class has saved 14 drawings", exact=True)).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("Teacher: the class's drawings (14)")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text("3 drawings match.")).to_be_visible(timeout=WAIT_MS)
        expect(grid.locator("img")).to_have_count(3)
        expect(cell).to_have_count(0)
        assert_no_exception(page)
        assert poisoned not in [d.id for d in registry.saved_drawings()]
        assert registry.drawings()[1].tolist().count(7) == 3  # what training on our digits reads
    finally:
        page.context.close()


def test_a_student_saves_up_to_the_cap_is_refused_past_it_and_deletes_one_of_theirs(browser, review_server):
    server, registry = review_server
    page = browser.new_context(viewport={"width": 820, "height": 1400}).new_page()
    try:
        open_page(page, server, "/draw")
        draw_strokes(page, next(d for d in load_drawn_digits() if d["label"] == 4)["strokes"])
        read_prediction(page)
        expect(page.get_by_text("You have saved 0 of your 2 drawings.")).to_be_visible(timeout=WAIT_MS)
        save = page.get_by_role("button", name="Save as label", exact=True)
        save.click()
        expect(page.get_by_text("You have saved 1 of your 2 drawings.")).to_be_visible(timeout=WAIT_MS)
        save.click()
        expect(page.get_by_text("You have saved 2 of your 2 drawings, so you cannot save more.")).to_be_visible(
            timeout=WAIT_MS
        )
        save.click()
        refused = page.get_by_text("You have already saved 2 drawings, the most one student may keep")
        expect(refused).to_be_visible(timeout=WAIT_MS)
        assert_no_exception(page)
        refused.scroll_into_view_if_needed()
        screenshot(page, "drawing-cap-820")
        [owner] = [o for o, n in registry.drawing_owners().items() if n == 2 and o not in CLASS and o != MISCHIEF]

        open_page(page, server, "/our-digits")
        open_expander(page, "Your drawings")
        expect(page.get_by_text("You have saved 2 of your 2 drawings, so you cannot save more.")).to_be_visible()
        mine = page.locator(".st-key-own_drawings_grid")
        expect(mine.locator("img")).to_have_count(2)
        mine.get_by_text("Delete").first.click()
        wait_for_app(page)
        page.get_by_role("button", name="Delete 1 ticked drawing").click()
        wait_for_app(page)
        expect(page.get_by_text("You have saved 1 of your 2 drawings.")).to_be_visible(timeout=WAIT_MS)
        expect(mine.locator("img")).to_have_count(1)
        screenshot(page, "own-drawings-820")
        assert_no_exception(page)
        assert registry.drawing_count(DrawingFilter(owner=owner)) == 1
    finally:
        page.context.close()
