"""The `nnexplain` command line for the network: train, evaluate, predict, export-activations,
and its promise that every user error is one line on stderr and a non-zero exit status."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import network
from network.activations_file import load_activations
from network.data import load_dataset, sha256_of
from network.images import load_digit_image
from network.model import MLP
from network.weights_file import load_weights, save_weights
from tests.cli_errors import assert_one_error_line
from tests.test_export import REQUIRED_KEYS

pytestmark = pytest.mark.usefixtures("offline")

WEIGHTS_DIR = Path(network.__file__).parent / "weights"
DEFAULT = WEIGHTS_DIR / "default.npz"
SCRIPT = Path(sys.executable).parent / "nnexplain"


@pytest.fixture(scope="module")
def default_model():
    return load_weights(DEFAULT)[0]


@pytest.fixture(scope="module")
def subset_dir(tmp_path_factory, mnist_uint8, make_idx_dir, mnist_subset):
    """Raw IDX files with the first 10,000 training and 1,000 test digits of real MNIST."""
    return make_idx_dir(tmp_path_factory.mktemp("subset"), mnist_subset(mnist_uint8, 10000, 1000))


# ---------------------------------------------------------------- evaluate / predict / export


def test_evaluate_reports_the_models_accuracy(run, mnist_dir, dataset, default_model):
    code, out, err = run("evaluate", "--data-dir", mnist_dir)
    assert code == 0, err
    predicted = default_model.predict(dataset.test_images)
    correct = int(np.sum(predicted == dataset.test_labels))
    match = re.search(r"test accuracy: ([\d.]+)% \((\d+)/(\d+)\)", out)
    assert match, out
    assert (int(match[2]), int(match[3])) == (correct, 10000)
    assert float(match[1]) == pytest.approx(100 * correct / 10000, abs=0.005)
    # the confusion matrix printed is the real one
    rows = [line.split() for line in out.splitlines() if re.fullmatch(r"\s*\d(\s+\d+){10}", line)]
    printed = np.array([[int(v) for v in row[1:]] for row in rows])
    expected = np.zeros((10, 10), int)
    np.add.at(expected, (dataset.test_labels, predicted), 1)
    np.testing.assert_array_equal(printed, expected)


def test_evaluate_relu_weights(run, mnist_dir, dataset):
    code, out, _ = run("evaluate", "--weights", WEIGHTS_DIR / "relu.npz", "--data-dir", mnist_dir)
    assert code == 0
    model = load_weights(WEIGHTS_DIR / "relu.npz")[0]
    correct = int(np.sum(model.predict(dataset.test_images) == dataset.test_labels))
    assert f"({correct}/10000)" in out


def test_predict_digit_prints_the_predicted_class(run, default_model, mnist_uint8):
    code, out, err = run("predict", "--digit", 0)
    assert code == 0, err
    expected = int(default_model.predict(mnist_uint8["test_images"][0].reshape(784) / 255.0))
    match = re.search(r"mnist-test:0: predicted (\d) \(true (\d)\)", out)
    assert match, out
    assert int(match[1]) == expected and int(match[2]) == mnist_uint8["test_labels"][0]


def test_predict_json(run, mnist_dir, default_model, mnist_uint8):
    code, out, err = run("predict", "--digit", 0, "--digit", 4321, "--json", "--data-dir", mnist_dir)
    assert code == 0, err
    rows = json.loads(out)
    assert [row["source"] for row in rows] == ["mnist-test:0", "mnist-test:4321"]
    for row, index in zip(rows, (0, 4321)):
        probabilities = np.array(row["probabilities"])
        assert probabilities.shape == (10,) and np.all(probabilities >= 0)
        assert probabilities.sum() == pytest.approx(1.0, abs=1e-4)
        assert row["prediction"] == int(probabilities.argmax())
        assert row["label"] == int(mnist_uint8["test_labels"][index])
        expected = default_model.forward(mnist_uint8["test_images"][index].reshape(784) / 255.0).probabilities
        np.testing.assert_allclose(probabilities, expected, atol=1e-6)


def test_predict_own_image(run, tmp_path, default_model, mnist_uint8):
    path = tmp_path / "mine.png"
    Image.fromarray(255 - mnist_uint8["test_images"][1]).resize((140, 140), Image.BICUBIC).save(path)
    code, out, err = run("predict", "--image", path, "--json")
    assert code == 0, err
    (row,) = json.loads(out)
    assert row["source"] == f"image:{path}" and row["label"] is None
    assert row["prediction"] == int(default_model.predict(load_digit_image(path)))


def test_export_activations_writes_a_loadable_file(run, tmp_path, mnist_dir, default_model, mnist_uint8):
    out_path = tmp_path / "acts" / "two.npz"
    code, out, err = run(
        "export-activations", "--digit", 3, "--digit", 1500, "--data-dir", mnist_dir, "--out", out_path
    )
    assert code == 0, err
    assert str(out_path) in out
    acts = load_activations(out_path)
    assert acts.indices.tolist() == [3, 1500]
    assert acts.labels.tolist() == mnist_uint8["test_labels"][[3, 1500]].tolist()
    images = mnist_uint8["test_images"][[3, 1500]].reshape(2, 784) / 255.0
    np.testing.assert_allclose(acts.activations[0], images, atol=1e-7)
    np.testing.assert_allclose(acts.probabilities, default_model.forward(images).probabilities, atol=1e-6)
    assert [a.shape[1] for a in acts.activations] == [784, 16, 16, 10]
    assert [p.name for p in out_path.parent.iterdir()] == ["two.npz"]


def test_version(run):
    code, out, _ = run("--version")
    assert code == 0 and network.__version__ in out


# ---------------------------------------------------------------- user errors: one line, non-zero


@pytest.fixture
def garbage_weights(tmp_path):
    path = tmp_path / "garbage.npz"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    return path


@pytest.fixture
def text_png(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not an image\n")
    return path


@pytest.fixture
def narrow_weights(tmp_path):
    path = tmp_path / "narrow.npz"
    save_weights(MLP.initialise((100, 10)), path, {})
    return path


ERROR_CASES = {
    "unknown-weights-file": (
        lambda f: ["evaluate", "--weights", f["tmp"] / "nope.npz", "--data-dir", f["mnist"]],
        1,
    ),
    "garbage-weights-file": (lambda f: ["predict", "--weights", f["garbage"], "--digit", 0], 1),
    "weights-for-other-inputs": (lambda f: ["predict", "--weights", f["narrow"], "--digit", 0], 1),
    "digit-10000": (lambda f: ["predict", "--digit", 10000, "--data-dir", f["mnist"]], 1),
    "digit-minus-1": (lambda f: ["predict", "--digit", -1, "--data-dir", f["mnist"]], 2),  # the range check
    "digit-not-a-number": (lambda f: ["predict", "--digit", "seven"], 2),
    "digit-beyond-sample-without-data": (lambda f: ["predict", "--digit", 5000], 1),
    "image-not-an-image": (lambda f: ["predict", "--image", f["text_png"]], 1),
    "image-missing": (
        lambda f: ["export-activations", "--image", f["tmp"] / "none.png", "--out", f["tmp"] / "a.npz"],
        1,
    ),
    "no-digit-or-image": (lambda f: ["predict"], 2),
    "export-without-digit": (lambda f: ["export-activations", "--out", f["tmp"] / "a.npz"], 2),
    "sizes-not-numbers": (lambda f: ["train", "--sizes", "784,abc,10", "--data-dir", f["tmp"]], 2),
    "sizes-ending-in-1-class": (lambda f: ["train", "--sizes", "784,16,1", "--data-dir", f["tmp"]], 2),
    "sizes-ending-in-31-classes": (lambda f: ["train", "--sizes", "784,16,31", "--data-dir", f["tmp"]], 2),
    "sizes-zero": (lambda f: ["train", "--sizes", "784,0,10", "--data-dir", f["tmp"]], 2),
    "unknown-subcommand": (lambda f: ["frobnicate"], 2),
    "unknown-option": (lambda f: ["evaluate", "--colour", "blue"], 2),
    "no-data-no-network": (lambda f: ["evaluate"], 1),
    "export-out-under-a-file": (
        lambda f: ["export-activations", "--digit", 0, "--out", f["text_png"] / "a.npz"],
        1,
    ),
}


@pytest.mark.parametrize("case", list(ERROR_CASES))
def test_user_errors_are_one_line(case, run, tmp_path, mnist_dir, garbage_weights, text_png, narrow_weights):
    files = {
        "tmp": tmp_path,
        "mnist": mnist_dir,
        "garbage": garbage_weights,
        "text_png": text_png,
        "narrow": narrow_weights,
    }
    argv, status = ERROR_CASES[case]
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run(*argv(files))
    assert_one_error_line(code, out, err, status=status)
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written or left behind


def test_no_data_error_tells_the_user_about_data_dir(run):
    code, out, err = run("evaluate")
    assert_one_error_line(code, out, err, status=1)
    assert "--data-dir" in err


def test_sizes_not_matching_the_data(run, subset_dir):
    code, out, err = run(
        "train",
        "--sizes",
        "100,10",
        "--data-dir",
        subset_dir,
        "--epochs",
        1,
        "--quiet",
        "--out",
        subset_dir.parent / "never.npz",
    )
    assert_one_error_line(code, out, err, status=1)
    assert not (subset_dir.parent / "never.npz").exists()


# ---------------------------------------------------------------- train


def test_train_on_a_small_idx_set_writes_working_weights(run, tmp_path, subset_dir, mnist_uint8):
    out_path = tmp_path / "trained" / "w.npz"
    snapshots = tmp_path / "snaps"
    code, out, err = run(
        "train",
        "--data-dir",
        subset_dir,
        "--epochs",
        2,
        "--learning-rate",
        0.02,
        "--quiet",
        "--seed",
        5,
        "--snapshots",
        snapshots,
        "--out",
        out_path,
    )
    assert code == 0, err
    assert str(out_path) in out
    model, manifest = load_weights(out_path)
    assert model.sizes == (784, 16, 16, 10)
    assert REQUIRED_KEYS <= set(manifest)
    assert manifest["seed"] == 5 and manifest["epochs"] == 2
    assert manifest["training"]["max_shift"] == 1  # MNIST's recipe: shifts of up to one pixel
    assert manifest["dataset"]["name"] == "MNIST" and "sample_images" not in np.load(out_path).files
    # the recorded test accuracy is the real accuracy on the directory's 1000 test digits
    test = load_dataset(subset_dir, download=False)
    measured = model.accuracy(test.test_images, test.test_labels)
    assert manifest["test_accuracy"] == pytest.approx(measured, abs=1e-6)
    assert measured > 0.5  # chance is 0.1
    assert manifest["data_checksums"] == {p.name: sha256_of(p) for p in subset_dir.iterdir()}
    assert sorted(p.name for p in snapshots.iterdir()) == ["epoch-000.npz", "epoch-001.npz", "epoch-002.npz"]
    assert [p.name for p in out_path.parent.iterdir()] == ["w.npz"]


def test_train_to_a_path_under_a_regular_file_fails_cleanly(run, tmp_path, subset_dir):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory\n")
    code, out, err = run(
        "train", "--data-dir", subset_dir, "--epochs", 1, "--quiet", "--out", blocker / "w.npz"
    )
    assert_one_error_line(code, out, err, status=1)
    assert [p.name for p in tmp_path.iterdir()] == ["blocker"]  # no partial or temporary file
    assert blocker.read_text() == "a file, not a directory\n"


def test_train_on_fewer_digits_than_the_validation_split(
    run, tmp_path, mnist_uint8, make_idx_dir, mnist_subset
):
    """A user's own small IDX set (3000 training digits, fewer than the 5000 held out for
    validation by default) must train a network or be refused with one line -- not crash."""
    small = make_idx_dir(tmp_path / "small", mnist_subset(mnist_uint8, 3000, 500))
    out_path = tmp_path / "w.npz"
    code, out, err = run(
        "train", "--data-dir", small, "--epochs", 3, "--learning-rate", 0.02, "--quiet", "--out", out_path
    )
    if code != 0:
        assert_one_error_line(code, out, err)
        assert not out_path.exists()
        return
    model, manifest = load_weights(out_path)
    test = load_dataset(small, download=False)
    assert model.accuracy(test.test_images, test.test_labels) > 0.3  # it learnt something


# ---------------------------------------------------------------- the installed command


def command(*argv):
    assert SCRIPT.is_file(), f"the nnexplain console script is not installed next to {sys.executable}"
    return subprocess.run([str(SCRIPT), *map(str, argv)], capture_output=True, text=True, timeout=120)


def test_installed_command_evaluates(mnist_dir, dataset, default_model):
    result = command("evaluate", "--data-dir", mnist_dir)
    assert result.returncode == 0, result.stderr
    correct = int(np.sum(default_model.predict(dataset.test_images) == dataset.test_labels))
    assert f"({correct}/10000)" in result.stdout


@pytest.mark.parametrize(
    "argv, status",
    [
        (["predict", "--digit", "0", "--weights", "GARBAGE"], 1),
        (["predict", "--digit", "10000", "--data-dir", "MNIST"], 1),
        (["frobnicate"], 2),
    ],
)
def test_installed_command_errors_are_one_line(argv, status, garbage_weights, mnist_dir):
    argv = [str(garbage_weights) if a == "GARBAGE" else str(mnist_dir) if a == "MNIST" else a for a in argv]
    result = command(*argv)
    assert_one_error_line(result.returncode, result.stdout, result.stderr, status=status)
