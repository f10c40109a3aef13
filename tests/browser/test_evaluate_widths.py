"""Evaluate on a tablet (820 px, touch, sidebar open), a narrow window (700 px) and a projector-sized
screen (1600 px): every number is whole, every table shows all its rows and columns, and the dropout
study's chart has room for its bars. Each check measures the page as drawn."""

import pytest
from helpers import assert_no_exception, open_page, screenshot, wait_for_app

SCREENS = {
    "tablet": {"viewport": {"width": 820, "height": 1180}, "has_touch": True},
    "narrow": {"viewport": {"width": 700, "height": 1000}},
    "projector": {"viewport": {"width": 1600, "height": 1000}},
}

# Elements whose text is cut: wider inside than the box that shows them.
CUT_METRICS_JS = """() => [...document.querySelectorAll('[data-testid="stMetricValue"] *')]
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""

# The confusion matrix's widest number and the width of a cell (null until the chart is drawn).
MATRIX_JS = """() => {
    const chart = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .find(c => c.querySelector('path[aria-label^="True digit 1, predicted 1:"]'));
    if (!chart) return null;
    const cell = chart.querySelector('path[aria-label^="True digit 1, predicted 1:"]').getBoundingClientRect();
    const numbers = [...chart.querySelectorAll('g.mark-text.role-mark text')].map(t => t.getBoundingClientRect().width);
    return {cell: cell.width, widest: Math.max(...numbers), count: numbers.length};
}"""

# The shown table whose headings include `heading`: its rows and whether it scrolls inside (null until
# the table is drawn).
TABLE_JS = """heading => {
    const table = [...document.querySelectorAll('[data-testid="stDataFrame"]')]
        .find(t => t.getBoundingClientRect().width > 0
                   && [...t.querySelectorAll('th')].some(h => h.textContent === heading));
    const scroller = table && table.querySelector('.dvn-scroller');
    return scroller && {rows: Number(table.querySelector('table').getAttribute('aria-rowcount')) - 1,
            across: scroller.scrollWidth - scroller.clientWidth, down: scroller.scrollHeight - scroller.clientHeight};
}"""

# The dropout study's bars: each variant's box on the screen (null until the chart is drawn).
BARS_JS = """() => {
    const bars = Object.fromEntries(
    [...document.querySelectorAll('[data-testid="stVegaLiteChart"] path[aria-label*="Variant: "]')]
    .filter(bar => bar.getBoundingClientRect().height > 0)
    .map(bar => { const box = bar.getBoundingClientRect();
                  return [bar.getAttribute('aria-label').match(/Variant: ([^;]*)/)[1],
                          {left: box.left, right: box.right, height: box.height}]; }));
    return Object.keys(bars).length ? bars : null;
}"""


def measure(page, script: str, arg=None) -> dict:
    """What ``script`` measures, once it finds what it measures (charts and tables are drawn a moment
    after the script has run)."""
    return page.wait_for_function(script, arg=arg).json_value()


def open_tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    wait_for_app(page)


@pytest.mark.parametrize("screen", SCREENS)
def test_evaluate_shows_every_number_whole(browser, evaluate_server, screen):
    context = browser.new_context(**SCREENS[screen])
    try:
        page = context.new_page()
        open_page(page, evaluate_server, "/evaluate")
        if screen == "tablet":  # a tablet in landscape keeps the sidebar open
            sidebar = page.locator('[data-testid="stSidebar"]').bounding_box()
            assert sidebar["x"] >= 0 and sidebar["width"] > 200, sidebar
        assert_no_exception(page)
        assert page.evaluate(CUT_METRICS_JS) == []

        matrix = measure(page, MATRIX_JS)
        assert matrix["count"] == 100 and matrix["widest"] <= matrix["cell"] - 2, matrix  # 1135 stays in its cell
        pairs = measure(page, TABLE_JS, "Images")
        assert pairs["across"] <= 0, pairs  # the "Images" column in view
        screenshot(page, f"evaluate-errors-{screen}")

        open_tab(page, "Compare models")
        comparison = measure(page, TABLE_JS, "B − A")
        assert comparison == {"rows": 11, "across": 0, "down": 0}  # the "All" row and B − A in view

        open_tab(page, "Dropout study")
        bars = measure(page, BARS_JS)
        assert len(bars) == 7 and min(bar["height"] for bar in bars.values()) >= 15, bars
        # The lesson: no dropout overfits (a gap to the right of zero); dropout 0.5 does not (to the left).
        assert bars["No dropout"]["right"] - bars["Dropout 0.5"]["right"] >= 100, bars
        assert "Overfitting gap against dropout" in page.locator('[data-testid="stVegaLiteChart"]').last.text_content()
        screenshot(page, f"evaluate-study-{screen}")
    finally:
        context.close()
