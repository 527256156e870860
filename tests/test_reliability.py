"""Reliability: fuzzed file parsing, interrupted training, disk full, byte-for-byte determinism."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network.data import parse_idx
from network.errors import DataError, NNExplainError, WeightsError
from network.model import MLP
from network.weights_file import load_weights, save_weights
from tests.cli_errors import assert_one_error_line
from tests.conftest import idx_bytes

# pytest-xdist: the whole file on one worker (its module fixtures train once; timed interruptions)
pytestmark = pytest.mark.xdist_group("reliability")

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "network" / "weights" / "default.npz"
NNEXPLAIN = [sys.executable, "-m", "network.cli"]


# -- property tests: parsers either load valid data or raise the tool's own error ------------------


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_idx_parser_on_random_bytes(raw):
    try:
        array = parse_idx(raw)
    except DataError:
        return
    header = 4 + 4 * array.ndim
    assert array.dtype == np.uint8 and array.size == len(raw) - header


@settings(max_examples=300, deadline=None)
@given(shape=st.lists(st.integers(0, 5), min_size=1, max_size=3), data=st.data())
def test_idx_parser_on_damaged_valid_files(shape, data):
    array = np.arange(int(np.prod(shape)), dtype=np.uint8).reshape(shape)
    raw = bytearray(idx_bytes(array))
    cut = data.draw(st.integers(0, len(raw)))
    flips = data.draw(
        st.lists(st.tuples(st.integers(0, max(len(raw) - 1, 0)), st.integers(0, 255)), max_size=3)
    )
    for position, value in flips:
        if position < len(raw):
            raw[position] = value
    damaged = bytes(raw[:cut]) + data.draw(st.binary(max_size=8))
    try:
        parsed = parse_idx(damaged)
    except DataError:
        return
    assert parsed.size == len(damaged) - 4 - 4 * parsed.ndim


@pytest.fixture(scope="module")
def shipped_bytes() -> bytes:
    return SHIPPED.read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_weights_loader_on_damaged_files(tmp_path, shipped_bytes, data):
    raw = bytearray(shipped_bytes)
    for _ in range(data.draw(st.integers(1, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(raw)))
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(raw[:cut]))
    try:
        model, manifest = load_weights(path)
    except WeightsError:
        return
    assert all(np.isfinite(W).all() for W in model.weights) and manifest["sizes"] == list(model.sizes)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=400))
def test_weights_loader_on_random_bytes(tmp_path, raw):
    path = tmp_path / "random.npz"
    path.write_bytes(raw)
    with pytest.raises(WeightsError):
        load_weights(path)


# -- nothing half-written ----------------------------------------------------------------------------


def test_disk_full_during_export_leaves_nothing(tmp_path, monkeypatch):
    model = MLP.initialise((784, 16, 16, 10), seed=1)
    target = tmp_path / "weights.npz"
    save_weights(model, target, {"seed": 1})
    before = target.read_bytes()

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(NNExplainError, match="No space left"):
        save_weights(MLP.initialise((784, 16, 16, 10), seed=2), target, {"seed": 2})
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.npz"]


def test_disk_full_in_the_cli_is_one_line(tmp_path, monkeypatch, capsys):
    from network.cli import main

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    out = tmp_path / "acts.npz"
    code = main(["export-activations", "--digit", "3", "--out", str(out)])
    assert_one_error_line(code, *capsys.readouterr(), "No space left", status=1)
    assert list(tmp_path.iterdir()) == []


def test_output_directory_that_is_a_file(tmp_path):
    blocked = tmp_path / "file-in-the-way"
    blocked.write_text("not a directory")
    result = subprocess.run(
        [*NNEXPLAIN, "export-activations", "--digit", "3", "--out", str(blocked / "a.npz")],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert_one_error_line(result.returncode, result.stdout, result.stderr, status=1)
    assert blocked.read_text() == "not a directory"


# -- interrupted training ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_idx_dir(tmp_path_factory, mnist_dir) -> Path:
    """The first 6000 training and 1000 test digits of the real MNIST, as IDX files."""
    from network.data import SPLITS, find_idx_file, read_idx

    directory = tmp_path_factory.mktemp("small-mnist")
    for key, stem in SPLITS.items():
        array = read_idx(find_idx_file(Path(mnist_dir), stem))
        (directory / stem).write_bytes(idx_bytes(array[: 6000 if key.startswith("train") else 1000]))
    return directory


def train_command(data_dir, out, snapshots, epochs, *extra):
    return [
        *NNEXPLAIN,
        "train",
        "--data-dir",
        str(data_dir),
        "--epochs",
        str(epochs),
        "--quiet",
        "--out",
        str(out),
        "--snapshots",
        str(snapshots),
        *extra,
    ]


# epochs (about 3 s on 6000 digits): the signal is sent as the second snapshot appears, so the run
# surely ends far from it (2 <= snapshots < LONG_RUN is asserted), and the resumed run is short
LONG_RUN = 120


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, small_idx_dir) -> Path:
    directory = tmp_path_factory.mktemp("uninterrupted")
    subprocess.run(
        train_command(small_idx_dir, directory / "w.npz", directory / "s", LONG_RUN),
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    return directory / "w.npz"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_training_keeps_old_weights_and_resumes_exactly(
    tmp_path, small_idx_dir, uninterrupted, signum
):
    out, snapshots = tmp_path / "weights.npz", tmp_path / "snapshots"
    save_weights(MLP.initialise((784, 16, 16, 10), seed=5), out, {"seed": 5})
    previous = out.read_bytes()

    process = subprocess.Popen(
        train_command(small_idx_dir, out, snapshots, LONG_RUN),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.time() + 60
    while len(list(snapshots.glob("epoch-*.npz"))) < 2 and time.time() < deadline:
        time.sleep(0.05)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, f"exit {process.returncode}: {stderr}"  # 130 or 143
    assert "interrupted" in stderr and "Traceback" not in stderr
    assert out.read_bytes() == previous, "the previous weights file must be untouched"
    assert not [p for p in tmp_path.rglob("*partial*")], "no temporary file may be left behind"
    snapshot_files = sorted(snapshots.glob("epoch-*.npz"))
    assert 2 <= len(snapshot_files) < LONG_RUN
    load_weights(snapshot_files[-1])  # the last snapshot is a usable weights file

    subprocess.run(
        train_command(small_idx_dir, out, snapshots, LONG_RUN, "--resume"),
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert out.read_bytes() == uninterrupted.read_bytes(), "resuming must give the uninterrupted weights"


def test_starting_over_clears_old_snapshots(tmp_path, small_idx_dir):
    snapshots = tmp_path / "snapshots"
    subprocess.run(
        train_command(small_idx_dir, tmp_path / "a.npz", snapshots, 3),
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    subprocess.run(
        train_command(small_idx_dir, tmp_path / "b.npz", snapshots, 2),
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert sorted(p.name for p in snapshots.iterdir()) == ["epoch-000.npz", "epoch-001.npz", "epoch-002.npz"]


# -- determinism -----------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_weights_files(tmp_path, small_idx_dir):
    for name in ("first.npz", "second.npz"):
        subprocess.run(
            [
                *NNEXPLAIN,
                "train",
                "--data-dir",
                str(small_idx_dir),
                "--epochs",
                "2",
                "--quiet",
                "--out",
                str(tmp_path / name),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
    assert (tmp_path / "first.npz").read_bytes() == (tmp_path / "second.npz").read_bytes()
    subprocess.run(
        [
            *NNEXPLAIN,
            "train",
            "--data-dir",
            str(small_idx_dir),
            "--epochs",
            "2",
            "--quiet",
            "--seed",
            "1",
            "--out",
            str(tmp_path / "other.npz"),
        ],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    assert (tmp_path / "other.npz").read_bytes() != (tmp_path / "first.npz").read_bytes()


def test_rendering_the_same_still_twice_gives_identical_pixels(tmp_path, run):
    from PIL import Image

    frames = []
    for name in ("first.png", "second.png"):
        code, _, err = run("figure", "layer-diagram", "--width", "960", "--out", tmp_path / name)
        assert code == 0, err
        frames.append(np.asarray(Image.open(tmp_path / name)))
    assert frames[0].shape[:2] == (540, 960)
    assert np.array_equal(frames[0], frames[1])
    assert frames[0].std() > 10  # a real picture, not an empty frame
