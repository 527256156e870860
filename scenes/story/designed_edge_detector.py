from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, Create, FadeIn, Rectangle, VGroup, Write

from network.activations import ACTIVATIONS
from scenes.choices.selection import designed_edge_weights, most_excited
from scenes.mobjects.pixel_grid import PixelGrid, WeightHeatmap
from scenes.story.base import StoryScene
from scenes.story.edge_detector import weight_bar

__all__ = ["DesignedEdgeDetector"]


class DesignedEdgeDetector(StoryScene):
    """The weights one would design to detect an edge, the bias as a threshold, and the real neuron.

    A short stripe of +1 with -1 above and below, placed on the followed digit's stroke; its
    weighted sum for that digit and for the sample digit it suits least; a bias between the two sums
    so that only the first fires; then the trained first-layer neuron this digit excites most.
    """

    chapter = "Edge detection example"  # its chapter in the explainer
    stripe = 6  # pixels in the designed stripe

    def construct(self):
        t, inputs = self.theme, self.story
        pixels = inputs.pixels()  # the stroke is found in the picture; the sums use the inputs a(0)
        designed, (row, col) = designed_edge_weights(pixels, self.stripe)
        w = designed.reshape(-1)
        sample = inputs.sample.activations[0]
        self.other = other = int(np.argmin(sample @ w))  # the sample digit the design suits least
        self.sums = sums = [float(w @ inputs.layer(0)), float(w @ sample[other])]
        self.threshold = threshold = round(sums[0]) / 2  # half this digit's sum, to the half
        title = self.text("An edge detector, designed by hand", "title").to_edge(UP)
        heatmap = WeightHeatmap(w, height=3.6, saturation=1.0, theme=t).move_to([-4.6, 0.1, 0])
        heading = self.text("weights one would design", "small").next_to(heatmap, UP, buff=0.15)
        bar = weight_bar(1.0, 2.6, t).next_to(heatmap, DOWN, buff=0.25)
        self.step(
            "Weights one would design",
            f"Suppose a neuron should fire for a short horizontal stroke in one place. Give it weight +1"
            f" on a stripe {self.stripe} pixels wide in rows {row} and {row + 1}, -1 on the rows just"
            " above and below it, and 0 everywhere else: bright pixels on the stripe push its sum up,"
            " bright pixels around it push the sum down.",
        )
        self.play(Write(title), FadeIn(heatmap), FadeIn(heading), FadeIn(bar), run_time=1.5)
        self.play(Create(self.stripe_box(heatmap, row, col)))
        digits = [
            PixelGrid(pixels, height=2.2, theme=t).move_to([-1.5, 1.2, 0]),
            PixelGrid(inputs.pixels(other), height=2.2, theme=t).move_to([-1.5, -1.75, 0]),
        ]
        names = [inputs.source_label(), inputs.source_label(other)]
        self.sum_texts = [
            VGroup(self.text(name, "small", "muted"), self.text(f"w · a = {total:.2f}", "label"))
            .arrange(DOWN, aligned_edge=LEFT, buff=0.12)
            .next_to(grid, RIGHT, buff=0.35)
            for name, total, grid in zip(names, sums, digits)
        ]
        self.step(
            "The weighted sum",
            f"Multiply each pixel by its weight and add everything up. This {inputs.item} has ink on the"
            f" stripe and little around it: its sum is {sums[0]:.2f}. The sample {inputs.item} the design"
            " suits least"
            f" gets {sums[1]:.2f}.",
        )
        for grid, words in zip(digits, self.sum_texts):
            self.play(FadeIn(grid), Create(self.stripe_box(grid, row, col)), FadeIn(words), run_time=1.2)
        activation = ACTIVATIONS[inputs.activation]
        self.outputs = [float(activation.function(np.array(total - threshold))) for total in sums]
        fires = [
            self.text(
                f"{activation.symbol}({total:.2f} − {threshold:g}) = {out:.2f}", "small", colour
            ).next_to(words, DOWN, aligned_edge=LEFT, buff=0.15)
            for total, out, words, colour in zip(sums, self.outputs, self.sum_texts, ("correct", "wrong"))
        ]
        rule = self.text(f"bias b = −{threshold:g}: only fire if the sum passes {threshold:g}", "label",
                         "highlight").to_edge(DOWN, buff=0.35)  # fmt: skip
        self.step(
            "The bias is the threshold",
            f"A bias of -{threshold:g} is added before the squish: the neuron is only meaningfully"
            f" active when the weighted sum passes {threshold:g}. The first {inputs.item} clears it,"
            f" {self.outputs[0]:.2f}; the second stays low, {self.outputs[1]:.2f}.",
        )
        self.play(Write(rule), *(FadeIn(text) for text in fires), run_time=1.5)
        self.neuron = j = most_excited(inputs.z(1))
        trained = WeightHeatmap(inputs.weights[0][j], height=2.6, theme=t).move_to([5.5, 0.3, 0])
        label = VGroup(
            self.text("what training found:", "small", "muted"),
            self.text(f"neuron {j} of layer 1", "small"),
        ).arrange(DOWN, buff=0.08)
        label.next_to(trained, UP, buff=0.15)
        self.step(
            "What training found instead",
            f"No one designed the trained network's weights. Neuron {j} of layer 1, the one this"
            f" {inputs.item} excites most, learned weights like these: far less tidy than the stripe, yet"
            " they do the same job of adding up evidence from the pixels.",
        )
        self.play(FadeIn(trained), FadeIn(label), run_time=1.5)
        self.wait(0.5)

    def stripe_box(self, grid: PixelGrid, row: int, col: int) -> Rectangle:
        """An outline around the designed stripe on `grid`."""
        size = grid.pixel_size
        box = Rectangle(width=self.stripe * size, height=4 * size, stroke_color=self.theme.highlight,
                        stroke_width=3)  # fmt: skip
        corners = grid.pixel_center(row - 1, col), grid.pixel_center(row + 2, col + self.stripe - 1)
        return box.move_to((corners[0] + corners[1]) / 2)
