"""A digit cut into the parts a person sees: loops (ink around an enclosed hole) and lines (the rest
of the ink), found from its pixels. Plain numpy and scipy.ndimage, no Manim; WhyLayers draws them.

    >>> from network import load_sample
    >>> images, labels = load_sample()
    >>> nine = images[58]  # a 9 of the sample: a loop on a stem
    >>> parts = digit_parts(nine.reshape(28, 28))
    >>> [part.name for part in parts]
    ['loop on top', 'line on the right']
    >>> len(loop_arcs(parts[0], 4))  # the loop's four quarter arcs: its "edges"
    4
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from network.dataset_info import label_names, square_side

__all__ = [
    "EIGHT",
    "NINE",
    "DigitPart",
    "bounding_square",
    "digit_parts",
    "enclosed_holes",
    "example_with_parts",
    "loop_arcs",
    "missing_digit_examples",
]

INK = 0.3  # a pixel brighter than this is ink
FOUR_CONNECTED = ndimage.generate_binary_structure(2, 1)
EIGHT_CONNECTED = ndimage.generate_binary_structure(2, 2)


@dataclass(frozen=True)
class DigitPart:
    kind: str  # "loop" or "line"
    name: str  # "loop on top", "line on the right", ...
    mask: np.ndarray  # bool, the image's shape: the part's ink pixels
    centre: tuple[float, float]  # (row, col): a loop's hole centre, a line's centroid

    def pixels(self, image: np.ndarray) -> np.ndarray:
        """The image with everything but this part blanked."""
        return np.where(self.mask, image, 0.0)


def enclosed_holes(pixels: np.ndarray, ink: float = INK, min_area: int = 2) -> list[np.ndarray]:
    """Masks of the background regions that ink closes in (not 4-connected to the image border),
    of at least `min_area` pixels, from top to bottom. Ink closes a region 8-connectedly, as a pen
    stroke does, so background must pass through a side, not a corner, to escape."""
    labels, count = ndimage.label(pixels <= ink, structure=FOUR_CONNECTED)
    border = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])))
    holes = [labels == k for k in range(1, count + 1) if k not in border and (labels == k).sum() >= min_area]
    return sorted(holes, key=lambda hole: np.argwhere(hole)[:, 0].mean())


def digit_parts(pixels: np.ndarray, ink: float = INK, reach: int = 2, min_line: int = 12) -> list[DigitPart]:
    """Loops (the ink within `reach` pixels of each enclosed hole), then lines (each 8-connected
    piece of the remaining ink of at least `min_line` pixels; smaller crumbs join no part). Parts are
    named by where they sit against the centre of the digit's ink."""
    inked = pixels > ink
    centre = np.argwhere(inked).mean(axis=0) if inked.any() else np.array(pixels.shape) / 2
    parts, taken = [], np.zeros_like(inked)
    for hole in enclosed_holes(pixels, ink):
        around = ndimage.binary_dilation(hole, EIGHT_CONNECTED, iterations=reach) & inked & ~taken
        taken |= around
        middle = np.argwhere(hole).mean(axis=0)
        parts.append(DigitPart("loop", f"loop {_where(middle - centre, tall=True)}", around, tuple(middle)))
    pieces, count = ndimage.label(inked & ~taken, structure=EIGHT_CONNECTED)
    for k in range(1, count + 1):
        piece = pieces == k
        if piece.sum() < min_line:
            continue
        rows, cols = np.argwhere(piece).T
        tall = np.ptp(rows) >= np.ptp(cols)
        middle = np.array([rows.mean(), cols.mean()])
        parts.append(
            DigitPart("line", f"line {_where(middle - centre, tall=not tall)}", piece, tuple(middle))
        )
    return parts


def _where(offset: np.ndarray, tall: bool, margin: float = 1.5) -> str:
    """Where a part lies from the digit's centre: up or down for a loop or a sideways line (`tall`
    is True), left or right for an upright line."""
    if tall:
        return "on top" if offset[0] < -margin else "below" if offset[0] > margin else "in the middle"
    return (
        "on the right" if offset[1] > margin else "on the left" if offset[1] < -margin else "down the middle"
    )


def loop_arcs(loop: DigitPart, count: int = 4) -> list[np.ndarray]:
    """A loop's ink cut into `count` arcs by angle around its hole, clockwise from straight up:
    the small edges the loop is made of."""
    rows, cols = np.nonzero(loop.mask)
    angle = np.arctan2(cols - loop.centre[1], loop.centre[0] - rows) % (2 * np.pi)  # 0 up, clockwise
    sector = np.minimum((angle / (2 * np.pi) * count).astype(int), count - 1)
    arcs = [np.zeros_like(loop.mask) for _ in range(count)]
    for arc, (r, c) in zip(sector, zip(rows, cols)):
        arcs[arc][r, c] = True
    return arcs


def bounding_square(mask: np.ndarray, margin: int = 2) -> tuple[slice, slice]:
    """(rows, cols) slices of the smallest square around the mask's pixels plus `margin`, kept inside
    the image where it fits: the crop that enlarges a part."""
    rows, cols = np.nonzero(mask)
    side = min(max(np.ptp(rows), np.ptp(cols)) + 1 + 2 * margin, *mask.shape)
    starts = []
    for lo, hi, size in ((rows.min(), rows.max(), mask.shape[0]), (cols.min(), cols.max(), mask.shape[1])):
        start = (lo + hi + 1 - side) // 2
        starts.append(int(min(max(start, 0), size - side)))
    return slice(starts[0], starts[0] + side), slice(starts[1], starts[1] + side)


def example_with_parts(
    images: np.ndarray, labels: np.ndarray, label: int, names: tuple[str, ...]
) -> int | None:
    """The first image labelled `label` whose parts are exactly `names` (in digit_parts' order),
    e.g. (9, ("loop on top", "line on the right")); None if there is none. `images` are flat squares."""
    side = square_side(images.shape[1])
    for index in np.flatnonzero(labels == label):
        if tuple(part.name for part in digit_parts(images[index].reshape(side, side))) == names:
            return int(index)
    return None


NINE = (9, ("loop on top", "line on the right"))  # the digits WhyLayers cuts into parts
EIGHT = (8, ("loop on top", "loop below"))


def missing_digit_examples(images: np.ndarray, labels: np.ndarray, classes) -> str | None:
    """Why the digits WhyLayers tells of (a 9: a loop on top and a line on the right; an 8: two
    loops) cannot be shown from these images (flat squares in [0, 1]), or None if they can."""
    if tuple(classes) != label_names(10):
        return "it cuts the digits 9 and 8 into loops and lines; the weights' classes are not the digits 0-9"
    for label, names in (NINE, EIGHT):
        if example_with_parts(images, labels, label, names) is None:
            return f"no test digit {label} made of {' and '.join(names)} among the {len(labels)} shown"
    return None
