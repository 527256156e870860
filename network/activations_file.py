"""The activations file: a network's exported forward pass of N digits, as `.npz`.

Arrays:
    pixels      float32 (N, n_0): the images' pixel / 255 in [0, 1]
    a0 ... aL   float32 (N, n_l): a0 is the input (the pixels, preprocessed), aL the softmax probabilities
    z1 ... zL   float32 (N, n_l): pre-activations
    prediction  int64 (N,);  probabilities  float32 (N, n_classes)
    label       int64 (N,), -1 where unknown;  index  int64 (N,), the test-set index or -1
    manifest    a JSON string: sources (one per digit) and the weights' manifest
Written atomically and byte-for-byte reproducibly (fixed zip timestamps), like the weights file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from network.errors import WeightsError
from network.model import MLP
from network.preprocessing import Preprocessing
from network.weights_file import read_manifest, read_npz, write_npz

__all__ = ["ACTIVATIONS_FORMAT", "Activations", "compute_activations", "load_activations", "save_activations"]

ACTIVATIONS_FORMAT = "nnexplain-activations/1"


@dataclass
class Activations:
    """The exported forward pass of N digits (see the module docstring for the arrays)."""

    activations: list[np.ndarray]
    pre_activations: list[np.ndarray]
    labels: np.ndarray
    indices: np.ndarray
    manifest: dict
    pixels: np.ndarray  # (N, n_0) in [0, 1]: the images as seen; activations[0] is what the network takes

    @property
    def probabilities(self) -> np.ndarray:
        return self.activations[-1]

    @property
    def predictions(self) -> np.ndarray:
        return self.probabilities.argmax(axis=1)

    def __len__(self) -> int:
        return len(self.labels)


def compute_activations(
    model: MLP, weights_manifest: dict, images: np.ndarray, labels=None, indices=None, sources=None
) -> Activations:
    """Run images (N, n_inputs) in [0, 1] through the model, preprocessed as the manifest says,
    and package every layer for export."""
    images = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
    n = len(images)
    forward = model.forward(Preprocessing.from_manifest(weights_manifest)(images))
    labels = np.full(n, -1) if labels is None else np.asarray(labels)
    indices = np.full(n, -1) if indices is None else np.asarray(indices)
    manifest = {
        "format": ACTIVATIONS_FORMAT,
        "sources": list(sources or [""] * n),
        "weights": weights_manifest,
    }
    return Activations(
        forward.activations,
        forward.pre_activations,
        labels.astype(np.int64),
        indices.astype(np.int64),
        manifest,
        images,
    )


def save_activations(activations: Activations, path: str | Path) -> None:
    arrays = {f"a{l}": a for l, a in enumerate(activations.activations)}
    arrays.update({f"z{l}": z for l, z in enumerate(activations.pre_activations, start=1)})
    arrays.update(
        pixels=activations.pixels,
        prediction=activations.predictions,
        probabilities=activations.probabilities,
        label=activations.labels,
        index=activations.indices,
        manifest=np.array(json.dumps(activations.manifest, sort_keys=True)),
    )
    write_npz(path, arrays)


def load_activations(path: str | Path) -> Activations:
    path = Path(path)
    arrays = read_npz(path)
    manifest = read_manifest(arrays, path, WeightsError)
    try:
        layers = 1 + max(int(name[1:]) for name in arrays if name[0] == "z" and name[1:].isdigit())
        activations = [arrays[f"a{l}"].astype(np.float32) for l in range(layers)]
        pre = [arrays[f"z{l}"].astype(np.float32) for l in range(1, layers)]
        labels, indices = arrays["label"], arrays["index"]
    except (KeyError, ValueError) as exc:
        raise WeightsError(f"{path}: not an activations file (missing {exc})") from None
    n = len(labels)
    pixels = arrays["pixels"].astype(np.float32) if "pixels" in arrays else activations[0]
    if any(a.ndim != 2 or len(a) != n for a in activations + pre) or len(indices) != n:
        raise WeightsError(f"{path}: activation arrays do not all describe the same {n} digits")
    if pixels.shape != activations[0].shape:
        raise WeightsError(f"{path}: pixels {pixels.shape} do not match a0 {activations[0].shape}")
    return Activations(activations, pre, labels, indices, manifest, pixels)
