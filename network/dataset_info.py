"""What a network was trained on: the data set's name, its class names, the side of its square
images and the checksums of its files, as the weights' manifest records them.

A data directory may hold `classes.txt`, one class name per line (Fashion-MNIST's "T-shirt/top",
"Trouser", ...); without it the classes are named by their labels, 0, 1, ... Weights that say
nothing about their data (older files, imported models) are taken to be MNIST when they have 784
inputs and 10 outputs.

    >>> from network import DEFAULT_WEIGHTS, load_weights
    >>> model, manifest = load_weights(DEFAULT_WEIGHTS)
    >>> info = DatasetInfo.from_manifest(manifest)
    >>> info.name, info.classes[3], info.side
    ('MNIST', '3', 28)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from network.errors import DataError, WeightsError

__all__ = [
    "CLASSES_FILE",
    "MAX_CLASSES",
    "MAX_SIDE",
    "MIN_CLASSES",
    "MIN_SIDE",
    "MNIST",
    "DatasetInfo",
    "class_names_option",
    "label_names",
    "parse_class_names",
    "read_classes_file",
    "square_side",
]

MNIST = "MNIST"
CLASSES_FILE = "classes.txt"
MIN_CLASSES, MAX_CLASSES = 2, 30
MIN_SIDE, MAX_SIDE = 8, 64  # square grayscale images k x k
MAX_NAME = 40  # characters in a class name


def square_side(pixels: int) -> int:
    """The side of a square image of `pixels` pixels (28 for 784); the nearest side if not square."""
    return round(math.sqrt(pixels))


def label_names(count: int) -> tuple[str, ...]:
    """Classes named by their labels: '0', '1', ..."""
    return tuple(str(k) for k in range(count))


@dataclass(frozen=True)
class DatasetInfo:
    """A data set as a network's manifest describes it."""

    name: str
    classes: tuple[str, ...]
    side: int
    checksums: dict = field(default_factory=dict)  # file name -> sha256, where known

    @property
    def inputs(self) -> int:
        return self.side * self.side

    @property
    def is_mnist(self) -> bool:
        return self.name == MNIST and self.side == 28 and self.classes == label_names(10)

    @property
    def names_are_labels(self) -> bool:
        """Whether the class names are just the labels 0, 1, ... (digits)."""
        return self.classes == label_names(len(self.classes))

    def to_manifest(self) -> dict:
        return {
            "name": self.name,
            "classes": list(self.classes),
            "side": self.side,
            "checksums": self.checksums,
        }

    @classmethod
    def for_network(cls, sizes, name: str | None = None, classes=None, checksums=None) -> DatasetInfo:
        """The data set of a network with these layer sizes: MNIST for 784 inputs and 10 outputs
        unless told otherwise, else `name` (default 'unnamed') with `classes` (default the labels)."""
        side = square_side(sizes[0])
        if side * side != sizes[0] or not MIN_SIDE <= side <= MAX_SIDE:
            raise WeightsError(
                f"the network takes {sizes[0]} inputs: the scenes need a square image of "
                f"{MIN_SIDE}x{MIN_SIDE} to {MAX_SIDE}x{MAX_SIDE} pixels "
                f"({MIN_SIDE**2} to {MAX_SIDE**2} inputs)"
            )
        if not MIN_CLASSES <= sizes[-1] <= MAX_CLASSES:
            raise WeightsError(
                f"the network has {sizes[-1]} outputs: nnexplain draws {MIN_CLASSES} to {MAX_CLASSES} classes"
            )
        classes = tuple(classes) if classes else label_names(sizes[-1])
        if len(classes) != sizes[-1]:
            raise WeightsError(f"{len(classes)} class names for a network with {sizes[-1]} outputs")
        if name is None:
            name = MNIST if (side, classes) == (28, label_names(10)) else "unnamed"
        return cls(name, classes, side, dict(checksums or {}))

    @classmethod
    def from_manifest(cls, manifest: dict) -> DatasetInfo:
        """The manifest's `dataset`; older manifests (and imports without one) by the sizes."""
        entry = manifest.get("dataset")
        if entry is None:
            return cls.for_network(manifest["sizes"], checksums=manifest.get("data_checksums"))
        try:
            info = cls(
                str(entry["name"]),
                parse_class_names(entry["classes"], "the manifest's class names"),
                int(entry["side"]),
                dict(entry.get("checksums") or {}),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            raise WeightsError(f"manifest dataset {entry!r} needs a name, classes and a side") from None
        except DataError as exc:
            raise WeightsError(str(exc)) from None
        sizes = manifest["sizes"]
        if not MIN_SIDE <= info.side <= MAX_SIDE:
            raise WeightsError(
                f"manifest dataset has {info.side}x{info.side} images; "
                f"nnexplain takes sides from {MIN_SIDE} to {MAX_SIDE}"
            )
        if info.inputs != sizes[0] or len(info.classes) != sizes[-1]:
            raise WeightsError(
                f"manifest dataset has {info.side}x{info.side} images and {len(info.classes)} classes, "
                f"but the network has {sizes[0]} inputs and {sizes[-1]} outputs"
            )
        return info


def parse_class_names(names, origin: str = "--classes") -> tuple[str, ...]:
    """Check a list of class names: 2 to 30, unique, none empty, each at most 40 characters."""
    names = tuple(" ".join(str(name).split()) for name in names)
    if not MIN_CLASSES <= len(names) <= MAX_CLASSES:
        raise DataError(f"{origin}: {len(names)} class names; give {MIN_CLASSES} to {MAX_CLASSES}")
    if any(not name for name in names):
        raise DataError(f"{origin}: a class name is empty")
    if long := [name for name in names if len(name) > MAX_NAME]:
        raise DataError(f"{origin}: class name {long[0][:MAX_NAME]!r}... is over {MAX_NAME} characters")
    if len(set(names)) != len(names):
        twice = next(name for name in names if names.count(name) > 1)
        raise DataError(f"{origin}: class name {twice!r} appears twice")
    return names


def read_classes_file(path: str | Path) -> tuple[str, ...]:
    """Class names from a file, one per line (blank lines ignored)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(f"{path}: class names must be UTF-8 text") from None
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror or exc})") from None
    return parse_class_names([line for line in text.splitlines() if line.strip()], str(path))


def class_names_option(value: str) -> tuple[str, ...]:
    """--classes FILE or --classes name,name,...: a file if one is there, else a comma-separated list
    (a single word that names no file, such as names.txt, is a missing file)."""
    if Path(value).is_file():
        return read_classes_file(value)
    if "," not in value:
        raise DataError(f"--classes {value!r}: no such file; give a file of names or name,name,...")
    return parse_class_names(value.split(","))
