"""Models built from configs match the pure-Python summary, and bad model files are refused."""

import pytest

from mnist_core.config import PRESETS, TrainConfig, layer_table, parameter_count
from mnist_core.errors import ModelFileError
from mnist_core.models import build_model, load_model


def test_the_seed_model_has_235146_parameters_and_the_notebooks_layers():
    model = build_model(TrainConfig())
    assert model.count_params() == 235_146
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Flatten", "Dense", "Dropout", "Dense", "Dense"]
    assert [layer.units for layer in model.layers if hasattr(layer, "units")] == [256, 128, 10]
    assert model.layers[2].rate == 0.2


@pytest.mark.parametrize(
    "config",
    [
        *PRESETS.values(),
        TrainConfig(hidden_units=(64,), dropouts=(0.5,)),
        TrainConfig(hidden_units=(512, 256, 128, 64), dropouts=(0.1, 0.2, 0.3, 0.4)),
        TrainConfig(conv_filters=(8,), hidden_units=(32, 16), dropouts=(0.0, 0.3)),
    ],
)
def test_the_live_summary_matches_keras(config):
    model = build_model(config)
    assert model.count_params() == parameter_count(config)
    assert len(model.layers) == len(layer_table(config)) + (1 if config.conv_filters else 0)  # + Reshape


def test_saved_models_load_back(tmp_path):
    path = tmp_path / "m.keras"
    build_model(TrainConfig(hidden_units=(16,), dropouts=(0.0,))).save(path)
    assert load_model(path).count_params() == parameter_count(TrainConfig(hidden_units=(16,), dropouts=(0.0,)))


def test_a_missing_model_file_is_named(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nothing.keras")


def test_a_corrupt_model_file_is_refused(tmp_path):
    path = tmp_path / "broken.keras"
    path.write_bytes(b"PK\x03\x04 this is not a real zip archive")
    with pytest.raises(ModelFileError, match="damaged or not a Keras model"):
        load_model(path)


def test_a_file_that_is_not_keras_is_refused(tmp_path):
    path = tmp_path / "weights.pkl"
    path.write_bytes(b"\x80\x04")
    with pytest.raises(ModelFileError, match="not a .keras model file"):
        load_model(path)


def test_models_build_while_another_thread_clears_the_keras_session():
    """Streamlit calls keras.backend.clear_session() after every script run, from its own threads,
    while the app's trainer thread may be building a model: layer names must not depend on it."""
    import threading

    import keras

    done = threading.Event()

    def clear_again_and_again():
        while not done.is_set():
            keras.backend.clear_session(free_memory=False)

    clearer = threading.Thread(target=clear_again_and_again, daemon=True)
    clearer.start()
    try:
        for config in [TrainConfig(), PRESETS["cnn"]] * 15:
            names = [layer.name for layer in build_model(config).layers]
            assert len(set(names)) == len(names)
    finally:
        done.set()
        clearer.join()
