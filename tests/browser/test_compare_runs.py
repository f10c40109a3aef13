"""Compare runs on the Train page, with long run names on a tablet (820 px, sidebar open) and a projector; on a
run store of its own (``board_store``, tests/browser/conftest.py)."""

from helpers import assert_no_exception, fresh_page, legend_labels, screenshot
from recorded import finished

from mnist_core.config import PRESETS

LONG_NAMES = ["Dropout 05 on both layers 20 epochs - A", "Dropout 05 on both layers 20 epochs - B"]


def test_the_key_names_long_runs_whole_on_a_tablet_and_a_projector(browser, board_store):
    server, registry = board_store
    for name, test_accuracy in zip(LONG_NAMES, (0.98, 0.975), strict=True):  # the two Compare runs shows at first
        finished(registry, name, PRESETS["seed"], 0.99, test_accuracy)
    for width, height in ((820, 1180), (1280, 720)):
        with fresh_page(browser, server, "/train", width, height) as page:
            assert_no_exception(page)
            labels, cut = legend_labels(page, "Training (dashed)")
            assert sorted(labels) == LONG_NAMES and cut == [], (width, cut)
            page.get_by_text("Training (dashed)").scroll_into_view_if_needed()
            screenshot(page, f"train-compare-long-names-{width}")
