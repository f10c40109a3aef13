"""Keras models built from a TrainConfig, and loading saved models safely."""

from __future__ import annotations

import tempfile
from pathlib import Path

import keras
from keras import layers

from mnist_core.architecture import INPUT_SHAPE, network
from mnist_core.config import OPTIMIZERS, TrainConfig
from mnist_core.errors import ModelFileError
from mnist_core.geometry import SIZE
from mnist_core.model_files import model_file


def build_model(config: TrainConfig) -> keras.Model:
    """The layers ``architecture.network`` lists: convolution blocks (for a CNN), then dense layers with
    dropout, then softmax over 10 digits.

    With the default config this is the seed notebook's model exactly:
    Flatten, Dense(256, relu), Dropout(0.2), Dense(128, relu), Dense(10, softmax).

    Every layer is named here rather than by Keras' automatic counter: that counter is
    global state which any ``keras.backend.clear_session()`` resets, from whatever thread
    calls it (Streamlit calls it after each script run unless the app turns that off, as
    ``ui/streamlit_patches.py`` does), and a model being built in another thread could then get
    two layers called "dense" and fail.
    """
    config.validate()
    keras.utils.set_random_seed(config.seed)
    model = keras.Sequential(name=config.architecture)
    model.add(keras.Input(shape=INPUT_SHAPE))
    for layer in network(config):
        model.add(getattr(layers, layer.keras_class)(*layer.args, name=layer.name, **layer.options))
    return model


def make_optimizer(config: TrainConfig, total_steps: int) -> keras.optimizers.Optimizer:
    """The optimizer, with a constant rate or a short warm-up followed by cosine decay."""
    rate = config.learning_rate
    if config.schedule == "cosine":
        warmup = max(1, total_steps // 10)
        rate = keras.optimizers.schedules.CosineDecay(
            initial_learning_rate=rate / 10,
            decay_steps=max(1, total_steps - warmup),
            warmup_target=rate,
            warmup_steps=warmup,
        )
    return getattr(keras.optimizers, OPTIMIZERS[config.optimizer])(learning_rate=rate, name=config.optimizer)


def load_model(path: Path | str) -> keras.Model:
    """Load a ``.keras`` file with Keras' safe mode (no arbitrary code), or raise ModelFileError."""
    path = model_file(path)
    try:
        model = keras.saving.load_model(path, compile=False, safe_mode=True)
    except Exception as error:  # Keras raises many types for a damaged zip or config
        raise ModelFileError(
            f"The model file {path} is damaged or not a Keras model ({type(error).__name__})."
        ) from None
    if tuple(model.input_shape[1:]) != (SIZE, SIZE) or tuple(model.output_shape[1:]) != (10,):
        raise ModelFileError(f"The model in {path} does not take 28x28 images and give 10 digit probabilities.")
    return model


def read_model_file(path: Path | str) -> bytes:
    """A ``.keras`` file's bytes, to send to another computer (``model_from_bytes`` there), or ModelFileError."""
    return model_file(path).read_bytes()


def model_from_bytes(data: bytes, name: str) -> keras.Model:
    """The model in a ``.keras`` file's bytes, loaded as ``load_model`` loads; ``name`` is the file's own name,
    for messages (Keras reads models from files only, so it is written to a temporary one first)."""
    with tempfile.TemporaryDirectory(prefix="mnist-studio-model-") as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        try:
            return load_model(path)
        except ModelFileError as error:
            raise ModelFileError(str(error).replace(str(path), name)) from None
