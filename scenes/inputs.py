"""What every scene is drawn from: the exported weights and the exported activations of real digits.

Scenes never train or run the network themselves; they read `story_inputs()`, which loads the
weights file and the activations that `network.export` computes for the chosen digit and for the
shipped sample of 1000 MNIST test digits.

Parameters (set by `nnexplain render`, or by hand for plain `manim`):
    NNEXPLAIN_WEIGHTS  weights .npz (default: the shipped sigmoid 784-16-16-10)
    NNEXPLAIN_DIGIT    test-set index of the digit the story follows (default 32, a 3)
    NNEXPLAIN_IMAGE    a user's own digit image instead of a test digit
    NNEXPLAIN_THEME    dark | light (see scenes/theme.py)
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from network.data import IMAGE_SIDE, load_sample
from network.errors import NNExplainError
from network.export import DEFAULT_WEIGHTS, Activations, compute_activations, load_weights
from network.images import chosen_digits

SHIPPED_WEIGHTS = DEFAULT_WEIGHTS
DEFAULT_DIGIT = 32  # a clear 3 of the MNIST test set, read as a 3 with 99.9 % confidence by the shipped net


@dataclass(frozen=True)
class StoryInputs:
    """The trained network's parameters and its exported activations."""

    weights: list[np.ndarray]   # W1..WL, each (n_out, n_in)
    biases: list[np.ndarray]    # b1..bL
    manifest: dict
    digit: Activations          # the one digit the story follows
    sample: Activations         # the shipped sample of MNIST test digits
    weights_path: Path

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(self.manifest["sizes"])

    @property
    def activation(self) -> str:
        return self.manifest["activation"]

    def layer(self, index: int) -> np.ndarray:
        """a(index) of the followed digit: 0 is the input, len(sizes) - 1 the output."""
        return self.digit.activations[index][0]

    def z(self, index: int) -> np.ndarray:
        """z(index) = W a(index - 1) + b of the followed digit, as exported (index 1 ... L)."""
        return self.digit.pre_activations[index - 1][0]

    def pixels(self, which: int | None = None) -> np.ndarray:
        """28x28 input of the followed digit, or of sample digit `which`."""
        values = self.layer(0) if which is None else self.sample.activations[0][which]
        return values.reshape(IMAGE_SIDE, IMAGE_SIDE)

    @property
    def prediction(self) -> int:
        return int(self.digit.predictions[0])

    @property
    def label(self) -> int | None:
        label = int(self.digit.labels[0])
        return None if label < 0 else label

    @property
    def digit_source(self) -> str:
        return self.digit.manifest["sources"][0]

    @property
    def deep_layer(self) -> int:
        """The layer whose neurons the scenes about learned features follow: the second hidden
        layer, or the first if the network has only one."""
        return min(2, len(self.sizes) - 2)

    @property
    def followed_class(self) -> int:
        """The class of the followed digit: its label, or the network's prediction for a user's image."""
        return self.label if self.label is not None else self.prediction

    @property
    def follows_own_image(self) -> bool:
        return self.digit_source.startswith("image:")

    def source_label(self, which: int | None = None) -> str:
        """How a digit is named on screen: "test digit #32", or "your image" for the user's own;
        `which` is an index into the sample, None the followed digit."""
        if which is not None:
            return f"test digit #{int(self.sample.indices[which])}"
        return "your image" if self.follows_own_image else f"test digit #{int(self.digit.indices[0])}"

    def sample_of_class(self, label: int, count: int) -> np.ndarray:
        """Indices into the sample of the first `count` digits labelled `label`."""
        return np.flatnonzero(self.sample.labels == label)[:count]

    def misclassified(self) -> np.ndarray:
        """Indices into the sample of the digits the network gets wrong."""
        return np.flatnonzero(self.sample.predictions != self.sample.labels)


def story_inputs(weights: str | Path | None = None) -> StoryInputs:
    """The inputs named by the environment (see the module docstring), loaded once per process;
    `weights` overrides $NNEXPLAIN_WEIGHTS (e.g. the shipped ReLU twin, for the same digit)."""
    return load_story_inputs(
        str(weights or os.environ.get("NNEXPLAIN_WEIGHTS") or SHIPPED_WEIGHTS),
        os.environ.get("NNEXPLAIN_DIGIT") or str(DEFAULT_DIGIT),
        os.environ.get("NNEXPLAIN_IMAGE") or "",
    )


@functools.lru_cache(maxsize=4)
def load_story_inputs(weights_path: str, digit: str, image: str) -> StoryInputs:
    """Weights, the followed digit (test index, or an image file if `image`) and the sample, exported."""
    model, manifest = load_weights(weights_path)
    if model.sizes[-1] != 10:
        raise NNExplainError(f"{weights_path}: the scenes need 10 outputs (digits 0-9), found {model.sizes[-1]}")
    if len(model.sizes) < 3:
        raise NNExplainError(f"{weights_path}: the scenes need at least one hidden layer, found sizes {model.sizes}")
    if model.sizes[0] != IMAGE_SIDE * IMAGE_SIDE:
        raise NNExplainError(f"{weights_path}: the scenes need 784 inputs (28x28 pixels), found {model.sizes[0]}")
    try:
        index = int(digit)
    except ValueError:
        raise NNExplainError(f"digit must be a test-set index, got {digit!r}") from None
    images, labels, indices, sources = chosen_digits([index], image or None)
    followed = compute_activations(model, manifest, images, labels, indices, sources)
    sample_images, sample_labels = load_sample()
    sample = compute_activations(model, manifest, sample_images, sample_labels,
                                 np.arange(len(sample_labels)),
                                 [f"mnist-test:{i}" for i in range(len(sample_labels))])
    return StoryInputs([W.copy() for W in model.weights], [b.copy() for b in model.biases],
                       manifest, followed, sample, Path(weights_path))
