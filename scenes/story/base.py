"""What every beat of the story shares: `StoryScene`, a Manim Scene that knows its configuration,
its theme and the real network it tells about, and a few texts several beats write."""

from __future__ import annotations

import functools

from manim import RIGHT, Scene, VGroup

from scenes.story.inputs import StoryConfig, StoryInputs, load_story_inputs, twin_weights
from scenes.text import caption
from scenes.theme import Theme, apply_theme, get_theme

__all__ = ["StoryScene", "accuracy_text", "architecture", "neuron_name", "weight_legend"]


class StoryScene(Scene):
    """A beat of the story. `self.story` holds the real weights and activations, `self.theme` the
    theme, `self.text(...)` writes in it. The configuration comes from `story_config=` (what
    `nnexplain render` and `figure` pass), else from the environment (for plain `manim`).

    >>> class MyBeat(StoryScene):
    ...     def construct(self):
    ...         self.play(Write(self.text(f"{len(self.story.weights)} layers", "title")))
    """

    def __init__(self, *args, story_config: StoryConfig | None = None, **kwargs):
        self.story_config = story_config or StoryConfig.from_environment()
        self.theme: Theme = get_theme(self.story_config.theme)
        super().__init__(*args, **kwargs)

    def setup(self) -> None:
        apply_theme(self, self.theme)

    @functools.cached_property
    def story(self) -> StoryInputs:
        return load_story_inputs(self.story_config)

    def twin_story(self) -> StoryInputs:
        """The same story told by the shipped network with the other hidden activation."""
        return load_story_inputs(self.story_config.with_weights(twin_weights(self.story.activation)))

    def text(self, words: str, size: str = "label", color: str = "text"):
        return caption(words, self.theme, size, color)


def weight_legend(theme: Theme) -> VGroup:
    """'positive weight' / 'negative weight' written in their edge colours."""
    return VGroup(
        caption("— positive weight", theme, "small", "positive"),
        caption("— negative weight", theme, "small", "negative"),
    ).arrange(RIGHT, buff=0.5)


def neuron_name(layer: int, j: int) -> str:
    return f"neuron {j} of layer {layer}"


def architecture(sizes) -> str:
    return "-".join(str(n) for n in sizes)


def accuracy_text(manifest: dict) -> str:
    accuracy = manifest.get("test_accuracy")
    return "test accuracy not recorded" if accuracy is None else f"{100 * accuracy:.2f}% test accuracy"
