"""MNIST-style data: read the four IDX files from a directory, download them when missing.

Any directory holding the four standard IDX files works: square grayscale images from 8x8 to
64x64 pixels, 2 to 30 classes, with an optional `classes.txt` naming them (network.dataset_info).
So Fashion-MNIST, KMNIST or a user's own IDX set load the same way as MNIST.
Images come out as float32 rows of side x side values, pixel / 255 in [0, 1] (0 = black background).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from network.atomic import atomic_path
from network.dataset_info import (
    CLASSES_FILE,
    MAX_CLASSES,
    MAX_SIDE,
    MIN_CLASSES,
    MIN_SIDE,
    MNIST,
    DatasetInfo,
    label_names,
    read_classes_file,
    square_side,
)
from network.errors import DataError, NNExplainError

IMAGE_SIDE = 28  # MNIST's
NUM_CLASSES = 10
SPLITS = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
# sha256 of the original .gz files (see LeCun, Cortes & Burges, "MNIST handwritten digit database").
MNIST_SHA256 = {
    "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}
MNIST_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)
DATA_DIR_HINT = "put the four IDX files in a directory and pass --data-dir DIR (or set NNEXPLAIN_DATA)"
_IDX_DTYPE_UBYTE = 0x08


@dataclass(frozen=True)
class Dataset:
    """Train and test splits: `*_images` float32 (n, side * side) in [0, 1], `*_labels` int64 (n,)."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray
    checksums: dict  # file name -> sha256 of the file as read
    name: str = MNIST
    classes: tuple[str, ...] = label_names(NUM_CLASSES)

    @property
    def side(self) -> int:
        return square_side(self.train_images.shape[1])

    @property
    def info(self) -> DatasetInfo:
        return DatasetInfo(self.name, self.classes, self.side, self.checksums)


def environment_defaults() -> dict:
    """Where data comes from when the caller names nothing: the one place `network` reads the
    environment. $NNEXPLAIN_DATA names a data directory, $XDG_CACHE_HOME moves the download cache,
    $NNEXPLAIN_MNIST_MIRROR replaces the download mirrors (tests point it at loopback)."""
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    mirror = os.environ.get("NNEXPLAIN_MNIST_MIRROR")
    return {
        "data_dir": os.environ.get("NNEXPLAIN_DATA") or None,
        "cache_dir": Path(cache) / "nnexplain" / "mnist",
        "mirrors": (mirror,) if mirror else MNIST_MIRRORS,
    }


def default_data_dir() -> Path:
    """The per-user cache directory used when neither --data-dir nor $NNEXPLAIN_DATA is given."""
    return environment_defaults()["cache_dir"]


def resolve_data_dir(data_dir: str | os.PathLike | None = None) -> tuple[Path, bool]:
    """Return (directory, named_by_user): --data-dir, else $NNEXPLAIN_DATA, else the cache dir."""
    defaults = environment_defaults()
    named = data_dir or defaults["data_dir"]
    if named:
        return Path(named).expanduser(), True
    return defaults["cache_dir"], False


def find_idx_file(directory: Path, stem: str) -> Path | None:
    """The raw or gzipped IDX file named `stem` in `directory`, preferring the raw one."""
    for name in (stem, f"{stem}.gz"):
        if (directory / name).is_file():
            return directory / name
    return None


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an unsigned-byte IDX file (raw or gzip) into a uint8 array, validating its header."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        elif path.suffix == ".gz":
            raise DataError(f"{path}: not a gzip file")
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read ({exc})") from None
    return parse_idx(raw, str(path))


def parse_idx(raw: bytes, name: str = "IDX data") -> np.ndarray:
    """Parse IDX bytes: magic 0x0000 08 D, then D big-endian sizes, then exactly prod(sizes) bytes."""
    if len(raw) < 4:
        raise DataError(f"{name}: truncated IDX file ({len(raw)} bytes)")
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != _IDX_DTYPE_UBYTE or not 1 <= ndim <= 4:
        raise DataError(f"{name}: not an unsigned-byte IDX file (magic {raw[:4].hex()})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataError(f"{name}: truncated IDX header")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    expected = header + int(np.prod(shape, dtype=np.int64))
    if len(raw) != expected:
        raise DataError(
            f"{name}: header says shape {shape} ({expected} bytes) but the file has {len(raw)} bytes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape)


def sha256_of(*paths: Path) -> str:
    """The sha256 of a file's bytes (of several files' bytes one after the other)."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def load_split(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read one split's images and labels and check that they fit together."""
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or images.shape[1] != images.shape[2] or not MIN_SIDE <= images.shape[1] <= MAX_SIDE:
        raise DataError(
            f"{images_path}: images must be n x k x k with k from {MIN_SIDE} to {MAX_SIDE}, "
            f"found shape {images.shape}"
        )
    if labels.ndim != 1:
        raise DataError(f"{labels_path}: labels must be one-dimensional, found shape {labels.shape}")
    if len(images) != len(labels):
        raise DataError(f"{images_path.parent}: {len(images)} images but {len(labels)} labels")
    if not len(images):
        raise DataError(f"{images_path}: holds no images")
    if len(labels) and labels.max() >= MAX_CLASSES:
        raise DataError(f"{labels_path}: label {labels.max()} is outside 0-{MAX_CLASSES - 1}")
    return images.reshape(len(images), -1).astype(np.float32) / 255.0, labels.astype(np.int64)


def load_dataset(data_dir: str | os.PathLike | None = None, download: bool = True, classes=None) -> Dataset:
    """Load train and test splits from the resolved data directory, downloading MNIST if empty;
    `classes` names the classes instead of the directory's classes.txt (train --classes)."""
    directory, named = resolve_data_dir(data_dir)
    paths = {key: find_idx_file(directory, stem) for key, stem in SPLITS.items()}
    missing = [SPLITS[key] for key, path in paths.items() if path is None]
    if missing and download and _partial_mnist_download(paths):
        download_mnist(directory)  # an earlier download stopped part-way: finish it
        paths = {key: directory / f"{stem}.gz" for key, stem in SPLITS.items()}
        missing = []
    if missing and len(missing) < len(SPLITS):
        raise DataError(f"{directory}: missing {', '.join(missing)} (.gz or raw)")
    if missing:
        if not download:
            raise DataError(f"{directory}: no IDX files found; {DATA_DIR_HINT}")
        download_mnist(directory)
        paths = {key: directory / f"{stem}.gz" for key, stem in SPLITS.items()}
    train = load_split(paths["train_images"], paths["train_labels"])
    test = load_split(paths["test_images"], paths["test_labels"])
    if train[0].shape[1] != test[0].shape[1]:
        raise DataError(
            f"{directory}: the training images have {train[0].shape[1]} pixels but the test images "
            f"{test[0].shape[1]}"
        )
    classes = directory_classes(directory, max(int(train[1].max()), int(test[1].max())) + 1, classes)
    checksums = {path.name: sha256_of(path) for path in paths.values()}
    name = MNIST if is_mnist_test_set(*test, classes) else directory.absolute().name
    return Dataset(*train, *test, checksums=checksums, name=name, classes=classes)


def directory_classes(directory: Path, labels_used: int, named=None) -> tuple[str, ...]:
    """The class names: `named` (--classes), else `classes.txt` in the data directory, else the
    labels 0 ... max label; named ones must cover every label."""
    origin = "--classes"
    if named is None:
        origin = directory / CLASSES_FILE
        if not origin.is_file():
            return label_names(max(MIN_CLASSES, labels_used))
        named = read_classes_file(origin)
    if len(named) < labels_used:
        raise DataError(f"{origin}: {len(named)} class names, but the labels go up to {labels_used - 1}")
    return tuple(named)


def is_mnist_test_set(images: np.ndarray, labels: np.ndarray, classes) -> bool:
    """Whether a test split is MNIST's: its first digits are those of the shipped sample."""
    if tuple(classes) != label_names(NUM_CLASSES) or images.shape[1] != IMAGE_SIDE**2:
        return False
    return starts_with(images, labels, load_sample())


def _partial_mnist_download(paths: dict) -> bool:
    """True if every file present is a verified MNIST download (so the rest can be fetched)."""
    present = [path for path in paths.values() if path is not None]
    return all(path.name in MNIST_SHA256 and sha256_of(path) == MNIST_SHA256[path.name] for path in present)


def download_mnist(directory: Path, mirrors: tuple[str, ...] | None = None) -> None:
    """Download the four MNIST .gz files into `directory`, verified by sha256, written atomically."""
    mirrors = mirrors or environment_defaults()["mirrors"]
    for name, sha256 in MNIST_SHA256.items():
        if (directory / name).is_file() and sha256_of(directory / name) == sha256:
            continue
        errors = []
        for mirror in mirrors:
            try:
                _download_verified(mirror.rstrip("/") + "/" + name, directory / name, sha256)
                break
            except (urllib.error.URLError, OSError, ValueError, NNExplainError) as exc:
                errors.append(f"{mirror}: {getattr(exc, 'reason', exc)}")
        else:
            raise DataError(f"could not download {name} ({'; '.join(errors)}); {DATA_DIR_HINT}")


def _download_verified(url: str, destination: Path, sha256: str) -> None:
    from tqdm import tqdm

    with urllib.request.urlopen(url, timeout=30) as response, atomic_path(destination) as tmp:
        total = int(response.headers.get("Content-Length") or 0) or None
        digest = hashlib.sha256()
        with (
            open(tmp, "wb") as out,
            tqdm(
                total=total, unit="B", unit_scale=True, desc=destination.name, leave=False, disable=None
            ) as bar,
        ):  # disable=None: a bar only on a terminal, never in logs or pipes
            for block in iter(lambda: response.read(1 << 16), b""):
                out.write(block)
                digest.update(block)
                bar.update(len(block))
        if digest.hexdigest() != sha256:
            raise DataError(
                f"checksum mismatch (sha256 {digest.hexdigest()[:16]}..., expected {sha256[:16]}...)"
            )


SAMPLE_PATH = Path(__file__).parent / "samples" / "mnist_test_sample.npz"
SAMPLE_SIZE = 1000


def load_sample() -> tuple[np.ndarray, np.ndarray]:
    """The shipped sample: the first 1000 MNIST test digits as float32 (1000, 784) and labels."""
    with np.load(SAMPLE_PATH, allow_pickle=False) as sample:
        return sample["images"].reshape(len(sample["images"]), -1).astype(np.float32) / 255.0, sample[
            "labels"
        ]


@dataclass(frozen=True)
class TestSet:
    """The test images of a network's data set that predictions and scenes draw from: the data
    directory's test split when it holds that data set, else a sample of it (the shipped MNIST
    sample, or the one stored in the weights file)."""

    images: np.ndarray  # float32 (n, side * side) in [0, 1]
    labels: np.ndarray
    complete: bool  # the whole test split, not a sample
    info: DatasetInfo
    passed_over: str = ""  # why the data directory's test split was not taken, if it was not

    @property
    def source_prefix(self) -> str:
        """How a test image is named in exports: 'mnist-test:32'."""
        slug = "".join(ch if ch.isalnum() else "-" for ch in self.info.name.lower()).strip("-") or "data"
        return f"{slug}-test"

    def select(self, indices) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """(images, labels, sources) of the test images at `indices`; one clear error if one is not here."""
        indices = np.asarray(indices, dtype=np.int64).reshape(-1)
        if len(indices) and indices.min() < 0:
            raise DataError(f"digit index {indices.min()} is out of range: test-set indices start at 0")
        count = len(self.labels)
        bad = indices[indices >= count]
        if len(bad) and not self.complete:
            raise DataError(
                f"{self.info.name}: {count} test images are here (0-{count - 1}); for image {bad[0]} "
                f"pass its test files: {DATA_DIR_HINT}"
                + (f" ({self.passed_over})" if self.passed_over else "")
            )
        if len(bad):
            raise DataError(
                f"digit index {bad[0]} is out of range: the test set has {count} digits (0-{count - 1})"
            )
        sources = [f"{self.source_prefix}:{int(i)}" for i in indices]
        return self.images[indices], self.labels[indices], sources


def find_test_set(info: DatasetInfo | None = None, data_dir=None, stored_sample=None) -> TestSet:
    """The test set of data set `info` (default MNIST); `stored_sample` is (images, labels) of it,
    as a weights file may carry. The data directory's test split counts as that data set when its
    images have the right size and labels, and begin with the sample's images (all of them)."""
    info = info or DatasetInfo.for_network((IMAGE_SIDE**2, NUM_CLASSES))
    reference = load_sample() if info.is_mnist else stored_sample
    if reference is not None and (
        not len(reference[1])
        or np.shape(reference[0])[1:] != (info.inputs,)
        or not 0 <= np.min(reference[1]) <= np.max(reference[1]) < len(info.classes)
    ):
        raise DataError(
            f"the sample of {info.name} stored with the weights does not hold "
            f"{info.side}x{info.side} images labelled 0-{len(info.classes) - 1}"
        )
    directory, _ = resolve_data_dir(data_dir)
    paths = [find_idx_file(directory, SPLITS[key]) for key in ("test_images", "test_labels")]
    passed_over = ""
    if None not in paths:
        images, labels = load_split(*paths)
        passed_over = _why_not(images, labels, info, reference, directory)
        if not passed_over:
            return TestSet(images, labels, True, info)
    if reference is not None:
        images, labels = np.asarray(reference[0], np.float32), np.asarray(reference[1], np.int64)
        return TestSet(images, labels, False, info, passed_over)
    raise DataError(
        f"the weights were trained on {info.name} ({info.side}x{info.side} images, {len(info.classes)} "
        f"classes) and no test images of it are here; {DATA_DIR_HINT}"
        + (f" ({passed_over})" if passed_over else "")
    )


def _why_not(images, labels, info: DatasetInfo, reference, directory: Path) -> str:
    """Why a test split is not data set `info`'s ('' if it is): its image size, its labels, or
    images other than the reference sample's (its first ones must be the sample, all of it)."""
    side = square_side(images.shape[1])
    if images.shape[1] != info.inputs:
        return f"{directory} holds {side}x{side} images, not {info.side}x{info.side}"
    if labels.max() >= len(info.classes):
        return f"{directory} has label {labels.max()}, but {info.name} has {len(info.classes)} classes"
    if reference is not None and not starts_with(images, labels, reference):
        return f"{directory} does not hold the {info.name} test images the weights know"
    return ""


def starts_with(images, labels, sample) -> bool:
    """Whether a test split begins with every image and label of `sample` (images, labels)."""
    n = len(sample[1])
    return (
        len(labels) >= n and np.array_equal(images[:n], sample[0]) and np.array_equal(labels[:n], sample[1])
    )


def test_digits(indices, data_dir=None, info: DatasetInfo | None = None, stored_sample=None):
    """(images, labels, sources) of test-set digits by index, from `find_test_set` (by default
    MNIST's: the test split in the data directory when it is there, otherwise the shipped sample
    of the first 1000 MNIST test digits, so that scenes and examples work offline)."""
    return find_test_set(info, data_dir, stored_sample).select(indices)
