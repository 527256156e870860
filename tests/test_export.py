"""network.weights_file: weights and activations files, their validation, and the shipped weights'
accuracy on the real 10,000-digit MNIST test set."""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

import network
from network import data
from network.activations_file import compute_activations, load_activations, save_activations
from network.errors import WeightsError
from network.model import MLP
from network.weights_file import load_weights, save_weights

pytestmark = pytest.mark.usefixtures("offline")

WEIGHTS_DIR = Path(network.__file__).parent / "weights"
REQUIRED_KEYS = {
    "sizes",
    "activation",
    "output",
    "seed",
    "epochs",
    "optimiser",
    "validation_accuracy",
    "test_accuracy",
    "data_checksums",
    "version",
}


def training_manifest(seed=3) -> dict:
    return {
        "seed": seed,
        "epochs": 5,
        "optimiser": "adam, one-cycle",
        "validation_accuracy": 0.5,
        "test_accuracy": 0.25,
        "data_checksums": {"t10k-labels-idx1-ubyte.gz": "ab" * 32},
    }


@pytest.fixture
def model():
    return MLP.initialise((784, 16, 16, 10), "sigmoid", seed=11)


@pytest.fixture
def saved(tmp_path, model) -> Path:
    path = tmp_path / "w.npz"
    save_weights(model, path, training_manifest())
    return path


# ---------------------------------------------------------------- round trip and format


def test_weights_round_trip(saved, model):
    loaded, manifest = load_weights(saved)
    assert loaded.sizes == model.sizes and loaded.activation == "sigmoid"
    for got, expected in zip(loaded.weights + loaded.biases, model.weights + model.biases):
        np.testing.assert_array_equal(got, expected)
    assert REQUIRED_KEYS <= set(manifest)
    assert manifest["sizes"] == [784, 16, 16, 10]
    assert manifest["output"] == "softmax"
    assert manifest["version"] == network.__version__
    assert {k: manifest[k] for k in training_manifest()} == training_manifest()


def test_relu_round_trip(tmp_path):
    relu = MLP.initialise((784, 32, 10), "relu", seed=2)
    save_weights(relu, tmp_path / "r.npz", training_manifest())
    loaded, manifest = load_weights(tmp_path / "r.npz")
    assert loaded.activation == manifest["activation"] == "relu"
    np.testing.assert_array_equal(loaded.parameters, relu.parameters)


def test_saving_twice_gives_byte_identical_files(tmp_path, model, monkeypatch):
    save_weights(model, tmp_path / "a.npz", training_manifest())
    # a different wall clock must not leak into the file (zip entries carry timestamps)
    later = time.localtime(time.time() + 3 * 86400 + 7)
    monkeypatch.setattr(time, "localtime", lambda *args: later)
    monkeypatch.setattr(time, "time", lambda: 1.9e9)
    save_weights(model, tmp_path / "b.npz", training_manifest())
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()


def test_file_is_a_plain_npz_readable_without_pickle(saved, model):
    with np.load(saved, allow_pickle=False) as archive:
        assert {"W1", "b1", "W2", "b2", "W3", "b3", "manifest"} <= set(archive.files)
        for l, (n_in, n_out) in enumerate(zip(model.sizes[:-1], model.sizes[1:]), start=1):
            assert archive[f"W{l}"].shape == (n_out, n_in)  # rows are neurons: a(l) = f(W a(l-1) + b)
            assert archive[f"b{l}"].shape == (n_out,)
            assert archive[f"W{l}"].dtype == np.float32
        manifest = json.loads(str(archive["manifest"]))
    assert manifest["activation"] == "sigmoid"


def test_save_leaves_no_temporary_files(tmp_path, model):
    save_weights(model, tmp_path / "sub" / "w.npz", training_manifest())
    save_weights(model, tmp_path / "sub" / "w.npz", training_manifest())  # overwrite in place
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["w.npz"]


# ---------------------------------------------------------------- broken weights files


def arrays_of(path: Path) -> dict:
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def rewrite(tmp_path: Path, arrays: dict, name="bad.npz") -> Path:
    path = tmp_path / name
    np.savez(path, **arrays)
    return path


class _Payload:
    """Unpickling this creates a marker file: proof that a loader unpickled data."""

    marker = None

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def _with(arrays, **changes):
    result = dict(arrays)
    for name, value in changes.items():
        if value is None:
            result.pop(name)
        else:
            result[name] = value
    return result


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda a: _with(a, b2=None), "b2"),
        (lambda a: _with(a, W2=None), "W2"),
        (lambda a: _with(a, W2=np.zeros((16, 15), np.float32)), "W2"),
        (lambda a: _with(a, b1=np.zeros(15, np.float32)), "b1"),
        (lambda a: _with(a, W1=np.zeros((16, 784, 1), np.float32)), "W1"),
        (lambda a: _with(a, W1=np.where(np.arange(784) == 5, np.nan, a["W1"]).astype(np.float32)), "NaN"),
        (lambda a: _with(a, b2=np.full(16, np.inf, np.float32)), "Inf"),
        (lambda a: _with(a, W3=a["W3"].astype(np.int32)), "W3"),
        (lambda a: _with(a, b1=np.array(["x"] * 16)), "b1"),
        (lambda a: _with(a, manifest=np.array("{not json")), "JSON"),
        (lambda a: _with(a, manifest=np.array("[1, 2]")), "manifest"),
        (lambda a: _with(a, manifest=None), "manifest"),
        (lambda a: _with(a, manifest=np.array(json.dumps({"activation": "tanh"}))), "tanh"),
        (lambda a: _with(a, manifest=np.array(json.dumps({"sizes": [784, 30, 10]}))), "sizes"),
        (lambda a: {"manifest": a["manifest"]}, "W1"),
    ],
)
def test_broken_weights_raise_weights_error(tmp_path, saved, change, message):
    path = rewrite(tmp_path, change(arrays_of(saved)))
    with pytest.raises(WeightsError, match=message):
        load_weights(path)


def test_manifest_sizes_of_the_wrong_type_raise_weights_error(tmp_path, saved):
    """A manifest whose "sizes" is not a list (a number, null) is a broken file, not a crash."""
    for sizes in (784, None):
        arrays = _with(arrays_of(saved), manifest=np.array(json.dumps({"sizes": sizes})))
        with pytest.raises(WeightsError):
            load_weights(rewrite(tmp_path, arrays, f"sizes-{sizes}.npz"))


@pytest.mark.parametrize("where", ["extra", "W1"])
def test_pickled_object_arrays_are_refused_without_unpickling(tmp_path, saved, where):
    _Payload.marker = tmp_path / "unpickled"
    arrays = _with(arrays_of(saved), **{where: np.array([_Payload(), 1], dtype=object)})
    path = rewrite(tmp_path, arrays)
    with pytest.raises(WeightsError, match="pickle"):
        load_weights(path)
    assert not _Payload.marker.exists()


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"these are not weights\n", id="text"),
        pytest.param(b"PK\x03\x04" + bytes(100), id="broken-zip"),
        pytest.param(None, id="truncated-npz"),
        pytest.param("npy", id="single-npy"),
    ],
)
def test_files_that_are_not_npz_raise_weights_error(tmp_path, saved, content):
    path = tmp_path / "bad.npz"
    if content is None:
        content = saved.read_bytes()[: saved.stat().st_size // 2]
    elif content == "npy":
        buffer = io.BytesIO()
        np.save(buffer, np.zeros((16, 784), np.float32))
        content = buffer.getvalue()
    path.write_bytes(content)
    with pytest.raises(WeightsError):
        load_weights(path)


def test_missing_file_and_directory_raise_weights_error(tmp_path):
    with pytest.raises(WeightsError, match="no such file"):
        load_weights(tmp_path / "missing.npz")
    with pytest.raises(WeightsError):
        load_weights(tmp_path)


def test_zip_with_a_corrupted_member_raises_weights_error(tmp_path, saved):
    raw = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as archive:
        info = archive.getinfo("W1.npy")
    start = info.header_offset + 30 + len(info.filename) + 100
    raw[start : start + 64] = bytes(64)
    path = tmp_path / "corrupt.npz"
    path.write_bytes(bytes(raw))
    with pytest.raises(WeightsError):
        load_weights(path)


# ---------------------------------------------------------------- activations


def plain_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def plain_softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("weights", ["default.npz", "relu.npz"])
def test_activations_round_trip_and_follow_the_weights(tmp_path, weights, mnist_uint8):
    indices = [0, 1, 2, 3, 4]
    images, labels, _ = data.test_digits(indices)
    model, manifest = load_weights(WEIGHTS_DIR / weights)
    result = compute_activations(
        model, manifest, images, labels, indices, [f"mnist-test:{i}" for i in indices]
    )
    path = tmp_path / "acts.npz"
    save_activations(result, path)
    loaded = load_activations(path)
    assert len(loaded) == 5
    for got, expected in zip(
        loaded.activations + loaded.pre_activations, result.activations + result.pre_activations
    ):
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(loaded.labels, mnist_uint8["test_labels"][indices])
    np.testing.assert_array_equal(loaded.indices, indices)
    assert loaded.manifest["sources"] == [f"mnist-test:{i}" for i in indices]
    assert loaded.manifest["weights"]["activation"] == model.activation

    # recompute every layer with plain numpy from the files themselves
    with np.load(WEIGHTS_DIR / weights, allow_pickle=False) as w, np.load(path, allow_pickle=False) as acts:
        hidden = plain_sigmoid if model.activation == "sigmoid" else (lambda z: np.maximum(z, 0))
        a = mnist_uint8["test_images"][indices].reshape(5, 784) / 255.0
        np.testing.assert_allclose(acts["a0"], a, atol=1e-7)
        for l in (1, 2, 3):
            W, b = w[f"W{l}"].astype(np.float64), w[f"b{l}"].astype(np.float64)
            z = (W @ a.T).T + b[None, :]  # a(l) = f(W(l) a(l-1) + b(l)), one column per digit
            np.testing.assert_allclose(acts[f"z{l}"], z, rtol=1e-4, atol=1e-4)
            a = plain_softmax(z) if l == 3 else hidden(z)
            np.testing.assert_allclose(acts[f"a{l}"], a, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(acts["probabilities"], a, rtol=1e-4, atol=1e-5)
        np.testing.assert_array_equal(acts["prediction"], a.argmax(axis=1))
        np.testing.assert_allclose(acts["probabilities"].sum(axis=1), 1.0, rtol=1e-5)


def test_activations_for_unlabelled_images(tmp_path, model):
    images = np.random.default_rng(0).random((2, 784), dtype=np.float32)
    save_activations(compute_activations(model, {}, images), tmp_path / "x.npz")
    loaded = load_activations(tmp_path / "x.npz")
    assert loaded.labels.tolist() == [-1, -1] and loaded.indices.tolist() == [-1, -1]


def test_weights_file_is_not_an_activations_file(saved):
    with pytest.raises(WeightsError):
        load_activations(saved)


# ---------------------------------------------------------------- the shipped weights


@pytest.mark.parametrize(
    "name, activation, goal",
    [
        ("default.npz", "sigmoid", 0.955),
        ("relu.npz", "relu", 0.960),
    ],
)
def test_shipped_weights_reach_the_accuracy_goal(name, activation, goal, dataset):
    model, manifest = load_weights(WEIGHTS_DIR / name)
    assert model.sizes == (784, 16, 16, 10)
    assert model.activation == activation
    measured = model.accuracy(dataset.test_images, dataset.test_labels)
    assert measured >= goal, f"{name}: {measured:.2%} on the 10,000 MNIST test digits, goal {goal:.1%}"
    assert REQUIRED_KEYS <= set(manifest)
    # what the file claims is what it does
    assert manifest["test_accuracy"] == pytest.approx(measured, abs=1e-6)
    assert manifest["activation"] == activation and manifest["output"] == "softmax"
    assert manifest["data_checksums"] == dataset.checksums  # trained on these exact MNIST files
    assert 0.9 < manifest["validation_accuracy"] <= 1.0
