"""Shared fixtures for the network/ tests: the real MNIST files, IDX writers, an offline environment.

The MNIST directory is $NNEXPLAIN_DATA (set by CI), else ../shared/data/mnist next to the repo.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
from pathlib import Path

import numpy as np
import pytest

from network.data import SPLITS, find_idx_file, load_dataset, read_idx
from scenes.cli import main

REPO = Path(__file__).resolve().parents[1]
# Read once at import time: tests that isolate the environment remove the variable later.
_DATA_ENV = os.environ.get("NNEXPLAIN_DATA")


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    return Path(_DATA_ENV or REPO.parent / "shared" / "data" / "mnist")


@pytest.fixture(scope="session")
def dataset(mnist_dir):
    """The full real MNIST data set as network.data loads it (train 60000, test 10000)."""
    return load_dataset(mnist_dir, download=False)


@pytest.fixture(scope="session")
def mnist_uint8(mnist_dir) -> dict[str, np.ndarray]:
    """The four real IDX files as raw uint8 arrays, keyed like network.data.SPLITS."""
    arrays = {}
    for key, stem in SPLITS.items():
        path = find_idx_file(mnist_dir, stem)
        assert path is not None, f"{mnist_dir} lacks {stem}"
        arrays[key] = read_idx(path)
    return arrays


def idx_bytes(array, dtype_code: int = 0x08) -> bytes:
    """An IDX file: two zero bytes, the dtype code, the number of dimensions, big-endian sizes, data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    return (
        struct.pack(">HBB", 0, dtype_code, array.ndim)
        + struct.pack(f">{array.ndim}I", *array.shape)
        + array.tobytes()
    )


def write_idx_dir(directory: Path, arrays: dict[str, np.ndarray]) -> Path:
    """Write raw (uncompressed) IDX files named as MNIST's into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for key, array in arrays.items():
        (directory / SPLITS[key]).write_bytes(idx_bytes(array))
    return directory


@pytest.fixture(scope="session")
def make_idx():
    return idx_bytes


@pytest.fixture(scope="session")
def make_idx_dir():
    return write_idx_dir


def subset(mnist_uint8, n_train: int, n_test: int) -> dict[str, np.ndarray]:
    return {
        "train_images": mnist_uint8["train_images"][:n_train],
        "train_labels": mnist_uint8["train_labels"][:n_train],
        "test_images": mnist_uint8["test_images"][:n_test],
        "test_labels": mnist_uint8["test_labels"][:n_test],
    }


@pytest.fixture(scope="session")
def mnist_subset():
    """subset(mnist_uint8, n_train, n_test): the first digits of each real split."""
    return subset


def closed_port() -> int:
    """A loopback TCP port that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def offline(monkeypatch, tmp_path_factory):
    """No test may download from the internet or touch the user's cache: the cache dir is a
    fresh temporary directory, $NNEXPLAIN_DATA is unset and the mirror is a closed loopback port."""
    monkeypatch.delenv("NNEXPLAIN_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", f"http://127.0.0.1:{closed_port()}/")


@pytest.fixture
def unreachable_mirror() -> str:
    return f"http://127.0.0.1:{closed_port()}/"


@pytest.fixture
def run(capsys):
    """Run the CLI in-process: (exit status, stdout, stderr)."""

    def _run(*argv):
        previous = signal.getsignal(signal.SIGTERM)  # main() installs its own SIGTERM handler
        try:
            code = main([str(arg) for arg in argv])
        finally:
            signal.signal(signal.SIGTERM, previous)
        out, err = capsys.readouterr()
        return code, out, err

    return _run


@pytest.fixture(scope="session")
def relu_784_32_10(tmp_path_factory) -> Path:
    """A real 784-32-10 ReLU weights file: one epoch on 800 sample digits, tested on the other 200,
    written by the real exporter."""
    from network.data import Dataset, load_sample
    from network.training import TrainConfig, train
    from network.weights_file import save_weights

    images, labels = load_sample()
    data = Dataset(images[:800], labels[:800], images[800:], labels[800:], checksums={})
    config = TrainConfig(sizes=(784, 32, 10), activation="relu", epochs=1, validation_size=100)
    result = train(data, config, progress=False)
    path = tmp_path_factory.mktemp("weights") / "relu-784-32-10.npz"
    save_weights(result.model, path, {"test_accuracy": result.model.accuracy(images[800:], labels[800:])})
    return path


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def digits8_dir() -> Path:
    """scikit-learn's 8x8 handwritten digits as IDX files (1497 train, 300 test; see its README)."""
    return FIXTURES / "digits8x8"


@pytest.fixture(scope="session")
def digits28_dir() -> Path:
    """The same digits upscaled to 28x28, with class names zero ... nine in classes.txt."""
    return FIXTURES / "digits28"


def cli(*argv) -> int:
    """`nnexplain ARGV` in-process (for fixtures that outlive one test); its SIGTERM handler undone."""
    previous = signal.getsignal(signal.SIGTERM)
    try:
        return main([str(arg) for arg in argv])
    finally:
        signal.signal(signal.SIGTERM, previous)


def train_on(directory: Path, out: Path, sizes=None, activation="sigmoid", epochs=30) -> Path:
    """Train a network on an IDX directory with `nnexplain train`, as a user would."""
    argv = ["train", "--data-dir", directory, "--epochs", epochs, "--shift", 0, "--quiet", "--out", out]
    assert cli(*argv, "--activation", activation, *(["--sizes", sizes] if sizes else [])) == 0
    return out


@pytest.fixture(scope="session")
def digits28_weights(tmp_path_factory, digits28_dir) -> Path:
    return train_on(digits28_dir, tmp_path_factory.mktemp("digits28") / "digits28.npz")


@pytest.fixture(scope="session")
def digits8_weights(tmp_path_factory, digits8_dir) -> Path:
    return train_on(digits8_dir, tmp_path_factory.mktemp("digits8") / "digits8.npz", epochs=60)


@pytest.fixture(scope="session")
def torch_import(tmp_path_factory, mnist_dir) -> Path:
    """The PyTorch 784-128-64-10 ReLU (normalised inputs), imported from its ONNX file with the real
    MNIST test set beside it."""
    out = tmp_path_factory.mktemp("imported") / "torch.npz"
    argv = ["import", FIXTURES / "imports" / "torch_relu.onnx", "--normalize", "0.1307,0.3081"]
    assert cli(*argv, "--data-dir", mnist_dir, "--out", out) == 0
    return out


@pytest.fixture(scope="session")
def keras_import(tmp_path_factory, mnist_dir) -> Path:
    out = tmp_path_factory.mktemp("imported") / "keras.npz"
    assert (
        cli("import", FIXTURES / "imports" / "keras_sigmoid.keras", "--data-dir", mnist_dir, "--out", out)
        == 0
    )
    return out


@pytest.fixture(scope="session")
def deck(tmp_path_factory):
    """The deck of LayerDiagram and ForwardPass at -q l, built once from an empty cache: (deck folder,
    cache folder). tests/test_slides.py and tests/test_deck_handout.py read it."""
    root = tmp_path_factory.mktemp("slides")
    argv = [
        "slides",
        "layer-diagram",
        "forward-pass",
        "-q",
        "l",
        "--out",
        root / "deck",
        "--cache",
        root / "cache",
    ]
    assert cli(*argv) == 0
    return root / "deck", root / "cache"
