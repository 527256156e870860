"""Turn a user's own picture of a digit into a 28x28 MNIST-style input.

MNIST's recipe (LeCun et al.): the digit, white on black, is scaled so that its bounding box fits
20x20 pixels (keeping its aspect ratio, with anti-aliasing), then placed in a 28x28 field so that
its centre of mass sits at the centre.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from network.data import IMAGE_SIDE, find_test_set
from network.errors import ImageError

MAX_PIXELS = 40_000_000  # larger images are refused rather than decoded
DIGIT_BOX = 20


def load_digit_image(path: str | Path, side: int = IMAGE_SIDE) -> np.ndarray:
    """Read an image file and return a float32 (side * side,) digit in [0, 1], white on black."""
    from PIL import Image, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such image file")
    try:
        with Image.open(path) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ImageError(
                    f"{path}: image is {image.width}x{image.height}, too large (max {MAX_PIXELS:,} pixels)"
                )
            gray = _to_grayscale(image)
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise ImageError(f"{path}: not a readable image (PNG, JPEG, ...)") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ImageError(f"{path}: cannot decode image ({exc})") from None
    return mnist_style(gray, name=str(path), side=side)


def _to_grayscale(image) -> np.ndarray:
    """Any mode (RGBA, palette, 16-bit, ...) to float grayscale in [0, 1]; transparency becomes white."""
    from PIL import Image

    image.load()
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if values.max() > 255 else 255.0
        return np.clip(values / top, 0, 1)
    if "A" in image.getbands() or image.mode == "P" and "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    return np.asarray(image.convert("L"), dtype=np.float64) / 255.0


def mnist_style(gray: np.ndarray, name: str = "image", side: int = IMAGE_SIDE) -> np.ndarray:
    """Grayscale in [0, 1] (either polarity) to a centred 28x28 MNIST-style digit, flattened
    (side x side for other image sizes, the box and field scaled alike)."""
    from PIL import Image

    if gray.ndim != 2 or min(gray.shape) < 1:
        raise ImageError(f"{name}: empty image")
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    if np.median(border) > 0.5:  # dark ink on light paper: make it white on black like MNIST
        gray, border = 1.0 - gray, 1.0 - border
    background = np.median(border)
    digit = np.clip((gray - background) / max(1e-6, 1.0 - background), 0, 1)
    if digit.max() < 0.1:
        raise ImageError(f"{name}: no digit found (the image is blank)")
    ink = digit > 0.1 * digit.max()
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    crop = digit[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    scale = max(1, round(DIGIT_BOX * side / IMAGE_SIDE)) / max(crop.shape)
    height, width = (max(1, round(n * scale)) for n in crop.shape)
    resized = Image.fromarray((crop * 255).astype(np.uint8)).resize((width, height), Image.LANCZOS)
    small = np.asarray(resized, dtype=np.float64) / 255.0
    total = small.sum()
    ys, xs = np.indices(small.shape)
    centre_y, centre_x = (ys * small).sum() / total, (xs * small).sum() / total
    top = int(round(side / 2 - centre_y))  # centre of mass in the middle, (14, 14) on MNIST
    left = int(round(side / 2 - centre_x))
    top = min(max(top, 0), side - height)
    left = min(max(left, 0), side - width)
    field = np.zeros((side, side))
    field[top : top + height, left : left + width] = small
    return field.reshape(-1).astype(np.float32)


def chosen_digits(digits, image: str | Path | None = None, test_set=None, side: int = IMAGE_SIDE):
    """(images, labels, indices, sources) for test-set digits by index (from `test_set`, a
    network.data.TestSet; default MNIST's), or for one image file of the user's own, made
    side x side (label and index -1): what `network.weights_file.compute_activations` takes."""

    if image:
        return load_digit_image(image, side)[None], [-1], [-1], [f"image:{image}"]
    images, labels, sources = (test_set or find_test_set()).select(digits)
    return images, labels, list(digits), sources
