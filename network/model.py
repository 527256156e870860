"""A multilayer perceptron in vectorised numpy: a(l) = f(W(l) a(l-1) + b(l)), softmax output.

Weights follow the video's notation: W(l) has shape (n_out, n_in), so each row holds one neuron's
incoming weights. All parameters live in one flat float32 vector (`parameters`); `weights` and
`biases` are views into it, which lets an optimiser update the whole network in a few numpy calls.
Batches are rows: a forward pass on x of shape (n, 784) computes z = a W^T + b layer by layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from network.activations import ACTIVATIONS, relu, sigmoid, softmax

__all__ = ["MLP", "Forward", "architecture", "parameter_count", "relu", "sigmoid", "softmax", "too_large"]


def architecture(sizes) -> str:
    """The layer sizes as the video writes them: "784-16-16-10"."""
    return "-".join(str(int(n)) for n in sizes)


def parameter_count(sizes: tuple[int, ...]) -> int:
    """Weights plus biases: sum of n_in * n_out + n_out over the layers (13,002 for 784-16-16-10)."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


MAX_LAYER = 65_536  # neurons in one layer
MAX_LAYERS = 64
MAX_PARAMETERS = 50_000_000  # 200 MB of float32: far beyond an MLP worth drawing, well within memory


def too_large(sizes) -> str | None:
    """What makes an architecture too large to train or draw here, or None."""
    if len(sizes) > MAX_LAYERS or max(sizes) > MAX_LAYER or parameter_count(sizes) > MAX_PARAMETERS:
        return f"at most {MAX_LAYERS} layers, {MAX_LAYER:,} neurons a layer and {MAX_PARAMETERS:,} parameters"
    return None


@dataclass
class Forward:
    """Everything a forward pass computed: a(0) (the input) ... a(L), and z(1) ... z(L)."""

    activations: list[np.ndarray]
    pre_activations: list[np.ndarray]

    @property
    def probabilities(self) -> np.ndarray:
        return self.activations[-1]


class MLP:
    """Fully connected network with `sizes` = (n_inputs, hidden..., n_classes)."""

    def __init__(self, sizes, activation: str = "sigmoid", parameters: np.ndarray | None = None):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer sizes must be at least two positive numbers, got {sizes}")
        self.sizes = tuple(int(n) for n in sizes)
        self.activation = activation
        self.hidden = ACTIVATIONS[activation].function
        count = parameter_count(self.sizes)
        if parameters is None:
            parameters = np.zeros(count, dtype=np.float32)
        if parameters.shape != (count,):
            raise ValueError(f"{self.sizes} needs {count} parameters, got {parameters.shape}")
        self.parameters = parameters
        self.weights, self.biases = self.split(parameters)

    def split(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Views of a flat vector as per-layer weight matrices (n_out, n_in) and bias vectors."""
        weights, biases, offset = [], [], 0
        for n_in, n_out in zip(self.sizes[:-1], self.sizes[1:]):
            weights.append(flat[offset : offset + n_in * n_out].reshape(n_out, n_in))
            offset += n_in * n_out
            biases.append(flat[offset : offset + n_out])
            offset += n_out
        return weights, biases

    @classmethod
    def initialise(cls, sizes, activation: str = "sigmoid", seed: int = 0) -> MLP:
        """Random weights scaled to each layer's fan-in (He for ReLU, Glorot for sigmoid), zero biases."""
        model = cls(sizes, activation)
        rng = np.random.default_rng(seed)
        for W in model.weights:
            n_out, n_in = W.shape
            scale = np.sqrt(2.0 / n_in) if activation == "relu" else np.sqrt(2.0 / (n_in + n_out)) * 4
            W[...] = rng.normal(0.0, scale, size=W.shape)
        return model

    @classmethod
    def from_layers(cls, weights, biases, activation: str = "sigmoid") -> MLP:
        sizes = (weights[0].shape[1], *(W.shape[0] for W in weights))
        model = cls(sizes, activation)
        for target, source in zip(model.weights + model.biases, list(weights) + list(biases)):
            if np.shape(source) != target.shape:  # never broadcast a wrong shape into place
                raise ValueError(f"a layer of shape {np.shape(source)} where {target.shape} belongs")
            target[...] = source
        return model

    def forward(self, x: np.ndarray) -> Forward:
        """Run a batch (n, n_inputs) or a single input (n_inputs,) through every layer."""
        a = np.asarray(x, dtype=np.float32)
        activations, pre_activations = [a], []
        last = len(self.weights) - 1
        for layer, (W, b) in enumerate(zip(self.weights, self.biases)):
            z = a @ W.T + b
            a = softmax(z) if layer == last else self.hidden(z)
            pre_activations.append(z)
            activations.append(a)
        return Forward(activations, pre_activations)

    def __repr__(self) -> str:
        return f"MLP({architecture(self.sizes)}, {self.activation}, {len(self.parameters):,} parameters)"

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x).probabilities.argmax(axis=-1)

    def accuracy(self, images: np.ndarray, labels: np.ndarray, batch: int = 10000) -> float:
        correct = sum(
            int((self.predict(images[i : i + batch]) == labels[i : i + batch]).sum())
            for i in range(0, len(images), batch)
        )
        return correct / len(images)

    def backprop(self, x: np.ndarray, targets: np.ndarray, grad: np.ndarray) -> tuple[float, np.ndarray]:
        """Mean cross-entropy of a batch against target distributions (n, n_classes); writes its
        gradient with respect to `parameters` into `grad` and returns (loss, probabilities)."""
        grad_weights, grad_biases = self.split(grad)
        forward = self.forward(x)
        probs = forward.probabilities
        loss = -float(np.sum(targets * np.log(probs + 1e-12))) / len(x)
        delta = (probs - targets) / len(x)  # dLoss/dz for softmax + cross-entropy
        for layer in range(len(self.weights) - 1, -1, -1):
            np.matmul(delta.T, forward.activations[layer], out=grad_weights[layer])
            np.sum(delta, axis=0, out=grad_biases[layer])
            if layer:
                delta = delta @ self.weights[layer]
                a = forward.activations[layer]
                delta *= ACTIVATIONS[self.activation].derivative(a)
        return loss, probs
