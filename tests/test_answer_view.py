"""The Draw page's parts outside a browser: the answer's bars and its "not sure" sentence, the network's
pictures made once per drawing, and an uploaded photo decoded once per file."""

import io
import re

import numpy as np
import pytest
from PIL import Image, ImageDraw

import ui.photo_upload as photo_upload
from mnist_core.network_trace import as_png, map_grid
from mnist_core.verdict import verdict
from ui.answer_view import unsure_message
from ui.charts import ANSWER_BARS_TITLE, probability_bars_html, score_bars_html


def ten(**shares) -> np.ndarray:
    given = {int(name[1:]): share for name, share in shares.items()}
    rest = (1 - sum(given.values())) / (10 - len(given))
    return np.array([given.get(digit, rest) for digit in range(10)])


def test_the_not_sure_sentence_names_both_digits_and_asks_for_the_true_label():
    message = unsure_message(verdict(ten(d1=0.48, d7=0.45)))
    assert "48% for 1" in message and "45% for 7" in message
    assert "Which one did you mean?" in message and "Save as label" in message
    assert "Traceback" not in message and "margin" not in message  # a sentence, not the rule's jargon


def test_the_answers_bars_show_every_digit_and_highlight_the_ones_named():
    html = probability_bars_html(ten(d1=0.48, d7=0.45), highlighted=(1, 7))
    assert f'aria-label="{ANSWER_BARS_TITLE}"' in html
    assert html.count("background:#3b5bdb") == 2 and html.count("background:#adb5bd") == 8
    assert "48%" in html and "45%" in html
    assert all(f">{digit}</div>" in html for digit in range(10))


def test_the_scores_bars_go_up_or_down_from_zero_in_proportion_and_highlight_the_winner():
    scores = np.array([-7.5, 4.2, 0.5, -3.6, -7.9, -9.8, -22.7, 15.8, -8.6, 1.7])
    html = score_bars_html(scores, "Scores")
    assert 'aria-label="Scores"' in html and all(f">{digit}</div>" in html for digit in range(10))
    assert all(f"{score:.1f}" in html for score in scores)
    heights = [float(h) for h in re.findall(r'<div style="height:(\d+)px;background:', html)]
    assert len(heights) == 20  # an upper and a lower bar per digit, one of them empty
    up, down = heights[0::2], heights[1::2]
    assert [u > 0 for u in up] == list(scores > 0) and [d > 0 for d in down] == list(scores < 0)
    # one scale for both directions: 15.8 up is about 22.7 down times 15.8 / 22.7
    assert abs(up[7] / down[6] - 15.8 / 22.7) < 0.02
    assert html.count("background:#e8590c") == 2  # the winner's two bars (one empty), the others lighter
    assert "Scores</figcaption>" not in html


def test_the_softmax_bars_can_leave_their_title_to_the_heading_above():
    html = probability_bars_html(ten(d7=0.99), highlighted=(7,), title="Softmax", captioned=False)
    assert 'aria-label="Softmax"' in html and "<figcaption" not in html


def test_a_network_picture_is_a_png_of_its_grid():
    grid = map_grid(np.random.default_rng(0).random((7, 7, 64), np.float32))
    png = as_png(grid)
    assert png.startswith(b"\x89PNG") and int.from_bytes(png[16:20], "big") == grid.shape[1]
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png))), grid)


def photo_bytes() -> bytes:
    image = Image.new("L", (300, 400), 225)
    ImageDraw.Draw(image).line([(100, 100), (200, 100), (140, 320)], fill=30, width=20)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def decodes(monkeypatch):
    """Counts the photo decodes behind the Draw page's uploader, from an empty cache."""
    calls = []

    def counting(data, filename=""):
        calls.append(filename)
        return real(data, filename)

    real = photo_upload.decode_upload
    monkeypatch.setattr(photo_upload, "decode_upload", counting)
    photo_upload.read_photo.clear()
    yield calls
    photo_upload.read_photo.clear()


def test_an_uploaded_photo_is_decoded_once_however_often_the_page_reruns(decodes):
    data = photo_bytes()
    first = photo_upload.read_photo(data, "seven.png")
    for _ in range(5):  # five reruns of the page: a stroke, a toggle, a slider...
        again = photo_upload.read_photo(data, "seven.png")
    assert decodes == ["seven.png"]
    assert first.problem is None and np.array_equal(again.prepared.image, first.prepared.image)
    photo_upload.read_photo(photo_bytes()[:-40] + b"\0" * 40, "other.png")  # another file is decoded
    assert len(decodes) == 2


def test_a_refused_photo_is_remembered_with_its_message_and_not_decoded_again(decodes):
    for _ in range(3):
        photo = photo_upload.read_photo(b"not a picture", "notes.png")
    assert decodes == ["notes.png"]
    assert photo.prepared is None and photo.problem == "notes.png is not a PNG or JPEG image."
