"""MNIST digits altered to look like digits drawn with a mouse and preprocessed MNIST-style.

A model trained on MNIST alone reads pen strokes. A mouse drawing, once
cropped, fit to 20x20 and centred like MNIST, has strokes of even width
(often thicker, sometimes thinner), wobbly lines, and a slant, size or
aspect MNIST rarely has. So each image, independently, gets:

- when the labels are given, the strokes by which many people write
  digits that MNIST's writers (American) seldom used: a flag (a short
  upstroke slanting down to the left from the top) and sometimes a base
  serif on a 1, a bar across the stem of a 7. Without them a flagged 1 is
  read as 7;

- one affine transform: rotation, shear, a slightly different scale per
  axis, and a size relative to the 20x20 fit that preprocessing gives;
- a mild elastic distortion (Simard et al., 2003): a random displacement
  field smoothed with a Gaussian, the wobble of a hand on a mouse;
- sometimes a thicker stroke (grey dilation) or a thinner one (grey erosion),
  after the warp so the width stays even, and only within the widths that
  a mouse drawing has once fit to 20x20;
- sometimes a blur, renormalised to full-strength ink, as a digit written
  on paper and scanned or photographed at low resolution looks once
  preprocessing has enlarged it to 20x20 (the open top of a 4 closes, a 7's
  corner rounds: without it a coarse 4 reads as 9);
- its centre of mass put back at the centre, give or take a random shift,
  as preprocessing centres a drawing;

and a share of the images is left as it was, so plain MNIST stays in view
and the test accuracy does not suffer.

It runs over the whole training set every epoch, so it is vectorised over
the batch: the sampling coordinates of a block of images are built at once
and one ``map_coordinates`` call resamples them all. Blocks run on several
cores (scipy releases the GIL), each with its own child generator, so the
result depends only on the seed.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import ndimage

from mnist_core.geometry import CENTRE, FIT, INK_THRESHOLD, SIZE

UNCHANGED = 0.2  # share of images returned as they are
ROTATION_DEGREES = 12.0
SCALE = (0.85, 1.05)  # the longer side as a share of FIT, before elastic and stroke changes add a pixel or two
ASPECT = 0.06  # each axis' scale varies by up to this much on its own
SHEAR = 0.15
SHIFT = 2.0  # pixels, each axis: how far the centre of mass is put from the centre
MAX_MOVE = 8  # pixels, each axis: the most a digit is moved to put its centre of mass in place
ELASTIC_ALPHA = 30.0  # pixels per unit of smoothed noise
ELASTIC_SIGMA = 4.0
# Stroke width, among the augmented images: (share, grey morphology, footprint); the rest keep theirs.
STROKES = (
    (0.2, ndimage.grey_dilation, 2),  # thicker by about a pixel
    (0.1, ndimage.grey_dilation, 3),  # thicker by about two
    (0.15, ndimage.grey_erosion, 2),  # thinner by about a pixel
)
# A change is not made where it would take the stroke width (pixels) out of the range of mouse drawings
# fit to 20x20 (a stroke 18 px wide on the 280 px canvas): no hairlines, no blobs.
WIDTH = (1.4, 4.5)
FLAGGED_ONES = 0.35  # share of the augmented 1s given a flag...
BASED_ONES = 0.5  # ...and of those, a base serif too
CROSSED_SEVENS = 0.2  # share of the augmented 7s given a bar across the stem
COARSE = 0.15  # share of the augmented images blurred as a low-resolution scan, enlarged, looks
BLUR_SIGMA = (0.7, 1.5)  # pixels of the 28x28 image: a digit 8 to 14 px high, enlarged to 20
BLOCK = 5_000  # images per block: bounds memory (about 100 MB per block at work) and spreads work over cores
WORKERS = min(4, os.cpu_count() or 1)

# Gaussian smoothing of a 28-pixel axis as a matrix: column j is the filter's response to an impulse at j.
# ``G @ field @ G.T`` is exactly ``gaussian_filter(field, sigma=(0, s, s))``, five times faster.
_SMOOTH = ndimage.gaussian_filter1d(np.eye(SIZE), ELASTIC_SIGMA, axis=0).astype(np.float32)
_GRID = np.stack(np.meshgrid(np.arange(SIZE), np.arange(SIZE), indexing="ij")).astype(np.float32) - CENTRE


def augment(images: np.ndarray, rng: np.random.Generator, labels: np.ndarray | None = None) -> np.ndarray:
    """A new uint8 array (N, 28, 28) of ``images`` altered at random, reproducibly for the same ``rng`` seed.

    With ``labels``, some 1s get a flag and a base serif and some 7s a crossbar.
    """
    labels = np.full(len(images), -1) if labels is None else np.asarray(labels)
    starts = range(0, len(images), BLOCK)
    blocks = [images[start : start + BLOCK] for start in starts]
    block_labels = [labels[start : start + BLOCK] for start in starts]
    with ThreadPoolExecutor(WORKERS) as pool:
        done = list(pool.map(_augment_block, blocks, block_labels, rng.spawn(len(blocks))))
    return np.concatenate(done) if done else np.empty_like(images)


def _augment_block(images: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    out = images.copy()
    picked = np.flatnonzero(rng.random(len(images)) >= UNCHANGED)
    strokes_rng = rng.spawn(1)[0]  # its own stream: the other changes do not depend on the labels
    warped = _warp(_write_like_people(images[picked].astype(np.float32), labels[picked], strokes_rng), rng)
    out[picked] = np.rint(_place(_coarsen(_change_strokes(warped, rng), rng), rng))
    return out


def _write_like_people(x: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Flags and base serifs on some 1s, a crossbar on some 7s, drawn as straight strokes of the digit's own
    width before the warp, which then slants, turns and wobbles them with the rest of the digit."""
    draw = rng.random((len(x), 2))
    flags = np.flatnonzero((labels == 1) & (draw[:, 0] < FLAGGED_ONES))
    bases = set(flags[draw[flags, 1] < BASED_ONES])
    crosses = np.flatnonzero((labels == 7) & (draw[:, 0] < CROSSED_SEVENS))
    segments = []  # (image, row0, col0, row1, col1)
    for index in np.concatenate([flags, crosses]):
        ink = x[index] > INK_THRESHOLD
        rows = np.flatnonzero(ink.any(axis=1))
        if len(rows) < 8:
            continue
        top, bottom = rows[0], rows[-1]
        height = bottom - top + 1
        if labels[index] == 7:
            row = int(top + height * rng.uniform(0.45, 0.6))
            stem = np.flatnonzero(ink[row])
            half = height * rng.uniform(0.15, 0.22)
            if len(stem):
                segments.append((index, row, stem.mean() - half, row, stem.mean() + half))
            continue
        head = np.flatnonzero(ink[top]).mean()
        length, angle = height * rng.uniform(0.2, 0.4), np.deg2rad(rng.uniform(15, 50))
        segments.append((index, top, head, top + length * np.sin(angle), head - length * np.cos(angle)))
        if index in bases:
            foot = np.flatnonzero(ink[bottom]).mean()
            half = height * rng.uniform(0.18, 0.3)
            segments.append((index, bottom, foot - half, bottom, foot + half))
    if not segments:
        return x
    index, r0, c0, r1, c1 = (np.array(column, np.float32) for column in zip(*segments, strict=True))
    index = index.astype(int)
    width = _stroke_width(x[index])
    rows, cols = np.arange(SIZE, dtype=np.float32)[None, :, None], np.arange(SIZE, dtype=np.float32)[None, None, :]
    dr, dc = (r1 - r0)[:, None, None], (c1 - c0)[:, None, None]
    along = np.clip(
        ((rows - r0[:, None, None]) * dr + (cols - c0[:, None, None]) * dc) / np.maximum(dr * dr + dc * dc, 1e-6), 0, 1
    )
    distance = np.hypot(rows - r0[:, None, None] - along * dr, cols - c0[:, None, None] - along * dc)
    stroke = np.clip(width[:, None, None] / 2 + 0.5 - distance, 0, 1) * 255
    np.maximum.at(x, index, stroke)
    return x


def _warp(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each output pixel p samples the input at A^-1 (p - centre) + centre + elastic(p).

    A turns, slants and stretches the digit, then sizes it so the longer side of its ink's box is
    FIT times a random SCALE, as preprocessing fits a drawing however it is turned (a turned MNIST
    digit would otherwise grow past the 20x20 box, up to the edge of the image).
    """
    n = len(x)
    angle = np.deg2rad(rng.uniform(-ROTATION_DEGREES, ROTATION_DEGREES, n))
    aspect = rng.uniform(1 - ASPECT, 1 + ASPECT, (n, 2))
    shear = rng.uniform(-SHEAR, SHEAR, n)
    cos, sin = np.cos(angle), np.sin(angle)
    rotate = np.stack([np.stack([cos, -sin], 1), np.stack([sin, cos], 1)], 1)
    slant = np.stack([np.stack([np.ones(n), np.zeros(n)], 1), np.stack([shear, np.ones(n)], 1)], 1)
    shape = (rotate @ slant * aspect[:, None, :]).astype(np.float32)  # (n, 2, 2), rows and cols
    moved = shape @ _GRID.reshape(2, -1)  # where each pixel goes, relative to the centre
    ink = x.reshape(n, 1, -1) > INK_THRESHOLD
    extent = np.where(ink, moved, -np.inf).max(axis=2) - np.where(ink, moved, np.inf).min(axis=2) + 1
    scale = FIT * rng.uniform(*SCALE, n) / np.maximum(extent.max(axis=1), 1.0)  # a blank image stays blank
    inverse = np.linalg.inv(shape * scale[:, None, None]).astype(np.float32)

    noise = rng.random((2, n, SIZE, SIZE), dtype=np.float32) * 2 - 1
    elastic = _SMOOTH @ noise @ _SMOOTH.T * ELASTIC_ALPHA

    coords = np.empty((3, n, SIZE, SIZE), np.float32)  # (image, row, col) of every output pixel
    coords[0] = np.arange(n, dtype=np.float32)[:, None, None]
    for axis in (0, 1):
        coords[1 + axis] = (
            inverse[:, axis, 0, None, None] * _GRID[0]
            + inverse[:, axis, 1, None, None] * _GRID[1]
            + CENTRE
            + elastic[axis]
        )
    return ndimage.map_coordinates(x, coords, order=1, mode="constant", cval=0.0)


def _change_strokes(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thicker or thinner strokes for a share of the images, after the warp so the width stays even."""
    draw = rng.random(len(x))
    low = 0.0
    for share, morphology, size in STROKES:
        chosen = (draw >= low) & (draw < low + share)
        before = x[chosen]
        after = morphology(before, size=(1, size, size))
        width = _stroke_width(after)
        undo = (width < WIDTH[0]) | (width > WIDTH[1])
        after[undo] = before[undo]
        x[chosen] = after
        low += share
    return x


def _coarsen(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A share of the images blurred, then brightened so the strongest ink is full strength again, as
    preprocessing does to a coarse scan."""
    chosen = np.flatnonzero(rng.random(len(x)) < COARSE)
    for index, sigma in zip(chosen, rng.uniform(*BLUR_SIGMA, len(chosen)), strict=True):
        blurred = ndimage.gaussian_filter(x[index], sigma)
        x[index] = blurred * (255.0 / max(blurred.max(), 1e-6))
    return x


def _stroke_width(x: np.ndarray) -> np.ndarray:
    """Mean stroke width of each image: twice the ink's area over its outline's length.

    The outline is measured as the summed grey-level steps along rows and columns, which on average
    overstates its length by 4/pi.
    """
    steps = np.abs(np.diff(x, axis=1)).sum(axis=(1, 2)) + np.abs(np.diff(x, axis=2)).sum(axis=(1, 2))
    return 2 * x.sum(axis=(1, 2)) / np.maximum(steps, 1e-6) * (4 / np.pi)


def _place(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each digit moved by whole pixels to put its centre of mass at the centre plus a random shift.

    Preprocessing centres every drawing this way, so the warp's and the stroke change's drift of the
    centre of mass (up to 5 px for a strong elastic distortion) is undone; only the shift is left.
    """
    n = len(x)
    ink = np.maximum(x.sum(axis=(1, 2)), 1e-6)
    centre = np.stack([x.sum(axis=2) @ np.arange(SIZE), x.sum(axis=1) @ np.arange(SIZE)], 1) / ink[:, None]
    target = CENTRE + rng.uniform(-SHIFT, SHIFT, (n, 2))
    move = np.clip(np.rint(target - centre), -MAX_MOVE, MAX_MOVE).astype(int)
    padded = np.pad(x, ((0, 0), (MAX_MOVE, MAX_MOVE), (MAX_MOVE, MAX_MOVE)))
    rows = np.arange(SIZE)[None, :, None] + MAX_MOVE - move[:, 0, None, None]
    cols = np.arange(SIZE)[None, None, :] + MAX_MOVE - move[:, 1, None, None]
    return padded[np.arange(n)[:, None, None], rows, cols]
