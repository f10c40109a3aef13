"""The Keras code shown beside the sliders runs, and builds the same network as the app."""

import keras
import pytest

from mnist_core.codegen import keras_code
from mnist_core.config import PRESETS, TrainConfig, parameter_count
from mnist_core.data import load_mnist
from mnist_core.models import build_model


def architecture(model):
    """Layer types with their units, filters and dropout rates."""
    return [
        (
            type(layer).__name__,
            getattr(layer, "units", None),
            getattr(layer, "filters", None),
            getattr(layer, "rate", None),
        )
        for layer in model.layers
    ]


@pytest.mark.parametrize(
    "config",
    [
        PRESETS["seed"],
        PRESETS["cnn"].replace(epochs=1),
        TrainConfig(hidden_units=(64, 32, 16), dropouts=(0.5, 0.0, 0.25), optimizer="sgd", learning_rate=0.05),
    ],
)
def test_the_shown_code_runs_and_builds_the_apps_architecture(config, monkeypatch):
    data = load_mnist()
    held = config.validation if config.holds_out_validation else 0  # the code holds these out first
    small = ((data.x_train[: 512 + held], data.y_train[: 512 + held]), (data.x_test[:256], data.y_test[:256]))
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda: small)  # offline: the same arrays
    fitted = []
    original_fit = keras.Model.fit
    monkeypatch.setattr(
        keras.Model,
        "fit",
        lambda self, *a, **k: fitted.append(k) or original_fit(self, *a, **{**k, "epochs": 1, "verbose": 0}),
    )
    namespace = {}
    exec(keras_code(config.replace(train_size=512)), namespace)
    model = namespace["model"]
    assert architecture(model) == architecture(build_model(config))
    assert model.count_params() == parameter_count(config)
    assert fitted[0]["batch_size"] == config.batch_size and fitted[0]["epochs"] == config.epochs
