"""How a network's inputs are made from an image's pixels: x = (pixel / 255 - mean) / std.

Our own networks take x = pixel / 255 (mean 0, std 1). Networks trained elsewhere often take
normalised inputs, such as the usual PyTorch MNIST recipe `Normalize((0.1307,), (0.3081,))`.
The weights' manifest records the preprocessing; every forward pass applies it, while pictures of
the image keep showing its raw pixels.

    >>> import numpy as np
    >>> Preprocessing(0.1307, 0.3081)(np.array([0.0, 1.0])).round(4)
    array([-0.4242,  2.8215], dtype=float32)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from network.errors import WeightsError

__all__ = ["IDENTITY", "Preprocessing"]

MAX_SCALE = 1000.0  # |mean| and std at most, std at least its inverse: inputs stay well within float32


@dataclass(frozen=True)
class Preprocessing:
    """x = (pixel / 255 - mean) / std, pixel / 255 being the image's values in [0, 1]."""

    mean: float = 0.0
    std: float = 1.0

    def __post_init__(self):
        if not (np.isfinite(self.mean) and np.isfinite(self.std) and self.std > 0):
            raise WeightsError(
                f"preprocessing needs a finite mean and a positive std, got {self.mean}, {self.std}"
            )

    def __call__(self, pixels: np.ndarray) -> np.ndarray:
        """The network's inputs for pixel values in [0, 1]."""
        pixels = np.asarray(pixels, dtype=np.float32)
        if self.is_identity:
            return pixels
        return ((pixels - np.float32(self.mean)) / np.float32(self.std)).astype(np.float32)

    @property
    def is_identity(self) -> bool:
        return self.mean == 0.0 and self.std == 1.0

    def describe(self) -> str:
        if self.is_identity:
            return "x = pixel / 255"
        return f"x = (pixel / 255 - {self.mean:g}) / {self.std:g}"

    def to_manifest(self) -> dict:
        return {"mean": self.mean, "std": self.std}

    @classmethod
    def from_manifest(cls, manifest: dict) -> Preprocessing:
        """The manifest's `preprocessing` (absent: pixel / 255, as our own training uses)."""
        entry = manifest.get("preprocessing")
        if entry is None:
            return IDENTITY
        try:
            return cls(float(entry["mean"]), float(entry["std"]))
        except (KeyError, TypeError, ValueError):
            raise WeightsError(f"manifest preprocessing {entry!r} is not {{'mean': M, 'std': S}}") from None

    @classmethod
    def parse(cls, text: str) -> Preprocessing:
        """'MEAN,STD', as given to --normalize."""
        try:
            mean, std = (float(part) for part in text.split(","))
        except ValueError:
            raise WeightsError(f"--normalize {text!r}: give MEAN,STD such as 0.1307,0.3081") from None
        if not (abs(mean) <= MAX_SCALE and 1 / MAX_SCALE <= std <= MAX_SCALE):
            raise WeightsError(
                f"--normalize {text!r}: the mean must be within ±{MAX_SCALE:g} and the std from "
                f"{1 / MAX_SCALE:g} to {MAX_SCALE:g}"
            )
        return cls(mean, std)


IDENTITY = Preprocessing()
