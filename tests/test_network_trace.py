"""Inside the network: every layer's output for one image, from one sub-model, agreeing with the model."""

import numpy as np
import pytest

from mnist_core.config import PRESETS
from mnist_core.cpu_threads import has_bfloat16_units
from mnist_core.data import load_mnist
from mnist_core.inference import Predictor
from mnist_core.models import build_model
from mnist_core.network_trace import map_grid, unit_grid
from mnist_core.paths import DEFAULT_MODEL


def test_the_default_cnn_shows_each_convolution_and_pooling_then_scores_and_softmax():
    predictor = Predictor.from_file(DEFAULT_MODEL)
    image = load_mnist().x_test[0]
    layers = predictor.inside(image)
    assert [layer.kind for layer in layers] == ["conv", "pool", "conv", "pool", "hidden", "scores", "softmax"]
    assert layers[0].values.shape == (28, 28, 32) and layers[1].values.shape == (14, 14, 32)
    probabilities = predictor.probabilities(image)
    np.testing.assert_allclose(layers[-1].values, probabilities, atol=1e-5)
    assert layers[-2].values.argmax() == probabilities.argmax()  # softmax keeps the order of the scores
    assert predictor.inside(image)[0].title == "Convolution 1: 32 feature maps, 28x28"


def test_an_mlp_shows_each_hidden_layer_and_its_pictures_fit_a_tablet():
    predictor = Predictor(build_model(PRESETS["seed"]))
    layers = predictor.inside(load_mnist().x_test[1])
    assert [(layer.kind, layer.values.shape) for layer in layers] == [
        ("hidden", (256,)),
        ("hidden", (128,)),
        ("scores", (10,)),
        ("softmax", (10,)),
    ]
    assert unit_grid(layers[0].values).shape[1] <= 820 and unit_grid(layers[0].values).dtype == np.uint8
    assert map_grid(np.ones((7, 7, 64), np.float32)).shape == (8 * 60 - 4, 8 * 60 - 4, 3)


@pytest.mark.skipif(not has_bfloat16_units(), reason="this CPU has no bfloat16 units, so bfloat16 is refused")
def test_a_bfloat16_cnn_shows_its_layers_in_float32_agreeing_with_its_answer():
    predictor = Predictor(build_model(PRESETS["cnn"].replace(precision="bfloat16")))
    image = load_mnist().x_test[2]
    layers = predictor.inside(image)
    assert [layer.kind for layer in layers] == [
        "conv",
        "pool",
        "conv",
        "pool",
        "conv",
        "pool",
        "hidden",
        "scores",
        "softmax",
    ]
    assert {layer.values.dtype for layer in layers} == {np.dtype(np.float32)}
    np.testing.assert_allclose(layers[-1].values, predictor.probabilities(image), atol=1e-5)
    assert map_grid(layers[0].values).dtype == np.uint8


def test_a_class_first_drawings_build_the_sub_models_once_and_a_warmed_model_builds_none(monkeypatch):
    """Thirty first drawings arrive together: the threads asking at once share one network trace and one
    last-hidden function (each built its own before); after ``warm_up`` a drawing builds nothing."""
    import threading

    import mnist_core.network_trace as network_trace

    built = {"trace": 0, "last hidden": 0}
    trace_init, last_hidden = network_trace.NetworkTrace.__init__, network_trace.last_hidden_function

    def counting_trace(self, model):
        built["trace"] += 1
        trace_init(self, model)

    def counting_last_hidden(model):
        built["last hidden"] += 1
        return last_hidden(model)

    monkeypatch.setattr(network_trace.NetworkTrace, "__init__", counting_trace)
    monkeypatch.setattr(network_trace, "last_hidden_function", counting_last_hidden)
    images = load_mnist().x_test[:8]
    predictor = Predictor(build_model(PRESETS["seed"]))
    answers = [None] * len(images)

    def draw(i):
        answers[i] = (predictor.inside(images[i])[-1].values, predictor.last_hidden_many(images[i][None])[0])

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(len(images))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built == {"trace": 1, "last hidden": 1}
    for i, (softmax, _) in enumerate(answers):
        np.testing.assert_allclose(softmax, predictor.probabilities(images[i]), atol=1e-5)

    warmed = Predictor(build_model(PRESETS["seed"]))
    warmed.warm_up()
    assert built == {"trace": 2, "last hidden": 2}
    warmed.inside(images[0]), warmed.last_hidden_many(images[:1]), warmed.saliency(images[0])
    assert built == {"trace": 2, "last hidden": 2}
