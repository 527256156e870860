"""The hidden-layer activations, one table: each one's function, derivative, TeX and label.

The model, the training, the notation in the scenes, the plots and the command line's choices all
read this table, so adding an activation means adding one entry here.

The derivative is written in terms of the activation's *output* a = f(z), as backpropagation has
a at hand: sigma'(z) = a (1 - a), ReLU'(z) = 1 where a > 0. (Nielsen's network.py computes
sigma'(z) from z instead; the value is the same.)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["ACTIVATIONS", "Activation", "relu", "sigmoid", "softmax"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-z), written with tanh so that it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def relu(z: np.ndarray) -> np.ndarray:
    """max(0, z)."""
    return np.maximum(z, 0.0)


def softmax(z: np.ndarray) -> np.ndarray:
    """The output layer: e^z normalised to probabilities along the last axis."""
    exp = np.exp(z - z.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


def _sigmoid_definition(x: str) -> str:
    exponent = f"({x})" if " " in x else x
    return rf"\frac{{1}}{{1 + e^{{-{exponent}}}}}"


@dataclass(frozen=True)
class Activation:
    """One hidden activation f: `function(z)`, `derivative(a)` = f'(z) given a = f(z), its TeX
    symbol (`\\sigma`), `definition_tex(x)` (the right-hand side of f(x) = ...), its name in prose
    (`label`) and in plain-text formulas (`symbol`), its output range (None where it is unbounded)
    and whether its graph is smooth (ReLU has a kink)."""

    name: str
    label: str
    symbol: str
    function: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]
    tex: str
    definition_tex: Callable[[str], str]
    output_range: tuple[float, float] | None
    smooth: bool

    def __call__(self, z):
        return self.function(z)

    def formula_tex(self, x: str = "x") -> str:
        """f(x) = ..., e.g. \\sigma(x) = \\frac{1}{1 + e^{-x}}."""
        return f"{self.tex}({x}) = {self.definition_tex(x)}"


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation(
        "sigmoid",
        "sigmoid",
        "σ",
        sigmoid,
        lambda a: a * (1.0 - a),
        r"\sigma",
        _sigmoid_definition,
        (0.0, 1.0),
        smooth=True,
    ),
    "relu": Activation(
        "relu",
        "ReLU",
        "ReLU",
        relu,
        lambda a: (a > 0).astype(a.dtype),
        r"\mathrm{ReLU}",
        lambda x: rf"\max(0, {x})",
        None,
        smooth=False,
    ),
}
