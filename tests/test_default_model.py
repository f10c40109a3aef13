"""The shipped default model: loads safely, reads MNIST, and answers one drawing through the fast path."""

import numpy as np

from mnist_core.data import load_mnist
from mnist_core.inference import Predictor
from mnist_core.paths import DEFAULT_MODEL
from mnist_core.trainer import evaluate_arrays


def test_the_default_model_reaches_99_percent_on_the_mnist_test_set():
    predictor = Predictor.from_file(DEFAULT_MODEL)
    data = load_mnist()
    _, accuracy = evaluate_arrays(predictor.model, data.x_test / 255.0, data.y_test.astype(np.int64))
    assert accuracy >= 0.990


def test_one_image_through_the_fast_path_matches_the_model():
    predictor = Predictor.from_file(DEFAULT_MODEL)
    image = load_mnist().x_test[0]
    probabilities = predictor.probabilities(image)
    assert probabilities.shape == (10,) and abs(probabilities.sum() - 1) < 1e-4
    assert probabilities.argmax() == load_mnist().y_test[0]
    direct = predictor.model(image[None] / 255.0, training=False).numpy()[0]
    assert np.allclose(probabilities, direct, atol=1e-5)
    saliency = predictor.saliency(image)
    assert saliency.shape == (28, 28) and np.abs(saliency).max() <= 1.0
