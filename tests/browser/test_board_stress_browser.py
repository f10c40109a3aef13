"""The Class board's stress chart in Chromium at 1280 and 820 px: a point per run with a kept stress test, at the
recorded stress score (read from what the chart tells a screen reader about each point), each point and its
run's name inside the chart, on a run store of its own (``board_store``, tests/browser/conftest.py). Screenshots go
to tests/artifacts/screenshots."""

import pytest
from helpers import assert_no_exception, fresh_page, screenshot, wait_for_app
from recorded import fabricated, finished, with_model_file

from mnist_core.config import PRESETS
from mnist_core.kept_files import FileStamp
from mnist_core.stress import stress_score
from mnist_core.stress_record import write_stress

CHART = '[data-testid="stVegaLiteChart"]'
# Per point of the chart titled "Stress score": its aria-label and box, with the chart's box; null until drawn.
STRESS_POINTS_JS = """count => {
    const chart = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
        .find(c => [...c.querySelectorAll('g.role-title-text text')].some(t => t.textContent === 'Stress score'));
    if (!chart) return null;
    const marks = [...chart.querySelectorAll('path[role="graphics-symbol"]')];
    const names = [...chart.querySelectorAll('g.mark-text.role-mark text')];
    if (marks.length < count || names.length < count) return null;
    const box = e => { const r = e.getBoundingClientRect(); return {left: r.left, right: r.right}; };
    return {chart: box(chart), points: marks.map(m => ({label: m.getAttribute('aria-label'), ...box(m)})),
            names: names.map(n => ({text: n.textContent, ...box(n)}))};
}"""


@pytest.mark.parametrize("width", [1280, 820])
def test_the_stress_chart_puts_each_tested_run_at_its_recorded_score(browser, board_store, width):
    server, registry = board_store
    results = {"Ada": fabricated(0.98, 0.05), "Grace": fabricated(0.99, 0.01), "Lin": fabricated(0.97, 0.03)}
    accuracies = {"Ada": 0.9412, "Grace": 0.9867, "Lin": 0.9655}
    for name, result in results.items():
        finished(registry, name, PRESETS["seed"], 0.99, accuracies[name])
        path = with_model_file(registry, name)
        write_stress(path, result, FileStamp.of(path))
    finished(registry, "Untested", PRESETS["seed"], 0.97, 0.95)
    with fresh_page(browser, server, "/board", width=width, height=1000) as page:
        page.get_by_text("Stress score against test accuracy").scroll_into_view_if_needed()
        wait_for_app(page)
        assert_no_exception(page)
        drawn = page.wait_for_function(STRESS_POINTS_JS, arg=len(results), timeout=60_000).json_value()
        assert len(drawn["points"]) == len(results)
        for name, result in results.items():
            (label,) = [p["label"] for p in drawn["points"] if f"Run: {name};" in p["label"] + ";"]
            assert f"Stress score: {stress_score(result):.1%}" in label, label
            assert f"Test accuracy: {accuracies[name]:.1%}" in label, label  # the axis's format
        assert sorted(n["text"] for n in drawn["names"]) == sorted(results)
        inside = drawn["chart"]
        assert all(
            inside["left"] <= e["left"] and e["right"] <= inside["right"] for e in drawn["points"] + drawn["names"]
        )
        assert "1 run on the board not shown: not stress tested yet." in page.locator("body").inner_text()
        screenshot(page, f"board-stress-{width}")
