"""The catalogue of bad input files, fed to the real command line: every case must end in one line
`nnexplain: error: ...` on stderr, a non-zero exit status, no traceback and no file written.

(Usage mistakes, unknown scenes, bad qualities and output paths are catalogued beside the commands
that take them: tests/test_cli_network.py, tests/test_render_cli.py and tests/test_figures.py.)
"""

from __future__ import annotations

import gzip
import http.server
import json
import threading
import zipfile
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from network.data import MNIST_SHA256, SPLITS
from network.images import MAX_PIXELS
from network.model import MLP
from network.weights_file import save_weights
from tests.cli_errors import assert_one_error_line
from tests.conftest import idx_bytes, write_idx_dir

pytestmark = pytest.mark.usefixtures("offline")
SHIPPED = Path(__file__).resolve().parents[1] / "network" / "weights" / "default.npz"


# -- IDX data sets ---------------------------------------------------------------------------------


def small_split(mnist_uint8) -> dict[str, np.ndarray]:
    return {key: array[:200] for key, array in mnist_uint8.items()}


def damage(key: str, make):
    """A case: a valid 200-digit IDX directory with one file replaced by make(arrays) -> bytes."""

    def build(directory: Path, arrays: dict) -> None:
        for name, array in arrays.items():
            (directory / SPLITS[name]).write_bytes(idx_bytes(array))
        (directory / SPLITS[key]).unlink()
        content = make(arrays)
        (directory / (SPLITS[key] + (".gz" if content[:1] == b"!" else ""))).write_bytes(content.lstrip(b"!"))

    return build


IDX_CASES = {
    "truncated images": damage("test_images", lambda a: idx_bytes(a["test_images"])[:-100]),
    "empty labels file": damage("test_labels", lambda a: b""),
    "wrong magic": damage("train_images", lambda a: b"\x00\x00\x0d\x03" + idx_bytes(a["train_images"])[4:]),
    "wrong count in header": damage("test_labels", lambda a: idx_bytes(a["test_labels"][:150])),
    "gz that is not gzip": damage("train_labels", lambda a: b"!" + b"plain text, not gzip"),
    "label 30 (classes are 0-29)": damage(
        "test_labels", lambda a: idx_bytes(np.where(a["test_labels"] == 3, 30, a["test_labels"]))
    ),
    "classes.txt naming too few": lambda d, a: (
        write_idx_dir(d, a),
        (d / "classes.txt").write_text("a\nb\n"),
    ),
    "classes.txt naming a class twice": lambda d, a: (
        write_idx_dir(d, a),
        (d / "classes.txt").write_text("\n".join("abcdefghia")),
    ),
    "images of 14x14": damage("test_images", lambda a: idx_bytes(a["test_images"][:, ::2, ::2])),
}


def one_file_missing(directory: Path, arrays: dict) -> None:
    for name, array in arrays.items():
        if name != "train_labels":
            (directory / SPLITS[name]).write_bytes(idx_bytes(array))


IDX_CASES["one file missing"] = one_file_missing


@pytest.mark.parametrize("case", list(IDX_CASES))
def test_bad_idx_files(case, run, tmp_path, mnist_uint8):
    data = tmp_path / "data"
    data.mkdir()
    IDX_CASES[case](data, small_split(mnist_uint8))
    before = sorted(data.iterdir())
    for argv in (
        ["evaluate", "--data-dir", data],
        ["train", "--data-dir", data, "--epochs", "1", "--quiet", "--out", tmp_path / "w.npz"],
    ):
        code, stdout, err = run(*argv)
        assert_one_error_line(code, stdout, err)
    assert sorted(data.iterdir()) == before and not (tmp_path / "w.npz").exists()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_checksum_mismatch_after_download(run, tmp_path, monkeypatch):
    """A mirror that serves damaged MNIST files: the download is refused and nothing stays behind."""
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    for name in MNIST_SHA256:
        (mirror / name).write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(mirror)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setenv("NNEXPLAIN_MNIST_MIRROR", f"http://127.0.0.1:{server.server_address[1]}/")
    try:
        code, stdout, err = run("evaluate")
    finally:
        server.shutdown()
    assert_one_error_line(code, stdout, err)
    assert "checksum mismatch" in err
    assert [p for p in cache.rglob("*") if p.is_file()] == []


# -- weights files -----------------------------------------------------------------------------------


def shipped_arrays() -> dict:
    with np.load(SHIPPED, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files}


def npz_with(change) -> callable:
    def build(path: Path) -> None:
        arrays = shipped_arrays()
        change(arrays)
        np.savez(path, **arrays)

    return build


def pickled(path: Path) -> None:
    arrays = shipped_arrays()
    arrays["W2"] = np.array([{"evil": "pickle"}], dtype=object)
    np.savez(path, **arrays)


def set_item(arrays, name, value):
    arrays[name] = value


WEIGHTS_CASES = {
    "missing array b2": npz_with(lambda a: a.pop("b2")),
    "wrong shape W2": npz_with(lambda a: set_item(a, "W2", a["W2"][:, :10])),
    "NaN weight": npz_with(lambda a: a["W1"].__setitem__((3, 400), np.nan)),
    "Inf bias": npz_with(lambda a: a["b3"].__setitem__(0, np.inf)),
    "pickle inside": pickled,
    "manifest not JSON": npz_with(lambda a: set_item(a, "manifest", np.array("{sizes: [784"))),
    "not a zip": lambda path: path.write_bytes(b"\x93NUMPY not really"),
    "empty file": lambda path: path.write_bytes(b""),
    "zip without arrays": lambda path: zipfile.ZipFile(path, "w").close(),
    "integer weights": npz_with(lambda a: set_item(a, "W1", np.zeros_like(a["W1"], dtype=np.int32))),
}


@pytest.mark.parametrize("case", list(WEIGHTS_CASES))
def test_bad_weights_files(case, run, tmp_path):
    weights = tmp_path / "weights.npz"
    WEIGHTS_CASES[case](weights)
    for argv in (
        ["predict", "--weights", weights, "--digit", "0"],
        ["export-activations", "--weights", weights, "--digit", "0", "--out", tmp_path / "a.npz"],
    ):
        code, stdout, err = run(*argv)
        assert_one_error_line(code, stdout, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.npz"]


def test_scenes_refuse_a_network_without_hidden_layers(run, tmp_path):
    """784-10 is a fine classifier (predict works) but has no hidden layer for the scenes to show."""
    weights = tmp_path / "flat.npz"
    save_weights(MLP.initialise((784, 10), seed=3), weights, {"seed": 3})
    assert run("predict", "--weights", weights, "--digit", "0")[0] == 0
    code, stdout, err = run("render", "LayerDiagram", "--weights", weights, "--out", tmp_path / "media")
    assert_one_error_line(code, stdout, err)
    assert "hidden layer" in err and not (tmp_path / "media").exists()


def test_weights_of_another_architecture_are_fine(run, tmp_path):
    """Not a bad input: any MLP with 784 inputs and 10 outputs is accepted."""
    weights = tmp_path / "wide.npz"
    save_weights(MLP.initialise((784, 32, 10), "relu", seed=3), weights, {"seed": 3})
    code, out, err = run("predict", "--weights", weights, "--digit", "0", "--json")
    assert code == 0 and err == ""
    assert len(json.loads(out)[0]["probabilities"]) == 10


# -- images ----------------------------------------------------------------------------------------------


def test_unreadable_weights_file(run, tmp_path):
    weights = tmp_path / "weights.npz"
    weights.mkdir()  # not a file at all; (as root, a chmod 000 file would still be readable)
    code, stdout, err = run("predict", "--weights", weights, "--digit", "0")
    assert_one_error_line(code, stdout, err)


def test_digit_and_image_together_is_a_usage_error(run, tmp_path, mnist_uint8):
    path = tmp_path / "seven.png"
    Image.fromarray(255 - mnist_uint8["test_images"][0]).save(path)
    code, stdout, err = run("predict", "--digit", "3", "--image", path)
    assert_one_error_line(code, stdout, err, "not both", status=2)


def test_empty_and_non_image_files(run, tmp_path):
    for name, content in (
        ("empty.png", b""),
        ("notes.png", b"shopping list"),
        ("half.png", b"\x89PNG\r\n\x1a\n\x00"),
    ):
        path = tmp_path / name
        path.write_bytes(content)
        code, stdout, err = run("predict", "--image", path)
        assert_one_error_line(code, stdout, err)


def test_huge_image_is_refused_before_decoding(run, tmp_path):
    side = int(np.sqrt(MAX_PIXELS)) + 100
    path = tmp_path / "huge.png"
    Image.new("1", (side, side)).save(path)  # 1-bit: a few kB on disk, 41 M pixels when decoded
    code, stdout, err = run("predict", "--image", path)
    assert_one_error_line(code, stdout, err)
    assert "too large" in err


@pytest.mark.parametrize("mode", ["RGBA", "I;16", "P", "LA", "1"])
def test_unusual_image_modes_are_read(mode, run, tmp_path, mnist_uint8):
    """Not bad inputs: RGBA, 16-bit, palette, gray+alpha and 1-bit images of a real 7 are read as a 7."""
    digit = mnist_uint8["test_images"][0]  # a 7
    ink = np.kron(255 - digit, np.ones((6, 6), dtype=np.uint8))  # black ink on white paper, 168x168
    image = Image.fromarray(ink)
    if mode == "I;16":
        image = Image.fromarray(ink.astype(np.uint16) * 257)
    elif mode == "1":
        image = Image.fromarray(((ink > 128) * 255).astype(np.uint8)).convert("1")
    else:
        image = image.convert(mode)
    path = tmp_path / f"seven-{mode.replace(';', '')}.png"
    image.save(path)
    code, out, err = run("predict", "--image", path, "--json")
    assert code == 0 and err == ""
    assert json.loads(out)[0]["prediction"] == 7
