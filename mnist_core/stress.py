"""The stress test: how a model's accuracy falls as the test digits are moved, turned, thinned, thickened,
covered in noise or blurred, each at a few strengths.

Each corruption is a pure function of a uint8 batch (N, 28, 28), a strength and a seed, returning a new
uint8 batch; strength 0 returns the images unchanged. The random choices (which way each image moves or
turns, the noise) come from the seed alone, and are the same at every strength: an image moved 3 pixels
went the same way as when it moved 1. The panel runs on a fixed sample of the test images, the same for
every model, so two models' curves are measured on the very same pictures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from mnist_core.evaluation import evaluate

# 2,000 images keep the whole panel for the default model to 7.5 s on 2 cores shared with other work (`bench
# --only prediction`), and a point's accuracy within about a point of the full test set's (its standard error
# is at most 1.1 points). They are a random sample of the whole test set: its first 5,000 images are neater
# than its last 5,000.
SAMPLE_SIZE = 2000
SEED = 0
BATCH = 500  # images per call of the model: a CNN's first layer on 500 images is about 20 MB
# The four ways an image may move: (rows down, columns right) per pixel of shift.
DIRECTIONS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def shift(images: np.ndarray, pixels: float, seed: int = SEED) -> np.ndarray:
    """Each image moved ``pixels`` whole pixels up, down, left or right (which of the four is picked at random
    per image), black coming in at the edge it leaves and ink pushed past the other edge lost."""
    images = np.asarray(images, np.uint8)
    step = int(pixels)
    ways = np.random.default_rng(seed).integers(len(DIRECTIONS), size=len(images))
    out = np.zeros_like(images)
    for way, (down, right) in enumerate(DIRECTIONS):
        picked = ways == way
        out[picked] = _moved(images[picked], down * step, right * step)
    return out


def _moved(images: np.ndarray, down: int, right: int) -> np.ndarray:
    size = images.shape[1]
    out = np.zeros_like(images)
    rows_to, rows_from = slice(max(down, 0), size + min(down, 0)), slice(max(-down, 0), size + min(-down, 0))
    cols_to, cols_from = slice(max(right, 0), size + min(right, 0)), slice(max(-right, 0), size + min(-right, 0))
    out[:, rows_to, cols_to] = images[:, rows_from, cols_from]
    return out


def rotate(images: np.ndarray, degrees: float, seed: int = SEED) -> np.ndarray:
    """Each image turned by ``degrees`` about its centre, clockwise or anticlockwise at random per image
    (bilinear, black filling the corners)."""
    images = np.asarray(images, np.uint8)
    if degrees == 0:
        return images.copy()
    clockwise = np.random.default_rng(seed).random(len(images)) < 0.5
    out = np.empty_like(images)
    for picked, angle in ((clockwise, -degrees), (~clockwise, degrees)):
        turned = ndimage.rotate(images[picked].astype(np.float32), angle, axes=(2, 1), reshape=False, order=1)
        out[picked] = _to_uint8(turned)
    return out


def thinner(images: np.ndarray, pixels: float, seed: int = SEED) -> np.ndarray:
    """Strokes ``pixels`` narrower: each pixel takes the darkest value of the (pixels + 1) square at it (grey
    erosion), which narrows a stroke by ``pixels`` and removes strokes no wider than that."""
    return _morphology(ndimage.grey_erosion, images, pixels)


def thicker(images: np.ndarray, pixels: float, seed: int = SEED) -> np.ndarray:
    """Strokes ``pixels`` wider: each pixel takes the brightest value of the (pixels + 1) square at it (grey
    dilation), which widens a stroke by ``pixels``."""
    return _morphology(ndimage.grey_dilation, images, pixels)


def _morphology(operation, images: np.ndarray, pixels: float) -> np.ndarray:
    images = np.asarray(images, np.uint8)
    width = int(pixels) + 1
    return operation(images, size=(1, width, width), mode="constant", cval=0) if width > 1 else images.copy()


def noise(images: np.ndarray, percent: float, seed: int = SEED) -> np.ndarray:
    """Gaussian noise on every pixel, its standard deviation ``percent`` of full white (255), clipped to 0-255."""
    images = np.asarray(images, np.uint8)
    if percent == 0:
        return images.copy()
    grains = np.random.default_rng(seed).standard_normal(images.shape, dtype=np.float32) * (percent / 100 * 255)
    return _to_uint8(images + grains)


def blur(images: np.ndarray, sigma: float, seed: int = SEED) -> np.ndarray:
    """A Gaussian blur of standard deviation ``sigma`` pixels, each image on its own (black beyond its edges)."""
    images = np.asarray(images, np.uint8)
    if sigma == 0:
        return images.copy()
    return _to_uint8(ndimage.gaussian_filter(images.astype(np.float32), (0, sigma, sigma), mode="constant"))


def _to_uint8(values: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(values), 0, 255).astype(np.uint8)


@dataclass(frozen=True)
class Corruption:
    kind: str  # the key of its curve in ``StressResult.curves``
    title: str  # what the chart calls it
    unit: str  # what its strength counts, for the axis
    strengths: tuple[float, ...]  # weakest first, without 0: the clean images are every kind's strength 0
    apply: Callable[[np.ndarray, float, int], np.ndarray]


CORRUPTIONS = (
    Corruption("shift", "Moved", "pixels", (1, 2, 3, 4), shift),
    Corruption("rotate", "Turned", "degrees", (10, 20, 30), rotate),
    Corruption("thinner", "Thinner strokes", "pixels narrower", (1, 2), thinner),
    Corruption("thicker", "Thicker strokes", "pixels wider", (1, 2, 3), thicker),
    Corruption("noise", "Noise", "% of white", (10, 20, 30, 40), noise),
    Corruption("blur", "Blurred", "pixels of blur", (0.5, 1, 1.5, 2), blur),
)
BY_KIND = {corruption.kind: corruption for corruption in CORRUPTIONS}


@dataclass(frozen=True)
class StressImages:
    """The panel's pictures: the clean sample and each corruption at each strength, built once for every model."""

    labels: np.ndarray  # (N,)
    clean: np.ndarray  # (N, 28, 28) uint8
    changed: dict[tuple[str, float], np.ndarray]  # (kind, strength) -> (N, 28, 28) uint8


def sample(count: int, size: int = SAMPLE_SIZE, seed: int = SEED) -> np.ndarray:
    """The indices of the test images the panel uses, in the test set's order (all of them if fewer)."""
    if count <= size:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, size, replace=False))


def stress_images(images: np.ndarray, labels: np.ndarray, size: int = SAMPLE_SIZE, seed: int = SEED) -> StressImages:
    """The panel on a fixed sample of ``size`` of these images (the MNIST test set in the app)."""
    picked = sample(len(labels), size, seed)
    clean = np.asarray(images, np.uint8)[picked]
    changed = {(c.kind, s): c.apply(clean, s, seed) for c in CORRUPTIONS for s in c.strengths}
    return StressImages(labels=np.asarray(labels)[picked], clean=clean, changed=changed)


@dataclass(frozen=True)
class StressResult:
    images: int  # how many test images each point is measured on
    curves: dict[str, tuple[tuple[float, float], ...]]  # kind -> (strength, accuracy), from 0 (the clean images) up

    @property
    def clean(self) -> float:
        return self.curves[CORRUPTIONS[0].kind][0][1]

    def accuracy(self, kind: str, strength: float) -> float:
        return dict(self.curves[kind])[strength]


def stress_score(result: StressResult) -> float:
    """A model's stress score: its average accuracy over every changed version of the test digits (each change
    at each strength, the unchanged digits left out), so 1.0 is a model no change fools."""
    changed = [accuracy for curve in result.curves.values() for strength, accuracy in curve if strength != 0]
    return sum(changed) / len(changed)


def stress_test(predictor, panel: StressImages) -> StressResult:
    """A model's accuracy on every picture set of the panel; ``predictor`` is an ``inference.Predictor``
    (any object with ``probabilities_many``)."""
    clean = _accuracy(predictor, panel.clean, panel.labels)
    curves = {
        c.kind: (
            (0.0, clean),
            *((float(s), _accuracy(predictor, panel.changed[c.kind, s], panel.labels)) for s in c.strengths),
        )
        for c in CORRUPTIONS
    }
    return StressResult(images=len(panel.labels), curves=curves)


def _accuracy(predictor, images: np.ndarray, labels: np.ndarray) -> float:
    from mnist_core.batch_prediction import in_batches  # imports TensorFlow: the panel's records need none

    return evaluate(in_batches(predictor.probabilities_many, images, BATCH), labels).accuracy


def timed_panel(predictors: dict, repeats: int = 3) -> dict:
    """For the bench: the seconds to make the panel's pictures, and per model the median seconds of ``repeats``
    whole panels (each predictor already compiled, as a model loaded in the app is)."""
    import statistics
    import time

    from mnist_core.data import load_mnist

    data = load_mnist()
    started = time.perf_counter()
    panel = stress_images(data.x_test, data.y_test)
    summary = {"images": len(panel.labels), "sets": 1 + len(panel.changed)}
    summary["pictures_seconds"] = time.perf_counter() - started
    for name, predictor in predictors.items():
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            stress_test(predictor, panel)
            times.append(time.perf_counter() - started)
        summary.setdefault("seconds", {})[name] = statistics.median(times)
    return summary
