"""Every page opens in a real browser, shows its title without an error, and the sidebar navigates."""

import re

import pytest
from helpers import assert_no_exception, open_page, screenshot, wait_for_app

PAGES = [
    ("/", "home", "MNIST Studio"),
    ("/train", "train", "Train"),
    ("/draw", "draw", "Draw"),
    ("/evaluate", "evaluate", "Evaluate"),
    ("/versus", "versus", "You vs model"),
    ("/our-digits", "our-digits", "Train on our digits"),
    ("/board", "board", "Class board"),
]


@pytest.mark.parametrize("path, name, title", PAGES, ids=[name for _, name, _ in PAGES])
def test_page_opens(page, app_server, path, name, title):
    open_page(page, app_server, path)
    assert_no_exception(page)  # first: a crashed page has no title, and this says why
    heading = page.locator("h1").first
    assert heading.is_visible()
    assert title.lower() in heading.inner_text().lower()
    screenshot(page, f"page-{name}")


def link(page, nav, label: str):
    """The sidebar link whose text is exactly ``label`` ("Draw", not a longer label that contains it)."""
    return nav.locator("a").filter(has=page.get_by_text(label, exact=True))


def test_sidebar_navigation(page, app_server):
    open_page(page, app_server, "/")
    nav = page.locator('[data-testid="stSidebarNav"]')
    for label in ("Home", "Train", "Draw", "Evaluate", "You vs model", "Our digits", "Class board"):
        assert link(page, nav, label).count() == 1, f"no sidebar link {label!r}"
    link(page, nav, "Draw").click()
    page.wait_for_url(re.compile(r"/draw$"))
    wait_for_app(page)
    assert_no_exception(page)
    assert "draw" in page.locator("h1").first.inner_text().lower()


@pytest.mark.parametrize("path, title", [("/draw", "Draw"), ("/our-digits", "Train on our digits")])
def test_a_deep_link_to_a_fresh_server_opens_inside_the_apps_navigation(page, fresh_app_server, path, title):
    """Streamlit's old pages/ layout must never show: no helper modules listed as pages, and no "Page not
    found" for a page whose address is not its file's name in that layout (pages/our-digits.py is named
    for its address)."""
    open_page(page, fresh_app_server, path)
    assert_no_exception(page)
    assert page.get_by_text("Page not found").count() == 0
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert [name for name in ("Home", "Train", "Draw", "Evaluate") if name in nav] == [
        "Home",
        "Train",
        "Draw",
        "Evaluate",
    ]
    assert "resources" not in nav and "charts" not in nav
    assert page.locator("h1").first.inner_text().strip() == title
