"""The shipped MNIST files: verified, parsed, and refused when damaged."""

import gzip
import shutil

import numpy as np
import pytest

from mnist_core.data import load_mnist, subset
from mnist_core.errors import DataError
from mnist_core.paths import DATA_DIR

TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_shapes_and_label_counts_of_both_splits():
    data = load_mnist()
    assert data.x_train.shape == (60_000, 28, 28) and data.x_train.dtype == np.uint8
    assert data.x_test.shape == (10_000, 28, 28)
    assert np.bincount(data.y_train).tolist() == TRAIN_COUNTS
    assert np.bincount(data.y_test).tolist() == TEST_COUNTS
    assert data.x_train.max() == 255 and data.x_train.min() == 0


def test_arrays_are_read_only_so_the_cache_cannot_be_spoiled():
    with pytest.raises(ValueError):
        load_mnist().x_train[0, 0, 0] = 1


@pytest.fixture
def copy_of_data(tmp_path):
    folder = tmp_path / "mnist"
    shutil.copytree(DATA_DIR, folder)
    return folder


def test_an_altered_file_is_refused_by_name(copy_of_data):
    path = copy_of_data / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # one label changed
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is truncated or altered.*git checkout"):
        load_mnist(copy_of_data)


def test_a_truncated_file_is_refused(copy_of_data):
    path = copy_of_data / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz is truncated or altered"):
        load_mnist(copy_of_data)


def test_a_missing_file_says_how_to_restore_it(copy_of_data):
    (copy_of_data / "t10k-images-idx3-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-images-idx3-ubyte.gz is missing.*git checkout -- data/mnist"):
        load_mnist(copy_of_data)


def test_a_missing_checksum_file_is_refused(copy_of_data):
    (copy_of_data / "SHA256SUMS").unlink()
    with pytest.raises(DataError, match="SHA256SUMS is missing"):
        load_mnist(copy_of_data)


def test_subset_is_exact_in_size_and_keeps_every_digit_in_proportion():
    data = load_mnist()
    x, y = subset(data.x_train, data.y_train, 6000, seed=1)
    assert x.shape == (6000, 28, 28) and len(y) == 6000
    counts = np.bincount(y, minlength=10)
    expected = np.array(TRAIN_COUNTS) / 10
    assert np.all(np.abs(counts - expected) <= 1)
