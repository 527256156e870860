"""MLPs trained elsewhere, read into nnexplain's network: PyTorch (safetensors, `.pt`/`.pth`
state dicts), ONNX and Keras (`.keras`, `.h5`, `.weights.h5`).

Each reader returns the chain of linear layers (weights (out, in), biases) and the hidden
activation where the file says it; `import_model` checks it is an MLP nnexplain can draw and
builds the network and its manifest (where it came from, preprocessing, data set).

    >>> from network import Preprocessing
    >>> path = "tests/fixtures/imports/torch_relu.safetensors"  # a PyTorch MLP trained on MNIST
    >>> model, manifest = import_model(path, activation="relu", preprocessing=Preprocessing(0.1307, 0.3081))
    >>> model
    MLP(784-128-64-10, relu, 109,386 parameters)
"""

from __future__ import annotations

import lzma
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from network.activations import ACTIVATIONS
from network.data import sha256_of
from network.dataset_info import DatasetInfo
from network.errors import WeightsError
from network.formats.chain import check_chain, linear_layers, order_chain
from network.formats.keras_file import read_keras
from network.formats.onnx_file import read_onnx
from network.formats.safetensors_file import read_safetensors
from network.formats.torch_file import read_torch_state_dict
from network.model import MLP, too_large
from network.preprocessing import IDENTITY, Preprocessing

__all__ = ["FORMATS", "ImportedChain", "import_model", "read_chain"]


@dataclass(frozen=True)
class ImportedChain:
    """What a reader found: the linear layers in order and the activations the file names."""

    weights: list[np.ndarray]  # (out, in)
    biases: list[np.ndarray]
    activation: str | None  # sigmoid | relu as the file says; None when it holds weights only
    format: str
    files: list[Path]  # the model file and any external data file it reads

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.weights[0].shape[1], *(W.shape[0] for W in self.weights))


# file name ending -> the format's name
FORMATS = {
    ".safetensors": "safetensors (PyTorch state_dict)",
    ".pt": "PyTorch state_dict (torch.save)",
    ".pth": "PyTorch state_dict (torch.save)",
    ".onnx": "ONNX",
    ".keras": "Keras 3 (.keras)",
    ".weights.h5": "Keras weights (.weights.h5)",
    ".h5": "Keras HDF5 (.h5)",
}
# what a broken file makes a reader's arithmetic raise: reported as one line, never a traceback
BROKEN = (
    TypeError, ValueError, IndexError, KeyError, AttributeError, OverflowError, MemoryError, EOFError,
    RuntimeError,  # RecursionError (JSON nested too deep), NotImplementedError and encrypted zip members
    zlib.error, lzma.LZMAError,  # corrupt compressed zip members
)  # fmt: skip


def format_of(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    raise WeightsError(
        f"{path}: unknown model format; nnexplain imports {', '.join(sorted(set(FORMATS)))} files"
    )


def _state_dict_chain(tensors: dict, path: Path):

    return order_chain(linear_layers(tensors, str(path)), str(path)), None, []


def _read(path: Path, suffix: str):
    """(layers, activation or None, external files) by the file's format."""
    if suffix == ".safetensors":
        return _state_dict_chain(read_safetensors(path), path)
    if suffix in (".pt", ".pth"):
        return _state_dict_chain(read_torch_state_dict(path), path)
    if suffix == ".onnx":
        return read_onnx(path)

    return (*read_keras(path, suffix), [])


def read_chain(path: str | Path) -> ImportedChain:
    """The linear layers of the model file, by its suffix, checked to form one chain."""

    path = Path(path)
    if not path.is_file():
        raise WeightsError(f"{path}: no such file")
    suffix = format_of(path)
    try:
        layers, activation, external = _read(path, suffix)
        check_chain(layers, str(path))
        weights = [np.asarray(W, dtype=np.float32) for W, _ in layers]
        biases = [np.asarray(b, dtype=np.float32) for _, b in layers]
    except OSError as exc:
        raise WeightsError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except BROKEN as exc:
        kind = FORMATS[suffix]
        raise WeightsError(f"{path}: not a readable {kind} file ({type(exc).__name__}: {exc})") from None
    chain = ImportedChain(weights, biases, activation, FORMATS[suffix], [path, *external])
    if problem := too_large(chain.sizes):
        raise WeightsError(f"{path}: a {'-'.join(map(str, chain.sizes))} network is too large: {problem}")
    return chain


def import_model(
    path: str | Path,
    activation: str | None = None,
    preprocessing: Preprocessing = IDENTITY,
    dataset: DatasetInfo | None = None,
    chain: ImportedChain | None = None,
) -> tuple[MLP, dict]:
    """The network in a model file and its manifest. `activation` is needed where the file holds
    weights only and must agree with the file where it names one; `dataset` says what the network
    was trained on (default: MNIST for 784 inputs and 10 outputs, see DatasetInfo.for_network);
    `chain` is the file's `read_chain`, where the caller has read it already."""
    path = Path(path)
    chain = chain or read_chain(path)
    if activation is not None and activation not in ACTIVATIONS:
        raise WeightsError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    if chain.activation and activation and chain.activation != activation:
        raise WeightsError(
            f"{path}: the file's hidden layers use {chain.activation}, not --activation {activation}"
        )
    hidden = chain.activation or activation
    if hidden is None:
        raise WeightsError(
            f"{path}: the file holds weights only; "
            "say the hidden layers' activation with --activation sigmoid|relu"
        )
    if len(chain.weights) < 2:
        raise WeightsError(f"{path}: a single linear layer; the scenes need at least one hidden layer")
    model = MLP.from_layers(chain.weights, chain.biases, hidden)
    info = dataset or DatasetInfo.for_network(model.sizes)
    if (info.inputs, len(info.classes)) != (model.sizes[0], model.sizes[-1]):
        raise WeightsError(
            f"{path}: the network takes {model.sizes[0]} inputs and gives {model.sizes[-1]} outputs, "
            f"but {info.name} has {info.side}x{info.side} images and {len(info.classes)} classes"
        )
    manifest = {
        "source": {
            "format": chain.format,
            "file": path.name,
            "sha256": sha256_of(*chain.files),
            "files": [p.name for p in chain.files],
        },
        "preprocessing": preprocessing.to_manifest(),
        "dataset": info.to_manifest(),
    }
    return model, manifest
