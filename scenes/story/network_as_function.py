from __future__ import annotations

import numpy as np
from manim import DOWN, LEFT, RIGHT, UP, FadeIn, TransformFromCopy, VGroup, Write

from network.activations import ACTIVATIONS
from network.model import parameter_count
from scenes.choices.selection import ink_run
from scenes.mobjects.math_tex import MathFormula, elided_tuple, grouped, require_latex
from scenes.mobjects.network_diagram import NetworkDiagram, labels_beside
from scenes.story.base import StoryScene
from scenes.story.matrix_vector_notation import vector_symbol

__all__ = ["NetworkAsFunction"]


class NetworkAsFunction(StoryScene):
    """The network as one function ℝ⁷⁸⁴ → ℝ¹⁰ with its parameter count.

    f(a_0, ..., a_783) = (y_0, ..., y_9) with the followed digit's real pixels and output
    probabilities, the lit diagram beside it, and one neuron as a function of the layer before.
    """

    chapter = "The network is a function"  # its chapter in the explainer

    def construct(self):
        require_latex()
        theme, inputs = self.theme, self.story
        sizes = inputs.sizes
        a0, outputs = inputs.layer(0), inputs.layer(len(sizes) - 1)
        self.parameters = parameter_count(sizes)
        shown = [0, *ink_run(a0), sizes[0] - 1]

        title = self.text("The whole network is one function", "title").to_edge(UP, buff=0.35)
        signature = MathFormula(
            rf"f\colon \mathbb{{R}}^{{{sizes[0]}}} \to \mathbb{{R}}^{{{sizes[-1]}}}",
            rf"\quad \text{{with {grouped(self.parameters)} parameters}}",
            theme=theme,
            font_size=theme.math_size,
        ).next_to(title, DOWN, buff=0.35)
        symbolic = MathFormula(
            "f",
            ("a", elided_tuple(a0, shown, symbol=vector_symbol("a"))),
            "=",
            ("y", elided_tuple(outputs, range(len(outputs)), symbol=vector_symbol("y"))),
            theme=theme,
            font_size=theme.math_size - 4,
        )
        self.values = MathFormula(
            "f",
            ("a", elided_tuple(a0, shown)),
            "=",
            ("y", elided_tuple(outputs, range(len(outputs)))),
            theme=theme,
            font_size=theme.math_size - 4,
        )
        self.values.blocks["y"].entry(inputs.prediction).set_color(theme.highlight)
        VGroup(symbolic, self.values).arrange(DOWN, buff=0.4).next_to(signature, DOWN, buff=0.45)

        diagram = (
            NetworkDiagram(
                inputs.weights,
                theme=theme,
                typical=inputs.sample,  # each layer's colours span its typical activations
                max_shown=10,
                width=4.4,
                height=3.0,
                output_labels=False,
            )
            .to_corner(DOWN + LEFT, buff=0.5)
            .shift(0.6 * RIGHT)
        )
        names = self.output_names()
        digits = VGroup(*(self.text(names[k], "small") for k in diagram.shown[-1]))
        centres = np.array([circle.get_center() for circle in diagram.layers[-1]])  # where it was moved to
        labels_beside(digits, centres, diagram.radius + 0.12)
        diagram.set_forward(inputs.forward())
        layer, j = inputs.followed_neuron()
        neuron = MathFormula(
            rf"a^{{({layer})}}_{{{j}}} = {ACTIVATIONS[inputs.activation].tex}"
            rf"\left(w_{{{j}}} \cdot a^{{({layer - 1})}} + b_{{{j}}}\right)",
            theme=theme,
            font_size=theme.math_size,
        )
        note = VGroup(
            self.text("and each neuron is a function", "small", "muted"),
            self.text(f"of the {sizes[layer - 1]} neurons before it", "small", "muted"),
        )
        self.neuron_box = VGroup(neuron, note.arrange(DOWN, buff=0.08)).arrange(DOWN, buff=0.3)
        self.neuron_box.move_to([(digits.get_right()[0] + 7.1) / 2, diagram.get_center()[1], 0])
        highlight = (
            diagram.neuron(layer, j).copy().set_stroke(theme.highlight, width=5)
            if j in diagram.shown[layer]
            else VGroup()
        )

        self.step(
            "The whole network is one function",
            f"Put together, the network is just a function: it takes {sizes[0]} numbers and gives"
            f" {sizes[-1]}, with {self.parameters:,} parameters inside. For this {inputs.item} its largest"
            f" output is {inputs.class_name(inputs.prediction)}.",
        )
        self.play(FadeIn(title), Write(signature), run_time=1.5)
        self.play(Write(symbolic), run_time=1.5)
        self.play(TransformFromCopy(symbolic, self.values), run_time=2)
        self.play(FadeIn(diagram), FadeIn(digits), run_time=1.5)
        self.step(
            "Each neuron is a function too",
            f"And every neuron inside is a small function of the {sizes[layer - 1]} neurons before it:"
            " a weighted sum, a bias, a squish.",
        )
        self.play(FadeIn(highlight), Write(self.neuron_box), run_time=1.5)
        self.wait(1)
