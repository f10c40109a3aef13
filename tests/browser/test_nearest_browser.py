"""Draw page, "It learned this from these": after a drawing's answer come six training images with their
labels, the same six that the engine finds for the 28x28 image the server was given; at 1280 and 820 px wide.
Screenshots go to tests/artifacts/screenshots."""

import base64
import io

import numpy as np
import pytest
from helpers import assert_no_exception, open_page, screenshot
from PIL import Image

from lab.drawn_digits import load_drawn_digits  # noqa: E402
from lab.score_in_browser import draw_strokes, read_prediction
from mnist_core.inference import Predictor  # noqa: E402
from mnist_core.nearest import NearestIndex  # noqa: E402
from mnist_core.paths import DEFAULT_MODEL  # noqa: E402
from mnist_core.preprocess import prepare_canvas  # noqa: E402
from ui.nearest_view import HEADING, KEY  # noqa: E402

DIGITS = [d for d in load_drawn_digits() if d["set"] == "holdout"]


@pytest.fixture(scope="module")
def index() -> NearestIndex:
    return NearestIndex.of_training_set(Predictor.from_file(DEFAULT_MODEL))


def canvas_pixels(page) -> np.ndarray:
    """The drawing as the canvas holds it (RGBA; its drawing layer, not the background one under it): what
    it sends the server when the pen lifts."""
    url = page.locator("canvas.dc-canvas.lower-canvas").first.evaluate("canvas => canvas.toDataURL('image/png')")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("RGBA"))


@pytest.mark.parametrize("width", [1280, 820])
def test_six_training_images_with_the_engines_labels_follow_the_answer(browser, app_server, index, width):
    page = browser.new_context(viewport={"width": width, "height": 1000}).new_page()
    try:
        open_page(page, app_server, "/draw")
        assert HEADING not in page.locator("body").inner_text()  # nothing drawn yet
        digit = DIGITS[0 if width == 1280 else 24]  # two different digits
        draw_strokes(page, digit["strokes"])
        said = read_prediction(page)
        section = page.locator(f".st-key-{KEY}")
        section.wait_for()
        # the model's index is built in the background the first time: the six fill in when it is ready
        section.locator('[data-testid="stImage"] img').nth(5).wait_for(timeout=180_000)
        assert_no_exception(page)
        text = page.locator("body").inner_text()
        assert text.index("Prediction:") < text.index(HEADING) < text.index("Inside the network")
        assert "The six training images that the network finds most like your drawing, with their labels." in text

        image28 = prepare_canvas(canvas_pixels(page)).image
        assert int(index.predictor.probabilities(image28).argmax()) == said  # the server's image, read back
        expected = [f"label {label}" for label in index.query(image28).labels]
        assert section.locator('[data-testid="stImageCaption"]').all_inner_texts() == expected
        pictures = section.locator('[data-testid="stImage"] img')
        assert pictures.count() == 6
        section.scroll_into_view_if_needed()
        boxes = [pictures.nth(i).bounding_box() for i in range(6)]
        assert all(box["width"] >= 60 and box["x"] + box["width"] <= width for box in boxes)
        assert len({round(box["y"]) for box in boxes}) == 1, "the six pictures in one row"
        assert all(pictures.nth(i).evaluate("img => img.complete && img.naturalWidth > 0") for i in range(6))
        screenshot(page, f"nearest-{width}")
    finally:
        page.context.close()
