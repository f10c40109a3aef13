"""Drawing-like augmentation keeps digits recognisable, and is reproducible."""

import numpy as np

from mnist_core.augment import augment
from mnist_core.data import load_mnist


def centre_of_mass(images):
    x = images.astype(float)
    total = x.sum(axis=(1, 2))
    rows = (x.sum(axis=2) @ np.arange(28)) / total
    cols = (x.sum(axis=1) @ np.arange(28)) / total
    return rows, cols


def test_shape_dtype_and_input_untouched():
    images = load_mnist().x_train[:500].copy()
    before = images.copy()
    out = augment(images, np.random.default_rng(0))
    assert out.shape == images.shape and out.dtype == np.uint8
    assert np.array_equal(images, before)


def test_same_seed_same_result_other_seed_other_result():
    images = load_mnist().x_train[:300]
    first = augment(images, np.random.default_rng(1))
    assert np.array_equal(first, augment(images, np.random.default_rng(1)))
    assert not np.array_equal(first, augment(images, np.random.default_rng(2)))


def test_most_images_change_but_stay_digit_like():
    images = load_mnist().x_train[:500]
    out = augment(images, np.random.default_rng(3))
    changed = (np.abs(out.astype(int) - images).sum(axis=(1, 2)) > 0).mean()
    assert changed > 0.6
    ink_ratio = out.sum(axis=(1, 2)) / images.sum(axis=(1, 2))
    assert 0.6 < np.median(ink_ratio) < 1.6
    rows, cols = centre_of_mass(out)
    assert np.all(np.abs(rows - 14) < 5) and np.all(np.abs(cols - 14) < 5)
