"""Read an MLP of Dense layers from Keras files: a Keras 3 `.keras` archive (config.json and
model.weights.h5), a legacy HDF5 model `.h5` (model_config and model_weights) or a weights-only
`.weights.h5` (no config: the activation must be given). Kernels are (in, out) and are transposed
to the (out, in) of nnexplain's layers. Needs the `h5py` package (`pip install 'nnexplain[import]'`).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from network.errors import WeightsError
from network.formats.chain import hidden_activation, natural_key, order_chain

__all__ = ["read_keras"]

IGNORED = {"InputLayer", "Dropout"}
INPUT_SHAPING = {"Flatten", "Reshape"}
ACTIVATION_STEPS = {"sigmoid": "sigmoid", "relu": "relu", "softmax": "softmax", "linear": None}


def require_h5py():
    try:
        import h5py
    except ImportError:
        raise WeightsError(
            "reading Keras files needs the h5py package: pip install 'nnexplain[import]'"
        ) from None
    return h5py


def read_keras(path: Path, suffix: str):
    """([(W (out, in), b)], activation or None) of the file's Dense layers."""
    h5py = require_h5py()
    try:
        if suffix == ".keras":
            with zipfile.ZipFile(path) as archive:
                config = json.loads(archive.read("config.json"))
                weights = io.BytesIO(archive.read("model.weights.h5"))
            with h5py.File(weights, "r") as handle:
                return _from_config(path, config, lambda name: _keras3_vars(path, handle, name))
        with h5py.File(path, "r") as handle:
            if suffix == ".h5" and "model_config" in handle.attrs:
                config = json.loads(handle.attrs["model_config"])
                return _from_config(path, config, lambda name: _legacy_vars(path, handle, name))
            if "layers" in handle:
                return _weights_only(path, handle), None
            if "model_weights" in handle:
                raise WeightsError(f"{path}: a legacy HDF5 file without its model_config")
            raise WeightsError(f"{path}: not a Keras weights file (no layers group)")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise WeightsError(f"{path}: not a Keras 3 .keras archive ({exc})") from None
    except (OSError, json.JSONDecodeError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise WeightsError(f"{path}: not a readable Keras file ({exc})") from None


def _layers_of(config: dict) -> list[dict]:
    inner = config.get("config", {})
    layers = inner.get("layers") if isinstance(inner, dict) else None
    if not isinstance(layers, list):
        raise WeightsError(f"a {config.get('class_name', 'model')} without a list of layers")
    return layers


def _from_config(path: Path, config: dict, variables):
    if config.get("class_name") not in ("Sequential", "Functional", "Model"):
        raise WeightsError(f"{path}: a {config.get('class_name')} model; nnexplain imports Sequential MLPs")
    layers, steps = [], []
    for layer in _layers_of(config):
        kind, settings = layer.get("class_name"), layer.get("config", {})
        name = settings.get("name", kind)
        if kind in IGNORED:
            continue
        if kind in INPUT_SHAPING:
            if layers:
                raise WeightsError(
                    f"{path}: a {kind} layer ({name!r}) between layers; only the input may be flattened"
                )
            continue
        if kind == "Dense":
            kernel, bias = variables(name)
            if bias is None:
                bias = np.zeros(kernel.shape[1], kernel.dtype)
            layers.append((kernel.T, bias))
            steps.append("linear")
            activation = settings.get("activation", "linear")
        elif kind in ("Activation", "Softmax", "ReLU"):
            activation = {"Softmax": "softmax", "ReLU": "relu"}.get(kind, settings.get("activation"))
        else:
            raise WeightsError(
                f"{path}: a {kind} layer ({name!r}) is not part of an MLP; nnexplain imports Dense layers "
                "with sigmoid or ReLU"
            )
        if not isinstance(activation, str) or activation not in ACTIVATION_STEPS:
            raise WeightsError(
                f"{path}: layer {name!r} uses the activation {activation!r}; nnexplain draws sigmoid or ReLU"
            )
        if ACTIVATION_STEPS[activation]:
            steps.append(ACTIVATION_STEPS[activation])
    return layers, hidden_activation(path, steps)


def _array(dataset) -> np.ndarray:
    array = np.asarray(dataset[()])
    if array.dtype.kind != "f":
        raise WeightsError(f"{dataset.name} holds {array.dtype}, not floats")
    return array


def _keras3_vars(path: Path, handle, name: str):
    """A layer's variables: its group under layers/ is named by class and position (dense, dense_1,
    ...), its `vars` group carries the layer's own name."""
    named = {
        group["vars"].attrs.get("name"): group["vars"]
        for group in handle.get("layers", {}).values()
        if "vars" in group
    }
    group = named.get(name, handle.get(f"layers/{name}/vars"))
    if group is None:
        raise WeightsError(f"{path}: no weights for layer {name!r}")
    values = [_array(group[key]) for key in sorted(group, key=natural_key)]
    return values[0], values[1] if len(values) > 1 else None


def _legacy_vars(path: Path, handle, name: str):
    group = handle.get(f"model_weights/{name}")
    if group is None:
        raise WeightsError(f"{path}: no weights for layer {name!r}")
    found = {}

    def collect(key, item):  # returns None: visititems stops at the first value returned
        if hasattr(item, "shape"):
            found.setdefault(key.rsplit("/", 1)[-1], item)

    group.visititems(collect)
    if "kernel" not in found:
        raise WeightsError(f"{path}: layer {name!r} has no kernel")
    return _array(found["kernel"]), _array(found["bias"]) if "bias" in found else None


def _weights_only(path: Path, handle):
    chain = {}
    for name in handle["layers"]:
        group = handle.get(f"layers/{name}/vars")
        values = [] if group is None else [_array(group[key]) for key in sorted(group, key=natural_key)]
        if not values:
            continue  # a layer without weights (Flatten, Dropout, ...)
        kernel = values[0]
        if kernel.ndim > 2:
            raise WeightsError(
                f"{path}: layer {name!r} has a {'x'.join(map(str, kernel.shape))} kernel: a convolution, not "
                "an MLP layer"
            )
        if kernel.ndim != 2 or len(values) > 2:
            raise WeightsError(f"{path}: layer {name!r} is not a Dense layer (a normalisation?)")
        chain[name] = (kernel.T, values[1] if len(values) > 1 else np.zeros(kernel.shape[1], kernel.dtype))
    return order_chain(chain, str(path))
