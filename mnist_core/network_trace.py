"""Inside the network for one image: every layer's output, named so a student can follow it.

``NetworkTrace`` builds one Keras sub-model per loaded model (the same weights, with every
convolution, pooling and dense layer as an output) and wraps it in a compiled function, so a
drawing costs one call of a few milliseconds, not ``model.predict``'s tens. The last layer's
softmax is split in two: the scores before it (the logits) and the probabilities after it.

``map_grid`` and ``unit_grid`` turn the numbers into pictures (pure NumPy), so the bench can time
what the Draw page pays per drawing without Streamlit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from mnist_core.geometry import SIZE

SHOWN = ("Conv2D", "MaxPooling2D", "Dense")


@dataclass(frozen=True)
class Layer:
    kind: str  # "conv", "pool", "hidden", "scores" (before the softmax) or "softmax"
    title: str  # what a student reads, e.g. "Convolution 1: 16 feature maps, 28x28"
    values: np.ndarray  # (H, W, C) for conv and pool, (units,) otherwise


class NetworkTrace:
    """Every layer's output for one uint8 (28, 28) image; build once per model, call per drawing."""

    def __init__(self, model):
        import keras
        import tensorflow as tf

        *inner, last = shown_layers(model)
        self._inner = [(layer, type(layer).__name__) for layer in inner]
        try:
            sub_model = keras.Model(model.inputs, [layer.output for layer in inner] + [last.input])
            kernel, bias = last.kernel, last.bias
        except (AttributeError, ValueError) as error:  # a model not built layer after layer, as ours are
            raise ValueError(f"its layers do not form one chain ({type(error).__name__}).") from None

        def run(x):
            # in float32 whatever the layers compute in (a bfloat16 model's hidden layers give bfloat16)
            *outputs, before_last = (tf.cast(values, tf.float32) for values in sub_model(x, training=False))
            scores = tf.matmul(before_last, kernel) + bias  # the softmax layer without its softmax
            return outputs, scores, tf.nn.softmax(scores)

        self._run = tf.function(run, input_signature=[tf.TensorSpec([1, SIZE, SIZE], tf.float32)])
        self(np.zeros((SIZE, SIZE), np.uint8))  # compile now, not on the first drawing

    def __call__(self, image28: np.ndarray) -> list[Layer]:
        x = np.asarray(image28, np.float32)[None] / 255.0
        outputs, scores, probabilities = self._run(x)
        found, counts = [], {"Conv2D": 0, "MaxPooling2D": 0, "Dense": 0}
        for (_layer, kind), values in zip(self._inner, outputs, strict=True):
            counts[kind] += 1
            found.append(_describe(kind, counts[kind], values.numpy()[0]))
        found.append(Layer("scores", "Scores before the softmax: one number per digit", scores.numpy()[0]))
        found.append(
            Layer(
                "softmax", "Softmax: the scores turned into probabilities that add up to 100%", probabilities.numpy()[0]
            )
        )
        return found


def shown_layers(model) -> list:
    """The model's convolution, pooling and dense layers in order; the last is the softmax layer (a Dense)."""
    layers = [layer for layer in model.layers if type(layer).__name__ in SHOWN]
    if not layers or type(layers[-1]).__name__ != "Dense":
        raise ValueError("This model does not end in a Dense layer, so its layers cannot be shown.")
    return layers


def last_hidden_function(model):
    """A compiled function: a batch of images (n, 28, 28) in [0, 1] -> the activations feeding the softmax
    layer (its input), float32 (n, units), for any batch size. ValueError if the model has no such layer."""
    import keras
    import tensorflow as tf

    last = shown_layers(model)[-1]
    try:
        sub_model = keras.Model(model.inputs, last.input)
    except (AttributeError, ValueError) as error:  # as in NetworkTrace
        raise ValueError(f"its layers do not form one chain ({type(error).__name__}).") from None
    return tf.function(
        lambda x: tf.cast(sub_model(x, training=False), tf.float32),
        input_signature=[tf.TensorSpec([None, SIZE, SIZE], tf.float32)],
    )


def _describe(kind: str, number: int, values: np.ndarray) -> Layer:
    if kind == "Conv2D":
        height, width, maps = values.shape
        return Layer("conv", f"Convolution {number}: {maps} feature maps, {height}x{width}", values)
    if kind == "MaxPooling2D":
        height, width, maps = values.shape
        return Layer("pool", f"Pooling {number}: maps shrunk to {height}x{width}", values)
    return Layer("hidden", f"Hidden layer {number}: {values.size} units", values)


def map_grid(values: np.ndarray, columns: int = 8, cell: int = 56, gap: int = 4) -> np.ndarray:
    """Feature maps (H, W, C) as one RGB picture: C tiles in rows of ``columns``, each ``cell`` pixels wide.

    Every map shares one brightness scale (the layer's strongest value), so a dark tile really
    found little in this drawing. Built with whole-array operations (no loop over the maps): it is
    paid on every drawing, right after the answer.
    """
    height, width, count = values.shape
    scale = max(1, cell // max(height, width))
    rows = -(-count // columns)
    levels = _levels(values, rows * columns)  # (H, W, rows * columns), the missing tiles' cells -1
    tiles = levels.transpose(2, 0, 1).reshape(rows, columns, height, width)
    tiles = np.pad(tiles, ((0, 0), (0, 0), (0, -(-gap // scale)), (0, -(-gap // scale))), constant_values=-1)
    big = tiles.repeat(scale, axis=2).repeat(scale, axis=3)[:, :, : height * scale + gap, : width * scale + gap]
    grid = big.transpose(0, 2, 1, 3).reshape(rows * (height * scale + gap), columns * (width * scale + gap))
    return _paint(grid[:-gap, :-gap])


def unit_grid(values: np.ndarray, columns: int = 32, cell: int = 14, gap: int = 2) -> np.ndarray:
    """A hidden layer's units (1-D) as a grid of squares, brighter for a stronger output."""
    return map_grid(np.asarray(values).reshape(1, 1, -1), columns=columns, cell=cell, gap=gap)


def as_png(rgb: np.ndarray) -> bytes:
    """A picture as PNG bytes, compressed lightly: the pictures are mostly flat colour, so the fastest
    level is a few KB bigger and several times quicker (Streamlit would otherwise encode them itself)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _levels(values: np.ndarray, tiles: int) -> np.ndarray:
    """Values scaled by the layer's peak to 0..255 (uint8 steps are finer than a projector shows), padded with
    empty tiles (-1, painted as the white gap) up to ``tiles``."""
    peak = float(values.max()) or 1.0
    levels = np.round(np.clip(values / peak, 0, 1) * 255).astype(np.int16)
    return np.pad(levels, ((0, 0), (0, 0), (0, tiles - values.shape[2])), constant_values=-1)


def _warm(fraction: np.ndarray) -> np.ndarray:
    """0 -> near black, 1 -> bright yellow, through red: readable on a washed-out projector."""
    f = fraction[..., None]
    low, middle, high = np.array([20, 20, 35]), np.array([220, 60, 30]), np.array([255, 235, 120])
    rgb = np.where(f < 0.5, low + (middle - low) * (f / 0.5), middle + (high - middle) * ((f - 0.5) / 0.5))
    return rgb.astype(np.uint8)


# _warm's colour for each of the 256 levels, and white (index 256, reached by -1) for the gaps between tiles.
_PALETTE = np.vstack([_warm(np.arange(256) / 255), [[255, 255, 255]]]).astype(np.uint8)


def _paint(levels: np.ndarray) -> np.ndarray:
    return _PALETTE[levels]
