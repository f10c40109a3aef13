"""Models built from configs match the pure-Python summary, and bad model files are refused."""

import numpy as np
import pytest

from mnist_core import cpu_threads
from mnist_core.config import PRESETS, TrainConfig, layer_table, parameter_count
from mnist_core.cpu_threads import has_bfloat16_units
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


@pytest.mark.parametrize("architecture", ["mlp", "cnn"])
def test_the_shift_moves_training_images_only_and_survives_saving(tmp_path, architecture):
    """Shifting is a layer that works while training and is switched off when predicting, so a drawing's
    answer does not change from one call to the next; the saved model loads in Keras' safe mode."""
    config = PRESETS["cnn"] if architecture == "cnn" else TrainConfig(shift=2)
    assert config.shift == 2
    model = build_model(config)
    assert "RandomTranslation" in [type(layer).__name__ for layer in model.layers]
    digit = np.zeros((1, 28, 28), np.float32)
    digit[0, 8:20, 13:15] = 1.0  # a 1
    x = np.repeat(digit, 8, axis=0)
    predicting = [np.asarray(model(x, training=False)) for _ in range(2)]
    np.testing.assert_array_equal(predicting[0], predicting[1])
    np.testing.assert_allclose(predicting[0], predicting[0][:1].repeat(8, axis=0), rtol=1e-6)
    shifted = np.asarray(model.get_layer("shift")(x.reshape(8, 28, 28, 1), training=True))
    assert len({shifted[i].tobytes() for i in range(8)}) > 1  # each image moved its own way
    np.testing.assert_allclose(shifted.sum(axis=(1, 2, 3)), digit.sum(), rtol=0.02)  # moved, not cut off

    model.save(tmp_path / "shifted.keras")
    np.testing.assert_allclose(np.asarray(load_model(tmp_path / "shifted.keras")(x, training=False)), predicting[0])


def test_a_shift_out_of_range_is_refused_plainly():
    from mnist_core.errors import ConfigError

    with pytest.raises(ConfigError, match="shift in pixels must be a whole number from 0 to 4"):
        TrainConfig(shift=7).validate()
    assert "shifted up to 2 px" in PRESETS["cnn"].describe()


@pytest.mark.skipif(not has_bfloat16_units(), reason="this CPU has no bfloat16 units, so bfloat16 is refused")
def test_a_bfloat16_model_computes_inside_in_bfloat16_answers_in_float32_and_survives_saving(tmp_path):
    """Mixed precision: weights float32 everywhere; the hidden layers compute in bfloat16; the image, its
    shift and the softmax layer in float32, so the answers are float32 probabilities (they add up to 1)."""
    config = PRESETS["cnn"].replace(precision="bfloat16")
    assert "bfloat16" in config.describe()
    model = build_model(config)
    computing = {layer.name: layer.compute_dtype for layer in model.layers}
    assert computing == {
        "image": "float32",
        "shift": "float32",
        "conv_1": "bfloat16",
        "pool_1": "bfloat16",
        "conv_2": "bfloat16",
        "pool_2": "bfloat16",
        "conv_3": "bfloat16",
        "pool_3": "bfloat16",
        "flatten": "bfloat16",
        "dense_1": "bfloat16",
        "dropout_1": "bfloat16",
        "digits": "float32",
    }
    assert {weight.dtype for weight in model.weights} == {"float32"}
    x = np.random.default_rng(0).random((4, 28, 28), np.float32)
    answers = model(x, training=False)
    assert answers.dtype == "float32"
    np.testing.assert_allclose(np.asarray(answers).sum(axis=1), 1.0, rtol=1e-6)
    float32_twin = build_model(config.replace(precision="float32"))
    float32_twin.set_weights(model.get_weights())
    np.testing.assert_allclose(np.asarray(answers), np.asarray(float32_twin(x, training=False)), atol=0.02)

    model.save(tmp_path / "bfloat16.keras")
    loaded = load_model(tmp_path / "bfloat16.keras")
    assert {layer.name: layer.compute_dtype for layer in loaded.layers} == computing
    np.testing.assert_array_equal(np.asarray(loaded(x, training=False)), np.asarray(answers))


def test_an_unknown_number_format_is_refused_plainly():
    from mnist_core.errors import ConfigError

    with pytest.raises(ConfigError, match="Unknown number format 'float16': choose one of float32, bfloat16, fastest"):
        TrainConfig(precision="float16").validate()


def test_without_bfloat16_units_bfloat16_is_refused_plainly_and_lesson_links_fall_back(monkeypatch):
    """oneDNN without bfloat16 units is slower in bfloat16 than in float32, or fails (cpu_threads)."""
    from mnist_core.errors import ConfigError
    from mnist_core.lesson import lesson_from_query

    monkeypatch.setattr(cpu_threads, "has_bfloat16_units", lambda: False)
    with pytest.raises(ConfigError, match="bfloat16 needs a processor with bfloat16 units .* choose float32"):
        TrainConfig(precision="bfloat16").check_this_computer()
    TrainConfig(precision="bfloat16").validate()  # the settings themselves are fine: a lab's PC may have the units
    lesson = lesson_from_query({"preset": "seed", "precision": "bfloat16", "dropout": "0.5"})  # the rest is kept
    assert lesson.config == PRESETS["seed"].replace(precision="float32", dropouts=(0.5, 0.0))
    assert lesson.notices == ["Trains in float32: this computer has no bfloat16 units, which the link asked for."]
