"""Evaluate's Stress test tab in Chromium, on a laptop and on a tablet with the sidebar open: pick a second
model, press Run, and see six charts, each with a line per model, whole on the screen, and the sentence."""

import pytest
from helpers import assert_no_exception, open_page, screenshot, wait_for_app

from mnist_core.stress import CORRUPTIONS

SCREENS = {
    "laptop": {"viewport": {"width": 1280, "height": 900}},
    "tablet": {"viewport": {"width": 820, "height": 1180}, "has_touch": True},
}

# Per stress chart (found by its title), the lines drawn and the chart's box on the screen; null until all
# six charts are drawn.
CHARTS_JS = """titles => {
    const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .filter(c => c.getBoundingClientRect().width > 0);
    const found = {};
    for (const chart of charts) {
        const title = chart.querySelector('g.role-title-text text');
        if (!title || !titles.includes(title.textContent)) continue;
        const box = chart.getBoundingClientRect();
        found[title.textContent] = {lines: chart.querySelectorAll('g.mark-line path').length,
                                    left: box.left, right: box.right, width: box.width};
    }
    return Object.keys(found).length === titles.length ? found : null;
}"""


def pick_second_model(page, option: str) -> None:
    """The tab's own "Compare with" box (the Compare models tab has one of the same name), picked as
    helpers.choose picks: scrolled into view a moment before the click."""
    box = page.locator(".st-key-stress_other")
    box.scroll_into_view_if_needed()
    page.wait_for_timeout(100)
    box.click()
    page.get_by_role("option", name=option, exact=True).click()
    wait_for_app(page)


@pytest.mark.parametrize("screen", SCREENS)
def test_the_stress_tab_draws_two_lines_per_chart_within_the_screen(browser, evaluate_server, screen):
    context = browser.new_context(**SCREENS[screen])
    try:
        page = context.new_page()
        open_page(page, evaluate_server, "/evaluate")
        page.get_by_role("tab", name="Stress test").click()
        wait_for_app(page)
        pick_second_model(page, "Untrained")
        page.get_by_role("button", name="Run the stress test").click()
        wait_for_app(page, timeout=180_000)
        assert_no_exception(page)

        titles = [c.title for c in CORRUPTIONS]
        charts = page.wait_for_function(CHARTS_JS, arg=titles).json_value()
        assert all(chart["lines"] == 2 for chart in charts.values()), charts
        width = SCREENS[screen]["viewport"]["width"]
        assert all(0 <= chart["left"] and chart["right"] <= width for chart in charts.values()), charts
        assert min(chart["width"] for chart in charts.values()) >= 300, charts
        sentence = page.get_by_text("the biggest difference between them")
        assert "Default model still reads" in sentence.inner_text()
        assert page.get_by_role("button", name="Run the stress test").count() == 0  # kept for the session
        screenshot(page, f"evaluate-stress-{screen}")
    finally:
        context.close()
