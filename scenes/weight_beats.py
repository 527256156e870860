"""Beats 5-7: what the hidden neurons really learned, read straight from the weights and the
exported activations of real digits."""

from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, UP, FadeIn, FadeOut, Group, LaggedStart, Scene, Transform, VGroup, Write

from network.data import IMAGE_SIDE
from scenes.inputs import StoryInputs, story_inputs
from scenes.pixels import ColourBar, PixelGrid, caption
from scenes.theme import apply_theme


def as_image(row: np.ndarray) -> np.ndarray:
    return np.asarray(row).reshape(IMAGE_SIDE, IMAGE_SIDE)


def most_excited_neuron(inputs: StoryInputs) -> int:
    """The first-layer neuron the followed digit excites most: the largest exported z(1)."""
    return int(np.argmax(inputs.z(1)))


def shared_weight_scale(W: np.ndarray) -> float:
    """One colour scale for all heatmaps: the 99th percentile of |w|, so that a few outliers do not
    wash out every other weight (larger weights saturate)."""
    return float(np.percentile(np.abs(W), 99))


def weight_bar(scale: float, width: float = 3.0) -> ColourBar:
    return ColourBar("weights", f"−{scale:.1f}", f"+{scale:.1f}", width=width, middle="0")


class EdgeDetector(Scene):
    """One first-layer neuron: its weights as a heatmap, laid over the digit (weight x pixel), and
    its real activation."""

    def construct(self):
        t, inputs = apply_theme(self), story_inputs()
        self.neuron = j = most_excited_neuron(inputs)
        weights, pixels = inputs.weights[0][j], inputs.layer(0)
        title = caption(f"What hidden neuron {j} of layer 1 looks for", t, "title").to_edge(UP)
        digit = PixelGrid(as_image(pixels), height=3.3).move_to([-4.6, 0.4, 0])
        self.weights_grid = PixelGrid(as_image(weights), kind="weights", height=3.3).move_to([0, 0.4, 0])
        scale = float(np.abs(weights).max())
        products = weights * pixels
        self.product_grid = PixelGrid(as_image(products), kind="weights", height=3.3).move_to([4.6, 0.4, 0])
        names = [caption("the digit a(0)", t, "small").next_to(digit, UP, buff=0.15),
                 caption("its 784 weights w", t, "small").next_to(self.weights_grid, UP, buff=0.15),
                 caption("w × a: each pixel's push", t, "small").next_to(self.product_grid, UP, buff=0.15)]
        bars = [weight_bar(scale).next_to(self.weights_grid, DOWN, buff=0.25),
                weight_bar(float(np.abs(products).max())).next_to(self.product_grid, DOWN, buff=0.25)]
        keys = caption("+ pushes the sum up,  − pushes it down", t, "small", "muted").next_to(bars[0], DOWN, buff=0.2)
        self.play(Write(title), FadeIn(digit), FadeIn(names[0]), run_time=1.2)
        self.play(FadeIn(self.weights_grid), FadeIn(names[1]), FadeIn(bars[0]), FadeIn(keys), run_time=1.2)
        self.wait(0.8)

        overlay = PixelGrid(as_image(weights), kind="weights", height=3.3).move_to(self.weights_grid)
        self.add(overlay)
        self.play(overlay.animate.move_to(digit).set_opacity(0.6), run_time=1.2)
        self.play(Transform(overlay, self.product_grid.copy().set_opacity(0.6)), run_time=1.5)
        self.play(FadeOut(overlay), FadeIn(self.product_grid), FadeIn(names[2]), FadeIn(bars[1]))

        z, a = inputs.z(1)[j], inputs.layer(1)[j]
        squash = "σ" if inputs.activation == "sigmoid" else "ReLU"
        self.result = caption(f"z = w · a + b = {z:.2f}      activation = {squash}(z) = {a:.3f}", t, "label",
                              "highlight").to_edge(DOWN, buff=0.35)
        self.play(Write(self.result), run_time=1.2)
        self.wait(1.5)


class AllHiddenWeights(Scene):
    """Every first-layer neuron's weights as a heatmap on one shared colour scale."""

    def construct(self):
        t, inputs = apply_theme(self), story_inputs()
        W = inputs.weights[0]
        scale = shared_weight_scale(W)
        title = caption(f"All {len(W)} first-layer neurons' weights", t, "title").to_edge(UP)
        cols, side = self.layout(len(W), width=8.2, height=6.1)
        self.heatmaps = Group(*(PixelGrid(as_image(w), kind="weights", height=0.92 * side, scale=scale) for w in W))
        self.heatmaps.arrange_in_grid(cols=cols, buff=0.08 * side).move_to([-1.8, -0.35, 0])
        bar = weight_bar(scale, width=2.6).move_to([4.7, 1.2, 0])
        shared = caption("one colour scale", t, "small", "muted").next_to(bar, UP, buff=0.15)
        notes = VGroup(*(caption(line, t, "small") for line in
                         ("Blotchy patterns,", "not the clean edges", "and loops we hoped for:",
                          "the network found", "its own features."))).arrange(DOWN, aligned_edge=LEFT, buff=0.12)
        notes.next_to(bar, DOWN, buff=0.8).align_to(bar, LEFT)
        self.play(Write(title))
        self.play(LaggedStart(*(FadeIn(h) for h in self.heatmaps), lag_ratio=0.1), FadeIn(bar), FadeIn(shared),
                  run_time=3.0)
        self.play(FadeIn(notes), run_time=1.2)
        self.wait(2.0)

    @staticmethod
    def layout(count: int, width: float, height: float) -> tuple[int, float]:
        """Columns and cell side that make `count` square cells as large as possible in width x height."""
        return max(((cols, min(width / cols, height / -(-count // cols))) for cols in range(1, count + 1)),
                   key=lambda option: option[1])


class WhatNeuronsRespondTo(Scene):
    """The sample digits that activate one second-layer neuron the most, with their activations."""

    top = 10

    def construct(self):
        t, inputs = apply_theme(self), story_inputs()
        self.layer = layer = inputs.deep_layer
        activations = inputs.sample.activations[layer]
        self.neuron = j = self.most_selective(activations)
        self.digits = np.argsort(-activations[:, j], kind="stable")[:self.top]
        title = caption(f"Which digits excite neuron {j} of hidden layer {layer}?", t, "title").to_edge(UP)
        subtitle = caption(f"the {self.top} of {len(activations)} test digits with the largest a({layer})",
                           t, "small", "muted").next_to(title, DOWN, buff=0.15)
        cells = Group()
        self.values = VGroup()
        for index in self.digits:
            grid = PixelGrid(inputs.pixels(int(index)), height=1.75)
            value = caption(f"{activations[index, j]:.3f}", t, "small", "highlight").next_to(grid, DOWN, buff=0.1)
            self.values.add(value)
            cells.add(Group(grid, value))
        cells.arrange_in_grid(rows=2, buff=(0.35, 0.3)).next_to(subtitle, DOWN, buff=0.35)
        self.play(Write(title), FadeIn(subtitle), run_time=1.2)
        self.play(LaggedStart(*(FadeIn(cell, shift=0.2 * UP) for cell in cells), lag_ratio=0.15), run_time=3.0)
        self.verdict = caption(self.summary(inputs.sample.labels[self.digits]), t, "label").to_edge(DOWN, buff=0.3)
        self.play(Write(self.verdict), run_time=1.5)
        self.wait(2.0)

    def most_selective(self, activations: np.ndarray) -> int:
        """The neuron whose top digits stand out most from its typical digit: mean of its `top`
        largest activations minus its median, relative to its spread."""
        top = -np.sort(-activations, axis=0)[:self.top].mean(axis=0)
        spread = activations.std(axis=0) + 1e-9
        return int(np.argmax((top - np.median(activations, axis=0)) / spread))

    def summary(self, labels: np.ndarray) -> str:
        counts = np.bincount(labels, minlength=10)
        ranked = [d for d in np.argsort(-counts, kind="stable") if counts[d]]
        favourites = ", ".join(f"{counts[d]} × {d}" for d in ranked[:3])
        if counts[ranked[0]] >= 0.6 * len(labels):
            return f"Mostly {ranked[0]}s ({favourites}): a whole-digit detector, not a loop or a line"
        return f"A mix of digits ({favourites}): no clean loop or line detector"
