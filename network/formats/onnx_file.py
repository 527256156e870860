"""Read an MLP from an ONNX graph: a chain of `Gemm` (or `MatMul` + `Add`) with `Sigmoid` or `Relu`
between them, optionally a `Flatten`/`Reshape` at the input and a `Softmax`/`LogSoftmax` at the end.

Needs the `onnx` package (`pip install 'nnexplain[import]'`). Weights stored in an external data
file beside the graph (the default of torch's current exporter) are read from there. Anything else
in the graph (a convolution, a tanh, a second input) is refused in one line naming the node.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from network.errors import WeightsError
from network.formats.chain import hidden_activation

__all__ = ["read_onnx"]

HIDDEN = {"Relu": "relu", "Sigmoid": "sigmoid"}
PASS_THROUGH = ("Identity", "Dropout")
FOLDABLE = {"Transpose", "Cast", "Identity", "Reshape", "Squeeze", "Unsqueeze"}
SUPPORTED = "Gemm or MatMul + Add layers with Sigmoid or Relu"


def require_onnx():
    try:
        import onnx
    except ImportError:
        raise WeightsError("reading ONNX needs the onnx package: pip install 'nnexplain[import]'") from None
    return onnx


def _load(path: Path, external: bool):
    onnx = require_onnx()
    try:
        return onnx.load(str(path), load_external_data=external)
    except Exception as exc:  # protobuf's DecodeError, a missing external file, ...
        raise WeightsError(f"{path}: not a readable ONNX model ({type(exc).__name__}: {exc})") from None


def read_onnx(path: Path):
    """([(W (out, in), b)], activation, external data files) of the graph's chain of linear layers."""
    model = _load(path, external=False)
    from onnx import numpy_helper
    from onnx.external_data_helper import load_external_data_for_model

    files = []
    for tensor in model.graph.initializer:
        for entry in tensor.external_data:
            if entry.key == "location" and path.parent / entry.value not in files:
                files.append(path.parent / entry.value)
    try:
        load_external_data_for_model(model, str(path.parent))
    except Exception as exc:  # a missing or short data file: onnx's checker and OS errors alike
        raise WeightsError(f"{path}: not a readable ONNX model (its external data: {exc})") from None
    graph = model.graph
    constants = {tensor.name: numpy_helper.to_array(tensor) for tensor in graph.initializer}
    inputs = [value.name for value in graph.input if value.name not in constants]
    if len(inputs) != 1:
        raise WeightsError(
            f"{path}: the graph has {len(inputs)} inputs ({', '.join(inputs)}); an MLP has one"
        )
    current, layers, steps = inputs[0], [], []  # steps: "linear", "bias", an activation, "softmax"
    for node in graph.node:
        op = node.op_type
        label = f"{op} node {node.name or (node.output[0] if node.output else '(unnamed)')!r}"
        if len(node.output) != 1 and op not in PASS_THROUGH:
            raise WeightsError(f"{path}: the {label} has {len(node.output)} outputs; an MLP layer has one")
        if op == "Constant":
            constants[node.output[0]] = _constant(path, node, label)
            continue
        data = [name for name in node.input if name and name not in constants]
        if not data and op in FOLDABLE:  # arithmetic on weights, e.g. a transposed initializer
            constants[node.output[0]] = _fold(op, node, [constants[n] for n in node.input if n])
            continue
        if data != [current]:
            raise WeightsError(f"{path}: the {label} does not continue a single chain from the input")
        if steps and steps[-1] == "softmax":
            raise WeightsError(f"{path}: a {label} after the output's softmax")
        if op in ("Flatten", "Reshape"):
            if layers:
                raise WeightsError(f"{path}: a {label} between layers; only the input may be flattened")
        elif op == "Gemm":
            layers.append(_gemm(path, node, constants))
            steps.append("linear")
        elif op == "MatMul":
            weight = constants.get(node.input[1]) if node.input[0] == current else None
            if weight is None or weight.ndim != 2:
                raise WeightsError(f"{path}: the {label} does not multiply the input by a weight matrix")
            layers.append([weight.T, np.zeros(weight.shape[1], weight.dtype)])
            steps.append("linear")
        elif op == "Add" and steps and steps[-1] == "linear":  # the bias of a MatMul (or added to a Gemm's)
            bias = np.asarray(constants[next(n for n in node.input if n in constants)])
            layers[-1][1] = layers[-1][1] + _bias(path, bias, layers[-1][0].shape[0], label)
            steps.append("bias")
        elif op in HIDDEN:
            steps.append(HIDDEN[op])
        elif op in ("Softmax", "LogSoftmax"):
            steps.append("softmax")
        elif op not in PASS_THROUGH:
            raise WeightsError(f"{path}: a {label} is not part of an MLP; nnexplain imports {SUPPORTED}")
        current = node.output[0]
    if [value.name for value in graph.output] != [current]:
        raise WeightsError(f"{path}: the graph's output is not the end of the chain of layers")
    return [tuple(layer) for layer in layers], hidden_activation(path, steps), files


def _constant(path, node, label: str) -> np.ndarray:
    from onnx import AttributeProto, numpy_helper

    for attribute in node.attribute:
        if attribute.name == "value" and attribute.type == AttributeProto.TENSOR:
            return numpy_helper.to_array(attribute.t)
    raise WeightsError(f"{path}: the {label} holds no tensor")


def _fold(op: str, node, values):
    from onnx import helper

    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if op == "Transpose":
        return np.transpose(values[0], attributes.get("perm"))
    if op == "Reshape":
        return values[0].reshape(values[1])
    return values[0]


def _gemm(path, node, constants):
    from onnx import helper

    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if attributes.get("transA", 0) or len(node.input) < 2 or node.input[1] not in constants:
        raise WeightsError(f"{path}: Gemm node {node.name!r} is not input x weight matrix (+ bias)")
    weight = np.asarray(constants[node.input[1]], dtype=np.float64)
    weight = (weight if attributes.get("transB", 0) else weight.T) * attributes.get("alpha", 1.0)
    bias = np.zeros(weight.shape[0])
    if len(node.input) > 2 and node.input[2]:
        bias = _bias(path, np.asarray(constants[node.input[2]]), weight.shape[0], f"Gemm node {node.name!r}")
        bias = bias * attributes.get("beta", 1.0)
    return [weight, bias]


def _bias(path, bias: np.ndarray, outputs: int, label: str) -> np.ndarray:
    if bias.size == 1:
        return np.full(outputs, float(bias.reshape(-1)[0]))
    if bias.size != outputs:
        raise WeightsError(f"{path}: the {label}'s bias has {bias.size} values for {outputs} outputs")
    return bias.reshape(-1)
