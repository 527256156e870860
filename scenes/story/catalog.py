"""Every scene of the story in order, found from its name: class `ForwardPass` lives in
scenes/story/forward_pass.py. A scene's description is its class docstring's first paragraph,
read from the source (without importing Manim), so it is written once: there.

`nnexplain scenes` lists this; `render`, `explainer` and `figure` look scenes up in it.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["STORY", "SceneEntry", "find"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]  # the folder holding scenes/ and network/


@dataclass(frozen=True)
class SceneEntry:
    """One scene of the story, by class name.

    >>> entry = find("forward-pass")
    >>> entry.module, entry.description  # doctest: +NORMALIZE_WHITESPACE
    ('scenes.story.forward_pass',
     'Real digits light the network up layer by layer, including one it gets wrong.')
    >>> entry.load()  # a StoryScene: entry.load()(story_config=StoryConfig(digit=7)).render()
    <class 'scenes.story.forward_pass.ForwardPass'>
    """

    name: str  # the Scene class, renderable with plain `manim`
    source: str | None = None  # its module, if not scenes/story/<snake_case name>.py

    @property
    def kebab(self) -> str:
        words = re.sub(
            r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", self.name.replace("ReLUvs", "ReluVs")
        )
        return words.lower()

    @property
    def module(self) -> str:
        """The module that defines the scene: scenes.story.<snake_case name> unless given."""
        return self.source or f"scenes.story.{self.kebab.replace('-', '_')}"

    @property
    def path(self) -> Path:
        return PROJECT_ROOT.joinpath(*self.module.split(".")).with_suffix(".py")

    @property
    def description(self) -> str:
        """The first paragraph of the class docstring, on one line."""
        tree = ast.parse(self.path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and node.name == self.name:
                return " ".join((ast.get_docstring(node) or "").split("\n\n")[0].split())
        return ""

    @property
    def needs_history(self) -> bool:
        """Whether the scene shows the weights' training run (StoryConfig.history_folder)."""
        return self.name in NEEDS_HISTORY

    @property
    def needs_digits(self) -> bool:
        """Whether the scene tells of particular digits (WhyLayers: 8s and 9s cut into parts)."""
        return self.name in NEEDS_DIGITS

    def load(self):
        return getattr(importlib.import_module(self.module), self.name)


NEEDS_HISTORY = {"LearningOverEpochs"}
NEEDS_DIGITS = {"WhyLayers"}

STORY = [
    SceneEntry(name)
    for name in (
        "ThisIsAThree",
        "PixelsToInputLayer",
        "LayerDiagram",
        "ForwardPass",
        "WhyLayers",
        "WhatNeuronsRespondTo",
        "DesignedEdgeDetector",
        "EdgeDetector",
        "AllHiddenWeights",
        "WeightedSum",
        "BiasAndSigmoid",
        "ParameterCount",
        "LearningOverEpochs",
        "MatrixVectorNotation",
        "NetworkAsFunction",
        "ReLUvsSigmoid",
    )
]


def find(name: str) -> SceneEntry:
    """The entry called `name` (class name or kebab-case, any case); KeyError if there is none."""
    wanted = name.strip().lower().replace("_", "-")
    for entry in STORY:
        if wanted in (entry.name.lower(), entry.kebab):
            return entry
    raise KeyError(name)
