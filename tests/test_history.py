"""A training run's history: the snapshots `train --snapshots` writes, `nnexplain history` keeping a
few of them small, and the shipped history of the shipped network (network/weights/default-history)."""

from __future__ import annotations

import numpy as np
import pytest

from network.data import load_dataset
from network.history import DEFAULT_HISTORY, load_history, snapshot_files
from network.model import MLP
from network.weights_file import DEFAULT_WEIGHTS, load_weights, read_npz
from tests.cli_errors import assert_one_error_line

# pytest-xdist: the whole file on one worker (its module fixture trains one run with snapshots)
pytestmark = pytest.mark.xdist_group("history")


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory, mnist_uint8, make_idx_dir, mnist_subset):
    """A real 784-16-10 ReLU run of 3 epochs on 3000 digits, with a snapshot after every epoch."""
    from network.cli import main

    root = tmp_path_factory.mktemp("run")
    data = make_idx_dir(root / "data", mnist_subset(mnist_uint8, 3000, 500))
    argv = ["train", "--data-dir", data, "--sizes", "784,16,10", "--activation", "relu", "--epochs", 3,
            "--quiet", "--snapshots", root / "snaps", "--out", root / "w.npz"]  # fmt: skip
    assert main([str(a) for a in argv]) == 0
    return root


def test_snapshots_start_at_the_random_initialisation(run_folder):
    files = snapshot_files(run_folder / "snaps")
    assert [p.name for p in files] == [f"epoch-00{e}.npz" for e in range(4)]
    start, manifest = load_weights(files[0])
    np.testing.assert_array_equal(start.parameters, MLP.initialise((784, 16, 10), "relu", seed=0).parameters)
    assert 0 < manifest["validation_accuracy"] < 0.3  # chance level before any step


def test_history_keeps_a_few_epochs_small_with_their_real_test_accuracy(run, run_folder, tmp_path):
    out = tmp_path / "kept"
    code, stdout, err = run("history", run_folder / "snaps", "--epochs", "0,last", "--data-dir",
                            run_folder / "data", "--out", out)  # fmt: skip
    assert code == 0, err
    assert "kept epochs 0, 3" in stdout
    kept = snapshot_files(out)
    assert [p.name for p in kept] == ["epoch-000.npz", "epoch-003.npz"]
    full = snapshot_files(run_folder / "snaps")
    assert "adam_m" in read_npz(full[3]) and "adam_m" not in read_npz(kept[1])  # no optimiser state
    assert kept[1].stat().st_size < full[3].stat().st_size / 3
    data = load_dataset(run_folder / "data", download=False)
    history = load_history(out)
    original = load_history(run_folder / "snaps", data)
    for snapshot, epoch in zip(history.snapshots, (0, 3)):
        np.testing.assert_array_equal(snapshot.model.parameters, load_weights(full[epoch])[0].parameters)
        measured = snapshot.model.accuracy(data.test_images, data.test_labels)
        assert snapshot.test_accuracy == pytest.approx(measured, abs=1e-6)
    # the curves cover every epoch of the run, those not kept too
    assert [e for e, _ in history.validation_curve] == [0, 1, 2, 3]
    np.testing.assert_allclose(history.test_curve, original.test_curve, atol=1e-6)
    assert history.test_curve[0][1] < 0.3 < history.test_curve[-1][1]


def test_history_refuses_what_it_cannot_do(run, run_folder, tmp_path):
    snaps, data = run_folder / "snaps", run_folder / "data"
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine\n")
    cases = [
        (["--epochs", "0,7"], tmp_path / "a", "no snapshot of epoch 7"),
        (["--epochs", "zero"], tmp_path / "b", "not a list of epochs"),
        ([], tmp_path / "busy", "holds other files (notes.txt)"),
        ([], "-", "'-' is not a folder"),
    ]
    for extra, out, message in cases:
        code, stdout, err = run("history", snaps, "--data-dir", data, *extra, "--out", out)
        assert_one_error_line(code, stdout, err)
        assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["busy"]  # nothing half-written
    assert (tmp_path / "busy" / "notes.txt").read_text() == "mine\n"
    code, stdout, err = run("history", tmp_path / "busy", "--data-dir", data, "--out", tmp_path / "c")
    assert_one_error_line(code, stdout, err)
    assert "no snapshots (epoch-NNN.npz)" in err


def test_the_shipped_history_is_the_shipped_networks_run():
    history = load_history(DEFAULT_HISTORY)
    shipped, manifest = load_weights(DEFAULT_WEIGHTS)
    assert history.epochs == [0, 1, 2, 5, 10, 30]
    last = history.snapshots[-1]
    # re-run with the same recipe and seed on another machine: the same network up to float rounding
    assert np.max(np.abs(last.model.parameters - shipped.parameters)) < 1e-4
    assert last.test_accuracy == manifest["test_accuracy"]
    assert history.manifest["training"] == manifest["training"]
    assert [e for e, _ in history.test_curve] == list(range(31))
    assert history.test_curve[0][1] < 0.2 and history.test_curve[1][1] > 0.7
    assert sum(p.stat().st_size for p in snapshot_files(DEFAULT_HISTORY)) < 400_000
