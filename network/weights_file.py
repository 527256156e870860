"""The weights file every scene and command reads: a trained network as `.npz`.

Weights file (`numpy.load(path, allow_pickle=False)`):
    W1 ... WL   float32 (n_out, n_in), so that a(l) = f(Wl a(l-1) + bl)
    b1 ... bL   float32 (n_out,)
    manifest    a JSON string: sizes, activation, output, seed, epochs, optimiser,
                validation_accuracy, test_accuracy, data_checksums, version, dataset (name,
                classes, side, checksums), preprocessing (mean, std), source (imports), ...
    sample_images, sample_labels  uint8 (n, side, side), int64 (n,): optional, a sample of the
                test set for data sets other than MNIST, so that the scenes can show its images
Written atomically and byte-for-byte reproducibly (fixed zip timestamps).
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from network import __version__
from network.activations import ACTIVATIONS
from network.atomic import atomic_path
from network.data import SAMPLE_SIZE, find_test_set
from network.dataset_info import DatasetInfo, square_side
from network.errors import WeightsError
from network.model import MLP
from network.training import Checkpoint

DEFAULT_WEIGHTS = Path(__file__).parent / "weights" / "default.npz"  # the shipped sigmoid 784-16-16-10
RELU_WEIGHTS = DEFAULT_WEIGHTS.with_name("relu.npz")  # and its ReLU twin
WEIGHTS_FORMAT = "nnexplain-weights/1"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def write_npz(path: str | Path, arrays: dict[str, np.ndarray]) -> None:
    """Write arrays as an uncompressed-by-numpy, deflated `.npz` with fixed timestamps, atomically."""
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, buffer.getvalue())


def read_npz(path: str | Path, error=WeightsError) -> dict[str, np.ndarray]:
    """Every array of an `.npz` file, never unpickling anything; problems raise `error`."""
    path = Path(path)
    if not path.is_file():
        raise error(f"{path}: no such file")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from None
    if magic != b"PK\x03\x04":
        raise error(f"{path}: not an .npz archive")
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not isinstance(archive, np.lib.npyio.NpzFile):
                raise error(f"{path}: not an .npz archive")
            return {name: archive[name] for name in archive.files}
    except error:
        raise
    except ValueError as exc:
        reason = "holds pickled objects" if "pickle" in str(exc) else str(exc)
        raise error(f"{path}: not a valid .npz file ({reason})") from None
    except Exception as exc:  # zipfile, zlib, EOF and format errors all mean a broken file
        raise error(f"{path}: not a valid .npz file ({type(exc).__name__}: {exc})") from None


def read_manifest(arrays: dict, path: Path, error) -> dict:
    if "manifest" not in arrays:
        raise error(f"{path}: no manifest")
    try:
        manifest = json.loads(str(arrays["manifest"]))
    except (json.JSONDecodeError, TypeError, RecursionError):
        raise error(f"{path}: manifest is not valid JSON") from None
    if not isinstance(manifest, dict):
        raise error(f"{path}: manifest must be a JSON object")
    return manifest


def save_weights(model: MLP, path: str | Path, manifest: dict, extra_arrays: dict | None = None) -> None:
    arrays = dict(extra_arrays or {})
    for layer, (W, b) in enumerate(zip(model.weights, model.biases), start=1):
        arrays[f"W{layer}"] = W.astype(np.float32)
        arrays[f"b{layer}"] = b.astype(np.float32)
    full = {
        "format": WEIGHTS_FORMAT,
        "sizes": list(model.sizes),
        "activation": model.activation,
        "output": "softmax",
        "version": __version__,
        **manifest,
    }
    arrays["manifest"] = np.array(json.dumps(full, sort_keys=True))
    write_npz(path, arrays)


def sample_arrays(images: np.ndarray, labels: np.ndarray, count: int = SAMPLE_SIZE) -> dict:
    """The first `count` test images as the `sample_*` arrays of a weights file (uint8 pictures)."""
    side = square_side(images.shape[1])
    pictures = np.rint(np.asarray(images[:count]) * 255).astype(np.uint8).reshape(-1, side, side)
    return {"sample_images": pictures, "sample_labels": np.asarray(labels[:count], dtype=np.int64)}


def load_stored_sample(path: str | Path) -> tuple[np.ndarray, np.ndarray] | None:
    """The test sample a weights file carries, as (images (n, side * side) in [0, 1], labels), or None."""
    arrays = read_npz(path)
    if "sample_images" not in arrays:
        return None
    images, labels = arrays["sample_images"], arrays.get("sample_labels")
    if images.dtype != np.uint8 or images.ndim != 3 or labels is None or labels.shape != (len(images),):
        raise WeightsError(f"{path}: sample_images must be uint8 (n, side, side) with n sample_labels")
    return images.reshape(len(images), -1).astype(np.float32) / 255.0, labels.astype(np.int64)


def weights_test_set(path: str | Path, manifest: dict, data_dir=None):
    """The test images of the data set the weights at `path` were trained on (a network.data
    TestSet: the data directory's test split when it holds that set, else the shipped MNIST sample
    or the sample the file carries). Its `info` describes the data set."""

    info = DatasetInfo.from_manifest(manifest)
    return find_test_set(info, data_dir, None if info.is_mnist else load_stored_sample(path))


def load_weights(path: str | Path) -> tuple[MLP, dict]:
    """Load and validate a weights file: consecutive W/b pairs, matching shapes, finite floats."""
    path = Path(path)
    arrays = read_npz(path)
    manifest = read_manifest(arrays, path, WeightsError)
    activation = manifest.get("activation", "sigmoid")
    if activation not in ACTIVATIONS:
        raise WeightsError(f"{path}: unknown activation {activation!r} in manifest")
    weights, biases, layer = [], [], 1
    while f"W{layer}" in arrays or f"b{layer}" in arrays:
        for name in (f"W{layer}", f"b{layer}"):
            if name not in arrays:
                raise WeightsError(f"{path}: missing array {name}")
            array = arrays[name]
            if array.dtype.kind != "f":
                raise WeightsError(f"{path}: {name} has dtype {array.dtype}, expected floats")
            if not np.all(np.isfinite(array)):
                raise WeightsError(f"{path}: {name} contains NaN or Inf")
        W, b = arrays[f"W{layer}"], arrays[f"b{layer}"]
        if W.ndim != 2 or b.shape != (W.shape[0],) or min(W.shape) < 1:
            raise WeightsError(
                f"{path}: W{layer} {W.shape} and b{layer} {b.shape} do not fit (n_out, n_in) / (n_out,)"
            )
        if weights and W.shape[1] != weights[-1].shape[0]:
            raise WeightsError(
                f"{path}: W{layer} takes {W.shape[1]} inputs but layer {layer - 1} has {weights[-1].shape[0]}"
            )
        weights.append(W)
        biases.append(b)
        layer += 1
    if not weights:
        raise WeightsError(f"{path}: no W1/b1 arrays")
    sizes = [weights[0].shape[1]] + [W.shape[0] for W in weights]
    if "sizes" in manifest and manifest["sizes"] != sizes:
        raise WeightsError(f"{path}: manifest says sizes {manifest['sizes']} but the arrays are {sizes}")
    manifest["sizes"] = sizes
    return MLP.from_layers(weights, biases, activation), manifest


def save_snapshot(path: str | Path, model: MLP, checkpoint, manifest: dict) -> None:
    """A weights file of the model at `checkpoint.epoch` that also holds the optimiser and random
    state, so that `nnexplain train --resume` continues exactly where training stopped."""
    state = {
        "epoch": checkpoint.epoch,
        "adam_steps": checkpoint.adam_steps,
        "rng_state": checkpoint.rng_state,
        "best_epoch": checkpoint.best_epoch,
        "best_validation": checkpoint.best_validation,
        "history": checkpoint.history,
    }
    snapshot = MLP(model.sizes, model.activation, checkpoint.parameters)
    arrays = {
        "adam_m": checkpoint.adam_m,
        "adam_v": checkpoint.adam_v,
        "best_parameters": checkpoint.best_parameters,
    }
    save_weights(snapshot, path, {**manifest, "checkpoint": state}, extra_arrays=arrays)


def load_snapshot(path: str | Path):
    """(Checkpoint, manifest) from a snapshot written by `save_snapshot`."""

    model, manifest = load_weights(path)
    arrays = read_npz(path)
    state = manifest.get("checkpoint")
    count = len(model.parameters)
    if not isinstance(state, dict) or any(
        arrays.get(k, np.empty(0)).shape != (count,) for k in ("adam_m", "adam_v", "best_parameters")
    ):
        raise WeightsError(f"{path}: not a training snapshot (no optimiser state)")
    try:
        checkpoint = Checkpoint(
            int(state["epoch"]),
            model.parameters,
            arrays["adam_m"],
            arrays["adam_v"],
            int(state["adam_steps"]),
            state["rng_state"],
            arrays["best_parameters"],
            int(state["best_epoch"]),
            float(state["best_validation"]),
            list(state["history"]),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsError(f"{path}: incomplete training snapshot ({exc})") from None
    return checkpoint, manifest
