"""Predictions for many images through one compiled graph per model: the same as calling the model, following its
weights as they change, and not keeping a model alive once nobody else holds it."""

import gc
import weakref

import numpy as np
import tensorflow as tf

from mnist_core.batch_prediction import predict_probabilities
from mnist_core.config import PRESETS
from mnist_core.data import load_mnist
from mnist_core.models import build_model

IMAGES = 3_000  # over one batch, so the batches and their order are checked too


def _images():
    return load_mnist().x_test[:IMAGES]


def test_the_graph_answers_as_the_model_does_for_uint8_and_float_images():
    model = build_model(PRESETS["cnn"].replace(precision="float32"))
    images = _images()
    eager = model(images.astype(np.float32) / 255.0, training=False).numpy()
    np.testing.assert_allclose(predict_probabilities(model, tf.constant(images)), eager, atol=1e-5)
    np.testing.assert_allclose(predict_probabilities(model, images / 255.0), eager, atol=1e-5)


def test_the_graph_follows_the_weights_as_they_train():
    model, other = build_model(PRESETS["seed"]), build_model(PRESETS["seed"].replace(seed=1))
    images = tf.constant(_images())
    before = predict_probabilities(model, images)
    for mine, its in zip(model.variables, other.variables, strict=True):
        mine.assign(its)  # as the trainer loads a run's weights
    after = predict_probabilities(model, images)
    assert not np.allclose(before, after)
    np.testing.assert_allclose(after, predict_probabilities(other, images), atol=1e-6)


def test_a_model_nobody_holds_is_freed_with_its_graph():
    model = build_model(PRESETS["seed"])
    predict_probabilities(model, tf.constant(_images()))
    gone = weakref.ref(model)
    del model
    gc.collect()
    assert gone() is None
