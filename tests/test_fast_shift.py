"""The trainer's random shift (mnist_core/fast_shift.py) computes what Keras' RandomTranslation computes."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from mnist_core.config import PRESETS
from mnist_core.data import load_mnist
from mnist_core.fast_shift import computes_as_keras, shifted
from mnist_core.models import build_model
from mnist_core.train_steps import forward


@pytest.fixture(scope="module")
def digits() -> tf.Tensor:
    return tf.constant(load_mnist().x_train[:256, :, :, None] / 255.0, tf.float32)


@pytest.mark.parametrize("factor", [2 / 28, 0.5])  # the preset's 2 px; half the image, so much falls outside
def test_the_images_are_moved_as_keras_moves_them_with_the_same_random_offsets(digits, factor):
    def layer():
        return keras.layers.RandomTranslation(factor, factor, fill_mode="constant", seed=7)

    keras_way, ours = layer(), layer()
    for _ in range(3):  # each call draws new offsets, from the same stream
        expected = keras_way(digits, training=True)
        got = shifted(ours, digits)
        assert np.abs(got - expected).max() < 1e-5
    assert np.abs(got - digits).max() > 0.5  # the images did move


def test_a_cnn_step_computes_the_same_with_the_fast_shift(digits):
    """Two copies of the same float32 CNN: Keras' own training pass and the trainer's, shift and dropout alike."""
    config = PRESETS["cnn"].replace(precision="float32")
    keras_way, ours = build_model(config), build_model(config)
    assert sum(computes_as_keras(layer) for layer in ours.layers) == 1
    images = digits[..., 0]
    np.testing.assert_allclose(forward(ours, images), keras_way(images, training=True), atol=1e-5)


def test_other_translations_are_left_to_keras():
    assert not computes_as_keras(keras.layers.RandomTranslation(0.1, 0.1))  # its default fill is "reflect"
    assert not computes_as_keras(keras.layers.RandomTranslation(0.1, 0.1, fill_mode="constant", fill_value=1.0))
    assert not computes_as_keras(keras.layers.Dropout(0.2))
