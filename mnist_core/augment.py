"""MNIST digits distorted to look like digits drawn with a mouse, for the default model.

A model trained on MNIST alone reads pen strokes; a mouse drawing has even,
often thicker strokes, wobbly lines, and a slant or size MNIST rarely has.
Each image gets one random affine transform (rotation, scale, shear,
shift), a mild elastic distortion (Simard et al., 2003) and sometimes a
thicker or thinner stroke. Everything is vectorised over the batch: one
``map_coordinates`` call resamples all images, so 60,000 images take a few
seconds per epoch.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

ROTATION_DEGREES = 12
SCALE = (0.85, 1.15)
SHEAR = 0.15
SHIFT = 2.0
ELASTIC_ALPHA = 28.0
ELASTIC_SIGMA = 4.0
THICKER, THINNER = 0.3, 0.15
UNCHANGED = 0.2
BLOCK = 10_000


def augment(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A distorted copy of uint8 images (N, 28, 28); a share of them is left as it was."""
    out = np.empty_like(images)
    for start in range(0, len(images), BLOCK):
        out[start : start + BLOCK] = _augment_block(images[start : start + BLOCK], rng)
    return out


def _augment_block(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(images)
    x = images.astype(np.float32)

    thicker = rng.random(n) < THICKER
    thinner = ~thicker & (rng.random(n) < THINNER / (1 - THICKER))
    x[thicker] = ndimage.grey_dilation(x[thicker], size=(1, 2, 2))
    x[thinner] = ndimage.grey_erosion(x[thinner], size=(1, 2, 2))

    # Where each output pixel samples the input: inverse affine map around the centre, plus elastic noise.
    angle = np.deg2rad(rng.uniform(-ROTATION_DEGREES, ROTATION_DEGREES, n))
    scale = rng.uniform(*SCALE, n)[:, None] * rng.uniform(0.93, 1.07, (n, 2))  # slightly anisotropic
    shear = rng.uniform(-SHEAR, SHEAR, n)
    shift = rng.uniform(-SHIFT, SHIFT, (n, 2))
    cos, sin = np.cos(angle), np.sin(angle)
    inverse = np.empty((n, 2, 2), np.float32)  # maps output offsets (row, col) to input offsets
    inverse[:, 0, 0] = cos / scale[:, 0]
    inverse[:, 0, 1] = (-sin + shear * cos) / scale[:, 0]
    inverse[:, 1, 0] = sin / scale[:, 1]
    inverse[:, 1, 1] = (cos + shear * sin) / scale[:, 1]

    grid = np.stack(np.meshgrid(np.arange(28), np.arange(28), indexing="ij")).astype(np.float32) - 13.5
    coords = np.einsum("nij,jhw->nihw", inverse, grid) + 13.5 - shift[:, :, None, None]
    noise = rng.uniform(-1, 1, (2, n, 28, 28)).astype(np.float32)
    elastic = ndimage.gaussian_filter(noise, sigma=(0, 0, ELASTIC_SIGMA, ELASTIC_SIGMA)) * ELASTIC_ALPHA
    coords += elastic.transpose(1, 0, 2, 3)

    index = np.broadcast_to(np.arange(n, dtype=np.float32)[:, None, None], (n, 28, 28))
    sample = np.stack([index, coords[:, 0], coords[:, 1]])
    warped = ndimage.map_coordinates(x, sample, order=1, mode="constant", cval=0.0)

    keep = rng.random(n) < UNCHANGED
    warped[keep] = images[keep]
    return np.clip(np.rint(warped), 0, 255).astype(np.uint8)
