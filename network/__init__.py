"""nnexplain's numpy network: data (IDX files), model (MLP), training, weights and activations files (.npz).

    >>> from network import DEFAULT_WEIGHTS, Preprocessing, load_sample, load_weights
    >>> model, manifest = load_weights(DEFAULT_WEIGHTS)   # the shipped 784-16-16-10 sigmoid net
    >>> images, labels = load_sample()                     # 1000 MNIST test digits, (1000, 784) in [0, 1]
    >>> x = Preprocessing.from_manifest(manifest)(images[0])  # its input (normalised if the net wants)
    >>> forward = model.forward(x)                         # a(0) ... a(L) and z(1) ... z(L) of one digit
    >>> model.sizes, int(forward.probabilities.argmax()), int(labels[0])
    ((784, 16, 16, 10), 7, 7)

Nothing here knows about Manim or the scenes.
"""

__version__ = "0.1.0"

from network.activations import ACTIVATIONS, Activation  # noqa: E402
from network.activations_file import (  # noqa: E402
    Activations,
    compute_activations,
    load_activations,
    save_activations,
)
from network.data import load_dataset, load_sample, test_digits  # noqa: E402
from network.dataset_info import DatasetInfo  # noqa: E402
from network.errors import NNExplainError  # noqa: E402
from network.model import MLP, Forward, parameter_count  # noqa: E402
from network.preprocessing import Preprocessing  # noqa: E402
from network.weights_file import DEFAULT_WEIGHTS, RELU_WEIGHTS, load_weights, save_weights  # noqa: E402

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_WEIGHTS",
    "MLP",
    "RELU_WEIGHTS",
    "Activation",
    "Activations",
    "DatasetInfo",
    "Forward",
    "NNExplainError",
    "Preprocessing",
    "compute_activations",
    "load_activations",
    "load_dataset",
    "load_sample",
    "load_weights",
    "parameter_count",
    "save_activations",
    "save_weights",
    "test_digits",
]
