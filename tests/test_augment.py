"""Mouse-drawing-like augmentation: reproducible, and the digits stay digits, sized and centred as preprocessed."""

import numpy as np
import pytest

from mnist_core import augment as augment_module
from mnist_core.augment import augment
from mnist_core.data import load_mnist


@pytest.fixture(scope="module")
def images():
    return load_mnist().x_train[:500]


def centre_of_mass(images):
    x = images.astype(float)
    total = x.sum(axis=(1, 2))
    return (x.sum(axis=2) @ np.arange(28)) / total, (x.sum(axis=1) @ np.arange(28)) / total


def stroke_width(images):
    """Twice the ink's area over its outline's length (grey-level steps, which overstate it by 4/pi)."""
    x = images.astype(float)
    steps = np.abs(np.diff(x, axis=1)).sum(axis=(1, 2)) + np.abs(np.diff(x, axis=2)).sum(axis=(1, 2))
    return 2 * x.sum(axis=(1, 2)) / steps * 4 / np.pi


def test_shape_dtype_and_values_kept_and_the_input_untouched(images):
    source = images.copy()
    out = augment(source, np.random.default_rng(0))
    assert out.shape == (500, 28, 28) and out.dtype == np.uint8
    assert 0 <= out.min() and out.max() <= 255 and out.max() > 200  # uint8, and still bright ink
    assert np.array_equal(source, images)
    assert not np.shares_memory(out, source)


def test_same_seed_same_images_other_seed_other_images(images, monkeypatch):
    monkeypatch.setattr(augment_module, "BLOCK", 128)  # several blocks, on several threads
    monkeypatch.setattr(augment_module, "WORKERS", 3)
    first = augment(images, np.random.default_rng([7, 1]))
    assert np.array_equal(first, augment(images, np.random.default_rng([7, 1])))
    assert not np.array_equal(first, augment(images, np.random.default_rng([7, 2])))
    monkeypatch.setattr(augment_module, "WORKERS", 1)
    assert np.array_equal(first, augment(images, np.random.default_rng([7, 1])))  # threads do not matter


def test_most_images_change_and_about_a_fifth_are_left_as_they_were(images):
    out = augment(images, np.random.default_rng(1))
    unchanged = np.all(out == images, axis=(1, 2)).mean()
    assert 1 - unchanged >= 0.6
    assert 0.1 < unchanged < 0.3


def test_digits_keep_their_ink_and_their_centre_of_mass(images):
    out = augment(images, np.random.default_rng(2))
    ink_change = np.abs(out.sum(axis=(1, 2)) / images.sum(axis=(1, 2)) - 1)
    assert ink_change.mean() < 0.4
    rows, cols = centre_of_mass(out)
    assert np.all(np.hypot(rows - 14, cols - 14) < 4)


def test_digits_keep_about_the_size_preprocessing_gives_them(images):
    out = augment(images, np.random.default_rng(3))
    ink = out > 0.1 * 255
    heights = np.array([np.ptp(np.flatnonzero(rows)) + 1 for rows in ink.any(axis=2)])
    widths = np.array([np.ptp(np.flatnonzero(cols)) + 1 for cols in ink.any(axis=1)])
    longer = np.maximum(heights, widths)
    assert 19 <= np.median(longer) <= 21  # MNIST and a preprocessed drawing: 20
    assert np.mean((longer >= 15) & (longer <= 25)) > 0.95


def test_some_strokes_get_thicker_and_some_thinner(images):
    ratio = stroke_width(augment(images, np.random.default_rng(4))) / stroke_width(images)
    assert np.mean(ratio > 1.3) > 0.08
    assert np.mean(ratio < 0.8) > 0.04


def test_blank_images_stay_blank_and_no_images_is_fine():
    rng = np.random.default_rng(5)
    assert not augment(np.zeros((3, 28, 28), np.uint8), rng).any()
    assert augment(np.zeros((0, 28, 28), np.uint8), rng).shape == (0, 28, 28)


def test_with_labels_some_ones_get_a_flag_and_some_sevens_a_crossbar_and_nothing_else_changes():
    data = load_mnist()
    x, y = data.x_train[:2000], data.y_train[:2000]
    plain = augment(x, np.random.default_rng(5))
    written = augment(x, np.random.default_rng(5), y)
    changed = np.flatnonzero((plain != written).any(axis=(1, 2)))
    assert set(y[changed]) == {1, 7}  # the same random draws otherwise: only 1s and 7s differ
    ones, sevens = np.flatnonzero(y == 1), np.flatnonzero(y == 7)
    assert 0.15 < np.isin(ones, changed).mean() < 0.45 and 0.05 < np.isin(sevens, changed).mean() < 0.35
    flagged = changed[y[changed] == 1]

    def ink(images):
        return (images > 25).sum(axis=(1, 2))

    # A flag (and a base) add ink, unless the refit to 20 px shrinks a digit it made wider than tall.
    assert (ink(written[flagged]) > ink(plain[flagged])).mean() > 0.7
