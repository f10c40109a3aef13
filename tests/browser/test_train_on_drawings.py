"""Our digits page, end to end on a run store of its own (``board_store``, tests/browser/conftest.py): too few
drawings gives a plain message; with 24 saved drawings (no 8 or 9: a plain warning) a fine-tuning run shows live
curves and Stop, then before and after side by side, and the new model can be picked on Draw."""

from helpers import assert_no_exception, fresh_page, open_page, screenshot, set_slider, wait_for_app

from lab.drawn_digits import load_drawn_digits, render_strokes
from mnist_core.preprocess import prepare_canvas

TIMEOUT_MS = 180_000


def save_drawings(registry, per_digit: int, digits, skip: int = 0) -> None:
    """Save ``per_digit`` mouse-drawn digits of each of ``digits``, after the first ``skip`` of each."""
    seen = {}
    for digit in load_drawn_digits():
        seen[digit["label"]] = seen.get(digit["label"], 0) + 1
        if digit["label"] in digits and skip < seen[digit["label"]] <= skip + per_digit:
            registry.add_drawing(digit["label"], prepare_canvas(render_strokes(digit["strokes"])).image, None, "pupil")


def test_fine_tuning_on_saved_drawings_shows_before_and_after(browser, board_store):
    server, registry = board_store
    save_drawings(registry, per_digit=1, digits=range(8))
    with fresh_page(browser, server, "/our-digits") as page:
        body = page.locator("body").inner_text()
        assert "The class has saved 8 drawings; training on them needs at least 20" in body
        assert page.get_by_role("button", name="Train on our drawings").is_disabled()

        save_drawings(registry, per_digit=2, digits=range(8), skip=1)  # 3 of each of 0-7, no 8 or 9
        page.reload()
        wait_for_app(page)
        text = page.locator("body").inner_text()
        assert "The class has saved 24 drawings" in text
        assert "No drawings of 8, 9 yet: the model learns nothing about them from us" in text
        assert set_slider(page, "Epochs", "End") == "50"
        page.get_by_role("button", name="Train on our drawings").click()

        stop = page.get_by_role("button", name="Stop")
        stop.wait_for(timeout=TIMEOUT_MS)
        page.get_by_text("Accuracy per epoch").wait_for(timeout=TIMEOUT_MS)  # the live curve
        screenshot(page, "our-drawings-training")
        stop.click()
        page.get_by_text("Before", exact=True).wait_for(timeout=TIMEOUT_MS)
        wait_for_app(page)
        assert_no_exception(page)
        text = page.locator("body").inner_text()
        assert "Our drawings - fine-tuned 1: stopped" in text
        assert text.count("Our held-out drawings") == 2 and text.count("MNIST test") >= 2
        assert "drawings kept aside" in text
        page.get_by_text("MNIST test").last.scroll_into_view_if_needed()
        screenshot(page, "our-drawings-before-after")

        open_page(page, server, "/draw")
        page.get_by_role("combobox", name="Model").click()
        assert page.get_by_role("option", name="Our drawings - fine-tuned 1 · stopped", exact=False).count() == 1
