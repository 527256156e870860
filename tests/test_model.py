"""network.model: backpropagation against numerical gradients, shapes, softmax, sigmoid stability."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from network.model import MLP, parameter_count, relu, sigmoid, softmax

pytestmark = pytest.mark.usefixtures("offline")


def reference_loss(params: np.ndarray, sizes, activation: str, x: np.ndarray, targets: np.ndarray) -> float:
    """Mean cross-entropy of the network written out plainly in float64, independent of MLP:
    the flat vector holds, layer by layer, W (n_out x n_in, row-major) and then b."""
    a, offset = x.astype(np.float64), 0
    layers = list(zip(sizes[:-1], sizes[1:]))
    for layer, (n_in, n_out) in enumerate(layers):
        W = params[offset : offset + n_in * n_out].reshape(n_out, n_in)
        offset += n_in * n_out
        b = params[offset : offset + n_out]
        offset += n_out
        z = a @ W.T + b
        if layer == len(layers) - 1:
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
        elif activation == "sigmoid":
            a = 1.0 / (1.0 + np.exp(-z))
        else:
            a = np.maximum(z, 0.0)
    return float(-np.sum(targets * np.log(a)) / len(x))


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_backprop_matches_central_differences(activation):
    sizes = (6, 5, 4, 10)
    rng = np.random.default_rng(12345)
    params = rng.normal(0.0, 0.8, parameter_count(sizes))
    model = MLP(sizes, activation, parameters=params)
    # inputs exactly representable in float32, since forward() casts its input to float32
    x = rng.random((7, 6)).astype(np.float32).astype(np.float64)
    targets = rng.dirichlet(np.ones(10), size=7)  # random target distributions

    grad = np.zeros_like(params)
    loss, probs = model.backprop(x, targets, grad)
    assert loss == pytest.approx(reference_loss(params, sizes, activation, x, targets), rel=1e-9)
    assert probs.shape == (7, 10)

    eps = 1e-6
    numerical = np.empty_like(params)
    for i in range(len(params)):
        step = np.zeros_like(params)
        step[i] = eps
        numerical[i] = (
            reference_loss(params + step, sizes, activation, x, targets)
            - reference_loss(params - step, sizes, activation, x, targets)
        ) / (2 * eps)
    assert np.count_nonzero(numerical) > len(params) // 2  # the check is not vacuous
    np.testing.assert_allclose(grad, numerical, rtol=1e-5, atol=1e-8)


def test_backprop_on_one_hot_targets_reduces_the_loss():
    """A small gradient step along -grad lowers the loss (float32 parameters, as in training)."""
    model = MLP.initialise((784, 16, 16, 10), "sigmoid", seed=1)
    rng = np.random.default_rng(2)
    x = rng.random((32, 784)).astype(np.float32)
    targets = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 32)]
    grad = np.zeros_like(model.parameters)
    loss, _ = model.backprop(x, targets, grad)
    model.parameters -= 0.05 * grad
    new_loss, _ = model.backprop(x, targets, np.zeros_like(grad))
    assert new_loss < loss


def test_parameter_count_of_the_video_network():
    sizes = (784, 16, 16, 10)
    by_hand = sum(
        np.zeros((n_out, n_in)).size + np.zeros(n_out).size for n_in, n_out in zip(sizes[:-1], sizes[1:])
    )
    assert parameter_count(sizes) == by_hand == 13002  # 13,002: the number quoted in the video
    model = MLP.initialise(sizes)
    assert model.parameters.size == 13002
    assert sum(W.size for W in model.weights) + sum(b.size for b in model.biases) == 13002


def test_weights_and_biases_are_views_of_the_flat_parameters():
    model = MLP.initialise((8, 5, 10), seed=0)
    model.parameters[...] = np.arange(model.parameters.size)
    assert model.weights[0][2, 3] == 2 * 8 + 3  # row = one neuron's incoming weights
    assert model.biases[0][0] == 8 * 5
    assert model.weights[1][0, 0] == 8 * 5 + 5


@pytest.mark.parametrize("sizes", [(784, 16, 16, 10), (20, 10), (12, 7, 5, 3, 10)])
def test_forward_returns_every_layer_with_the_right_shapes(sizes):
    model = MLP.initialise(sizes, seed=3)
    x = np.random.default_rng(0).random((4, sizes[0]), dtype=np.float32)
    forward = model.forward(x)
    layers = len(sizes) - 1
    assert len(forward.activations) == layers + 1
    assert len(forward.pre_activations) == layers
    for l, n in enumerate(sizes):
        assert forward.activations[l].shape == (4, n)
    for l, n in enumerate(sizes[1:]):
        assert forward.pre_activations[l].shape == (4, n)
    np.testing.assert_array_equal(forward.activations[0], x)
    z1 = x @ model.weights[0].T + model.biases[0]
    expected_a1 = sigmoid(z1) if layers > 1 else softmax(z1)
    np.testing.assert_allclose(forward.activations[1], expected_a1, rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(forward.probabilities, forward.activations[-1])
    np.testing.assert_allclose(forward.probabilities.sum(axis=1), 1.0, rtol=1e-6)
    single = model.forward(x[0])  # one unbatched input
    assert single.probabilities.shape == (sizes[-1],)
    np.testing.assert_allclose(single.probabilities, forward.probabilities[0], rtol=1e-5)


def test_relu_network_zeroes_negative_pre_activations():
    model = MLP.initialise((30, 20, 10), "relu", seed=4)
    forward = model.forward(np.random.default_rng(1).random((6, 30)))
    z, a = forward.pre_activations[0], forward.activations[1]
    assert (z < 0).any() and (z > 0).any()
    np.testing.assert_array_equal(a, np.where(z > 0, z, 0))


def test_softmax_rows_sum_to_one_even_for_huge_inputs():
    z = np.array([[1.0, 2.0, 3.0], [1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p[0], e / e.sum())
    np.testing.assert_allclose(p[2], 1 / 3)


def test_sigmoid_is_stable_and_correct_at_extremes():
    z = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    with np.errstate(all="raise"):
        s = sigmoid(z)
        s32 = sigmoid(z.astype(np.float32))
    assert s[0] == 0.0 and s[-1] == 1.0
    assert s[3] == 0.5
    np.testing.assert_allclose(s[1:-1], 1.0 / (1.0 + np.exp(-z[1:-1])), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(sigmoid(-z), 1.0 - s, atol=1e-15)
    assert np.all(np.isfinite(s32)) and s32[0] == 0.0 and s32[-1] == 1.0
    assert relu(np.array([-2.0, 0.0, 3.0])).tolist() == [0.0, 0.0, 3.0]


def test_from_layers_round_trips():
    model = MLP.initialise((784, 16, 16, 10), "relu", seed=9)
    copy = MLP.from_layers([W.copy() for W in model.weights], [b.copy() for b in model.biases], "relu")
    assert copy.sizes == model.sizes and copy.activation == "relu"
    np.testing.assert_array_equal(copy.parameters, model.parameters)
    x = np.random.default_rng(5).random((3, 784), dtype=np.float32)
    np.testing.assert_array_equal(copy.forward(x).probabilities, model.forward(x).probabilities)
    copy.parameters[0] += 1  # a copy, not a view of the source arrays
    assert copy.parameters[0] != model.parameters[0]


def test_initialise_is_seeded_and_scaled_to_fan_in():
    a, b = MLP.initialise((784, 16, 16, 10), seed=0), MLP.initialise((784, 16, 16, 10), seed=0)
    np.testing.assert_array_equal(a.parameters, b.parameters)
    assert not np.array_equal(a.parameters, MLP.initialise((784, 16, 16, 10), seed=1).parameters)
    relu_net = MLP.initialise((784, 300, 10), "relu", seed=0)
    assert relu_net.weights[0].std() == pytest.approx(np.sqrt(2 / 784), rel=0.05)  # He
    assert all(not b.any() for b in a.biases)


@pytest.mark.parametrize(
    "args",
    [
        ((784, 16, 10), "tanh"),
        ((784,), "sigmoid"),
        ((784, 0, 10), "sigmoid"),
    ],
)
def test_invalid_networks_are_refused(args):
    with pytest.raises(ValueError):
        MLP(*args)
    with pytest.raises(ValueError):
        MLP((4, 10), parameters=np.zeros(49, dtype=np.float32))
