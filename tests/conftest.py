"""Shared fixtures: the real MNIST files, IDX writers, an offline environment, networks built once.

The MNIST folder is $NNEXPLAIN_DATA (set by CI), else ../shared/data/mnist beside the repo, else
the CLI's cache folder, downloaded and verified on first use (tests/mnist_data.py). When the
collected tests need MNIST and none can be found or fetched, the session stops before any test
runs with one line saying which folder to fill.

Under pytest-xdist the session fixtures that train or import a network are built by the first
worker that asks and reused by the other (`built_once`).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from network.data import SPLITS, find_idx_file, load_dataset, read_idx
from scenes.cli import main
from tests.mnist_data import MissingMNIST, locate_mnist

REPO = Path(__file__).resolve().parents[1]
# Read once at import time: tests that isolate the environment remove the variable later.
_DATA_ENV = os.environ.get("NNEXPLAIN_DATA")
# The fixtures that read the real MNIST files; a test using any of them needs the data at start.
MNIST_FIXTURES = frozenset({"mnist_dir", "dataset", "mnist_uint8", "torch_import", "keras_import"})
MISSING_MNIST_STATUS = 4  # pytest's own status for a usage error: the test setup is incomplete
_mnist: dict[str, Path] = {}


def shared_root(tmp_path_factory) -> Path:
    """A folder this test session's processes share: pytest's base temp folder, or under xdist the
    folder that holds every worker's base temp folder (one per session, not per worker)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def find_mnist(tmp_path_factory) -> Path:
    """The MNIST folder, found or downloaded once per session under a lock the xdist workers share;
    raises MissingMNIST (one line saying which folder to fill) when there is none."""
    if "dir" not in _mnist:
        with FileLock(str(shared_root(tmp_path_factory) / "mnist.lock")):
            _mnist["dir"] = locate_mnist(_DATA_ENV)
    return _mnist["dir"]


def pytest_configure(config):
    """An xdist worker starts with Ctrl-C ignored (SIG_IGN), which every process it starts would
    inherit: the tests that press Ctrl-C on a command would then see it carry on. Give this process
    Python's own Ctrl-C back, so its children start as they do from a shell."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session, config, items):
    """Find MNIST before the first test when a collected test needs it (not 108 errors later).
    Without it the session stops with one line: pytest.exit, or under xdist (where a worker that
    exits looks like a crash) the worker runs nothing and asks the controller to stop."""
    if config.option.collectonly or not any(MNIST_FIXTURES & set(item.fixturenames) for item in items):
        return
    try:
        find_mnist(config._tmp_path_factory)  # the tmp_path_factory fixture's own object
    except MissingMNIST as exc:
        if not hasattr(config, "workerinput"):
            pytest.exit(str(exc), returncode=MISSING_MNIST_STATUS)
        session.shouldstop = f"{MissingMNIST.__name__}: {exc}"
        items.clear()


def pytest_keyboard_interrupt(excinfo):
    """The xdist controller stops with an Interrupted naming MissingMNIST when a worker found none."""
    if str(excinfo.value).startswith(f"{MissingMNIST.__name__}: "):
        _mnist["missing"] = True


def pytest_sessionfinish(session):
    if _mnist.get("missing"):
        session.exitstatus = MISSING_MNIST_STATUS


@pytest.fixture(scope="session", autouse=True)
def manim_media_of_its_own(tmp_path_factory) -> Path:
    """Manim's own folders (media_dir, with the Tex and texts under it) for code that renders without
    a tempconfig naming them: in this test process's temp folder instead of the repository's media/,
    which every test process would share. Manim parses each SVG through a temporary file beside it,
    and a second process building the same label there deletes it under the first."""
    from manim import config as manim_config

    manim_config.media_dir = str(tmp_path_factory.mktemp("manim-media"))
    return Path(manim_config.media_dir)


@pytest.fixture(scope="session")
def mnist_dir(tmp_path_factory) -> Path:
    try:
        return find_mnist(tmp_path_factory)
    except MissingMNIST as exc:  # asked for by a test the collection check could not see
        pytest.exit(str(exc), returncode=MISSING_MNIST_STATUS)


@pytest.fixture(scope="session")
def built_once(tmp_path_factory) -> Callable[[str, Callable[[Path], object]], Path]:
    """built_once(name, build) -> path: `build(path)` writes the file (or folder) `path` once per
    session, in the first process that asks (xdist workers wait on a file lock) and the others reuse
    it. The build writes into a folder of its own that is renamed when it succeeds, so a failed
    build leaves nothing behind and the next caller builds again."""
    root = shared_root(tmp_path_factory) / "built-once"

    def _built(name: str, build: Callable[[Path], object]) -> Path:
        done = root / name
        root.mkdir(exist_ok=True)
        with FileLock(str(root / f"{name}.lock")):
            if not done.is_dir():
                partial = root / f"{name}.partial"
                shutil.rmtree(partial, ignore_errors=True)
                partial.mkdir()
                try:
                    build(partial / name)
                except BaseException:
                    shutil.rmtree(partial, ignore_errors=True)
                    raise
                partial.rename(done)
        return done / name

    return _built


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
def relu_784_32_10(built_once) -> Path:
    """A real 784-32-10 ReLU weights file: one epoch on 800 sample digits, tested on the other 200,
    written by the real exporter."""
    from network.data import Dataset, load_sample
    from network.training import TrainConfig, train
    from network.weights_file import save_weights

    def build(path: Path) -> None:
        images, labels = load_sample()
        data = Dataset(images[:800], labels[:800], images[800:], labels[800:], checksums={})
        config = TrainConfig(sizes=(784, 32, 10), activation="relu", epochs=1, validation_size=100)
        result = train(data, config, progress=False)
        accuracy = result.model.accuracy(images[800:], labels[800:])
        save_weights(result.model, path, {"test_accuracy": accuracy})

    return built_once("relu-784-32-10.npz", build)


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
def digits28_weights(built_once, digits28_dir) -> Path:
    return built_once("digits28.npz", lambda path: train_on(digits28_dir, path))


@pytest.fixture(scope="session")
def digits8_weights(built_once, digits8_dir) -> Path:
    return built_once("digits8.npz", lambda path: train_on(digits8_dir, path, epochs=60))


def import_model(model_file: Path, out: Path, *options) -> None:
    """`nnexplain import MODEL_FILE ... --out OUT`, which must succeed."""
    assert cli("import", model_file, *options, "--out", out) == 0


@pytest.fixture(scope="session")
def torch_import(built_once, mnist_dir) -> Path:
    """The PyTorch 784-128-64-10 ReLU (normalised inputs), imported from its ONNX file with the real
    MNIST test set beside it."""
    onnx = FIXTURES / "imports" / "torch_relu.onnx"
    options = ("--normalize", "0.1307,0.3081", "--data-dir", mnist_dir)
    return built_once("torch.npz", lambda path: import_model(onnx, path, *options))


@pytest.fixture(scope="session")
def keras_import(built_once, mnist_dir) -> Path:
    keras = FIXTURES / "imports" / "keras_sigmoid.keras"
    return built_once("keras.npz", lambda path: import_model(keras, path, "--data-dir", mnist_dir))


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
