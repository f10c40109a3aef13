"""Which training images the network finds most like an image: "It learned this from these".

The network's last hidden layer (the activations feeding the softmax layer) is where it has turned
pixels into what it uses to pick a digit, so images close there are images it treats alike. The
index holds that layer's output for each of the 60,000 training images, computed once per model in
batches; a query is one compiled call for the image and one matrix-vector product against the index.
The app's own models keep their index on disk beside the model file (mnist_core/nearest_record.py), so
a server loads it instead of computing it again.

Closeness is cosine similarity (the angle between two activation vectors), not Euclidean distance:
the hidden units are ReLUs whose outputs grow with the amount of ink, so a drawing in thick mouse
strokes has a longer vector than a thin MNIST digit of the same shape, and Euclidean distance would
pull it towards the heaviest training digits whatever their shape. Cosine compares which units fire
and in what proportion. The rows are stored divided by their lengths (the precomputed norms), so the
similarities to all 60,000 are one float32 matrix-vector product (float16 would halve the 30 MB of a
128-unit layer, but CPUs have no fast float16 products).

That product and the top six are one compiled TensorFlow call, not NumPy's matmul: NumPy's OpenBLAS
splits it over both cores, and on a busy 2-core server its two threads wait on each other (p50 10-16 ms
at load 6, against 1.6 ms on one thread); TensorFlow's product and ``top_k`` take 2 ms there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from mnist_core.kept_files import FileStamp
from mnist_core.nearest_record import keeps_index, read_rows, write_rows

K = 6
BATCH = 500  # images per compiled call while building: a CNN's first feature maps for 500 are about 50 MB


@dataclass(frozen=True)
class Neighbours:
    """The training images nearest to one image, nearest first."""

    indices: np.ndarray  # (k,) positions in the training set
    labels: np.ndarray  # (k,) their labels
    distances: np.ndarray  # (k,) cosine distance, 1 - cosine similarity: 0 points the same way, 1 shares nothing


class NearestIndex:
    """The last hidden layer's output for every training image, for one model (a ``Predictor``)."""

    def __init__(self, predictor, rows: np.ndarray, labels: np.ndarray):
        """An index of ``rows``, one per image, each already divided by its length (``build`` makes them)."""
        self.predictor = predictor
        self.labels = np.asarray(labels)
        self._rows = tf.convert_to_tensor(rows)

    @classmethod
    def build(cls, predictor, images: np.ndarray, labels: np.ndarray, batch: int = BATCH) -> NearestIndex:
        """The index of ``images``: each one's last hidden layer computed, ``batch`` images per compiled call."""
        first = predictor.last_hidden_many(images[:batch])
        # filled in place, batch by batch: one 60,000-row matrix in memory, never a list of pieces and their join
        rows = np.empty((len(images), first.shape[1]), np.float32)
        rows[: len(first)] = first
        for start in range(batch, len(images), batch):
            rows[start : start + batch] = predictor.last_hidden_many(images[start : start + batch])
        _to_unit_length(rows)
        return cls(predictor, rows, labels)

    @classmethod
    def kept(cls, predictor) -> NearestIndex | None:
        """The index of MNIST's training images kept beside the predictor's model file, if it was computed from
        that file (mnist_core/nearest_record.py); None if there is none to load."""
        from mnist_core.data import load_mnist

        if not keeps_index(predictor.path):
            return None
        labels = load_mnist().y_train
        rows = read_rows(predictor.path, len(labels))
        return None if rows is None else cls(predictor, rows, labels)

    @classmethod
    def of_training_set(cls, predictor) -> NearestIndex:
        """The index of MNIST's 60,000 training images: the kept one if there is one, else built (and kept, for
        the app's own models)."""
        from mnist_core.data import load_mnist

        if (index := cls.kept(predictor)) is not None:
            return index
        stamp = FileStamp.of(predictor.path) if keeps_index(predictor.path) else None
        data = load_mnist()
        index = cls.build(predictor, data.x_train, data.y_train)
        if stamp is not None:
            write_rows(predictor.path, index._rows.numpy(), stamp)
        return index

    @property
    def nbytes(self) -> int:
        return self._rows.shape[0] * self._rows.shape[1] * 4 + self.labels.nbytes

    def query(self, image28: np.ndarray, k: int = K) -> Neighbours:
        """The ``k`` training images nearest to one uint8 (28, 28) image in the last hidden layer."""
        return self.nearest_to(self.predictor.last_hidden_many(np.asarray(image28)[None])[0], k)

    def nearest_to(self, activation: np.ndarray, k: int = K) -> Neighbours:
        """The ``k`` training images nearest to one activation vector of the last hidden layer.

        Exact ties go to the earlier training image (``top_k`` keeps the lower index first), so the answer
        never depends on the order the work was split in.
        """
        k = min(k, self._rows.shape[0])
        similarity, nearest = _most_similar(self._rows, tf.constant(activation, tf.float32), tf.constant(k))
        nearest = nearest.numpy().astype(np.int64)
        return Neighbours(nearest, self.labels[nearest], (1.0 - similarity.numpy()).astype(np.float32))


@tf.function(
    input_signature=[
        tf.TensorSpec([None, None], tf.float32),
        tf.TensorSpec([None], tf.float32),
        tf.TensorSpec([], tf.int32),
    ]
)
def _most_similar(rows, activation, k):
    """The ``k`` highest cosine similarities between unit-length ``rows`` and ``activation``, and their rows."""
    length = tf.norm(activation)
    unit = activation / tf.where(length > 0, length, 1.0)  # nothing fired: similar to nothing
    return tf.math.top_k(tf.linalg.matvec(rows, unit), k)


def _to_unit_length(rows: np.ndarray) -> None:
    """Divide each row by its length, in place; a row of zeros (no unit fired) stays zeros, similar to nothing."""
    lengths = np.linalg.norm(rows, axis=1, keepdims=True)
    rows /= np.where(lengths > 0, lengths, 1.0)
