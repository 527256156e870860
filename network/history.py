"""A training run's history, for showing how a network learns: the network at a few epochs and its
accuracy, epoch by epoch.

`nnexplain train --snapshots DIR` writes DIR/epoch-NNN.npz after every epoch (epoch 000 is the
random start); each is a weights file. `load_history(DIR)` reads any such folder. `keep_epochs`
copies a few of them without the optimiser state (about 50 KB each instead of 260 KB), with each
kept network's test accuracy and the whole validation curve: network/weights/default-history/ is
that copy of the shipped network's own run, so the LearningOverEpochs beat renders offline.

    >>> history = load_history("network/weights/default-history")  # in a checkout of nnexplain
    >>> history.epochs, history.snapshots[-1].test_accuracy
    ([0, 1, 2, 5, 10, 30], 0.9593)
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from network.data import Dataset
from network.errors import NNExplainError, WeightsError
from network.model import MLP
from network.weights_file import load_weights, save_weights

__all__ = ["DEFAULT_HISTORY", "Snapshot", "TrainingHistory", "keep_epochs", "load_history", "snapshot_files"]

DEFAULT_HISTORY = Path(__file__).parent / "weights" / "default-history"  # the shipped network's run
SNAPSHOT_NAME = re.compile(r"epoch-(\d{3})\.npz")


@dataclass(frozen=True)
class Snapshot:
    """The network after `epoch` epochs of training (0: its random start)."""

    epoch: int
    model: MLP
    validation_accuracy: float | None
    test_accuracy: float | None  # None when neither the file nor a data set gives it


@dataclass(frozen=True)
class TrainingHistory:
    snapshots: list[Snapshot]  # in epoch order
    validation_curve: list[tuple[int, float]]  # (epoch, validation accuracy) for every epoch known
    test_curve: list[tuple[int, float]]  # (epoch, test accuracy) for every epoch known
    manifest: dict  # the last snapshot's manifest
    folder: Path

    @property
    def epochs(self) -> list[int]:
        return [snapshot.epoch for snapshot in self.snapshots]

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """The output layer a(L) for the input `x` at every snapshot: (snapshots, outputs)."""
        return np.stack([snapshot.model.forward(x).activations[-1] for snapshot in self.snapshots])


def snapshot_files(folder: str | Path) -> list[Path]:
    """The epoch-NNN.npz files of a snapshots folder, in epoch order."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NNExplainError(f"{folder}: no such snapshots folder")
    return sorted(path for path in folder.iterdir() if SNAPSHOT_NAME.fullmatch(path.name))


def load_history(folder: str | Path, dataset: Dataset | None = None) -> TrainingHistory:
    """Every snapshot in `folder`; a snapshot's test accuracy comes from its file, else is measured
    on `dataset`'s test split when one is given. All snapshots must be of one architecture."""
    folder = Path(folder)
    files = snapshot_files(folder)
    if not files:
        raise NNExplainError(
            f"{folder}: no snapshots (epoch-NNN.npz); write them with nnexplain train --snapshots"
        )
    snapshots, manifest = [], {}
    curves = {"validation_accuracy": {}, "test_accuracy": {}}
    for path in files:
        model, manifest = load_weights(path)
        if snapshots and (model.sizes, model.activation) != (
            snapshots[0].model.sizes,
            snapshots[0].model.activation,
        ):
            raise WeightsError(f"{path}: a {model} among snapshots of a {snapshots[0].model}")
        test = manifest.get("test_accuracy")
        if test is None and dataset is not None:
            test = model.accuracy(dataset.test_images, dataset.test_labels)
        epoch = int(SNAPSHOT_NAME.fullmatch(path.name)[1])
        snapshot = Snapshot(epoch, model, manifest.get("validation_accuracy"), test)
        snapshots.append(snapshot)
        reports = manifest.get("checkpoint", {}).get("history", manifest.get("history", []))
        for report in [
            *reports,
            {"epoch": epoch, "validation_accuracy": snapshot.validation_accuracy, "test_accuracy": test},
        ]:
            for key, curve in curves.items():
                if report.get(key) is not None:
                    curve[int(report["epoch"])] = float(report[key])
    validation, test = (sorted(curve.items()) for curve in curves.values())
    return TrainingHistory(snapshots, validation, test, manifest, folder)


def keep_epochs(
    folder: str | Path, out: str | Path, epochs: list[int], dataset: Dataset | None = None
) -> list[Path]:
    """Write the snapshots of `epochs` from `folder` to the folder `out`, weights only, each with its
    test accuracy (measured on `dataset` if the file lacks it) and the run's accuracy curves, those
    of the epochs not kept included.
    `out` is written whole or not at all; an existing `out` may hold only epoch-NNN.npz files."""
    history = load_history(folder, dataset)
    by_epoch = {snapshot.epoch: snapshot for snapshot in history.snapshots}
    missing = [epoch for epoch in epochs if epoch not in by_epoch]
    if missing:
        raise NNExplainError(
            f"{folder}: no snapshot of epoch {missing[0]} (it has {_ranges(history.epochs)})"
        )
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NNExplainError(f"--out {out} is a file, not a folder")
    foreign = [p.name for p in out.iterdir() if not SNAPSHOT_NAME.fullmatch(p.name)] if out.is_dir() else []
    if foreign:
        raise NNExplainError(f"--out {out} holds other files ({foreign[0]}); name a new or empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    run = {k: v for k, v in history.manifest.items() if k not in ("checkpoint", "validation_accuracy")}
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    staging.chmod(0o777 & ~_umask())  # a folder like mkdir's, not mkdtemp's private one
    try:
        for epoch in sorted(set(epochs)):
            snapshot = by_epoch[epoch]
            manifest = {
                **run,
                "epoch": epoch,
                "validation_accuracy": snapshot.validation_accuracy,
                "test_accuracy": None if snapshot.test_accuracy is None else round(snapshot.test_accuracy, 6),
                "history": curve_reports(history),
            }
            save_weights(snapshot.model, staging / f"epoch-{epoch:03d}.npz", manifest)
        if out.exists():
            old = out.rename(out.with_name(f"{staging.name}.old"))
            staging.rename(out)
            shutil.rmtree(old)
        else:
            staging.rename(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return snapshot_files(out)


def curve_reports(history: TrainingHistory) -> list[dict]:
    """The accuracy curves as one report per epoch: {"epoch", "validation_accuracy", "test_accuracy"}."""
    reports: dict[int, dict] = {}
    for key, curve in (
        ("validation_accuracy", history.validation_curve),
        ("test_accuracy", history.test_curve),
    ):
        for epoch, accuracy in curve:
            reports.setdefault(epoch, {"epoch": epoch})[key] = round(accuracy, 6)
    return [reports[epoch] for epoch in sorted(reports)]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _ranges(epochs: list[int]) -> str:
    return (
        f"epochs {epochs[0]}-{epochs[-1]}"
        if epochs == list(range(epochs[0], epochs[-1] + 1))
        else f"epochs {epochs}"
    )
