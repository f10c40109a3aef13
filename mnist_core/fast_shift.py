"""Keras' RandomTranslation as it computes while training, in two small matrix products per image.

The CNN preset moves each training image by up to 2 px at random (a ``RandomTranslation`` layer, inactive
when predicting). Keras computes that with a general projective-transform kernel, which took an eighth
of a CNN training step here. A translation with bilinear interpolation and zero fill is separable: the
moved image is ``rows @ image @ columns.T``, where ``rows`` and ``columns`` hold each output pixel's two
interpolation weights. That costs a fifth as much. The offsets are the layer's own random draws, so a
seed gives the same shifts either way; ``tests/test_fast_shift.py`` checks that the images agree.
"""

from __future__ import annotations

import keras
import tensorflow as tf


def computes_as_keras(layer) -> bool:
    """True for a RandomTranslation that ``shifted`` computes exactly: bilinear, zero fill, channels last."""
    return (
        isinstance(layer, keras.layers.RandomTranslation)
        and layer.interpolation == "bilinear"
        and layer.fill_mode == "constant"
        and layer.fill_value == 0
        and layer.data_format == "channels_last"
    )


def shifted(layer: keras.layers.RandomTranslation, images: tf.Tensor) -> tf.Tensor:
    """What ``layer(images, training=True)`` returns for single-channel ``images``, drawing the same offsets."""
    translations = layer.get_random_transformation(images, training=True)["translations"]  # x, y in pixels
    rows = _weights(translations[:, 1], images.shape[1])
    columns = _weights(translations[:, 0], images.shape[2])
    return tf.matmul(tf.matmul(rows, images[..., 0]), columns, transpose_b=True)[..., None]


def _weights(offsets: tf.Tensor, size: int) -> tf.Tensor:
    """Per image, the matrix whose row i weighs the source pixels of output pixel i moved by ``offset``.

    Output pixel i reads the source at ``i - offset``: weight ``1 - |i - offset - j|`` on the two pixels j
    nearest to it, none elsewhere, so a source pixel outside the image contributes zero (Keras' zero fill).
    """
    position = tf.range(size, dtype=tf.float32)
    return tf.nn.relu(1.0 - tf.abs(position[:, None] - position[None, :] - offsets[:, None, None]))
