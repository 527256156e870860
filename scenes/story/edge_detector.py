from __future__ import annotations

import numpy as np
from manim import DOWN, UP, FadeIn, FadeOut, Transform, Write

from network.activations import ACTIVATIONS
from scenes.choices.selection import most_excited
from scenes.mobjects.pixel_grid import ColourBar, PixelGrid, WeightHeatmap
from scenes.story.base import StoryScene

__all__ = ["EdgeDetector"]


def weight_bar(scale: float, width: float, theme) -> ColourBar:
    """A diverging colour bar from -scale to +scale."""
    return ColourBar("weights", f"−{scale:.1f}", f"+{scale:.1f}", width=width, middle="0", theme=theme)


class EdgeDetector(StoryScene):
    """One hidden neuron's 784 weights as a heatmap, laid over the digit, ending in its real activation.

    The neuron is the first-layer one the followed digit excites most; its weights slide onto the
    digit and become w × a, each pixel's push, and the exported z and activation are written out.
    """

    chapter = "One neuron's weights"  # its chapter in the explainer
    grid_side = 4.2  # the digit, the weights and the products, side by side

    def construct(self):
        t, inputs = self.theme, self.story
        self.neuron = j = most_excited(inputs.z(1))
        weights, pixels, n = inputs.weights[0][j], inputs.layer(0), inputs.sizes[0]
        title = self.text(f"What hidden neuron {j} of layer 1 looks for", "title").to_edge(UP, buff=0.3)
        side = self.grid_side  # three grids across the whole frame
        digit = PixelGrid(inputs.pixels(), height=side, theme=t).move_to([-4.65, 0.3, 0])
        self.weights_grid = WeightHeatmap(weights, height=side, theme=t).move_to([0, 0.3, 0])
        scale = float(np.abs(weights).max())
        products = weights * pixels
        self.product_grid = WeightHeatmap(products, height=side, theme=t).move_to([4.65, 0.3, 0])
        names = [
            self.grid_name(
                f"the {inputs.item} a(0)"
                if inputs.preprocessing.is_identity
                else f"the {inputs.item}'s pixels",
                digit,
            ),
            self.grid_name(f"its {n} weights w", self.weights_grid),
            self.grid_name("w × a: each pixel's push", self.product_grid),
        ]
        bars = [
            weight_bar(scale, 3.4, t).next_to(self.weights_grid, DOWN, buff=0.25),
            weight_bar(float(np.abs(products).max()), 3.4, t).next_to(self.product_grid, DOWN, buff=0.25),
        ]
        keys = self.text("+ pushes the sum up,  − pushes it down", "small", "muted").next_to(
            bars[0], DOWN, buff=0.2
        )
        self.step(
            f"A neuron's {n} weights",
            f"Hidden neuron {j} of layer 1 has one weight for every pixel, drawn here as a picture:"
            " blue where a bright pixel pushes the neuron up, red where it pushes it down. It is the"
            f" first-layer neuron this {inputs.item} excites most.",
        )
        self.play(Write(title), FadeIn(digit), FadeIn(names[0]), run_time=1.2)
        self.play(FadeIn(self.weights_grid), FadeIn(names[1]), FadeIn(bars[0]), FadeIn(keys), run_time=1.2)
        self.wait(0.8)

        self.step(
            "Each pixel's push",
            f"Lay the weights over the {inputs.item} and multiply pixel by pixel. Where the {inputs.item}"
            " has no ink, the weight does not matter; where it has ink, the weight pushes the sum up or down."
            if inputs.preprocessing.is_identity
            else f"Lay the weights over the {inputs.item} and multiply each weight by its input,"
            f" {inputs.preprocessing.describe()}. With normalised inputs even the background holds"
            f" {float(inputs.preprocessing(0.0)):.2f}, so every weight pushes the sum a little; the ink"
            " pushes it most.",
        )
        overlay = WeightHeatmap(weights, height=side, theme=t).move_to(self.weights_grid)
        self.add(overlay)
        self.play(overlay.animate.move_to(digit).set_opacity(0.6), run_time=1.2)
        self.play(Transform(overlay, self.product_grid.copy().set_opacity(0.6)), run_time=1.5)
        self.play(FadeOut(overlay), FadeIn(self.product_grid), FadeIn(names[2]), FadeIn(bars[1]))

        z, a = inputs.z(1)[j], inputs.layer(1)[j]
        squash = ACTIVATIONS[inputs.activation].symbol
        self.result = self.text(
            f"z = w · a + b = {z:.2f}      activation = {squash}(z) = {a:.3f}", "label", "highlight"
        ).to_edge(DOWN, buff=0.3)
        self.step(
            "The neuron's activation",
            f"Add up all {n} pushes and the bias: z = {z:.2f}. The activation function turns that into"
            f" the neuron's activation, {a:.3f}.",
        )
        self.play(Write(self.result), run_time=1.2)
        self.wait(1.5)

    def grid_name(self, words: str, grid):
        """A grid's name above it, no wider than the grid."""
        name = self.text(words)
        return name.scale_to_fit_width(min(name.width, grid.width)).next_to(grid, UP, buff=0.15)
