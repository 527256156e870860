"""From named tensors to the chain of linear layers of an MLP, in order.

Frameworks save an MLP as named weight and bias tensors: PyTorch's `state_dict` keys such as
`1.weight`, `fc1.weight` or `layers.0.weight` with weights (out, in); Keras layers `dense`,
`dense_1`, ... with kernels (in, out). `linear_layers` sorts a PyTorch state dict into layers and
refuses what is not a linear layer; `order_chain` puts the layers in order: by their names (natural
order: layers.2 before layers.10) where that chains, else by their shapes where only one order
chains, else it refuses, saying what it found.
"""

from __future__ import annotations

import itertools
import math
import re

import numpy as np

from network.errors import WeightsError

__all__ = ["Layer", "check_chain", "hidden_activation", "linear_layers", "natural_key", "order_chain"]

Layer = tuple[np.ndarray, np.ndarray]  # (W (out, in), b (out,))
NORMALISATION_KEYS = ("running_mean", "running_var", "num_batches_tracked")


def natural_key(name: str) -> list:
    """'layers.10' after 'layers.2': digits compare as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def describe_shape(shape) -> str:
    return "x".join(str(n) for n in shape)


def linear_layers(tensors: dict[str, np.ndarray], origin: str) -> dict[str, Layer]:
    """PyTorch state-dict tensors grouped into linear layers {prefix: (W, b)}; a convolution, a
    normalisation or any other tensor is refused in one line naming it."""
    layers = {}
    for key in sorted(tensors, key=natural_key):
        prefix, _, kind = key.rpartition(".")
        tensor = tensors[key]
        if kind in NORMALISATION_KEYS:
            raise WeightsError(
                f"{origin}: a batch norm (layer {prefix or key!r}, with {kind}) is not an MLP layer; "
                "nnexplain imports linear layers with sigmoid or ReLU only"
            )
        if kind == "weight" and tensor.ndim in (3, 4, 5):
            raise WeightsError(
                f"{origin}: a convolution ({key}, {describe_shape(tensor.shape)}) is not an MLP layer; "
                "nnexplain imports linear layers with sigmoid or ReLU only"
            )
        if kind == "weight" and tensor.ndim == 1:
            raise WeightsError(
                f"{origin}: a normalisation layer ({key}, one weight per feature) is not an MLP layer; "
                "nnexplain imports linear layers with sigmoid or ReLU only"
            )
        if kind not in ("weight", "bias") or (kind == "weight" and tensor.ndim != 2):
            raise WeightsError(
                f"{origin}: {key} ({describe_shape(tensor.shape)}) is not part of a linear layer"
            )
        if kind == "weight":
            bias = tensors.get(f"{prefix}.bias" if prefix else "bias")
            if bias is None:
                bias = np.zeros(tensor.shape[0], np.float32)
            layers[prefix] = (tensor, bias)
    for key in tensors:
        prefix, _, kind = key.rpartition(".")
        if kind == "bias" and prefix not in layers:
            raise WeightsError(f"{origin}: {key} has no weight beside it")
    return layers


def order_chain(layers: dict[str, Layer], origin: str) -> list[Layer]:
    """The layers in the order the input flows through them (see the module docstring)."""
    if not layers:
        raise WeightsError(f"{origin}: no linear layers found")
    for name, (W, b) in layers.items():
        check_layer(name or "(top)", W, b, origin)
    names = sorted(layers, key=natural_key)
    if _chains([layers[n] for n in names]):
        return [layers[n] for n in names]
    orders = [order for order in _shape_orders(names, layers) if _chains([layers[n] for n in order])]
    found = ", ".join(f"{n or '(top)'} {describe_shape(layers[n][0].shape[::-1])}" for n in names)
    if not orders:
        raise WeightsError(
            f"{origin}: the linear layers do not form one chain (found {found}, as in x out); "
            "nnexplain imports an MLP whose layers feed one another"
        )
    if len(orders) > 1:
        raise WeightsError(
            f"{origin}: the layers' order is ambiguous (found {found}, as in x out; their names do "
            "not give an order that fits); name them in order, such as fc1, fc2, ..."
        )
    return [layers[n] for n in orders[0]]


def check_layer(name: str, W, b, origin: str) -> None:
    """One linear layer: a float weight matrix (out, in) and a bias (out,), finite, not empty."""
    W, b = np.asarray(W), np.asarray(b)
    if W.ndim != 2 or b.shape != (W.shape[0],) or min(W.shape) < 1:
        raise WeightsError(
            f"{origin}: layer {name} has weight {describe_shape(W.shape)} and bias "
            f"{describe_shape(b.shape)}, which do not make a linear layer"
        )
    for array, what in ((W, "weight"), (b, "bias")):
        if array.dtype.kind != "f":
            raise WeightsError(f"{origin}: layer {name}'s {what} holds {array.dtype}, not floats")
        if not np.all(np.isfinite(array)):
            raise WeightsError(f"{origin}: layer {name}'s {what} contains NaN or Inf")


def check_chain(layers: list[Layer], origin: str) -> None:
    """Layers in order, whatever the format: each a linear layer, each feeding the next."""
    if not layers:
        raise WeightsError(f"{origin}: no linear layers found")
    for number, (W, b) in enumerate(layers, start=1):
        check_layer(str(number), W, b, origin)
    if not _chains(layers):
        found = ", ".join(describe_shape(W.shape[::-1]) for W, _ in layers)
        raise WeightsError(
            f"{origin}: the linear layers do not feed one another (found {found}, as in x out); "
            "nnexplain imports an MLP whose layers form one chain"
        )


def _chains(layers: list[Layer]) -> bool:
    return all(after[0].shape[1] == before[0].shape[0] for before, after in itertools.pairwise(layers))


def _shape_orders(names: list[str], layers: dict[str, Layer], limit: int = math.factorial(8)):
    """Every order of the layers in which each one's outputs feed the next one's inputs."""
    if len(names) > 8:  # beyond 8! orders, follow the shapes greedily instead
        yield from _greedy(names, layers)
        return
    for count, order in enumerate(itertools.permutations(names)):
        if count > limit:
            return
        yield order


def _greedy(names, layers):
    inputs = {n: layers[n][0].shape[1] for n in names}
    outputs = {n: layers[n][0].shape[0] for n in names}
    starts = [n for n in names if inputs[n] not in outputs.values()]
    if len(starts) != 1:
        return
    order, left = [starts[0]], set(names) - {starts[0]}
    while left:
        nxt = [n for n in left if inputs[n] == outputs[order[-1]]]
        if len(nxt) != 1:
            return
        order.append(nxt[0])
        left.discard(nxt[0])
    yield tuple(order)


def hidden_activation(path, steps: list[str]) -> str:
    """The one hidden activation between every two layers, from the graph's steps in order
    ("linear", "bias", "relu", "sigmoid", "softmax"); the output ends in softmax or logits."""
    plain = [step for step in steps if step != "bias"]
    if not plain:
        raise WeightsError(f"{path}: no linear layers found")
    if plain[0] != "linear":
        raise WeightsError(f"{path}: the input goes through {plain[0]} before the first layer")
    hidden = set()
    for before, after in zip(plain, plain[1:] + ["end"]):
        if before == "linear" and after == "linear":
            raise WeightsError(f"{path}: two linear layers with no activation between them")
        if before == "softmax" and after != "end":
            raise WeightsError(f"{path}: a softmax before the last layer; nnexplain's networks end in it")
        if before in ("relu", "sigmoid"):
            if after == "end" or after == "softmax":
                raise WeightsError(
                    f"{path}: the output goes through {before}; nnexplain's networks end in softmax"
                )
            if after != "linear":
                raise WeightsError(f"{path}: two activations in a row ({before}, {after})")
            hidden.add(before)
    if len(hidden) > 1:
        raise WeightsError(f"{path}: the hidden layers mix activations ({', '.join(sorted(hidden))})")
    if not hidden:
        raise WeightsError(f"{path}: no hidden layer with Sigmoid or Relu found")
    return hidden.pop()
