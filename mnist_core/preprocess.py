"""From a drawing or a photo to the 28x28 image an MNIST model expects, by MNIST's own recipe.

MNIST digits were cropped to their ink, scaled to fit a 20x20 box keeping
their aspect ratio (anti-aliased), and placed in 28x28 with their centre of
mass at the centre. A plain resize of a canvas gives a digit of the wrong
size in the wrong place, and a model trained on MNIST misreads most of them.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

from mnist_core.errors import UserError
from mnist_core.geometry import CENTRE, FIT, INK_THRESHOLD, SIZE

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UPLOAD_SIDE = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SIGNATURES = (PNG_SIGNATURE, b"\xff\xd8\xff")
MAX_PIXEL_RATIO = 4  # a canvas picture may be this many device pixels per CSS pixel, and no more
BLOCKY = (3, 16)  # a picture of 3 to 16 pixels a side, each repeated at least 3 times, is enlarged from them
_TOO_MANY_PIXELS = f"The image has too many pixels: use a photo of at most {MAX_UPLOAD_SIDE}x{MAX_UPLOAD_SIDE}."


@dataclass(frozen=True)
class Prepared:
    image: np.ndarray  # (28, 28) uint8, white digit on black: what the model is given
    ink_fraction: float  # share of the input's pixels with ink (0..1), to warn about a filled canvas


def canvas_to_grey(rgba: np.ndarray) -> np.ndarray:
    """Ink intensity of a canvas image (white ink; the background may be black or transparent)."""
    rgba = np.asarray(rgba, dtype=np.float32)
    return rgba[..., :3].max(axis=2) * (rgba[..., 3] / 255.0)


def prepare_digit(grey: np.ndarray) -> Prepared | None:
    """Bright ink on dark, any size, to MNIST's 28x28 form; None when there is no ink."""
    grey = np.clip(np.nan_to_num(np.asarray(grey, dtype=np.float32)), 0, 255)
    ink = grey > INK_THRESHOLD
    if not ink.any():
        return None
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = _smooth_if_blocky(grey[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    height, width = crop.shape
    scale = FIT / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # a thin "1" stays thin
    fitted = np.asarray(Image.fromarray(crop, mode="F").resize(size, Image.Resampling.LANCZOS), dtype=np.float32)
    fitted = np.clip(fitted, 0, 255)  # Lanczos rings slightly below 0 and above 255 at sharp edges
    fitted *= 255.0 / max(fitted.max(), 1e-6)  # a faint stroke or photo still gives full-strength ink, as in MNIST

    total = max(fitted.sum(), 1e-6)
    centre_row = (fitted.sum(axis=1) @ np.arange(fitted.shape[0])) / total
    centre_col = (fitted.sum(axis=0) @ np.arange(fitted.shape[1])) / total
    top = _clip(round(CENTRE - centre_row), SIZE - fitted.shape[0])
    left = _clip(round(CENTRE - centre_col), SIZE - fitted.shape[1])
    placed = np.zeros((SIZE, SIZE), np.float32)
    placed[top : top + fitted.shape[0], left : left + fitted.shape[1]] = fitted
    return Prepared(np.round(placed).astype(np.uint8), float(ink.mean()))


def _smooth_if_blocky(crop: np.ndarray) -> np.ndarray:
    """A picture enlarged from a few pixels by repeating each (a coarse scan shown with nearest-neighbour
    resampling) enlarged again from its own pixels, smoothly: fitted to 20x20 as it is, its blocks' hard steps
    read as strokes the digit does not have. Anything else is returned as it is."""
    rows, cols = _runs(crop, axis=0), _runs(crop, axis=1)
    if not (BLOCKY[0] <= len(rows) <= BLOCKY[1] and BLOCKY[0] <= len(cols) <= BLOCKY[1]):
        return crop
    heights, widths = np.diff([*rows, crop.shape[0]]), np.diff([*cols, crop.shape[1]])
    if min(heights.min(), widths.min()) < BLOCKY[0]:
        return crop
    pixels = Image.fromarray(np.ascontiguousarray(crop[np.ix_(rows, cols)]), mode="F")
    return np.asarray(pixels.resize((len(cols) * 8, len(rows) * 8), Image.Resampling.BICUBIC), dtype=np.float32)


def _runs(grey: np.ndarray, axis: int) -> np.ndarray:
    """Where each run of identical rows (axis 0) or columns (axis 1) starts."""
    changes = np.abs(np.diff(grey, axis=axis)).max(axis=1 - axis) > 1e-3
    return np.concatenate([[0], np.flatnonzero(changes) + 1])


def prepare_canvas(rgba: np.ndarray | None) -> Prepared | None:
    """A canvas image (H, W, 4) to the model's input; None for no canvas or an empty one."""
    if rgba is None:
        return None
    return prepare_digit(canvas_to_grey(rgba))


def decode_canvas(data: bytes | None, width: int, height: int) -> np.ndarray | None:
    """The canvas's PNG (as the browser sent it) to an RGBA array, checked before anything is decoded.

    The browser is not trusted: anyone with the developer tools can send any PNG. Its header must say
    it is the canvas's own size, times a device pixel ratio of 1 to ``MAX_PIXEL_RATIO``, or it is
    refused unread. (A small PNG can claim 12,000 x 12,000 pixels and take gigabytes to decode.)
    """
    if data is None:
        return None
    if not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR" or len(data) < 24:
        raise UserError("The drawing did not arrive as a picture of the canvas.")
    sent_width, sent_height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    ratio = sent_width / width
    if not (1 <= ratio <= MAX_PIXEL_RATIO and abs(sent_height - height * ratio) <= ratio):
        raise UserError(
            f"The drawing arrived as {sent_width}x{sent_height} pixels, which is not the "
            f"canvas's size ({width}x{height})."
        )
    try:
        image = Image.open(io.BytesIO(data), formats=("PNG",))
        return np.asarray(image.convert("RGBA"))
    except Exception:  # Pillow raises many kinds for a damaged file
        raise UserError("The drawing arrived damaged.") from None


def decode_upload(data: bytes, filename: str = "") -> np.ndarray:
    """A PNG or JPEG photo of a digit to bright ink on dark, checked before it is decoded.

    Dark ink on light paper (the usual photo) is inverted; the paper's own
    grey is subtracted so that shadows and texture do not count as ink (``without_paper``).
    """
    if not data:
        raise UserError("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UserError(f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB: use a smaller photo.")
    if not data.startswith(_SIGNATURES):
        raise UserError(f"{filename or 'This file'} is not a PNG or JPEG image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=("PNG", "JPEG"))  # reads the header only
            if image.width * image.height > MAX_UPLOAD_SIDE**2:
                raise UserError(_TOO_MANY_PIXELS)
            image = ImageOps.exif_transpose(image)  # phone photos are often stored sideways
            if image.mode.startswith("I;16"):  # 16-bit grey: converting to "L" would saturate it
                grey = np.asarray(image, dtype=np.float32) / 257.0
            else:
                if image.has_transparency_data:  # transparent parts are paper
                    image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
                grey = np.asarray(image.convert("L"), dtype=np.float32)
    except UserError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UserError(_TOO_MANY_PIXELS) from None
    except Exception:  # Pillow raises many kinds (OSError, SyntaxError, ValueError...) for a damaged file
        raise UserError("The image could not be read: it may be damaged.") from None
    return without_paper(grey)


def without_paper(grey: np.ndarray) -> np.ndarray:
    """A picture of a digit (0-255, ink dark or bright) as bright ink on black, the paper's own grey taken away.

    The paper is told by the picture's edge, not by the whole picture: a digit cropped tight (a coarse scan
    enlarged, a cut-out) can be more than half ink, and the whole picture's median would then be ink.
    """
    edge = np.median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]]))
    if edge > 127:
        grey, edge = 255.0 - grey, 255.0 - edge
    grey = np.clip(grey - min(edge, np.median(grey)), 0, None)  # shadows at a photo's edge are not ink
    peak = grey.max()
    return grey * (255.0 / peak) if peak > 0 else grey


def _clip(offset: int, most: int) -> int:
    return int(min(max(offset, 0), most))
