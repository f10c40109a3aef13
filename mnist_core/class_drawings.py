"""Training on the class's own drawings (saved with "Save as label" on the Draw page).

Two ways, both named by ``TrainConfig.data``:

- ``"drawings"``: fine-tune ``base_model`` on the drawings alone. What a model learns from a few
  dozen of our drawings, and what it forgets of MNIST, is the domain-shift lesson.
- ``"mnist+drawings"``: train a new model on MNIST with the drawings mixed in (repeated so they are
  ``MIX_SHARE`` of the training images), compared with ``base_model``.

Either way a stated share (``holdout``) of the drawings, the same share of each digit, is kept out
of training; "before" is ``base_model`` and "after" the new model, both scored on those held-out
drawings and on the MNIST test set.

The engine takes the drawings and the base model's file as values (``ClassDrawings``), not a run store:
the server gathers them (``class_server.runs.class_drawings_for``) and they travel with the run, so a lab
PC trains it without reaching the server's files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_core.config import TrainConfig
from mnist_core.data import DIGITS, Mnist, subset
from mnist_core.errors import UserError
from mnist_core.scores import accuracy
from mnist_core.wording import counted

# With a quarter held out, 20 drawings leave 5 to test on: each is then worth 20 points of accuracy.
# Fewer, and "before" and "after" differ by chance more than by training.
MIN_DRAWINGS = 20
MIX_SHARE = 0.1


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_held_out: np.ndarray
    y_held_out: np.ndarray


@dataclass(frozen=True)
class ClassDrawings:
    """Everything a drawings run reads besides its settings and MNIST."""

    images: np.ndarray  # uint8, (n, 28, 28), as the Draw page saves them
    labels: np.ndarray
    base_model: bytes  # the .keras file named by the run's ``base_model``


def missing_digits(labels: np.ndarray) -> list[int]:
    return [digit for digit in DIGITS if not np.any(np.asarray(labels) == digit)]


def check_drawings(labels: np.ndarray) -> None:
    """Raise UserError when there are too few drawings to train on and still test fairly."""
    count = len(labels)
    if count < MIN_DRAWINGS:
        raise UserError(
            f"The class has saved {counted(count, 'drawing')}; training on them needs "
            f"at least {MIN_DRAWINGS}, so that enough are kept aside to test on fairly. On the Draw "
            "page, draw digits and press Save as label."
        )


def split_drawings(images: np.ndarray, labels: np.ndarray, holdout: float, seed: int = 0) -> Split:
    """Keep ``holdout`` of each digit's drawings aside (rounded, at least one in all), the rest to train on."""
    check_drawings(labels)
    rng = np.random.default_rng(seed)
    held = []
    for digit in DIGITS:
        mine = rng.permutation(np.flatnonzero(labels == digit))
        held.extend(mine[: int(round(len(mine) * holdout))])
    if not held:
        held = [int(rng.integers(len(labels)))]
    keep = np.ones(len(labels), bool)
    keep[held] = False
    return Split(images[keep], labels[keep], images[~keep], labels[~keep])


def training_data(config: TrainConfig, split: Split, mnist: Mnist) -> Mnist:
    """The images the trainer sees for ``config`` (the MNIST test set stays the test set)."""
    if config.fine_tunes:
        return Mnist(split.x_train, split.y_train, mnist.x_test, mnist.y_test)
    copies = max(1, round(config.train_size * MIX_SHARE / len(split.y_train)))
    x_drawn, y_drawn = np.tile(split.x_train, (copies, 1, 1)), np.tile(split.y_train, copies)
    # The trainer takes train_size images: MNIST fills what the drawings leave, so none is dropped.
    x_mnist, y_mnist = subset(mnist.x_train, mnist.y_train, max(config.train_size - len(y_drawn), 0), config.seed)
    return Mnist(np.concatenate([x_mnist, x_drawn]), np.concatenate([y_mnist, y_drawn]), mnist.x_test, mnist.y_test)


def scores(model, split: Split, mnist: Mnist, prefix: str) -> dict:
    """``model``'s accuracy on the held-out drawings and on the MNIST test set, as run metrics."""
    from mnist_core.batch_prediction import predict_probabilities

    def score(x, y) -> float:
        return accuracy(predict_probabilities(model, np.asarray(x, np.float32) / 255.0), y)

    return {
        f"{prefix}_drawings_accuracy": score(split.x_held_out, split.y_held_out),
        f"{prefix}_mnist_accuracy": score(mnist.x_test, mnist.y_test),
    }


def config_of(model) -> dict:
    """The architecture settings of a loaded model, so a run fine-tuning it describes it truly."""
    conv = [layer.filters for layer in model.layers if type(layer).__name__ == "Conv2D"]
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"][:-1]
    dropouts = []
    for layer in dense:
        after = model.layers[model.layers.index(layer) + 1 :]
        following = after[0] if after else None
        dropouts.append(float(following.rate) if type(following).__name__ == "Dropout" else 0.0)
    return {
        "conv_filters": tuple(conv),
        "hidden_units": tuple(layer.units for layer in dense),
        "dropouts": tuple(dropouts),
    }


def train_on_drawings(config: TrainConfig, drawings: ClassDrawings, on_event=None, should_stop=None, turn=None):
    """Train a run whose ``config.data`` names the class's drawings; "before" and "after" go in its metrics."""
    import keras

    from mnist_core.data import load_mnist
    from mnist_core.models import model_from_bytes
    from mnist_core.trainer import train

    mnist = load_mnist()
    split = split_drawings(drawings.images, drawings.labels, config.holdout, config.seed)
    base = model_from_bytes(drawings.base_model, config.base_model)
    before = scores(base, split, mnist, "before")
    keras.utils.set_random_seed(config.seed)
    result = train(
        config,
        on_event=on_event,
        should_stop=should_stop,
        data=training_data(config, split, mnist),
        model=base if config.fine_tunes else None,
        turn=turn,
    )
    result.metrics.update(
        before,
        **scores(result.model, split, mnist, "after"),
        drawings_trained=len(split.y_train),
        drawings_held_out=len(split.y_held_out),
    )
    return result
