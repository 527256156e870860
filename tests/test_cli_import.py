"""`nnexplain import` and networks of other data sets on the command line: what an import prints
and records, the one-line refusals, class names in train, predict and evaluate, square images of
any side, and the test images a network's commands draw from."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from network.data import load_dataset, load_sample, read_idx
from network.model import MLP
from network.weights_file import load_stored_sample, load_weights, save_weights
from tests.cli_errors import assert_one_error_line
from tests.conftest import idx_bytes

pytestmark = pytest.mark.usefixtures("offline")

FIXTURES_DIR = Path(__file__).parent / "fixtures"
IMPORTS = FIXTURES_DIR / "imports"
REFERENCE = np.load(IMPORTS / "reference.npz")
FASHION = "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot"


def test_import_prints_what_it_found_and_the_real_test_accuracy(run, mnist_dir, tmp_path):
    out = tmp_path / "torch.npz"
    code, stdout, err = run(
        "import", IMPORTS / "torch_relu.pt", "--activation", "relu", "--normalize", "0.1307,0.3081",
        "--data-dir", mnist_dir, "--out", out,
    )  # fmt: skip
    assert code == 0, err
    assert "architecture   784-128-64-10" in stdout and "activation     relu" in stdout
    assert "preprocessing  x = (pixel / 255 - 0.1307) / 0.3081" in stdout
    assert "parameters     109,386" in stdout and "data set       MNIST: 28x28 images, 10 classes" in stdout
    shown = float(re.search(r"test accuracy  ([\d.]+)% on 10000 test images", stdout).group(1))
    assert shown == pytest.approx(100 * float(REFERENCE["torch_test_accuracy"]), abs=0.02)
    model, manifest = load_weights(out)
    assert manifest["test_accuracy"] == pytest.approx(float(REFERENCE["torch_test_accuracy"]), abs=2e-4)
    assert manifest["source"]["format"] == "PyTorch state_dict (torch.save)"
    code, stdout, _ = run("evaluate", "--weights", out, "--data-dir", mnist_dir)
    assert code == 0 and f"test accuracy: {shown:.2f}%" in stdout  # evaluate applies the preprocessing


def test_predict_with_an_imported_network_equals_the_framework(run, torch_import, keras_import):
    for weights, framework in ((torch_import, "torch"), (keras_import, "keras")):
        digits = [arg for i in range(5) for arg in ("--digit", i)]
        code, stdout, err = run("predict", "--weights", weights, *digits, "--json")
        assert code == 0, err
        rows = json.loads(stdout)
        got = np.array([row["probabilities"] for row in rows])
        np.testing.assert_allclose(got, REFERENCE[f"{framework}_probabilities"][:5], atol=2e-6)


def test_exported_activations_hold_the_normalised_inputs_and_the_raw_pixels(run, torch_import, tmp_path):
    from network.activations_file import load_activations

    out = tmp_path / "acts.npz"
    assert run("export-activations", "--weights", torch_import, "--digit", 0, "--out", out)[0] == 0
    acts = load_activations(out)
    pixels = load_sample()[0][0]
    np.testing.assert_allclose(acts.pixels[0], pixels)
    np.testing.assert_allclose(acts.activations[0][0], (pixels - 0.1307) / 0.3081, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(acts.probabilities[0], REFERENCE["torch_probabilities"][0], atol=1e-5)


def test_an_import_without_a_test_set_says_so(run, tmp_path):
    code, stdout, err = run("import", IMPORTS / "keras_sigmoid.h5", "--out", tmp_path / "k.npz")
    assert code == 0, err
    assert "test accuracy  not measured" in stdout and "data set       MNIST" in stdout
    assert "test_accuracy" not in load_weights(tmp_path / "k.npz")[1]


def test_class_names_and_a_name_are_recorded_and_used(run, mnist_dir, tmp_path):
    out = tmp_path / "named.npz"
    code, stdout, err = run(
        "import", IMPORTS / "keras_sigmoid.weights.h5", "--activation", "sigmoid", "--classes", FASHION,
        "--name", "Fashion-ish", "--out", out,
    )  # fmt: skip
    assert code == 0, err
    dataset = load_weights(out)[1]["dataset"]
    assert dataset["name"] == "Fashion-ish" and dataset["classes"] == FASHION.split(",")
    code, stdout, err = run("predict", "--weights", out, "--digit", 0)  # no images of "Fashion-ish" here
    assert_one_error_line(code, stdout, err)
    assert "trained on Fashion-ish (28x28 images, 10 classes)" in err and "--data-dir" in err
    code, stdout, err = run("predict", "--weights", out, "--digit", 0, "--data-dir", mnist_dir)
    assert code == 0, err
    assert stdout.splitlines()[0].startswith("fashion-ish-test:0: predicted ")
    assert "Ankle boot: " in stdout and "Sneaker: " in stdout


def test_a_classes_file_names_the_classes(run, tmp_path):
    names = tmp_path / "names.txt"
    names.write_text("\n".join(f"class {k}" for k in range(10)) + "\n\n")
    out = tmp_path / "w.npz"
    assert run("import", IMPORTS / "keras_sigmoid.keras", "--classes", names, "--out", out)[0] == 0
    assert load_weights(out)[1]["dataset"]["classes"] == [f"class {k}" for k in range(10)]


BAD_IMPORTS = {
    "convolution": (lambda t: [IMPORTS / "torch_conv.safetensors", "--activation", "relu"], "a convolution"),
    "batch-norm": (lambda t: [IMPORTS / "torch_batchnorm.pt", "--activation", "relu"], "a batch norm"),
    "whole-model": (lambda t: [IMPORTS / "torch_whole_model.pt", "--activation", "relu"], "state_dict"),
    "tanh": (lambda t: [IMPORTS / "onnx_tanh.onnx"], "Tanh"),
    "two-inputs": (lambda t: [IMPORTS / "onnx_two_inputs.onnx"], "2 inputs"),
    "keras-conv": (lambda t: [IMPORTS / "keras_conv.keras"], "Conv2D"),
    "no-activation": (lambda t: [IMPORTS / "torch_relu.safetensors"], "--activation"),
    "wrong-activation": (
        lambda t: [IMPORTS / "torch_relu.onnx", "--activation", "sigmoid"],
        "not --activation",
    ),
    "bad-normalize": (lambda t: [IMPORTS / "keras_sigmoid.keras", "--normalize", "0.1"], "MEAN,STD"),
    "zero-std": (lambda t: [IMPORTS / "keras_sigmoid.keras", "--normalize", "0.1,0"], "the std from 0.001"),
    "huge-mean": (lambda t: [IMPORTS / "keras_sigmoid.keras", "--normalize", "1e300,1"], "within ±1000"),
    "too-few-classes": (lambda t: [IMPORTS / "keras_sigmoid.keras", "--classes", "a,b,c"], "3 class names"),
    "twice-a-class": (
        lambda t: [IMPORTS / "keras_sigmoid.keras", "--classes", "a,b,c,d,e,f,g,h,i,a"],
        "twice",
    ),
    "data-not-fitting": (
        lambda t: [IMPORTS / "keras_sigmoid.keras", "--data-dir", t["digits8"]],
        "do not fit",
    ),
    "no-data-there": (lambda t: [IMPORTS / "keras_sigmoid.keras", "--data-dir", t["tmp"]], "no IDX files"),
    "missing-model": (lambda t: [t["tmp"] / "nothing.onnx"], "no such file"),
    "missing-classes-file": (
        lambda t: [IMPORTS / "keras_sigmoid.keras", "--classes", t["tmp"] / "names.txt"],
        "no such",
    ),
    "unknown-format": (lambda t: [t["digits8"] / "README.md"], "unknown model format"),
}


@pytest.mark.parametrize("case", sorted(BAD_IMPORTS))
def test_a_bad_import_is_one_line_and_writes_nothing(case, run, tmp_path, digits8_dir):
    args, message = BAD_IMPORTS[case]
    out = tmp_path / "out.npz"
    out.write_bytes(b"the user's old file")
    code, stdout, err = run("import", *args({"tmp": tmp_path, "digits8": digits8_dir}), "--out", out)
    assert_one_error_line(code, stdout, err)
    assert message in err
    assert out.read_bytes() == b"the user's old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.npz"]


def test_import_to_a_directory_is_refused(run, tmp_path):
    code, stdout, err = run("import", IMPORTS / "keras_sigmoid.keras", "--out", tmp_path)
    assert_one_error_line(code, stdout, err)
    assert "is a directory" in err


# ---------------------------------------------------------------- other data sets, any square side


def test_training_on_8x8_digits_records_the_data_set_and_carries_a_sample(digits8_weights, digits8_dir):
    model, manifest = load_weights(digits8_weights)
    assert model.sizes == (64, 16, 16, 10)
    dataset = manifest["dataset"]
    assert dataset["name"] == "digits8x8" and dataset["side"] == 8
    assert dataset["classes"] == [str(k) for k in range(10)] and len(dataset["checksums"]) == 4
    images, labels = load_stored_sample(digits8_weights)
    test_images = read_idx(digits8_dir / "t10k-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(np.rint(images * 255).astype(np.uint8).reshape(-1, 8, 8), test_images)
    np.testing.assert_array_equal(labels, read_idx(digits8_dir / "t10k-labels-idx1-ubyte.gz"))
    assert manifest["test_accuracy"] > 0.9  # a real network: about 96% after 60 epochs


def test_predict_draws_from_the_weights_own_data_set(run, digits8_weights, digits8_dir, mnist_dir):
    """Offline, with MNIST named as the data directory, or with the 8x8 set: the same 8x8 digit."""
    test_images = read_idx(digits8_dir / "t10k-images-idx3-ubyte.gz")
    outputs = []
    for data in ([], ["--data-dir", mnist_dir], ["--data-dir", digits8_dir]):
        code, stdout, err = run("predict", "--weights", digits8_weights, "--digit", 7, "--json", *data)
        assert code == 0, err
        (row,) = json.loads(stdout)
        assert row["source"] == "digits8x8-test:7"
        assert row["label"] == int(read_idx(digits8_dir / "t10k-labels-idx1-ubyte.gz")[7])
        outputs.append(row["probabilities"])
    assert outputs[0] == outputs[1] == outputs[2]
    model, manifest = load_weights(digits8_weights)
    expected = model.forward(test_images[7].reshape(-1) / 255.0).probabilities
    np.testing.assert_allclose(outputs[0], expected, atol=1e-6)
    code, stdout, err = run("predict", "--weights", digits8_weights, "--digit", 300)
    assert_one_error_line(code, stdout, err)
    assert "digits8x8: 300 test images are here (0-299); for image 300 pass its test files" in err


def test_class_names_from_classes_txt_in_predict_and_evaluate(run, digits28_weights, digits28_dir):
    assert load_weights(digits28_weights)[1]["dataset"]["classes"][6] == "six"
    code, stdout, err = run("evaluate", "--weights", digits28_weights, "--data-dir", digits28_dir)
    assert code == 0, err
    assert "zero:" in stdout and "nine:" in stdout
    header = stdout.splitlines()[3].split()
    assert header == ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    code, stdout, err = run("predict", "--weights", digits28_weights, "--digit", 0)
    names = "zero|one|two|three|four|five|six|seven|eight|nine"
    assert code == 0 and re.match(rf"digits28-test:0: predicted ({names}) \(true ({names})\)", stdout)


def test_train_takes_class_names_and_checks_sizes_against_the_data(run, digits8_dir, tmp_path):
    out = tmp_path / "w.npz"
    names = "zero,one,two,three,four,five,six,seven,eight,nine"
    args = ["train", "--data-dir", digits8_dir, "--epochs", 1, "--quiet", "--out", out]
    code, _, err = run(*args, "--classes", names)
    assert code == 0, err
    assert load_weights(out)[1]["dataset"]["classes"] == names.split(",")
    assert load_weights(out)[1]["training"]["max_shift"] == 0  # no shifts by default below 16x16
    for extra, message in (
        (["--sizes", "784,16,10"], "the data has 64 inputs but --sizes starts with 784"),
        (["--sizes", "64,16,12"], "the data has 10 classes but --sizes ends with 12"),
        (["--classes", "a,b,c"], "3 class names, but the labels go up to 9"),
    ):
        code, stdout, err = run(*args, *extra)
        assert_one_error_line(code, stdout, err)
        assert message in err


def test_weights_of_an_unknown_data_set_say_where_its_images_must_come_from(run, tmp_path, mnist_dir):
    """64 inputs and no data set recorded: MNIST's 784-pixel digits cannot stand in."""
    path = tmp_path / "bare.npz"
    save_weights(MLP.initialise((64, 8, 10)), path, {})
    code, stdout, err = run("predict", "--weights", path, "--digit", 0, "--data-dir", mnist_dir)
    assert_one_error_line(code, stdout, err)
    assert "trained on unnamed (8x8 images, 10 classes) and no test images of it are here" in err
    assert "--data-dir" in err


def test_the_loader_takes_square_images_from_8_to_64_pixels(tmp_path, make_idx_dir):
    rng = np.random.default_rng(0)
    for side in (8, 17, 64):
        images = rng.integers(0, 256, (40, side, side), dtype=np.uint8)
        labels = np.arange(40, dtype=np.uint8) % 3
        splits = {"train_images": images, "train_labels": labels}
        splits.update(test_images=images[:10], test_labels=labels[:10])
        directory = make_idx_dir(tmp_path / str(side), splits)
        dataset = load_dataset(directory, download=False)
        assert dataset.side == side and dataset.classes == ("0", "1", "2")
        np.testing.assert_array_equal(dataset.train_images, images.reshape(40, -1) / np.float32(255))


def test_evaluate_scores_a_network_on_its_own_data_set_only(
    run, digits8_weights, digits8_dir, mnist_dir, tmp_path
):
    code, stdout, err = run("evaluate", "--weights", digits8_weights)  # offline, no data directory
    assert_one_error_line(code, stdout, err)
    assert "evaluate needs the whole test set of digits8x8" in err
    assert not (Path(os.environ["XDG_CACHE_HOME"]) / "nnexplain").exists()  # and no MNIST was downloaded
    code, stdout, err = run("evaluate", "--weights", digits8_weights, "--data-dir", digits8_dir)
    accuracy = load_weights(digits8_weights)[1]["test_accuracy"]
    assert code == 0 and f"test accuracy: {accuracy:.2%} ({round(accuracy * 300)}/300)" in stdout, err
    code, stdout, err = run(
        "evaluate", "--data-dir", FIXTURES_DIR / "digits28"
    )  # MNIST weights, other images
    assert_one_error_line(code, stdout, err)
    assert "the whole test set of MNIST" in err


def test_a_stored_sample_that_does_not_fit_the_network_is_refused(run, digits8_weights, tmp_path):
    from network.weights_file import read_npz, write_npz

    arrays = read_npz(digits8_weights)
    arrays["sample_labels"] = np.full_like(arrays["sample_labels"], 12)  # classes are 0-9
    write_npz(tmp_path / "bad.npz", arrays)
    code, stdout, err = run("predict", "--weights", tmp_path / "bad.npz", "--digit", 0)
    assert_one_error_line(code, stdout, err)
    assert "stored with the weights does not hold 8x8 images labelled 0-9" in err


def test_evaluate_needs_only_the_test_files_and_says_why_a_folder_was_passed_over(
    run, digits8_weights, digits8_dir, mnist_dir, tmp_path
):
    only_test = tmp_path / "mnist-test"
    only_test.mkdir()
    for stem in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        (only_test / stem).write_bytes((mnist_dir / stem).read_bytes())
    code, stdout, err = run("evaluate", "--data-dir", only_test)  # the shipped MNIST network
    assert code == 0, err
    assert "test accuracy: 95.93% (9593/10000)" in stdout and sorted(os.listdir(only_test)) == [
        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]  # fmt: skip
    shortened = tmp_path / "first-100"
    images = read_idx(digits8_dir / "t10k-images-idx3-ubyte.gz")[:100]
    labels = read_idx(digits8_dir / "t10k-labels-idx1-ubyte.gz")[:100]
    shortened.mkdir()
    (shortened / "t10k-images-idx3-ubyte").write_bytes(idx_bytes(images))
    (shortened / "t10k-labels-idx1-ubyte").write_bytes(idx_bytes(labels))
    code, stdout, err = run("evaluate", "--weights", digits8_weights, "--data-dir", shortened)
    assert_one_error_line(code, stdout, err)  # 100 of the 300 test images are not the whole test set
    assert f"{shortened} does not hold the digits8x8 test images the weights know" in err
    code, stdout, err = run("evaluate", "--weights", digits8_weights, "--data-dir", mnist_dir)
    assert_one_error_line(code, stdout, err)
    assert "holds 28x28 images, not 8x8" in err


def test_import_does_not_need_a_broken_nnexplain_data(run, tmp_path, monkeypatch):
    broken = tmp_path / "broken"
    broken.mkdir()
    for stem in (
        "train-images-idx3-ubyte",
        "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte",
        "t10k-labels-idx1-ubyte",
    ):
        (broken / stem).write_bytes(b"not an IDX file")
    monkeypatch.setenv("NNEXPLAIN_DATA", str(broken))
    out = tmp_path / "k.npz"
    code, stdout, err = run("import", IMPORTS / "keras_sigmoid.keras", "--out", out)
    assert code == 0, err
    assert "test accuracy  not measured" in stdout and load_weights(out)[1]["dataset"]["name"] == "MNIST"
