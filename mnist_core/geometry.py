"""MNIST's geometry and the Draw page's canvas, in one place: the preprocessing, the augmentation,
the drawn-digit test sets and the canvas all read these.

MNIST digits were fitted to a 20x20 box and placed in 28x28 with their centre of mass at the
centre; the canvas is 280x280 (ten canvas pixels to one MNIST pixel) and its pen 18 wide by default.
"""

SIZE = 28  # MNIST images are SIZE x SIZE
FIT = 20  # the longer side of a digit's ink box, in MNIST pixels
CENTRE = SIZE / 2  # where MNIST puts a digit's centre of mass: pixel (14, 14)
INK_THRESHOLD = 0.1 * 255  # fainter pixels are noise, not ink
CANVAS_SIZE = 280  # the Draw page's canvas, in CSS pixels, square
PEN_WIDTH = 18  # the canvas's default stroke width: thick strokes look most like MNIST
