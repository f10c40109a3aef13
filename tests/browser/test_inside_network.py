"""Draw page, "Inside the network": after one drawing every layer of the default CNN is shown, labelled,
at projector (1280x720) and tablet (820x1180) sizes; screenshots go to tests/artifacts/screenshots."""

import pytest
from helpers import assert_no_exception, open_page, screenshot

from lab.drawn_digits import load_drawn_digits  # noqa: E402
from lab.score_in_browser import draw_strokes, read_prediction

# The default model: conv 32, pool, conv 64, pool, dense 128, then the softmax layer.
LAYER_TITLES = [
    "Convolution 1: 32 feature maps, 28x28",
    "Pooling 1: maps shrunk to 14x14",
    "Convolution 2: 64 feature maps, 14x14",
    "Pooling 2: maps shrunk to 7x7",
    "Hidden layer 1: 128 units",
    "Scores before the softmax",
    "Softmax: the scores turned",
]


@pytest.mark.parametrize(
    "name, viewport", [("projector", {"width": 1280, "height": 720}), ("tablet", {"width": 820, "height": 1180})]
)
def test_every_layer_of_the_default_cnn_is_shown_for_a_drawing(browser, app_server, name, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        open_page(page, app_server, "/draw")
        assert "Inside the network" not in page.locator("body").inner_text()  # nothing drawn yet
        seven = next(d for d in load_drawn_digits() if d["set"] == "holdout" and d["label"] == 7)
        draw_strokes(page, seven["strokes"])
        assert read_prediction(page) == 7
        assert_no_exception(page)
        text = page.locator("body").inner_text()
        assert "Inside the network" in text
        assert "A feature map is a picture of where in the image one filter found its pattern" in text
        positions = [text.index(title) for title in LAYER_TITLES]
        assert positions == sorted(positions), "layers must be shown in the order the data flows"
        section = page.get_by_text("Convolution 1: 32 feature maps", exact=False)
        section.scroll_into_view_if_needed()
        column = page.locator('[data-testid="stColumn"]').filter(has_text="Convolution 1: 32 feature maps")
        image = column.locator('[data-testid="stImage"] img').first  # not the training images shown before it
        assert image.bounding_box()["width"] <= viewport["width"]
        screenshot(page, f"inside-network-{name}")
        page.get_by_text("Softmax: the scores turned", exact=False).scroll_into_view_if_needed()
        screenshot(page, f"inside-network-{name}-end")
    finally:
        context.close()
