from __future__ import annotations

from manim import DOWN, UP, FadeIn, Indicate, VGroup, Write

from scenes.mobjects.math_tex import MathFormula, grouped, require_latex
from scenes.mobjects.network_diagram import NetworkDiagram
from scenes.story.base import StoryScene

__all__ = ["ParameterCount"]


class ParameterCount(StoryScene):
    """784×16 + 16×16 + 16×10 weights + 42 biases = 13,002, from the loaded architecture.

    Each layer's n_in × n_out weights are written as its edges appear, then its n_out biases as its
    neurons flash; every count comes from the weight matrices' shapes.
    """

    chapter = "Counting weights and biases"  # its chapter in the explainer

    def construct(self):
        require_latex()
        theme, inputs = self.theme, self.story
        self.shapes = shapes = [(W.shape[1], W.shape[0]) for W in inputs.weights]
        self.weight_count = sum(n_in * n_out for n_in, n_out in shapes)
        self.bias_count = sum(b.size for b in inputs.biases)
        self.total = self.weight_count + self.bias_count

        title = self.text(f"{self.total:,} weights and biases to learn", "title").to_edge(UP, buff=0.35)
        diagram = NetworkDiagram(
            inputs.weights,
            theme=theme,
            typical=inputs.sample,
            range_legends=False,  # nothing lights up here
            max_shown=8,
            width=8,
            height=3.6,
            output_labels=False,
        ).next_to(title, DOWN, buff=0.45)
        products = [rf"{n_in} \times {n_out}" for n_in, n_out in shapes]
        self.weights_line = MathFormula(
            r"\text{weights: }",
            *self.interleave(products),
            "=",
            grouped(self.weight_count),
            theme=theme,
            font_size=theme.math_size,
        )
        self.biases_line = MathFormula(
            r"\text{biases: }",
            *self.interleave([str(n) for _, n in shapes]),
            "=",
            grouped(self.bias_count),
            theme=theme,
            font_size=theme.math_size,
        )
        self.total_line = MathFormula(
            r"\text{total: }",
            rf"{grouped(self.weight_count)} + {grouped(self.bias_count)}",
            "=",
            grouped(self.total),
            theme=theme,
            font_size=theme.math_size + 4,
        )
        self.total_line[-1].set_color(theme.highlight)
        lines = VGroup(self.weights_line, self.biases_line, self.total_line).arrange(DOWN, buff=0.4)
        lines.next_to(diagram, DOWN, buff=0.5)

        self.step(
            "Counting the weights",
            "Every edge carries a weight: each layer has as many as its neurons times the neurons of"
            f" the layer before, {self.weight_count:,} in all.",
        )
        self.play(
            FadeIn(title),
            *(FadeIn(layer) for layer in diagram.layers),
            FadeIn(diagram.decorations),
            FadeIn(diagram.size_labels),
            run_time=1,
        )
        self.play(Write(self.weights_line[0]), run_time=0.5)
        for layer, edges in enumerate(diagram.edges):
            self.play(
                FadeIn(edges), Write(self.layer_terms(self.weights_line, layer, len(shapes))), run_time=1
            )
        self.play(Write(VGroup(*self.weights_line[-2:])), run_time=0.7)
        self.step(
            "Counting the biases",
            f"Every neuron after the input has its own bias: {self.bias_count:,} more numbers.",
        )
        self.play(Write(self.biases_line[0]), run_time=0.5)
        for layer in range(len(shapes)):
            self.play(
                Indicate(diagram.layers[layer + 1], color=theme.highlight),
                Write(self.layer_terms(self.biases_line, layer, len(shapes))),
                run_time=0.8,
            )
        self.play(Write(VGroup(*self.biases_line[-2:])), run_time=0.5)
        self.step(
            f"{self.total:,} numbers to learn",
            f"Together that is {self.total:,} knobs and dials. Learning means finding values for all of"
            f" them that make the network read {self.story.item}s right.",
        )
        self.play(Write(self.total_line), run_time=1.2)
        self.wait(1)

    @staticmethod
    def interleave(terms: list[str]) -> list[str]:
        """term, "+", term, ..., term: each "+" follows the term before it."""
        return [
            part for k, term in enumerate(terms) for part in ([term, "+"] if k < len(terms) - 1 else [term])
        ]

    @staticmethod
    def layer_terms(line: VGroup, layer: int, layers: int) -> VGroup:
        """Layer `layer`'s term in a line "label, term, +, ..., term, =, total", with its "+" if any."""
        start = 1 + 2 * layer
        return VGroup(*line[start : start + (2 if layer < layers - 1 else 1)])
