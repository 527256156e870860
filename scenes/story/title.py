"""The story's title, as a deck's title card, first slide and handout metadata show it: the title of
the video it retells for the digits of MNIST, else one built from the network's own data set, with a
subtitle naming the network (its layer sizes, its activation, what it was trained on).

    >>> from network import DEFAULT_WEIGHTS, load_weights
    >>> _, manifest = load_weights(DEFAULT_WEIGHTS)
    >>> story_title(manifest)
    'But what is a neural network?'
    >>> story_subtitle(manifest)
    'A 784-16-16-10 sigmoid network trained on MNIST'
"""

from __future__ import annotations

from network.activations import ACTIVATIONS
from network.dataset_info import DatasetInfo
from network.model import architecture

__all__ = ["STORY_TITLE", "story_subtitle", "story_title"]

STORY_TITLE = "But what is a neural network?"  # 3Blue1Brown's chapter 1, which the story retells
UNNAMED = "unnamed"  # DatasetInfo.for_network's name for a data set nobody named
SHOWN_CLASSES = 3  # class names in a subtitle before "…"


def story_title(manifest: dict) -> str:
    """The story's title for the network of this weights manifest.

    >>> fashion = {"sizes": [784, 16, 10], "activation": "relu",
    ...            "dataset": {"name": "Fashion-MNIST", "classes": [str(k) for k in range(10)], "side": 28}}
    >>> story_title(fashion)
    'What a neural network sees in Fashion-MNIST'
    >>> story_title({"sizes": [64, 16, 3], "activation": "relu"})
    'What a neural network sees in 8×8 images'
    """
    info = DatasetInfo.from_manifest(manifest)
    if info.is_mnist:
        return STORY_TITLE
    return f"What a neural network sees in {images_of(info)}"


def story_subtitle(manifest: dict) -> str:
    """The network in one line: layer sizes, activation, data set (and a few class names).

    >>> story_subtitle({"sizes": [64, 16, 3], "activation": "relu",
    ...                 "dataset": {"name": "shapes", "classes": ["circle", "square", "star"], "side": 8}})
    'A 64-16-3 ReLU network trained on shapes: circle, square, star'
    >>> story_subtitle({"sizes": [64, 16, 5], "activation": "sigmoid"})
    'A 64-16-5 sigmoid network trained on 8×8 images in 5 classes'
    """
    info = DatasetInfo.from_manifest(manifest)
    activation = ACTIVATIONS[manifest["activation"]].label
    words = f"A {architecture(manifest['sizes'])} {activation} network trained on {images_of(info)}"
    if info.name == UNNAMED:
        return f"{words} in {len(info.classes)} classes"
    if info.names_are_labels:
        return words
    shown = ", ".join(info.classes[:SHOWN_CLASSES])
    return f"{words}: {shown}{', …' if len(info.classes) > SHOWN_CLASSES else ''}"


def images_of(info: DatasetInfo) -> str:
    """The data set by its name, or by its images where it has none."""
    return f"{info.side}×{info.side} images" if info.name == UNNAMED else info.name
