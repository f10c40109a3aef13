"""Evaluate: clicking a cell of the confusion matrix shows that cell's test images with their confidences;
the select boxes (the keyboard's way) follow the click, and still pick a cell on their own."""

import re

from helpers import assert_no_exception, choose, open_page, screenshot, wait_for_app

from mnist_core.data import load_mnist
from mnist_core.evaluation import evaluate_model
from mnist_core.models import load_model
from mnist_core.paths import DEFAULT_MODEL


def cell_mark(page, true: int, predicted: int):
    """The rectangle of one cell in the chart's SVG, found by the description a screen reader reads."""
    return page.locator(
        f'[data-testid="stVegaLiteChart"] path[aria-label^="True digit {true}, predicted {predicted}:"]'
    )


def picked(page, label: str) -> str:
    return page.get_by_role("combobox", name=label, exact=True).input_value()


def shown_captions(page) -> list[str]:
    return [c.inner_text() for c in page.locator('[data-testid="stImageCaption"]').all()]


def test_clicking_a_cell_shows_its_images_with_confidences(page, app_server):
    result = evaluate_model(load_model(DEFAULT_MODEL), load_mnist().x_test, load_mnist().y_test)
    # A confused pair other than the select boxes' first choice (a 4 read as a 9), so the click must move them.
    true, predicted, count = next(pair for pair in result.most_confused(5) if pair[:2] != (4, 9))

    open_page(page, app_server, "/evaluate")
    cell_mark(page, true, predicted).click()
    wait_for_app(page)
    assert_no_exception(page)
    body = page.locator("body").inner_text()
    assert f"{count} test images are a {true} that the model read as {predicted}" in body
    captions = shown_captions(page)[:count]
    assert len(captions) == count
    for caption in captions:
        assert re.fullmatch(rf"true {true} → {predicted} \(\d+%\)", caption), caption
    expected = [f"{result.confidence[i]:.0%}" for i in result.cell(true, predicted)]
    assert [c.split("(")[1].rstrip(")") for c in captions] == expected  # most confident first
    assert (picked(page, "True digit"), picked(page, "Predicted digit")) == (str(true), str(predicted))
    screenshot(page, "evaluate-confusion-click")

    # The diagonal: a right answer's cell shows its images too, and the numbers on it are readable.
    cell_mark(page, 3, 3).click()
    wait_for_app(page)
    assert (
        f"{int(result.confusion[3, 3])} test images are a 3 that the model read as 3"
        in page.locator("body").inner_text()
    )

    page.get_by_text("Share of each true digit").click()  # row shares instead of counts, as before
    wait_for_app(page)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first.text_content()
    assert "share of each true digit" in chart and "%" in chart

    choose(page, "Predicted digit", "5")  # the keyboard's way still works after a click
    assert (
        f"{int(result.confusion[3, 5])} test images are a 3 that the model read as 5"
        in page.locator("body").inner_text()
    )
    assert_no_exception(page)
