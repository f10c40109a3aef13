"""Drawings and photos become MNIST-style 28x28 inputs: cropped, fitted to 20x20, centred by mass."""

import gzip
import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_core.errors import UserError
from mnist_core.preprocess import (
    MAX_UPLOAD_BYTES,
    canvas_to_grey,
    decode_canvas,
    decode_upload,
    prepare_canvas,
    prepare_digit,
)

MNIST_TEST_IMAGES = Path(__file__).resolve().parents[1] / "data" / "mnist" / "t10k-images-idx3-ubyte.gz"


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
    """(top, bottom, left, right) of the pixels brighter than level, inclusive."""
    rows, cols = np.nonzero(image > level)
    return rows.min(), rows.max(), cols.min(), cols.max()


def box_size(image, level=30):
    top, bottom, left, right = ink_box(image, level)
    return bottom - top + 1, right - left + 1


def centre_of_mass(image):
    x = image.astype(float)
    return (x.sum(axis=1) @ np.arange(28)) / x.sum(), (x.sum(axis=0) @ np.arange(28)) / x.sum()


def assert_centred(image):
    row, col = centre_of_mass(image)
    assert abs(row - 14) <= 1 and abs(col - 14) <= 1, (row, col)


def test_a_small_digit_in_a_corner_comes_out_centred_and_of_mnist_size():
    prepared = prepare_canvas(canvas(shifted(SEVEN, -30, -30, scale=0.5), width=8))
    assert prepared.image.shape == (28, 28) and prepared.image.dtype == np.uint8
    assert 19 <= max(box_size(prepared.image)) <= 21
    assert_centred(prepared.image)
    top, bottom, left, right = ink_box(prepared.image)
    assert top >= 1 and left >= 1 and bottom <= 26 and right <= 26


def test_the_same_digit_anywhere_gives_the_same_input():
    centred = prepare_canvas(canvas(SEVEN)).image.astype(int)
    moved = prepare_canvas(canvas(shifted(SEVEN, -80, 60))).image.astype(int)
    assert np.abs(centred - moved).max() <= 2


@pytest.mark.parametrize("width, height, expected", [(40, 160, (20, 5)), (160, 40, (5, 20))])
def test_the_aspect_ratio_is_kept(width, height, expected):
    grey = np.zeros((280, 280), np.float32)
    grey[60 : 60 + height, 60 : 60 + width] = 255
    rows, cols = box_size(prepare_digit(grey).image, level=100)
    assert abs(rows - expected[0]) <= 1 and abs(cols - expected[1]) <= 1  # (rows, cols)


def test_a_hairline_one_is_not_stretched_sideways():
    line = np.zeros((280, 280), np.float32)
    line[40:240, 100:102] = 255  # 2 px wide, 200 px high
    image = prepare_digit(line).image
    rows, cols = box_size(image, level=0)
    assert 19 <= rows <= 21 and cols <= 2
    assert_centred(image)


@pytest.mark.parametrize("rgba", [np.zeros((280, 280, 4), np.uint8), canvas([], transparent=True), None])
def test_a_blank_canvas_gives_no_input(rgba):
    assert prepare_canvas(rgba) is None


def test_faint_noise_alone_is_not_ink():
    assert prepare_digit(np.full((280, 280), 0.05 * 255, np.float32)) is None


def test_a_canvas_full_of_ink_is_handled():
    prepared = prepare_canvas(np.full((280, 280, 4), 255, np.uint8))
    assert prepared.ink_fraction == 1.0 and prepared.image.shape == (28, 28)
    assert min(box_size(prepared.image)) >= 19 and prepared.image.max() == 255


def test_a_single_dot_is_handled_and_centred():
    dot = np.zeros((280, 280), np.float32)
    dot[140:143, 200:203] = 255
    prepared = prepare_digit(dot)
    assert prepared.image.max() == 255 and prepared.ink_fraction == pytest.approx(9 / 280**2)
    assert_centred(prepared.image)


@pytest.mark.parametrize("shape", [(1, 1), (1, 300), (300, 1), (1, 2), (3, 3)])
def test_degenerate_inputs_never_raise(shape):
    image = prepare_digit(np.full(shape, 200, np.uint8)).image
    assert image.shape == (28, 28) and image.max() == 255


def test_nan_and_infinity_give_a_finite_image():
    grey = np.zeros((50, 50), np.float64)
    grey[10:40, 20:25] = np.inf
    grey[0, 0] = np.nan
    image = prepare_digit(grey).image
    assert image.dtype == np.uint8 and image.max() == 255


def test_transparent_and_black_backgrounds_agree():
    assert np.array_equal(prepare_canvas(canvas(SEVEN)).image, prepare_canvas(canvas(SEVEN, transparent=True)).image)


def test_canvas_to_grey_multiplies_the_brightest_channel_by_alpha():
    rgba = np.array([[[255, 255, 255, 255], [255, 0, 0, 128], [0, 0, 0, 255], [255, 255, 255, 0]]], np.uint8)
    grey = canvas_to_grey(rgba)
    assert grey.dtype == np.float32 and grey.shape == (1, 4)
    assert grey[0] == pytest.approx([255, 128, 0, 0])


def mnist_test_digits(count):
    """The first digits of MNIST's test set, read straight from the IDX file (big-endian header)."""
    with gzip.open(MNIST_TEST_IMAGES) as file:
        magic, number, rows, cols = struct.unpack(">4I", file.read(16))
        assert magic == 2051 and (rows, cols) == (28, 28)
        return np.frombuffer(file.read(count * rows * cols), np.uint8).reshape(count, rows, cols)


def test_the_recipe_reproduces_mnist_from_an_enlarged_mnist_digit():
    differences = []
    for digit in mnist_test_digits(30):
        big = np.asarray(Image.fromarray(digit).resize((280, 280), Image.Resampling.BILINEAR), np.float32)
        differences.append(np.abs(prepare_digit(big).image.astype(float) - digit).mean())
    assert max(differences) < 25 and np.mean(differences) < 12


def encoded(image, fmt, **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def paper_photo(size=(300, 400)):
    """A dark digit on light grey paper."""
    image = Image.new("L", size, 225)
    ImageDraw.Draw(image).line([(100, 100), (200, 100), (140, 320)], fill=30, width=20)
    return image


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_a_photo_of_dark_ink_on_paper_is_inverted_to_bright_ink(fmt):
    grey = decode_upload(encoded(paper_photo(), fmt), f"digit.{fmt.lower()}")
    assert grey.dtype == np.float32 and grey.shape == (400, 300)
    assert grey[200, 20] < 20  # paper is dark now
    assert grey[100, 150] > 200  # ink is bright
    assert_centred(prepare_digit(grey).image)


def test_bright_ink_on_dark_is_kept_as_it_is():
    grey = decode_upload(encoded(Image.fromarray(255 - np.asarray(paper_photo())), "PNG"))
    assert grey[200, 20] < 20 and grey[100, 150] > 200


@pytest.mark.parametrize("dark_on_light", [False, True])
def test_a_tight_coarse_scan_with_more_ink_than_paper_keeps_its_ink(dark_on_light):
    """An 8x8 scan of a 0 enlarged edge to edge is mostly ink: the paper is told by the picture's edge."""
    counted = np.array(
        [
            [0, 0, 6, 14, 14, 6, 0, 0],
            [0, 9, 16, 10, 10, 16, 9, 0],
            [2, 16, 8, 1, 1, 8, 16, 2],
            [5, 16, 3, 0, 0, 3, 16, 5],
            [5, 16, 3, 0, 0, 3, 16, 5],
            [2, 16, 8, 1, 1, 8, 16, 2],
            [0, 9, 16, 10, 10, 16, 9, 0],
            [0, 0, 6, 14, 14, 6, 0, 0],
        ]
    )
    assert (counted > 0).mean() > 0.5
    bright = np.kron(counted * 255 // 16, np.ones((16, 16))).astype(np.uint8)
    grey = decode_upload(encoded(Image.fromarray(255 - bright if dark_on_light else bright), "PNG"), "scan.png")
    assert grey[64, 64] < 5 and grey[0, 0] < 5  # the hole and the corners are paper
    assert grey[16, 32] > 240 and grey[16, 16] > 130  # full blocks are full ink, a 9 of 16 block about half
    assert prepare_digit(grey).image[14, 14] < 30  # the 0's hole stays open


def test_transparent_parts_of_an_upload_count_as_paper():
    ink = paper_photo().convert("RGBA")
    ink.putalpha(Image.fromarray(np.where(np.asarray(paper_photo()) < 128, 255, 0).astype(np.uint8)))
    grey = decode_upload(encoded(ink, "PNG"), "cut-out.png")
    assert grey[200, 20] < 20 and grey[100, 150] > 200


def test_a_16_bit_greyscale_png_is_read_at_its_real_brightness():
    photo = Image.fromarray(np.asarray(paper_photo()).astype(np.uint16) * 257)
    grey = decode_upload(encoded(photo, "PNG"), "scan.png")
    assert grey[200, 20] < 20 and grey[100, 150] > 200


def test_a_sideways_phone_photo_is_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # EXIF orientation: rotate 90 degrees clockwise to display
    grey = decode_upload(encoded(paper_photo((400, 300)), "JPEG", exif=exif), "phone.jpg")
    assert grey.shape == (400, 300)


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "The file is empty"),
        (b"hello, I am a text file", "notes.txt is not a PNG or JPEG image"),
        (b"GIF89a" + b"\0" * 64, "is not a PNG or JPEG image"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (MAX_UPLOAD_BYTES + 1), "larger than 5 MB"),
    ],
)
def test_bad_uploads_are_refused_before_decoding(data, message):
    with pytest.raises(UserError, match=message):
        decode_upload(data, "notes.txt")


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
@pytest.mark.parametrize("keep", [0.05, 0.5])
def test_a_truncated_image_is_refused(fmt, keep):
    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 256, (200, 200), np.uint8))
    data = encoded(noisy, fmt)
    with pytest.raises(UserError, match="could not be read: it may be damaged"):
        decode_upload(data[: int(len(data) * keep)], f"cut.{fmt.lower()}")


def test_a_corrupt_jpeg_is_refused():
    data = bytearray(encoded(paper_photo(), "JPEG"))
    data[2:40] = b"\xff" * 38
    with pytest.raises(UserError, match="could not be read"):
        decode_upload(bytes(data), "broken.jpg")


def png_declaring(width, height):
    """A tiny PNG whose header claims width x height pixels: a decompression bomb's calling card."""
    data = bytearray(encoded(Image.new("L", (8, 8)), "PNG"))
    data[16:24] = struct.pack(">II", width, height)  # IHDR data starts after signature, length and type
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.mark.parametrize("width, height", [(20_000, 20_000), (5_000, 5_000), (4097, 4096)])
def test_a_decompression_bomb_is_refused(width, height):
    with pytest.raises(UserError, match="too many pixels: use a photo of at most 4096x4096"):
        decode_upload(png_declaring(width, height), "bomb.png")


def test_an_image_within_the_pixel_limit_is_decoded_and_a_lying_header_is_damage():
    with pytest.raises(UserError, match="could not be read"):
        decode_upload(png_declaring(4096, 4096), "liar.png")


# The canvas's picture, checked before it is decoded


def canvas_png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", (width, height), (0, 0, 0, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("ratio", [1, 1.5, 2, 4])
def test_a_canvas_picture_at_a_sane_pixel_ratio_is_decoded(ratio):
    side = round(280 * ratio)
    assert decode_canvas(canvas_png(side, side), 280, 280).shape == (side, side, 4)


def test_no_picture_yet_is_none():
    assert decode_canvas(None, 280, 280) is None


@pytest.mark.parametrize("width,height", [(12_000, 12_000), (1121, 1121), (279, 279), (280, 560), (560, 280)])
def test_a_picture_that_is_not_the_canvas_size_is_refused_before_decoding(width, height, monkeypatch):
    def never(*args, **kwargs):
        raise AssertionError("decoded before its size was checked")

    data = canvas_png(280, 280)
    data = data[:16] + width.to_bytes(4, "big") + height.to_bytes(4, "big") + data[24:]  # a lying header
    monkeypatch.setattr(Image, "open", never)
    with pytest.raises(UserError, match=f"arrived as {width}x{height} pixels, which is not the canvas's size"):
        decode_canvas(data, 280, 280)


@pytest.mark.parametrize("data", [b"", b"GIF89a" + b"\0" * 40, b"\x89PNG\r\n\x1a\n" + b"\0" * 30])
def test_something_that_is_not_a_png_is_refused(data):
    with pytest.raises(UserError, match="did not arrive as a picture of the canvas"):
        decode_canvas(data, 280, 280)


def test_a_damaged_png_of_the_right_size_is_refused():
    data = canvas_png(280, 280)
    with pytest.raises(UserError, match="arrived damaged"):
        decode_canvas(data[:40] + b"\0" * 20, 280, 280)


SEVEN_8X8 = np.array(
    [
        [0, 6, 16, 16, 16, 16, 9, 0],
        [0, 2, 5, 5, 7, 16, 8, 0],
        [0, 0, 0, 0, 9, 14, 1, 0],
        [0, 0, 0, 2, 16, 6, 0, 0],
        [0, 0, 0, 9, 13, 0, 0, 0],
        [0, 0, 1, 16, 6, 0, 0, 0],
        [0, 0, 6, 15, 1, 0, 0, 0],
        [0, 0, 9, 10, 0, 0, 0, 0],
    ]
)


def test_a_coarse_scan_enlarged_by_repeating_pixels_reads_the_same_at_any_enlargement():
    """Nearest-neighbour enlargements of an 8x8 scan are enlarged again smoothly from the 8x8 pixels themselves:
    12 or 20 times, the model is given the same soft image, without the blocks' hard steps."""
    images = [prepare_digit(np.kron(SEVEN_8X8 * 255.0 / 16, np.ones((k, k)))).image.astype(float) for k in (12, 20)]
    assert np.abs(images[0] - images[1]).max() <= 2
    steps = np.abs(np.diff(images[0], axis=1)).max()
    assert steps < 170, steps  # 134 smoothed; fitted as it is, the blocks leave steps of 212


def test_a_canvas_drawing_is_not_taken_for_a_coarse_scan():
    from mnist_core.preprocess import _smooth_if_blocky

    grey = canvas_to_grey(canvas(SEVEN))
    rows, cols = np.flatnonzero(grey.max(axis=1) > 25), np.flatnonzero(grey.max(axis=0) > 25)
    crop = grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    assert _smooth_if_blocky(crop) is crop
