"""The network in compact notation, with real numbers: its parameter count, one layer as
a(1) = sigma(W a(0) + b), and the whole network as one function from 784 numbers to 10.

Every count and dimension comes from the loaded weights' shapes; every entry shown is a real
weight, bias or exported activation rounded to the decimals shown.
"""

from __future__ import annotations

from manim import (DOWN, LEFT, RIGHT, UP, FadeIn, Indicate, ReplacementTransform, Scene, TransformFromCopy,
                   VGroup, Write)

from network.model import parameter_count
from scenes.diagram import NetworkDiagram
from scenes.inputs import StoryInputs, story_inputs
from scenes.notation import (FUNCTION_TEX, MathFormula, elided_matrix, elided_tuple, followed_neuron,
                             ink_pixels, require_latex)
from scenes.pixels import caption
from scenes.theme import Theme, apply_theme


def grouped(count: int) -> str:
    """An integer with thousands separators, for LaTeX: 13{,}002."""
    return f"{count:,}".replace(",", "{,}")


def layer_shapes(inputs: StoryInputs) -> list[tuple[int, int]]:
    """(n_in, n_out) of every layer, read from the weight matrices themselves."""
    return [(W.shape[1], W.shape[0]) for W in inputs.weights]


def vector_symbol(name: str, layer: int | None = None):
    """Entry symbols name^(layer)_i for elided_matrix/elided_tuple."""
    sup = "" if layer is None else f"^{{({layer})}}"
    return lambda i, j=0: f"{name}{sup}_{{{i}}}"


class ParameterCount(Scene):
    """n_in x n_out weights and n_out biases per layer, summed: 13,002 for 784-16-16-10."""

    def construct(self):
        require_latex()
        theme = apply_theme(self)
        inputs = story_inputs()
        self.shapes = shapes = layer_shapes(inputs)
        self.weight_count = sum(n_in * n_out for n_in, n_out in shapes)
        self.bias_count = sum(b.size for b in inputs.biases)
        self.total = self.weight_count + self.bias_count

        title = caption(f"{self.total:,} weights and biases to learn", theme, "title").to_edge(UP, buff=0.35)
        diagram = NetworkDiagram(inputs.weights, theme=theme, max_shown=8, width=8, height=3.6,
                                 output_labels=False).next_to(title, DOWN, buff=0.45)
        products = [rf"{n_in} \times {n_out}" for n_in, n_out in shapes]
        self.weights_line = MathFormula(r"\text{weights: }", *self.interleave(products), "=",
                                        grouped(self.weight_count), theme=theme, font_size=theme.math_size)
        self.biases_line = MathFormula(r"\text{biases: }", *self.interleave([str(n) for _, n in shapes]), "=",
                                       grouped(self.bias_count), theme=theme, font_size=theme.math_size)
        self.total_line = MathFormula(r"\text{total: }", rf"{grouped(self.weight_count)} + {grouped(self.bias_count)}",
                                      "=", grouped(self.total), theme=theme, font_size=theme.math_size + 4)
        self.total_line[-1].set_color(theme.highlight)
        lines = VGroup(self.weights_line, self.biases_line, self.total_line).arrange(DOWN, buff=0.4)
        lines.next_to(diagram, DOWN, buff=0.5)

        self.play(FadeIn(title), *(FadeIn(layer) for layer in diagram.layers), FadeIn(diagram.decorations),
                  FadeIn(diagram.size_labels), run_time=1)
        self.play(Write(self.weights_line[0]), run_time=0.5)
        for layer, edges in enumerate(diagram.edges):
            self.play(FadeIn(edges), Write(self.layer_terms(self.weights_line, layer, len(shapes))), run_time=1)
        self.play(Write(VGroup(*self.weights_line[-2:])), run_time=0.7)
        self.play(Write(self.biases_line[0]), run_time=0.5)
        for layer in range(len(shapes)):
            self.play(Indicate(diagram.layers[layer + 1], color=theme.highlight),
                      Write(self.layer_terms(self.biases_line, layer, len(shapes))), run_time=0.8)
        self.play(Write(VGroup(*self.biases_line[-2:])), run_time=0.5)
        self.play(Write(self.total_line), run_time=1.2)
        self.wait(1)

    @staticmethod
    def interleave(terms: list[str]) -> list[str]:
        """term, "+", term, ..., term: each "+" follows the term before it."""
        return [part for k, term in enumerate(terms) for part in ([term, "+"] if k < len(terms) - 1 else [term])]

    @staticmethod
    def layer_terms(line: VGroup, layer: int, layers: int) -> VGroup:
        """Layer `layer`'s term in a line "label, term, +, ..., term, =, total", with its "+" if any."""
        start = 1 + 2 * layer
        return VGroup(*line[start:start + (2 if layer < layers - 1 else 1)])


class MatrixVectorNotation(Scene):
    """a(1) = sigma(W a(0) + b) written out: symbols w_{i,j}, then the real entries of W1, b1, the
    followed digit's pixels (where it has ink) and its exported a(1); ends in the compact form."""

    def construct(self):
        require_latex()
        theme = apply_theme(self)
        inputs = story_inputs()
        W, b, a0, a1 = inputs.weights[0], inputs.biases[0], inputs.layer(0), inputs.layer(1)
        k, n = W.shape[0] - 1, W.shape[1] - 1
        rows, cols = [0, 1, k], [0, *ink_pixels(a0), n]
        f = FUNCTION_TEX[inputs.activation]

        title = caption("One whole layer in one line", theme, "title").to_edge(UP, buff=0.35)
        symbolic = self.layer_formula(f, theme, W, b, a0, a1, rows, cols, symbols=True)
        self.formula = self.layer_formula(f, theme, W, b, a0, a1, rows, cols, symbols=False)
        dims = caption(f"W: {k + 1} × {n + 1} weights w(i, j), rows i = 0 … k = {k}, columns j = 0 … n = {n}",
                       theme, "small", "muted").next_to(self.formula, DOWN, buff=0.35)
        self.compact = MathFormula(r"a^{(1)} = ", f, r"\left(W a^{(0)} + b\right)", theme=theme,
                                   font_size=theme.math_size + 6).to_edge(DOWN, buff=0.45)
        self.compact.set_color(theme.highlight)

        self.play(FadeIn(title), Write(symbolic), run_time=2)
        self.play(FadeIn(dims), run_time=1)
        self.play(*(ReplacementTransform(old, new) for old, new in zip(symbolic, self.formula)), run_time=2)
        self.play(Indicate(self.formula.blocks["a1"].mobjects(), color=theme.highlight), run_time=1.5)
        self.play(Write(self.compact), run_time=1.5)
        self.wait(1)

    @staticmethod
    def layer_formula(f: str, theme: Theme, W, b, a0, a1, rows, cols, symbols: bool) -> MathFormula:
        """f(W a0 + b) = a1 with the same elisions either as symbols or as real numbers."""
        symbol = vector_symbol if symbols else (lambda *_: None)
        formula = MathFormula(
            f + r"\left(", ("W", elided_matrix(W, rows, cols, symbol=(lambda i, j: f"w_{{{i},{j}}}") if symbols else None)),
            ("a0", elided_matrix(a0, cols, symbol=symbol("a", 0))), "+", ("b", elided_matrix(b, rows, symbol=symbol("b"))),
            r"\right)", "=", ("a1", elided_matrix(a1, rows, symbol=symbol("a", 1))), theme=theme,
            font_size=theme.math_size)
        if not symbols:
            for block in ("W", "b"):
                for key, value in formula.blocks[block].entries.items():
                    formula.blocks[block].entry(key).set_color(theme.weight_color(value))
        return formula.scale_to_fit_width(min(formula.width, 13.0)).move_to(0.3 * UP)


class NetworkAsFunction(Scene):
    """f: R^784 -> R^10 with its parameter count, f(a_0, ..., a_783) = (y_0, ..., y_9) with the
    followed digit's real pixels and output probabilities, and one neuron as a function."""

    def construct(self):
        require_latex()
        theme = apply_theme(self)
        inputs = story_inputs()
        sizes = inputs.sizes
        a0, outputs = inputs.layer(0), inputs.layer(len(sizes) - 1)
        self.parameters = parameter_count(sizes)
        shown = [0, *ink_pixels(a0), sizes[0] - 1]

        title = caption("The whole network is one function", theme, "title").to_edge(UP, buff=0.35)
        signature = MathFormula(rf"f\colon \mathbb{{R}}^{{{sizes[0]}}} \to \mathbb{{R}}^{{{sizes[-1]}}}",
                                rf"\quad \text{{with {grouped(self.parameters)} parameters}}",
                                theme=theme, font_size=theme.math_size).next_to(title, DOWN, buff=0.35)
        symbolic = MathFormula("f", ("a", elided_tuple(a0, shown, symbol=vector_symbol("a"))), "=",
                               ("y", elided_tuple(outputs, range(len(outputs)), symbol=vector_symbol("y"))),
                               theme=theme, font_size=theme.math_size - 4)
        self.values = MathFormula("f", ("a", elided_tuple(a0, shown)), "=",
                                  ("y", elided_tuple(outputs, range(len(outputs)))), theme=theme,
                                  font_size=theme.math_size - 4)
        self.values.blocks["y"].entry(inputs.prediction).set_color(theme.highlight)
        VGroup(symbolic, self.values).arrange(DOWN, buff=0.4).next_to(signature, DOWN, buff=0.45)

        diagram = NetworkDiagram(inputs.weights, theme=theme, max_shown=10, width=4.4, height=3.0,
                                 output_labels=False).to_corner(DOWN + LEFT, buff=0.5).shift(0.6 * RIGHT)
        digits = VGroup(*(caption(str(k), theme, "small").next_to(circle, RIGHT, buff=0.12)
                          for k, circle in zip(diagram.shown[-1], diagram.layers[-1])))
        for layer in range(len(sizes)):
            diagram.set_activations(layer, inputs.layer(layer))
        layer, j = followed_neuron(inputs)
        neuron = MathFormula(rf"a^{{({layer})}}_{{{j}}} = {FUNCTION_TEX[inputs.activation]}"
                             rf"\left(w_{{{j}}} \cdot a^{{({layer - 1})}} + b_{{{j}}}\right)",
                             theme=theme, font_size=theme.math_size)
        note = VGroup(caption("and each neuron is a function", theme, "small", "muted"),
                      caption(f"of the {sizes[layer - 1]} neurons before it", theme, "small", "muted"))
        self.neuron_box = VGroup(neuron, note.arrange(DOWN, buff=0.08)).arrange(DOWN, buff=0.3)
        self.neuron_box.move_to([(digits.get_right()[0] + 7.1) / 2, diagram.get_center()[1], 0])
        highlight = diagram.neuron(layer, j).copy().set_stroke(theme.highlight, width=5) \
            if j in diagram.shown[layer] else VGroup()

        self.play(FadeIn(title), Write(signature), run_time=1.5)
        self.play(Write(symbolic), run_time=1.5)
        self.play(TransformFromCopy(symbolic, self.values), run_time=2)
        self.play(FadeIn(diagram), FadeIn(digits), run_time=1.5)
        self.play(FadeIn(highlight), Write(self.neuron_box), run_time=1.5)
        self.wait(1)
