"""ONNX Gemm layers as the ONNX spec defines them: Y = alpha * A @ B' + beta * C, with B' = B.T only
where transB = 1 (the default is 0: weights stored in x out). Graphs written with onnx.helper must
import to the predictions of onnx's own reference evaluator, which implements the spec
independently of nnexplain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx  # the dev extra installs it (nnexplain[import]): no skipping here
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

from network.activations_file import compute_activations
from network.data import load_sample
from network.formats import import_model

RNG = np.random.default_rng(22)


def save_graph(path: Path, nodes, initializers: dict) -> Path:
    graph = helper.make_graph(
        nodes,
        "mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 784])],
        [helper.make_tensor_value_info(nodes[-1].output[0], TensorProto.FLOAT, [None, 10])],
        [numpy_helper.from_array(np.asarray(a, np.float32), name) for name, a in initializers.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, path)
    return path


def assert_same_predictions(path: Path, activation: str) -> None:
    images = load_sample()[0][:200]
    expected = ReferenceEvaluator(str(path)).run(None, {"x": images.astype(np.float32)})[0]
    model, manifest = import_model(path)
    assert model.activation == activation
    got = compute_activations(model, manifest, images).probabilities
    assert got.shape == expected.shape == (200, 10)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    np.testing.assert_array_equal(got.argmax(axis=1), expected.argmax(axis=1))


def test_a_gemm_scales_its_product_by_alpha_and_its_bias_by_beta(tmp_path):
    weights = {
        "W1": RNG.normal(0, 0.1, (16, 784)),
        "b1": RNG.normal(0, 1, 16),
        "W2": RNG.normal(0, 0.5, (10, 16)),
        "b2": RNG.normal(0, 1, 10),
    }
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h"], alpha=0.5, beta=2.0, transB=1),
        helper.make_node("Relu", ["h"], ["r"]),
        helper.make_node("Gemm", ["r", "W2", "b2"], ["y"], alpha=1.5, beta=-0.75, transB=1),
        helper.make_node("Softmax", ["y"], ["p"], axis=1),
    ]
    assert_same_predictions(save_graph(tmp_path / "scaled.onnx", nodes, weights), "relu")


def test_a_gemm_without_trans_b_holds_its_weights_inputs_by_outputs(tmp_path):
    """No transB attribute: B is (in, out). The square 16x16 layer would import transposed
    without an error if transB defaulted to 1."""
    weights = {
        "W1": RNG.normal(0, 0.1, (784, 16)),
        "b1": RNG.normal(0, 1, 16),
        "W2": RNG.normal(0, 1.0, (16, 16)),
        "b2": RNG.normal(0, 1, 16),
        "W3": RNG.normal(0, 1.0, (16, 10)),
        "b3": RNG.normal(0, 1, 10),
    }
    nodes = [
        helper.make_node("Gemm", ["x", "W1", "b1"], ["h1"]),
        helper.make_node("Sigmoid", ["h1"], ["s1"]),
        helper.make_node("Gemm", ["s1", "W2", "b2"], ["h2"], beta=0.5),
        helper.make_node("Sigmoid", ["h2"], ["s2"]),
        helper.make_node("Gemm", ["s2", "W3", "b3"], ["y"], transB=0, alpha=2.0),
        helper.make_node("Softmax", ["y"], ["p"], axis=1),
    ]
    assert not any(a.name == "transB" for a in nodes[0].attribute)
    assert_same_predictions(save_graph(tmp_path / "in_by_out.onnx", nodes, weights), "sigmoid")


def test_a_square_hidden_layer_without_trans_b_is_not_transposed(tmp_path):
    """Only the 16x16 layer omits transB: every shape chains either way, only the values tell."""
    weights = {
        "W1": RNG.normal(0, 0.1, (16, 784)),
        "W2": RNG.normal(0, 1.0, (16, 16)),
        "b2": RNG.normal(0, 1, 16),
        "W3": RNG.normal(0, 1.0, (10, 16)),
    }
    nodes = [
        helper.make_node("Gemm", ["x", "W1"], ["h1"], transB=1),
        helper.make_node("Relu", ["h1"], ["s1"]),
        helper.make_node("Gemm", ["s1", "W2", "b2"], ["h2"]),
        helper.make_node("Relu", ["h2"], ["s2"]),
        helper.make_node("Gemm", ["s2", "W3"], ["y"], transB=1),
        helper.make_node("Softmax", ["y"], ["p"], axis=1),
    ]
    assert_same_predictions(save_graph(tmp_path / "square.onnx", nodes, weights), "relu")
