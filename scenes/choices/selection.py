"""What the scenes choose to show, as plain numpy: which pixels, neurons, digits and terms.

Nothing here draws or imports Manim; every function takes arrays and returns indices, so each
choice is unit-tested on small arrays (tests/test_selection.py) and any scene of yours can make
the same choices:

    >>> from network import DEFAULT_WEIGHTS, load_sample, load_weights
    >>> from scenes.choices.selection import ink_and_background_pixels, strongest_pixels, top_activating
    >>> model, manifest = load_weights(DEFAULT_WEIGHTS)
    >>> images, labels = load_sample()
    >>> strongest_pixels(model.weights[0], 4)  # the 4 inputs with the largest weights: border pixels
    array([ 36,  37, 769, 770])
    >>> shown = ink_and_background_pixels(images[0], model.weights[0])  # 10 inked by this 7, 6 not
    >>> int((images[0][shown] > 0.5).sum()), int((images[0][shown] == 0).sum())
    (10, 6)
    >>> forward = model.forward(images)
    >>> top_activating(forward.activations[2][:, 6], 3)  # the 3 digits neuron 6 of layer 2 likes best
    array([916,  19, 163])
"""

from __future__ import annotations

import numpy as np

from network.activations import ACTIVATIONS

__all__ = [
    "bias_effect_neuron",
    "busiest_window",
    "closest_snapshot",
    "curve_until",
    "designed_edge_weights",
    "forward_pass_digits",
    "grid_layout",
    "ink_and_background_pixels",
    "ink_run",
    "largest_terms",
    "loop_neuron",
    "neurons_to_show",
    "most_excited",
    "most_selective",
    "shared_weight_scale",
    "strongest_pixels",
    "top_activating",
]


def strongest_pixels(W1: np.ndarray, count: int, among: np.ndarray | None = None) -> np.ndarray:
    """The `count` input pixels (of the candidates `among`, default all) with the largest total
    |weight| into the first layer (W1 is (n_hidden, n_inputs)), in pixel order."""
    among = np.arange(W1.shape[1]) if among is None else np.asarray(among)
    strength = np.abs(W1[:, among]).sum(axis=0)
    return np.sort(among[np.argsort(-strength, kind="stable")[:count]])


def ink_and_background_pixels(
    pixels: np.ndarray, W1: np.ndarray, count: int = 16, ink_share: float = 0.625
) -> np.ndarray:
    """`count` input pixels to draw for one digit (`pixels` flat, in [0, 1]): about `ink_share` of
    them where it has ink (> 0.5), the rest where it has none (0); in each group the pixels whose
    first-layer weights are largest in total |w|. In pixel order."""
    inked, blank = np.flatnonzero(pixels > 0.5), np.flatnonzero(pixels == 0)
    n_ink = min(len(inked), int(round(count * ink_share)))
    return np.sort(
        np.concatenate([strongest_pixels(W1, n_ink, inked), strongest_pixels(W1, count - n_ink, blank)])
    )


def busiest_window(pixels: np.ndarray, rows: int, cols: int) -> tuple[int, int]:
    """Top-left (row, col) of the rows x cols window of a 2-D image that runs from background to
    ink with the most shades of gray in between: its range plus its share of gray pixels is largest
    (the first such window in reading order on ties)."""
    gray = (pixels > 0.05) & (pixels < 0.95)
    spans = [
        (np.ptp(pixels[r : r + rows, c : c + cols]) + gray[r : r + rows, c : c + cols].mean(), -r, -c)
        for r in range(pixels.shape[0] - rows + 1)
        for c in range(pixels.shape[1] - cols + 1)
    ]
    *_, r, c = max(spans)
    return -r, -c


def most_excited(z: np.ndarray) -> int:
    """The neuron with the largest weighted input z (the one a digit excites most)."""
    return int(np.argmax(z))


def shared_weight_scale(W: np.ndarray, percentile: float = 99) -> float:
    """One colour scale for many heatmaps: the 99th percentile of |w|, so that a few outliers do not
    wash out every other weight (larger weights saturate)."""
    return float(np.percentile(np.abs(W), percentile))


def most_selective(activations: np.ndarray, top: int) -> int:
    """Of the neurons (columns of `activations`, one row per digit), the one whose `top` digits
    stand out most from its typical digit: mean of its `top` largest activations minus its median,
    relative to its spread."""
    best = -np.sort(-activations, axis=0)[:top].mean(axis=0)
    spread = activations.std(axis=0) + 1e-9
    return int(np.argmax((best - np.median(activations, axis=0)) / spread))


def top_activating(activations: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` digits with the largest activation (one neuron's column), largest
    first; ties keep the digits' order."""
    return np.argsort(-np.asarray(activations), kind="stable")[:count]


def bias_effect_neuron(z: np.ndarray, b: np.ndarray, a: np.ndarray, activation: str) -> int:
    """The neuron whose bias matters most: of the active neurons (a > 0.5; all if none is), the
    one whose activation moves most when its bias is removed, |f(z) - f(z - b)|."""
    effect = np.abs(a - ACTIVATIONS[activation].function(z - b))
    active = a > 0.5
    return int(np.argmax(np.where(active, effect, -1.0) if active.any() else effect))


def largest_terms(weights_row: np.ndarray, activations: np.ndarray, count: int = 3) -> np.ndarray:
    """Indices of the `count` terms w_i a_i with the largest magnitude, in index order."""
    return np.sort(np.argsort(-np.abs(weights_row * activations), kind="stable")[:count])


def ink_run(a0: np.ndarray, count: int = 2, ink: float = 0.5) -> np.ndarray:
    """`count` consecutive input indices where the digit has ink: the first run at least `ink`
    bright, or the run at the brightest pixel if there is none."""
    bright = a0 >= ink
    for start in range(len(a0) - count + 1):
        if bright[start : start + count].all():
            return np.arange(start, start + count)
    start = min(int(np.argmax(a0)), len(a0) - count)
    return np.arange(start, start + count)


def forward_pass_digits(labels: np.ndarray, predictions: np.ndarray, followed_class: int) -> list[int]:
    """Digits to feed after the followed one: the first read correctly whose class differs from
    `followed_class`, and the first the network gets wrong (each only if there is one)."""
    right_other = np.flatnonzero((labels != followed_class) & (predictions == labels))
    wrong = np.flatnonzero(predictions != labels)
    return [int(i) for i in (*right_other[:1], *wrong[:1])]


def grid_layout(count: int, width: float, height: float) -> tuple[int, float]:
    """(columns, cell side) that make `count` square cells as large as possible in width x height."""
    return max(
        ((cols, min(width / cols, height / -(-count // cols))) for cols in range(1, count + 1)),
        key=lambda option: option[1],
    )


def designed_edge_weights(
    pixels: np.ndarray, length: int = 6, thickness: int = 2
) -> tuple[np.ndarray, tuple[int, int]]:
    """The weights one would design to detect a short horizontal stroke: +1 on a `thickness` x
    `length` stripe, -1 on the row just above and the row just below it, 0 elsewhere, placed where
    the 2-D image `pixels` gives the largest weighted sum (ink on the stripe, none around it).
    Returns (weights of the image's shape, the stripe's top-left (row, col)); ties go to the first
    in reading order."""
    rows, cols = pixels.shape
    best, where = -np.inf, (1, 0)
    for r in range(1, rows - thickness):
        for c in range(cols - length + 1):
            window = pixels[r - 1 : r + thickness + 1, c : c + length].sum(axis=1)
            score = window[1:-1].sum() - window[0] - window[-1]
            if score > best:
                best, where = score, (r, c)
    r, c = where
    weights = np.zeros_like(pixels, dtype=float)
    weights[r - 1, c : c + length] = weights[r + thickness, c : c + length] = -1.0
    weights[r : r + thickness, c : c + length] = 1.0
    return weights, where


def curve_until(curve, after: float, upto: float) -> list[tuple[float, float]]:
    """The piece of a curve [(x, y), ...] (sorted by x) over (after, upto], joined to the last point
    at or before `after`: drawing piece after piece gives one unbroken line."""
    before = [point for point in curve if point[0] <= after]
    return before[-1:] + [point for point in curve if after < point[0] <= upto]


def closest_snapshot(parameters: list[np.ndarray], target: np.ndarray, tolerance: float = 1e-3) -> int | None:
    """The index of the parameter vector equal to `target` within `tolerance` (largest |difference|),
    the closest if several are; None if none is."""
    gaps = [float(np.max(np.abs(p - target))) if p.shape == target.shape else np.inf for p in parameters]
    best = int(np.argmin(gaps)) if gaps else None
    return best if best is not None and gaps[best] <= tolerance else None


def loop_neuron(
    loop: np.ndarray, line: np.ndarray, other_loops: np.ndarray, on: float = 0.5
) -> tuple[int, bool]:
    """(j, acts_as_one): the neuron that prefers a digit's loop to its line most (largest activation
    for the loop alone minus the line alone; activations scaled to [0, 1]), and whether it acts as a
    loop detector on these inputs: at least `on` for that loop and for every one of `other_loops`
    (rows: other digits' loops), below `on` for the line."""
    j = int(np.argmax(loop - line))
    others = np.atleast_2d(other_loops)[:, j]
    return j, bool(loop[j] >= on and line[j] < on and (others >= on).all())


def neurons_to_show(activations: np.ndarray, must: int, count: int = 16) -> np.ndarray:
    """`count` neurons (columns of `activations`, one row per input) in index order: `must`, then
    the most active ones (by their largest activation); every neuron when there are no more."""
    n = activations.shape[1]
    if n <= count:
        return np.arange(n)
    order = [k for k in np.argsort(-activations.max(axis=0), kind="stable") if k != must]
    return np.sort([must, *order[: count - 1]])
