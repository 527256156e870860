"""What a NetworkDiagram shows by default, as plain numpy: which input pixels stand for the input
layer, and the range of activations each layer's colours span.

Nothing here draws or imports Manim; both choices are unit-tested on small arrays
(tests/test_diagram_choices.py) and any scene of yours can make them too:

>>> import numpy as np
>>> inputs = np.array([[0.0, 0.0, 1.0, 0.2], [0.0, 1.0, 0.0, 0.2]])  # two inputs of four pixels
>>> W1 = np.array([[5.0, 1.0, 1.0, 9.0]])  # pixels 0 and 3 weigh most, but never change
>>> telling_pixels(W1, inputs, 2).tolist()
[1, 2]
>>> activation_range(np.array([[0.0, 0.5], [0.25, 1.0]]))  # within [0, 1]: the usual scale
(0.0, 1.0)
>>> activation_range(np.array([0.0, 3.0, 12.0, 40.0]), percentile=50)  # ReLU: up to the median
(0.0, 7.5)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from network.data import load_sample
from scenes.choices.selection import strongest_pixels

__all__ = [
    "SAMPLE_PIXELS",
    "UNIT_RANGE",
    "activation_range",
    "layer_ranges",
    "short_number",
    "telling_pixels",
    "typical_layers",
]

UNIT_RANGE = (0.0, 1.0)  # sigmoid, softmax and pixels: 0 is unlit, 1 fully lit
SAMPLE_PIXELS = 784  # inputs of the shipped MNIST sample's digits (28 x 28)


def typical_layers(network, n_inputs: int, typical=None) -> tuple[np.ndarray | None, list | None]:
    """(inputs, a(0) ... a(L) over them) for a network with `n_inputs`: those of `typical` (a
    forward pass of a batch, or its list of layers); else, for 784 inputs, the shipped MNIST
    sample's pixels (in [0, 1], as our own networks take them) and their forward pass if
    `network` can run them (a list of weight matrices cannot: None); else (None, None)."""
    if typical is not None:
        layers = [np.atleast_2d(values) for values in getattr(typical, "activations", typical)]
        return layers[0], layers
    if n_inputs != SAMPLE_PIXELS:
        return None, None
    images, _ = load_sample()
    return images, (network.forward(images).activations if hasattr(network, "forward") else None)


def telling_pixels(W1: np.ndarray, inputs: np.ndarray, count: int) -> np.ndarray:
    """The `count` input pixels that tell `inputs` (n, n_in) apart most to the first layer: the
    largest spread of the pixel over the inputs (standard deviation) times its total |weight|
    (W1 is (n_hidden, n_in)); in pixel order. A pixel no input changes (a border no digit inks)
    scores 0 however strong its weights, so it is shown only when fewer than `count` pixels vary.
    The spread is the same for raw and normalised inputs up to one factor, so either may be given.
    One input alone (n_in,) spreads nowhere: its pixels are scored by how far each lies above its
    darkest, so its ink is shown."""
    inputs = np.asarray(inputs, dtype=np.float64)
    if inputs.ndim == 1 or len(inputs) == 1:
        spread = inputs.reshape(-1) - inputs.min()
    else:
        spread = inputs.std(axis=0)
    strength = spread * np.abs(W1).sum(axis=0)
    if not strength.any():  # nothing varies: the weights alone decide
        return strongest_pixels(W1, count)
    return np.sort(np.argsort(-strength, kind="stable")[:count])


def activation_range(values: np.ndarray, percentile: float = 99) -> tuple[float, float]:
    """The activations a layer's colours span, from the layer's values over typical inputs (any
    shape, pooled over neurons): (0, 1) widened to their `percentile` (high) and 100 - `percentile`
    (low), so that a few outliers saturate and the rest keep their shades. Values within [0, 1]
    (sigmoid, softmax, pixels) keep (0, 1); a ReLU layer gets (0, its p99); normalised pixels run
    from the background's value to the ink's."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if not values.size:
        return UNIT_RANGE
    low = min(UNIT_RANGE[0], float(np.percentile(values, 100 - percentile)))
    high = max(UNIT_RANGE[1], float(np.percentile(values, percentile)))
    return low, high


def short_number(value: float) -> str:
    """`value` to two significant digits without an exponent: 22.16 -> "22", -0.4242 -> "-0.42",
    5.0 -> "5"."""
    if value == 0:
        return "0"
    text = f"{value:.{max(0, 1 - int(np.floor(np.log10(abs(value)))))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def layer_ranges(
    sizes: Sequence[int],
    typical: Sequence[np.ndarray] | None = None,
    chosen: tuple[float, float] | Sequence | Mapping | None = None,
) -> list[tuple[float, float]]:
    """(low, high) for each layer of a network of `sizes`: from the layer's activations `typical`
    (a(0) ... a(L) over a batch of inputs; None: (0, 1) everywhere), overridden by `chosen`: one
    (low, high) for every layer, a list of one per layer, or {layer: (low, high)}."""
    if typical is None:
        ranges = [UNIT_RANGE] * len(sizes)
    elif [np.shape(values)[-1] for values in typical] != list(sizes):
        shapes = [np.shape(values)[-1] for values in typical]
        raise ValueError(f"typical: activations of sizes {shapes} for a network of {list(sizes)}")
    else:
        ranges = [activation_range(values) for values in typical]
    if chosen is None:
        return ranges
    if isinstance(chosen, Mapping):
        layers = dict(chosen)
    elif len(chosen) == 2 and all(np.isscalar(end) for end in chosen):
        layers = dict.fromkeys(range(len(sizes)), chosen)
    elif len(chosen) == len(sizes):
        layers = dict(enumerate(chosen))
    else:
        raise ValueError(f"activation_range: give (low, high), {len(sizes)} pairs or {{layer: (low, high)}}")
    for layer, pair in layers.items():
        if not (isinstance(layer, int) and 0 <= layer < len(sizes)):
            raise ValueError(f"activation_range: layer {layer!r} is not one of 0 to {len(sizes) - 1}")
        low, high = (float(end) for end in pair)
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"activation_range of layer {layer}: need low < high, got ({low:g}, {high:g})")
        ranges[layer] = (low, high)
    return ranges
