from __future__ import annotations

import numpy as np
from manim import DOWN, UP, FadeIn, Group, LaggedStart, VGroup, Write

from network.dataset_info import label_names
from scenes.choices.class_names import plural
from scenes.choices.selection import most_selective, top_activating
from scenes.mobjects.pixel_grid import PixelGrid
from scenes.story.base import StoryScene

__all__ = ["WhatNeuronsRespondTo"]

DIGITS = label_names(10)


class WhatNeuronsRespondTo(StoryScene):
    """The sample digits that most excite a second-layer neuron.

    The followed neuron is the most selective of its layer (its top digits stand out most from its
    typical digit); its ten most exciting sample digits are shown with their real activations and
    a verdict on what they have in common.
    """

    chapter = "What one neuron responds to"  # its chapter in the explainer

    top = 10

    def construct(self):
        t, inputs = self.theme, self.story
        self.layer = layer = inputs.deep_layer
        activations = inputs.sample.activations[layer]
        self.neuron = j = most_selective(activations, self.top)
        self.digits = top_activating(activations[:, j], self.top)
        title = self.text(
            f"Which {inputs.item}s excite neuron {j} of hidden layer {layer}?", "title"
        ).to_edge(UP)
        subtitle = self.text(
            f"the {self.top} of {len(activations)} test {inputs.item}s with the largest a({layer})",
            "small",
            "muted",
        ).next_to(title, DOWN, buff=0.15)
        cells = Group()
        self.values = VGroup()
        for index in self.digits:
            grid = PixelGrid(inputs.pixels(int(index)), height=1.75, theme=t)
            value = self.text(f"{activations[index, j]:.3f}", "small", "highlight").next_to(
                grid, DOWN, buff=0.1
            )
            self.values.add(value)
            cells.add(Group(grid, value))
        cells.arrange_in_grid(rows=2, buff=(0.35, 0.3)).next_to(subtitle, DOWN, buff=0.35)
        self.step(
            f"Which {inputs.item}s excite one neuron",
            f"What does one neuron of hidden layer {layer} respond to? Here are the {self.top} test"
            f" {inputs.item}s, out of {len(activations)}, that make neuron {j} most active, with its"
            " activation for each.",
        )
        self.play(Write(title), FadeIn(subtitle), run_time=1.2)
        self.play(
            LaggedStart(*(FadeIn(cell, shift=0.2 * UP) for cell in cells), lag_ratio=0.15), run_time=3.0
        )
        verdict = self.summary(inputs.sample.labels[self.digits], inputs.classes, inputs.item)
        self.verdict = self.text(verdict, "label")
        self.verdict.scale_to_fit_width(min(self.verdict.width, 13.4)).to_edge(DOWN, buff=0.3)
        self.step(
            "What they have in common",
            f"{verdict}. We hoped for neurons that find loops and lines; the trained network found its"
            f" own way to tell the {inputs.item}s apart.",
        )
        self.play(Write(self.verdict), run_time=1.5)
        self.wait(2.0)

    @staticmethod
    def summary(labels: np.ndarray, classes=DIGITS, item: str = "digit") -> str:
        """What the top digits have in common, by their labels (named by `classes`)."""
        counts = np.bincount(labels, minlength=len(classes))
        ranked = [d for d in np.argsort(-counts, kind="stable") if counts[d]]
        favourites = ", ".join(f"{counts[d]} × {classes[d]}" for d in ranked[:3])
        if counts[ranked[0]] >= 0.6 * len(labels):
            most = plural(classes[ranked[0]])
            return f"Mostly {most} ({favourites}): a whole-{item} detector, not a loop or a line"
        return f"A mix of {item}s ({favourites}): no clean loop or line detector"
