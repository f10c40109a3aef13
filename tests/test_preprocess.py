"""Drawings and photos become MNIST-style 28x28 inputs: cropped, fitted to 20x20, centred by mass."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_core.data import load_mnist
from mnist_core.errors import UserError
from mnist_core.preprocess import MAX_UPLOAD_BYTES, decode_upload, prepare_canvas, prepare_digit


def canvas(lines, width=18, transparent=False, size=280):
    """A canvas like streamlit-drawable-canvas returns: white ink on black (or on transparency)."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0 if transparent else 255))
    draw = ImageDraw.Draw(image)
    for line in lines:
        draw.line(line, fill=(255, 255, 255, 255), width=width, joint="curve")
    return np.asarray(image)


SEVEN = [[(100, 80), (180, 80), (130, 200)]]


def shifted(lines, dx, dy, scale=1.0):
    return [[(x * scale + dx, y * scale + dy) for x, y in line] for line in lines]


def ink_box(image, level=30):
    rows, cols = np.nonzero(image > level)
    return rows.min(), rows.max(), cols.min(), cols.max()


def centre_of_mass(image):
    x = image.astype(float)
    return (x.sum(axis=1) @ np.arange(28)) / x.sum(), (x.sum(axis=0) @ np.arange(28)) / x.sum()


def test_a_small_digit_in_a_corner_comes_out_centred_and_of_mnist_size():
    prepared = prepare_canvas(canvas(shifted(SEVEN, -30, -30, scale=0.5), width=8))
    top, bottom, left, right = ink_box(prepared.image)
    assert 18 <= max(bottom - top, right - left) + 1 <= 21
    row, col = centre_of_mass(prepared.image)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1
    assert top >= 1 and left >= 1 and bottom <= 26 and right <= 26


def test_the_same_digit_anywhere_gives_the_same_input():
    centred = prepare_canvas(canvas(SEVEN)).image.astype(int)
    moved = prepare_canvas(canvas(shifted(SEVEN, -80, 60))).image.astype(int)
    assert np.abs(centred - moved).max() <= 2


@pytest.mark.parametrize("width, height", [(40, 160), (160, 40)])
def test_the_aspect_ratio_is_kept(width, height):
    grey = np.zeros((280, 280), np.float32)
    grey[60 : 60 + height, 60 : 60 + width] = 255
    top, bottom, left, right = ink_box(prepare_digit(grey).image, level=100)
    long_side, short_side = max(bottom - top, right - left) + 1, min(bottom - top, right - left) + 1
    assert 19 <= long_side <= 21 and 4 <= short_side <= 6


@pytest.mark.parametrize("rgba", [np.zeros((280, 280, 4), np.uint8), canvas([], transparent=True), None])
def test_a_blank_canvas_gives_no_input(rgba):
    assert prepare_canvas(rgba) is None


def test_a_canvas_full_of_ink_is_handled():
    prepared = prepare_canvas(np.full((280, 280, 4), 255, np.uint8))
    assert prepared.ink_fraction == 1.0 and prepared.image.shape == (28, 28)
    assert np.isfinite(prepared.image).all() and prepared.image.max() == 255


def test_a_single_dot_and_a_hairline_are_handled():
    dot = np.zeros((280, 280), np.float32)
    dot[140:143, 200:203] = 255
    row, col = centre_of_mass(prepare_digit(dot).image)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1
    line = np.zeros((280, 280), np.float32)
    line[20:260, 100] = 255
    assert prepare_digit(line).image.max() > 0


def test_transparent_and_black_backgrounds_agree():
    assert np.array_equal(prepare_canvas(canvas(SEVEN)).image, prepare_canvas(canvas(SEVEN, transparent=True)).image)


def test_the_recipe_reproduces_mnist_from_an_enlarged_mnist_digit():
    digits = load_mnist().x_test[:50]
    differences = []
    for digit in digits:
        big = np.asarray(Image.fromarray(digit).resize((280, 280), Image.Resampling.BILINEAR), np.float32)
        differences.append(np.abs(prepare_digit(big).image.astype(float) - digit).mean())
    assert np.mean(differences) < 12


def encoded(image, fmt):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def paper_photo():
    """A dark digit on light, slightly uneven paper."""
    image = Image.new("L", (300, 400), 225)
    ImageDraw.Draw(image).line([(100, 100), (200, 100), (140, 320)], fill=30, width=20)
    return image


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_photo_of_dark_ink_on_paper_is_inverted_to_bright_ink(fmt):
    grey = decode_upload(encoded(paper_photo(), fmt), f"digit.{fmt.lower()}")
    assert grey[200, 20] < 20  # paper is dark now
    assert grey[100, 150] > 200  # ink is bright
    assert prepare_digit(grey) is not None


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty"),
    (b"hello, I am a text file", "not a PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_UPLOAD_BYTES + 1), "larger than 5 MB"),
])
def test_bad_uploads_are_refused_before_decoding(data, message):
    with pytest.raises(UserError, match=message):
        decode_upload(data, "upload")


def test_a_truncated_image_is_refused():
    with pytest.raises(UserError, match="could not be read"):
        decode_upload(encoded(paper_photo(), "PNG")[:200], "cut.png")


def test_a_decompression_bomb_is_refused():
    bomb = encoded(Image.new("L", (20_000, 20_000)), "PNG")  # small file, 400 million pixels
    assert len(bomb) < MAX_UPLOAD_BYTES
    with pytest.raises(UserError, match="too many pixels"):
        decode_upload(bomb, "bomb.png")
