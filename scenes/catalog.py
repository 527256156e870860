"""Every scene in story order, with the module that holds it and a one-line description.

`nnexplain scenes` lists this; `nnexplain render` and `nnexplain explainer` import from it.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class SceneEntry:
    name: str          # the Scene class, renderable with plain `manim`
    module: str        # the module under scenes/ that defines it
    description: str

    @property
    def kebab(self) -> str:
        words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", self.name.replace("ReLUvs", "ReluVs"))
        return words.lower()

    def load(self):
        return getattr(importlib.import_module(f"scenes.{self.module}"), self.name)


STORY = [
    SceneEntry("ThisIsAThree", "pixels_beats", "Real MNIST 3s at 28x28; one zooms in to its pixels' values from 0 to 1."),
    SceneEntry("PixelsToInputLayer", "pixels_beats", "A real digit's 28x28 grid unrolls into the 784 input neurons."),
    SceneEntry("LayerDiagram", "layer_beats", "The layers appear: 784 inputs, 10 outputs, two hidden layers; edges show real weights."),
    SceneEntry("ForwardPass", "layer_beats", "Real digits flow through the network layer by layer, including one it gets wrong."),
    SceneEntry("WhatNeuronsRespondTo", "weight_beats", "The test digits that most activate a second-layer neuron."),
    SceneEntry("EdgeDetector", "weight_beats", "One hidden neuron's 784 weights as a heatmap over a digit, ending in its activation."),
    SceneEntry("AllHiddenWeights", "weight_beats", "The weight heatmaps of all first-layer neurons: what the network really learned."),
    SceneEntry("WeightedSum", "math_beats", "w1 a1 + w2 a2 + ... + wn an with a real neuron's weights and a real digit's activations."),
    SceneEntry("BiasAndSigmoid", "math_beats", "The weighted sum squished by the sigmoid; the bias shifts the threshold."),
    SceneEntry("ParameterCount", "notation_beats", "Weights and biases counted from the architecture: 13,002 for 784-16-16-10."),
    SceneEntry("MatrixVectorNotation", "notation_beats", "a(1) = sigma(W a(0) + b) with the real matrix, vector and bias entries."),
    SceneEntry("NetworkAsFunction", "notation_beats", "The whole network as one function from 784 numbers to 10."),
    SceneEntry("ReLUvsSigmoid", "math_beats", "ReLU(a) = max(0, a) beside the sigmoid, with the shipped ReLU network's numbers."),
]


def find(name: str) -> SceneEntry:
    """The entry called `name` (class name or kebab-case, any case); KeyError if there is none."""
    wanted = name.strip().lower().replace("_", "-")
    for entry in STORY:
        if wanted in (entry.name.lower(), entry.kebab):
            return entry
    raise KeyError(name)
