"""Class board, on a run store of its own (``board_store``, tests/browser/conftest.py: emptied for each test):
runs that finish appear without a reload, the gap has its own chart, the teacher can hide run names, and stopped
runs are hollow rings when asked for. Screenshots at projector size (1280x720)."""

import time

from helpers import assert_no_exception, fresh_page, legend_labels, screenshot, wait_for_app
from recorded import finished

from class_server.board import AXES
from class_server.jobs import JobManager
from mnist_core.config import PRESETS, TrainConfig

TIMEOUT_MS = 120_000
RUNS = {
    "Ada dropout 0": PRESETS["seed"].replace(dropouts=(0.0, 0.0)),
    "Grace dropout 05": PRESETS["seed"].replace(dropouts=(0.5, 0.0)),
}


POINTS = '[data-testid="stVegaLiteChart"] path[role="graphics-symbol"]'


def points(page, at_least: int = 0) -> list[tuple[str, str]]:
    """(aria-label, fill) of each point of the board's charts: the label is what a screen reader (or a hovering
    mouse) is told about the point; a hollow ring is filled "transparent". Waits until ``at_least`` points are
    drawn: the two charts draw themselves one after the other, after the page's text is on screen."""
    page.wait_for_function(f"document.querySelectorAll('{POINTS}').length >= {at_least}", timeout=TIMEOUT_MS)
    marks = page.locator(POINTS)
    return [(mark.get_attribute("aria-label"), mark.get_attribute("fill")) for mark in marks.all()]


def test_finished_runs_appear_without_a_reload_and_names_can_be_hidden(browser, board_store):
    server, registry = board_store
    with fresh_page(browser, server, "/board") as page:
        assert "No finished runs yet" in page.locator("body").inner_text()

        manager = JobManager(registry)  # the class's runs, trained beside the server
        for name, config in RUNS.items():
            manager.submit(config.replace(epochs=1, train_size=2000), owner="pupil", name=name)
        page.get_by_text("2 runs", exact=True).wait_for(timeout=TIMEOUT_MS)  # no reload: the board polls
        wait_for_app(page)  # the count arrives before the charts of the same run
        assert_no_exception(page)
        body = page.locator("body").inner_text()
        charts = [chart.text_content() for chart in page.locator('[data-testid="stVegaLiteChart"]').all()]
        assert len(charts) == 2
        assert "Test accuracy" in charts[0] and "Overfitting gap" in charts[1] and "Training minus test" in charts[1]
        labels = [label for label, _ in points(page, 4)]
        assert len(labels) == 4  # each run once on each chart
        assert sum("Ada dropout 0" in label for label in labels) == 2
        assert "Ada dropout 0" in body or "Grace dropout 05" in body  # the best run, named
        screenshot(page, "board-projector")

        page.get_by_text("Hide run names").click()
        page.get_by_text("2 runs", exact=True).wait_for(timeout=TIMEOUT_MS)
        time.sleep(1)
        body = page.locator("body").inner_text()
        assert "Ada" not in body and "Grace" not in body
        assert "(#" in body  # the best run, by number: "#1", never "Run 1", which may be another run's name
        assert not any("Ada" in label or "Grace" in label for label, _ in points(page))


def test_stopped_runs_are_left_out_until_included_then_hollow_rings_that_say_where_they_stopped(browser, board_store):
    server, registry = board_store
    finished(registry, "Ada", PRESETS["seed"], 0.99, 0.7)
    finished(registry, "Grace stopped", PRESETS["seed"], 0.4, 0.7, status="stopped", epochs=0, partial=True)
    with fresh_page(browser, server, "/board") as page:
        assert "1 stopped run not shown" in page.locator("body").inner_text()
        labels = [label for label, _ in points(page, 2)]
        assert len(labels) == 2 and all("Ada" in label for label in labels)  # Ada once on each chart

        page.get_by_test_id("stSidebarUserContent").get_by_text("Include stopped runs").click()
        page.get_by_text("2 runs", exact=True).wait_for(timeout=TIMEOUT_MS)
        wait_for_app(page)
        assert_no_exception(page)
        stopped = [(label, fill) for label, fill in points(page, 4) if "Grace stopped" in label]
        assert len(stopped) == 2  # once on each chart
        assert all("stopped in epoch 1 of 10" in label and fill == "transparent" for label, fill in stopped)
        assert all(fill != "transparent" for label, fill in points(page) if "Ada" in label)
        screenshot(page, "board-stopped-runs")


def test_the_colour_key_names_five_kinds_of_network_whole_on_a_projector_and_a_tablet(browser, board_store):
    server, registry = board_store
    kinds = {
        "MLP 256-128": PRESETS["seed"],
        "MLP 128-64": TrainConfig(hidden_units=(128, 64)),
        "MLP 512": TrainConfig(hidden_units=(512,), dropouts=(0.2,)),
        "CNN 16-32 + 128": PRESETS["cnn"].replace(conv_filters=(16, 32), epochs=10),
        "CNN 16-32-64 + 128": PRESETS["cnn"].replace(conv_filters=(16, 32, 64), epochs=10),
    }
    for number, config in enumerate(kinds.values()):
        finished(registry, f"Kind {number}", config, 0.99, 0.7)
    for width, height in ((1280, 720), (820, 1180)):
        with fresh_page(browser, server, "/board", width, height) as page:
            assert_no_exception(page)
            labels, cut = legend_labels(page, "Dropout", charts=2)  # both charts: Dropout goes across
            assert sorted(labels) == sorted([*kinds] * 2) and cut == [], (width, cut)
            screenshot(page, f"board-five-kinds-{width}")


# Per chart of the board: its plot's top and every point drawn outside its plot (the root group's background).
POINTS_OUTSIDE_JS = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')].map(chart => {
    const plot = chart.querySelector('.role-frame.root path.background').getBoundingClientRect();
    const outside = [...chart.querySelectorAll('.role-mark.mark-symbol path')]
        .map(point => point.getBoundingClientRect())
        .filter(box => box.left < plot.left || box.right > plot.right || box.top < plot.top || box.bottom > plot.bottom)
        .map(box => [box.left, box.top].map(Math.round));
    return {top: plot.top, outside};
})"""


def test_every_point_is_drawn_whole_and_the_two_plots_line_up_whatever_goes_across(browser, board_store):
    """Runs at the ends of every axis: the least and most dropout, learning rate, units, epochs and images."""
    server, registry = board_store
    seed = PRESETS["seed"]
    runs = [
        (seed.replace(dropouts=(0.0, 0.0), learning_rate=1e-2, train_size=1000), 0.95),
        (seed.replace(hidden_units=(512,), dropouts=(0.1,), epochs=20), 0.981),
        (PRESETS["cnn"].replace(epochs=10, learning_rate=1e-4), 0.9948),  # dropout 0.25, the most here
    ]
    for number, (config, test_accuracy) in enumerate(runs):
        finished(registry, f"Run at the edge {number}", config, 0.99, test_accuracy, epochs=config.epochs)
    for width, height in ((1280, 720), (820, 1180)):
        with fresh_page(browser, server, "/board", width, height) as page:
            for across in AXES:
                page.get_by_test_id("stSidebarUserContent").get_by_text(across, exact=True).click()
                wait_for_app(page)
                page.wait_for_timeout(500)  # the charts' new drawing
                assert_no_exception(page)
                charts = page.evaluate(POINTS_OUTSIDE_JS)
                assert [chart["outside"] for chart in charts] == [[], []], (width, across, charts)
                assert charts[0]["top"] == charts[1]["top"], (width, across, charts)
            screenshot(page, f"board-edges-{width}")
